from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

PO_NL = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def _entries():
    return [entry for entry in polib.pofile(str(PO_NL)) if not entry.obsolete]


def test_every_dutch_message_is_translated_and_not_fuzzy():
    untranslated = [e.msgid for e in _entries() if not e.translated()]
    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file():
    # The .mo is committed (a fresh machine may lack gettext); it must be compiled from this .po.
    with translation.override("nl"):
        stale = [
            e.msgid
            for e in _entries()
            if not e.msgid_plural
            and (
                translation.pgettext(e.msgctxt, e.msgid)
                if e.msgctxt
                else translation.gettext(e.msgid)
            )
            != e.msgstr
        ]
    assert stale == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_language_is_offered(language):
    assert language in dict(settings.LANGUAGES)
