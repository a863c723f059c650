"""Area handprints: one set-wise SQL statement sums the stored initiative results per area.

Money in the JSON columns is text, so no amount passes through a float. Besides the totals
and the per-SDG figures, each area gets what officers asked for (issue #18):

- per activity: the initiatives declaring it and the value of the lines it brings. A line
  goes to the first declared activity, in the version's order, that lists its indicator —
  the profile's grouping (impact.selectors._lines_by_activity) — so nothing counts twice;
  the key "" holds the value of lines no declared activity lists (the volunteer hours);
- per kind of value (R10): the sum of the results' stored subtotals;
- per split key: each valued line's value split over its SDGs and SDG targets in whole
  cents by largest remainder, exactly as scoring.split_exact splits it for the SDG rows, so
  the parts of a goal ("3" and "3.4", "3.a" …) add up to that goal's value in `sdgs`;
- coverage: months reported and months with activity quantities, summed, and how many
  initiatives have at least one month with activity quantities.
"""

from django.db import connection

from common.pagecache import AREAS, generation_bump
from impact.models import AreaHandprint, MethodVersion
from impact.scoring import rolling_window

_REBUILD_TEMPLATE = """
WITH base AS (
    SELECT r.id, r.initiative_id, r.period_kind, r.period_start, r.volunteer_hours,
           r.volunteers_avg, r.people_avg, r.value_low, r.value_central, r.value_high,
           r.months_reported, r.months_with_activities,
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
), line_rows AS (
    -- The valued lines of each result (a line counted in another one has no value), only
    -- the fields used below: the lines' texts (sources) would make this table ten times wider.
    SELECT b.id, b.initiative_id, l.ord, l.line ->> 'indicator' AS indicator,
           (l.line -> 'value' ->> 'low')::numeric AS low,
           (l.line -> 'value' ->> 'central')::numeric AS central,
           (l.line -> 'value' ->> 'high')::numeric AS high,
           ((l.line -> 'value' ->> 'low')::numeric * 100)::bigint AS u_low,
           ((l.line -> 'value' ->> 'central')::numeric * 100)::bigint AS u_central,
           ((l.line -> 'value' ->> 'high')::numeric * 100)::bigint AS u_high,
           l.line -> 'split' AS split
    FROM base b
    JOIN impact_handprintresult r ON r.id = b.id
    CROSS JOIN LATERAL jsonb_array_elements(r.lines) WITH ORDINALITY AS l(line, ord)
    WHERE jsonb_typeof(l.line -> 'value') = 'object'
), line_activity AS (
    SELECT DISTINCT ON (lr.id, lr.ord) lr.id, lr.ord, a.code
    FROM line_rows lr
    JOIN impact_initiativeactivity ia ON ia.initiative_id = lr.initiative_id
    JOIN impact_methodactivity ma ON ma.activity_id = ia.activity_id
        AND ma.version_id = %(version)s AND ma.indicator_codes ? lr.indicator
    JOIN impact_activity a ON a.id = ma.activity_id
    ORDER BY lr.id, lr.ord, ma.position, a.code
), result_activity AS (
    -- Per result and activity: declared (1 or 0) and the value of its lines. Lines of no
    -- declared activity go under "", counted once per result that has them.
    SELECT b.id, a.code AS activity, 1 AS declared, 0 AS low, 0 AS central, 0 AS high
    FROM base b
    JOIN impact_initiativeactivity ia ON ia.initiative_id = b.initiative_id
    JOIN impact_activity a ON a.id = ia.activity_id
    UNION ALL
    SELECT lr.id, COALESCE(la.code, ''), CASE WHEN la.code IS NULL THEN 1 ELSE 0 END,
           sum(lr.low), sum(lr.central), sum(lr.high)
    FROM line_rows lr LEFT JOIN line_activity la USING (id, ord)
    GROUP BY lr.id, COALESCE(la.code, ''), la.code IS NULL
), cell_activity AS (
    SELECT b.province_id, b.municipality_id, b.district_id, b.neighbourhood_id, b.period_kind,
           b.period_start,
           x.activity AS key, sum(x.declared) AS initiatives, sum(x.low) AS low,
           sum(x.central) AS central, sum(x.high) AS high
    FROM result_activity x JOIN base b ON b.id = x.id
    GROUP BY 1, 2, 3, 4, 5, 6, 7
), activity_json AS (
    SELECT level, code, period_kind, period_start,
           jsonb_object_agg(key, jsonb_build_object(
               'initiatives', initiatives, 'low', low::text, 'central', central::text,
               'high', high::text
           )) AS by_activity
    FROM ({activity_areas}) per_activity
    GROUP BY 1, 2, 3, 4
), cell_kind AS (
    SELECT b.province_id, b.municipality_id, b.district_id, b.neighbourhood_id, b.period_kind,
           b.period_start,
           k.key, sum((k.value ->> 'low')::numeric) AS low,
           sum((k.value ->> 'central')::numeric) AS central,
           sum((k.value ->> 'high')::numeric) AS high
    FROM base b
    JOIN impact_handprintresult r ON r.id = b.id
    CROSS JOIN LATERAL jsonb_each(r.by_kind) AS k(key, value)
    GROUP BY 1, 2, 3, 4, 5, 6, 7
), kind_json AS (
    SELECT level, code, period_kind, period_start,
           jsonb_object_agg(key, jsonb_build_object(
               'low', low::text, 'central', central::text, 'high', high::text
           )) AS by_kind
    FROM ({kind_areas}) per_kind
    GROUP BY 1, 2, 3, 4
), shares AS MATERIALIZED (
    -- Each valued line's split in whole cents: share n/d of u cents is floor(u·n/d) plus one
    -- cent for the largest remainders r/d (r = u·n mod d), ties to the earlier position, as
    -- scoring.split_exact does. All in bigint: cents below 10^14 (MONEY) times a numerator;
    -- `rk` = r·10^12 div d orders the remainders exactly while denominators stay below 10^6
    -- (different fractions stay apart, equal ones tie; the method's shares have
    -- denominators in the tens). Materialized, so each expression is evaluated once.
    SELECT id, ord, pos, key, u_low, u_central, u_high,
           (x_low - r_low) / d AS f_low, (x_central - r_central) / d AS f_central,
           (x_high - r_high) / d AS f_high, r_low * 1000000000000 / d AS rk_low,
           r_central * 1000000000000 / d AS rk_central, r_high * 1000000000000 / d AS rk_high
    FROM (
        SELECT *, mod(mod(x_low, d) + d, d) AS r_low, mod(mod(x_central, d) + d, d) AS r_central,
               mod(mod(x_high, d) + d, d) AS r_high
        FROM (
            SELECT lr.id, lr.ord, s.pos, s.part ->> 0 AS key, f.d, lr.u_low, lr.u_central,
                   lr.u_high, lr.u_low * f.n AS x_low, lr.u_central * f.n AS x_central,
                   lr.u_high * f.n AS x_high
            FROM line_rows lr
            CROSS JOIN LATERAL jsonb_array_elements(lr.split) WITH ORDINALITY AS s(part, pos)
            CROSS JOIN LATERAL (
                SELECT split_part(s.part ->> 1, '/', 1)::bigint AS n,
                       COALESCE(NULLIF(split_part(s.part ->> 1, '/', 2), ''), '1')::bigint AS d
                OFFSET 0
            ) f
            OFFSET 0
        ) products
        OFFSET 0
    ) remainders
), ranked AS (
    SELECT id, key,
           f_low + CASE WHEN row_number() OVER (PARTITION BY id, ord ORDER BY rk_low DESC, pos)
                             <= u_low - sum(f_low) OVER (PARTITION BY id, ord)
                        THEN 1 ELSE 0 END AS c_low,
           f_central + CASE WHEN row_number() OVER (
                                     PARTITION BY id, ord ORDER BY rk_central DESC, pos)
                                 <= u_central - sum(f_central) OVER (PARTITION BY id, ord)
                            THEN 1 ELSE 0 END AS c_central,
           f_high + CASE WHEN row_number() OVER (PARTITION BY id, ord ORDER BY rk_high DESC, pos)
                              <= u_high - sum(f_high) OVER (PARTITION BY id, ord)
                         THEN 1 ELSE 0 END AS c_high
    FROM shares
), cell_target AS (
    SELECT b.province_id, b.municipality_id, b.district_id, b.neighbourhood_id, b.period_kind,
           b.period_start,
           k.key, sum(k.c_low) AS low, sum(k.c_central) AS central, sum(k.c_high) AS high
    FROM ranked k JOIN base b ON b.id = k.id
    GROUP BY 1, 2, 3, 4, 5, 6, 7
), target_json AS (
    SELECT level, code, period_kind, period_start,
           jsonb_object_agg(key, jsonb_build_object(
               'low', (low / 100)::numeric(16, 2)::text,
               'central', (central / 100)::numeric(16, 2)::text,
               'high', (high / 100)::numeric(16, 2)::text
           )) AS by_target
    FROM ({target_areas}) per_key
    GROUP BY 1, 2, 3, 4
), totals AS (
    SELECT level, code, period_kind, period_start, count(*) AS initiatives,
           sum(volunteer_hours) AS hours, sum(volunteers_avg) AS volunteers,
           sum(people_avg) AS people, sum(value_low) AS low, sum(value_central) AS central,
           sum(value_high) AS high, sum(months_reported) AS months_reported,
           sum(months_with_activities) AS months_with_activities,
           count(*) FILTER (WHERE months_with_activities > 0) AS with_activities
    FROM areas GROUP BY 1, 2, 3, 4
)
INSERT INTO impact_areahandprint
    (area_code, level, version_id, period_kind, period_start, initiatives, volunteer_hours,
     volunteers, people, value_low, value_central, value_high, sdgs, by_activity, by_kind,
     by_target, months_reported, months_with_activities, initiatives_with_activities,
     computed_at)
SELECT t.code, t.level, %(version)s, t.period_kind, t.period_start, t.initiatives, t.hours,
       t.volunteers, t.people, t.low, t.central, t.high, COALESCE(j.sdgs, '{}'::jsonb),
       COALESCE(ac.by_activity, '{}'::jsonb), COALESCE(k.by_kind, '{}'::jsonb),
       COALESCE(tg.by_target, '{}'::jsonb), t.months_reported, t.months_with_activities,
       t.with_activities, now()
FROM totals t
LEFT JOIN sdg_json j USING (level, code, period_kind, period_start)
LEFT JOIN activity_json ac USING (level, code, period_kind, period_start)
LEFT JOIN kind_json k USING (level, code, period_kind, period_start)
LEFT JOIN target_json tg USING (level, code, period_kind, period_start)
"""


def _per_area(cells: str, sums: tuple[str, ...]) -> str:
    """A per-cell CTE (a cell: the results of one buurt, wijk, gemeente and period) summed
    per area of each level and key. The new figures roll up from cells instead of joining
    every result to its four areas: far fewer rows reach the grouping."""
    summed = ", ".join(f"sum({column}) AS {column}" for column in sums)
    levels = (
        ("province", "province_id", ""),
        ("municipality", "municipality_id", ""),
        ("district", "district_id", " WHERE district_id IS NOT NULL"),
        ("neighbourhood", "neighbourhood_id", " WHERE neighbourhood_id IS NOT NULL"),
    )
    # Only this module's constant names go into the text: no input reaches it.
    return "\n        UNION ALL ".join(
        f"SELECT '{level}' AS level, {column} AS code, period_kind, period_start, key, "  # noqa: S608
        f"{summed} FROM {cells}{where} GROUP BY 2, 3, 4, 5"
        for level, column, where in levels
    )


REBUILD_SQL = (
    _REBUILD_TEMPLATE.replace(
        "{activity_areas}",
        _per_area("cell_activity", ("initiatives", "low", "central", "high")),
    )
    .replace("{kind_areas}", _per_area("cell_kind", ("low", "central", "high")))
    .replace("{target_areas}", _per_area("cell_target", ("low", "central", "high")))
)


def area_aggregates_rebuild(*, version: MethodVersion, today=None) -> int:  # noqa: ANN001
    """Replaces every area aggregate of the version in two statements; returns the row count."""
    from django.utils import timezone

    window = rolling_window(today or timezone.localdate())
    AreaHandprint.objects.filter(version=version).delete()
    # Raw SQL sends no signal: the area pages are told after the commit.
    generation_bump(AREAS)
    with connection.cursor() as cursor:
        cursor.execute(REBUILD_SQL, {"version": version.pk, "window_start": window.start})
        return cursor.rowcount
