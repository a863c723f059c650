"""Beat warms the page cache shortly after midnight, when the date in every key turns over."""

import logging

from celery import shared_task
from django.conf import settings

from pagecache.warm import WarmError, default_host, warm

logger = logging.getLogger(__name__)


@shared_task(name="pagecache.tasks.page_cache_warm", ignore_result=True)
def page_cache_warm_task() -> int:
    """Renders the public pages of the new day; 0 when PAGE_CACHE_WARM is off or Redis is down."""
    if not getattr(settings, "PAGE_CACHE_WARM", False):
        return 0
    scheme, host = default_host()
    try:
        # One process: a Celery prefork child may not fork. Stopped before the task's time
        # limit; what is left is rendered by its first visitor, as without a warmer.
        result, seconds = warm(
            scheme=scheme,
            host=host,
            languages=settings.PAGE_CACHE_WARM_LANGUAGES,
            seconds=settings.PAGE_CACHE_WARM_SECONDS,
        )
    except WarmError as error:
        logger.warning("page cache warm skipped: %s", error)
        return 0
    logger.info(
        "page cache warmed: %d rendered, %d skipped, %d left (time), %d errors, %.1f s, %d bytes",
        result.rendered,
        result.skipped,
        result.left,
        len(result.errors),
        seconds,
        result.bytes_stored,
    )
    for language, path, why in result.errors[:20]:
        logger.warning("page cache warm: [%s] %s: %s", language, path, why)
    return result.rendered
