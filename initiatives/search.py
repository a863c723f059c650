"""Spelling help for the full-text search: unknown words become the nearest known word.

Full text (stemmed Dutch, accents folded) finds and ranks; only when it finds nothing at all
does a query look here, so a correct search never pays for it. The known words are those of
published initiatives (`SearchWord`, filled by a trigger), so a correction never reveals a
draft's text.
"""

import re

from django.db import connection

WORD = re.compile(r"\w+")
MAX_WORDS = 10

# A known word stays; an unknown one becomes the nearest known word above pg_trgm's
# similarity threshold (0.3), found through the GiST trigram index.
NEAREST_SQL = """
SELECT w.original,
       CASE WHEN EXISTS (SELECT 1 FROM initiatives_searchword s WHERE s.word = w.folded)
            THEN NULL
            ELSE (SELECT s.word FROM initiatives_searchword s
                  WHERE s.word %% w.folded ORDER BY s.word <-> w.folded LIMIT 1)
       END
FROM (
    SELECT o AS original, public.f_unaccent(lower(o)) AS folded, n
    FROM unnest(%s::text[]) WITH ORDINALITY AS u (o, n)
) AS w
ORDER BY w.n
"""


def corrected_search(text: str) -> str | None:
    """`text` with its misspelt words corrected, or None when there is nothing to correct."""
    words = list(dict.fromkeys(WORD.findall(text)))[:MAX_WORDS]
    if not words:
        return None
    with connection.cursor() as cursor:
        cursor.execute(NEAREST_SQL, [words])
        replacements = {original: nearest for original, nearest in cursor.fetchall() if nearest}
    if not replacements:
        return None
    return WORD.sub(lambda match: replacements.get(match.group(0), match.group(0)), text)


# The same words the trigger of migration 0004 collects, from every published initiative at
# once. A bulk load that skips triggers (`session_replication_role = replica`, as the bench's
# seeding and a pg_restore with triggers disabled do) leaves the table empty, and then no typo
# is ever corrected: this fills it again, set-wise, and is idempotent.
SEARCH_WORDS_REBUILD_SQL = """
INSERT INTO initiatives_searchword (word)
SELECT DISTINCT w
FROM initiatives_initiative r,
     regexp_split_to_table(
         public.f_unaccent(lower(r.name || ' ' || r.summary || ' ' || r.description)),
         '[^[:alnum:]]+') AS w
WHERE r.status = 'published' AND length(w) BETWEEN 3 AND 100
  AND w !~ '^[0-9]+$'
ON CONFLICT DO NOTHING
"""


def search_words_rebuild() -> int:
    """Collects the words of every published initiative, as the trigger would have; returns
    how many words were new."""
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_WORDS_REBUILD_SQL)
        return cursor.rowcount
