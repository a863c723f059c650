"""Every URL pattern of the project, for tests that must cover each route (CSRF, IDOR,
privacy): a new route is then tested, or fails the test that does not know it yet."""

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def url_patterns() -> Iterator[tuple[str, URLPattern, str | None]]:
    """(route, pattern, namespaced name) of every pattern, those of included URLconfs too."""

    def walk(patterns: list, prefix: str, namespace: str) -> Iterator:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                assert isinstance(pattern, URLPattern)
                name = pattern.name and (
                    f"{namespace}:{pattern.name}" if namespace else pattern.name
                )
                yield prefix + str(pattern.pattern), pattern, name

    yield from walk(get_resolver().url_patterns, "", "")
