"""Area handprints: one set-wise SQL statement sums the stored initiative results per area.

Money in the per-SDG JSON is text, so no amount passes through a float.
"""

from django.db import connection

from impact.models import AreaHandprint, MethodVersion
from impact.scoring import rolling_window

REBUILD_SQL = """
WITH base AS (
    SELECT r.id, r.period_kind, r.period_start, r.volunteer_hours, r.volunteers_avg,
           r.people_avg, r.value_low, r.value_central, r.value_high,
           m.province_id, i.municipality_id, i.district_id, i.neighbourhood_id
    FROM impact_handprintresult r
    JOIN initiatives_initiative i ON i.id = r.initiative_id AND i.status = 'published'
    JOIN places_municipality m ON m.code = i.municipality_id
    WHERE r.version_id = %(version)s
      AND (r.period_kind = 'year' OR r.period_start = %(window_start)s)
), areas AS (
    SELECT 'province' AS level, province_id AS code, base.* FROM base
    UNION ALL SELECT 'municipality', municipality_id, base.* FROM base
    UNION ALL SELECT 'district', district_id, base.* FROM base WHERE district_id IS NOT NULL
    UNION ALL SELECT 'neighbourhood', neighbourhood_id, base.* FROM base
        WHERE neighbourhood_id IS NOT NULL
), per_sdg AS (
    SELECT a.level, a.code, a.period_kind, a.period_start, s.goal_id,
           sum(s.value_low) AS low, sum(s.value_central) AS central, sum(s.value_high) AS high,
           sum(s.hours) AS hours, sum(s.people) AS people
    FROM areas a JOIN impact_handprintsdg s ON s.result_id = a.id
    GROUP BY 1, 2, 3, 4, 5
), sdg_json AS (
    SELECT level, code, period_kind, period_start,
           jsonb_object_agg(goal_id::text, jsonb_build_object(
               'low', low::text, 'central', central::text, 'high', high::text,
               'hours', hours::text, 'people', people
           )) AS sdgs
    FROM per_sdg GROUP BY 1, 2, 3, 4
),
totals AS (
    SELECT level, code, period_kind, period_start, count(*) AS initiatives,
           sum(volunteer_hours) AS hours, sum(volunteers_avg) AS volunteers,
           sum(people_avg) AS people, sum(value_low) AS low, sum(value_central) AS central,
           sum(value_high) AS high
    FROM areas GROUP BY 1, 2, 3, 4
)
INSERT INTO impact_areahandprint
    (area_code, level, version_id, period_kind, period_start, initiatives, volunteer_hours,
     volunteers, people, value_low, value_central, value_high, sdgs, computed_at)
SELECT t.code, t.level, %(version)s, t.period_kind, t.period_start, t.initiatives, t.hours,
       t.volunteers, t.people, t.low, t.central, t.high, COALESCE(j.sdgs, '{}'::jsonb), now()
FROM totals t
LEFT JOIN sdg_json j USING (level, code, period_kind, period_start)
"""


def area_aggregates_rebuild(*, version: MethodVersion, today=None) -> int:  # noqa: ANN001
    """Replaces every area aggregate of the version in two statements; returns the row count."""
    from django.utils import timezone

    window = rolling_window(today or timezone.localdate())
    AreaHandprint.objects.filter(version=version).delete()
    with connection.cursor() as cursor:
        cursor.execute(REBUILD_SQL, {"version": version.pk, "window_start": window.start})
        return cursor.rowcount
