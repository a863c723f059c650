"""Recomputes every handprint set-wise in SQL, in resumable chunks recorded in a job row.

The SQL reproduces `impact.scoring.compute` to the cent (tests/test_recompute_all.py compares
both paths on every stored figure). The method version's constants are read in Python from the
same `method_spec` the pure function takes and passed as parameters; everything per initiative
happens in PostgreSQL: one INSERT … SELECT per chunk with window functions for the
largest-remainder splits.
"""

import datetime
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from math import lcm

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from common.pagecache import HANDPRINTS, generation_bump
from impact.methods import current_version, method_spec, versions_in_use
from impact.models import Activity, Indicator, MethodVersion, RecomputeJob
from impact.scoring import (
    EXCHANGE_REPORTED,
    ONE,
    IndicatorSpec,
    Line,
    MethodSpec,
    Period,
    Split,
    SplitKey,
    goal_of,
    key_order,
    rolling_window,
    subtotal_key,
)
from impact.services import areas_mark_stale, line_json
from initiatives.models import Initiative

# pg_try_advisory_lock key: at most one set-wise recompute at a time, across all workers.
LOCK_KEY = 0x42_75_75_72_68_70  # "Buurhp"

Progress = Callable[[int, int], None]


class RecomputeBusy(RuntimeError):
    """Another session is running a set-wise recompute."""


# Rounds as scoring.average and scoring.round_half_up do: PostgreSQL rounds numeric half away
# from zero, which is half up for the non-negative figures we have.
CHUNK_SQL = """
WITH spec AS (
    SELECT * FROM unnest(
        %(ord)s::int[], %(indicator_id)s::bigint[], %(low)s::numeric[], %(central)s::numeric[],
        %(high)s::numeric[], %(factor)s::numeric[], %(follows)s::text[], %(prefix)s::text[],
        %(agg)s::text[], %(pmax)s::numeric[], %(ogroup)s::text[], %(oprio)s::int[],
        %(deducts)s::boolean[], %(kind)s::text[], %(code)s::text[]
    ) AS s(ord, indicator_id, low, central, high, factor, follows, prefix, agg, pmax, ogroup,
           oprio, deducts, kind, code)
), fixed AS (
    SELECT * FROM unnest(%(fixed_ord)s::int[], %(fixed_key)s::text[], %(fixed_goal)s::int[],
                         %(fixed_pos)s::int[], %(fixed_w)s::bigint[], %(fixed_d)s::bigint[])
        AS f(ord, key, goal, pos, w, d)
), act AS (
    SELECT * FROM unnest(%(act_id)s::bigint[], %(act_key)s::text[], %(act_goal)s::int[],
                         %(act_pos)s::int[], %(act_w)s::bigint[])
        AS a(activity_id, key, goal, pos, w)
), chunk AS (
    SELECT initiative_id FROM impact_handprintstate
    WHERE initiative_id > %(lo)s AND initiative_id <= %(hi)s
), goals AS (
    SELECT initiative_id, goal_id, position,
           count(*) OVER (PARTITION BY initiative_id) AS n,
           row_number() OVER (PARTITION BY initiative_id ORDER BY position) AS rank
    FROM initiatives_initiativegoal
    WHERE initiative_id > %(lo)s AND initiative_id <= %(hi)s
), own AS (
    -- scoring.own_split as integer weights over a common denominator: primary 1/2 = k/2k,
    -- each of the k others 1/2k; a lone primary 1/1. Ties go to the earlier position.
    SELECT initiative_id, goal_id::text AS key, goal_id AS goal, position AS pos,
           (CASE WHEN n = 1 THEN 1 WHEN rank = 1 THEN n - 1 ELSE 1 END)::bigint AS w,
           (CASE WHEN n = 1 THEN 1 ELSE 2 * (n - 1) END)::bigint AS d
    FROM goals
), known AS (
    -- scoring.mix_split: the declared activities the version knows, each weighing 1/n.
    SELECT ia.initiative_id, ia.activity_id,
           count(*) OVER (PARTITION BY ia.initiative_id) AS n
    FROM impact_initiativeactivity ia
    WHERE ia.initiative_id > %(lo)s AND ia.initiative_id <= %(hi)s
      AND ia.activity_id IN (SELECT activity_id FROM act)
), declared AS (
    SELECT k.initiative_id, a.key, a.goal, a.pos, a.w, k.n
    FROM known k JOIN act a USING (activity_id)
), mix AS (
    SELECT initiative_id, key, goal, pos, sum(w)::bigint AS w, n * %(act_d)s::bigint AS d
    FROM declared GROUP BY initiative_id, key, goal, pos, n
    UNION ALL
    SELECT o.* FROM own o
    WHERE NOT EXISTS (SELECT 1 FROM declared x WHERE x.initiative_id = o.initiative_id)
), follow AS (
    -- Only the splits the version's lines follow: the other branch is planned away.
    SELECT 'own' AS follows, own.* FROM own WHERE 'own' = ANY(%(follows_used)s::text[])
    UNION ALL
    SELECT 'mix', mix.* FROM mix WHERE 'mix' = ANY(%(follows_used)s::text[])
), follow_json AS (
    -- The split as services.line_json writes it: [[3, "1/2"], ["3.4", "1/4"], …].
    SELECT follows, initiative_id,
           '[' || string_agg(
               '[' || CASE WHEN key ~ '^[0-9]+$' THEN key ELSE '"' || key || '"' END || ', "'
               || (w / gcd(w, d)) || CASE WHEN d / gcd(w, d) = 1 THEN ''
                                          ELSE '/' || (d / gcd(w, d)) END
               || '"]', ', ' ORDER BY pos) || ']' AS split
    FROM follow GROUP BY follows, initiative_id
), months AS (
    -- services.load_inputs: a month with only indicator quantities counts as reported, 0/0/0,
    -- unless all of them are exchange-reported (partner hours): then it is not reported.
    SELECT initiative_id, month, volunteer_hours AS hours, active_volunteers AS volunteers,
           people_reached AS people, true AS reported
    FROM initiatives_activityreport
    WHERE initiative_id > %(lo)s AND initiative_id <= %(hi)s
    UNION ALL
    SELECT q.initiative_id, q.month, 0, 0, 0,
           bool_or(q.indicator_id <> ALL(%(exchange_ids)s::bigint[]))
    FROM impact_indicatorquantity q
    WHERE q.initiative_id > %(lo)s AND q.initiative_id <= %(hi)s
      AND NOT EXISTS (
          -- The chunk's bounds again: the anti-join then reads the chunk's reports, not all.
          SELECT 1 FROM initiatives_activityreport a
          WHERE a.initiative_id = q.initiative_id AND a.month = q.month
            AND a.initiative_id > %(lo)s AND a.initiative_id <= %(hi)s
      )
    GROUP BY q.initiative_id, q.month
), activity_months AS (
    -- scoring.compute: a month carries activities when it has a figure (not rejected) of
    -- an indicator of the version that the initiative reports, held for review or not.
    SELECT DISTINCT q.initiative_id, q.month
    FROM impact_indicatorquantity q JOIN spec s ON s.indicator_id = q.indicator_id
    WHERE q.initiative_id > %(lo)s AND q.initiative_id <= %(hi)s AND q.review <> 'rejected'
      AND q.indicator_id <> ALL(%(exchange_ids)s::bigint[])
), month_parts AS (
    -- Partial sums per calendar year, inside or outside the rolling window: each period is
    -- then a sum of parts (a few per initiative) instead of a pass over every month twice.
    SELECT m.initiative_id, date_trunc('year', m.month::timestamp)::date AS year,
           m.month >= %(window_start)s::date AND m.month < %(window_end)s::date AS inside,
           count(*) FILTER (WHERE m.reported) AS months, count(a.month) AS months_q,
           sum(hours) AS hours,
           sum(volunteers) AS volunteers, max(volunteers) AS volunteers_max,
           sum(people) AS people, max(people) AS people_max
    FROM months m LEFT JOIN activity_months a USING (initiative_id, month)
    GROUP BY 1, 2, 3
), totals AS (
    -- Each month counts in its calendar year and, when inside it, in the rolling window.
    SELECT m.initiative_id, p.kind, p.start, p.stop, sum(m.months)::bigint AS months_reported,
           sum(m.months_q)::bigint AS months_q, sum(m.hours) AS hours,
           -- A period of only unreported months (partner hours) averages to 0, as average([]).
           COALESCE(round(sum(m.volunteers)::numeric / NULLIF(sum(m.months), 0), 0), 0)
               AS volunteers_avg,
           max(m.volunteers_max) AS volunteers_max,
           COALESCE(round(sum(m.people)::numeric / NULLIF(sum(m.months), 0), 0), 0)
               AS people_avg,
           max(m.people_max) AS people_max
    FROM month_parts m
    CROSS JOIN LATERAL (VALUES
        ('year', m.year, (m.year + interval '1 year')::date),
        ('rolling12', %(window_start)s::date, %(window_end)s::date)
    ) AS p(kind, start, stop)
    WHERE p.kind = 'year' OR m.inside
    GROUP BY m.initiative_id, p.kind, p.start, p.stop
    UNION ALL
    -- The rolling window is stored even without a reported month: zeros.
    SELECT initiative_id, 'rolling12', %(window_start)s::date, %(window_end)s::date,
           0, 0, 0, 0, 0, 0, 0
    FROM chunk c
    WHERE NOT EXISTS (
        SELECT 1 FROM month_parts m WHERE m.initiative_id = c.initiative_id AND m.inside
    )
), quantity_parts AS (
    -- R11: above the plausible maximum a quantity counts only once accepted; rejected never.
    -- Partial sums as for the months: per indicator, year and inside the window or not.
    SELECT q.initiative_id, s.ord, date_trunc('year', q.month::timestamp)::date AS year,
           q.month >= %(window_start)s::date AND q.month < %(window_end)s::date AS inside,
           sum(q.quantity) FILTER (
               WHERE s.pmax IS NULL OR q.quantity <= s.pmax OR q.review = 'accepted'
           ) AS counted,
           count(*) FILTER (
               WHERE NOT (s.pmax IS NULL OR q.quantity <= s.pmax OR q.review = 'accepted')
           ) AS held
    FROM impact_indicatorquantity q
    JOIN spec s ON s.indicator_id = q.indicator_id
    WHERE q.initiative_id > %(lo)s AND q.initiative_id <= %(hi)s AND q.review <> 'rejected'
    GROUP BY 1, 2, 3, 4
), reported AS (
    SELECT q.initiative_id, p.kind, p.start, q.ord, sum(q.counted) AS counted,
           sum(q.held) AS held
    FROM quantity_parts q
    CROSS JOIN LATERAL (VALUES ('year', q.year), ('rolling12', %(window_start)s::date))
        AS p(kind, start)
    WHERE p.kind = 'year' OR q.inside
    GROUP BY q.initiative_id, p.kind, p.start, q.ord
), held AS (
    SELECT initiative_id, kind, start, sum(held) AS held
    FROM reported GROUP BY initiative_id, kind, start
), summed AS (
    -- R4: flows and new units are summed; a stock's monthly figures become unit-years.
    SELECT r.initiative_id, r.kind, r.start, r.ord,
           CASE WHEN s.agg = 'stock' THEN round(COALESCE(r.counted, 0) / 12, 4)
                ELSE COALESCE(r.counted, 0) END AS quantity
    FROM reported r JOIN spec s USING (ord)
), quantities AS (
    -- R9: in an overlap group only the first reported indicator (priority, code) counts.
    SELECT q.*, CASE WHEN s.ogroup IS NULL THEN NULL
                     ELSE first_value(s.ord) OVER (
                         PARTITION BY q.initiative_id, q.kind, q.start, s.ogroup
                         ORDER BY s.oprio, s.ord) END AS winner
    FROM summed q JOIN spec s USING (ord)
    WHERE q.quantity <> 0
), deducted AS (
    -- R9: hours whose output is valued leave the volunteer-hour line.
    SELECT q.initiative_id, q.kind, q.start, sum(q.quantity) AS hours
    FROM quantities q JOIN spec s USING (ord)
    WHERE s.deducts GROUP BY q.initiative_id, q.kind, q.start
), lines AS (
    SELECT t.initiative_id, t.kind, t.start, 0 AS ord,
           CASE WHEN d.hours IS NULL THEN t.hours
                WHEN t.hours - d.hours < 0 THEN 0
                ELSE t.hours - d.hours END AS quantity,
           NULL::int AS winner
    FROM totals t LEFT JOIN deducted d USING (initiative_id, kind, start)
    UNION ALL
    SELECT initiative_id, kind, start, ord, quantity, winner FROM quantities
), valued AS (
    SELECT l.initiative_id, l.kind, l.start, l.ord, l.quantity, s.follows, s.prefix, s.kind AS
           value_kind,
           CASE WHEN l.winner IS NULL OR l.winner = l.ord
                THEN round(l.quantity * s.low * s.factor, 2) END AS v_low,
           CASE WHEN l.winner IS NULL OR l.winner = l.ord
                THEN round(l.quantity * s.central * s.factor, 2) END AS v_central,
           CASE WHEN l.winner IS NULL OR l.winner = l.ord
                THEN round(l.quantity * s.high * s.factor, 2) END AS v_high,
           CASE WHEN l.winner <> l.ord THEN w.code END AS counted_in
    FROM lines l JOIN spec s USING (ord) LEFT JOIN spec w ON w.ord = l.winner
), line_json AS (
    -- The lines as services.store_results writes them; assembled as text, parsed once.
    SELECT v.initiative_id, v.kind, v.start,
           ('[' || string_agg(
               v.prefix || '"quantity": "' || v.quantity || '", "value": '
               || CASE WHEN v.v_low IS NULL THEN 'null'
                       ELSE '{"low": "' || v.v_low || '", "central": "' || v.v_central
                            || '", "high": "' || v.v_high || '"}' END
               || ', "counted_in": '
               || COALESCE('"' || v.counted_in || '"', 'null')
               || CASE WHEN v.follows <> 'fixed' THEN ', "split": ' || COALESCE(o.split, '[]')
                       ELSE '' END
               || '}',
               ', ' ORDER BY v.ord
           ) || ']')::jsonb AS lines,
           COALESCE(sum(v.v_low), 0) AS value_low,
           COALESCE(sum(v.v_central), 0) AS value_central,
           COALESCE(sum(v.v_high), 0) AS value_high
    FROM valued v
    LEFT JOIN follow_json o ON o.follows = v.follows AND o.initiative_id = v.initiative_id
    GROUP BY v.initiative_id, v.kind, v.start
), kinds AS (
    -- R10: subtotals per kind of value.
    SELECT initiative_id, kind, start,
           jsonb_object_agg(value_kind, jsonb_build_object(
               'low', low::text, 'central', central::text, 'high', high::text)) AS by_kind
    FROM (
        SELECT initiative_id, kind, start, value_kind, sum(v_low) AS low,
               sum(v_central) AS central, sum(v_high) AS high
        FROM valued WHERE v_low IS NOT NULL
        GROUP BY initiative_id, kind, start, value_kind
    ) k
    GROUP BY initiative_id, kind, start
), value_shares AS (
    -- scoring.split_exact in whole cents: floor of units × w / d, remainder units × w mod d.
    SELECT v.initiative_id, v.kind, v.start, v.ord, o.goal, o.pos, o.w, o.d,
           (v.v_low * 100)::bigint AS u_low, (v.v_central * 100)::bigint AS u_central,
           (v.v_high * 100)::bigint AS u_high
    FROM valued v JOIN follow o ON o.follows = v.follows AND o.initiative_id = v.initiative_id
    WHERE v.follows <> 'fixed' AND v.v_low IS NOT NULL
    UNION ALL
    SELECT v.initiative_id, v.kind, v.start, v.ord, f.goal, f.pos, f.w, f.d,
           (v.v_low * 100)::bigint, (v.v_central * 100)::bigint, (v.v_high * 100)::bigint
    FROM valued v JOIN fixed f USING (ord)
    WHERE v.follows = 'fixed' AND v.v_low IS NOT NULL
), value_floors AS (
    SELECT *, u_low * w / d AS f_low, u_low * w %% d AS r_low,
           u_central * w / d AS f_central, u_central * w %% d AS r_central,
           u_high * w / d AS f_high, u_high * w %% d AS r_high
    FROM value_shares
), value_ranked AS (
    -- The units left over go to the largest remainders, ties to the earlier position.
    SELECT initiative_id, kind, start, goal,
           f_low + CASE WHEN row_number() OVER (line ORDER BY r_low DESC, pos)
                        <= u_low - sum(f_low) OVER line THEN 1 ELSE 0 END AS c_low,
           f_central + CASE WHEN row_number() OVER (line ORDER BY r_central DESC, pos)
                            <= u_central - sum(f_central) OVER line THEN 1 ELSE 0 END
               AS c_central,
           f_high + CASE WHEN row_number() OVER (line ORDER BY r_high DESC, pos)
                         <= u_high - sum(f_high) OVER line THEN 1 ELSE 0 END AS c_high
    FROM value_floors
    WINDOW line AS (PARTITION BY initiative_id, kind, start, ord)
), sdg_values AS (
    SELECT initiative_id, kind, start, goal AS sdg,
           sum(c_low) / 100.0 AS value_low, sum(c_central) / 100.0 AS value_central,
           sum(c_high) / 100.0 AS value_high
    FROM value_ranked GROUP BY initiative_id, kind, start, goal
), reach_units AS (
    -- Hours in tenths and people in whole people, split as the universal lines follow: one
    -- row per key of each split followed, carrying the units of what follows it (0 if none).
    SELECT t.initiative_id, t.kind, t.start, o.follows, o.goal, o.pos, o.w, o.d,
           CASE WHEN o.follows = %(hours_follow)s THEN (t.hours * 10)::bigint ELSE 0 END
               AS u_hours,
           CASE WHEN o.follows = %(people_follow)s THEN t.people_avg::bigint ELSE 0 END
               AS u_people
    FROM totals t JOIN follow o ON o.initiative_id = t.initiative_id
    WHERE o.follows IN (%(hours_follow)s, %(people_follow)s)
), reach_floors AS (
    SELECT *, u_hours * w / d AS f_hours, u_hours * w %% d AS r_hours,
           u_people * w / d AS f_people, u_people * w %% d AS r_people
    FROM reach_units
), reach_ranked AS (
    SELECT initiative_id, kind, start, goal,
           f_hours + CASE WHEN row_number() OVER (period ORDER BY r_hours DESC, pos)
                          <= u_hours - sum(f_hours) OVER period THEN 1 ELSE 0 END AS c_hours,
           f_people + CASE WHEN row_number() OVER (period ORDER BY r_people DESC, pos)
                           <= u_people - sum(f_people) OVER period THEN 1 ELSE 0 END AS c_people
    FROM reach_floors
    WINDOW period AS (PARTITION BY initiative_id, kind, start, follows)
), sdg_reach AS (
    SELECT initiative_id, kind, start, goal AS sdg, sum(c_hours) / 10.0 AS hours,
           sum(c_people) AS people
    FROM reach_ranked GROUP BY initiative_id, kind, start, goal
), sdg_figures AS (
    SELECT initiative_id, kind, start, sdg,
           COALESCE(v.value_low, 0) AS value_low, COALESCE(v.value_central, 0) AS value_central,
           COALESCE(v.value_high, 0) AS value_high, COALESCE(r.hours, 0) AS hours,
           COALESCE(r.people, 0) AS people
    FROM sdg_values v FULL JOIN sdg_reach r USING (initiative_id, kind, start, sdg)
), results AS (
    INSERT INTO impact_handprintresult
        (initiative_id, version_id, period_kind, period_start, period_end, inputs_version,
         computed_at, months_reported, months_with_activities, volunteer_hours, volunteers_avg,
         volunteers_max,
         people_avg, people_max, value_low, value_central, value_high, lines, by_kind,
         held_for_review)
    SELECT t.initiative_id, %(version)s, t.kind, t.start, t.stop, c.inputs_version, %(now)s,
           t.months_reported, t.months_q, t.hours, t.volunteers_avg, t.volunteers_max,
           t.people_avg,
           t.people_max, l.value_low, l.value_central, l.value_high, l.lines,
           COALESCE(k.by_kind, '{}'::jsonb), COALESCE(h.held, 0)
    FROM totals t
    JOIN impact_handprintstate c USING (initiative_id)
    JOIN line_json l USING (initiative_id, kind, start)
    LEFT JOIN kinds k USING (initiative_id, kind, start)
    LEFT JOIN held h USING (initiative_id, kind, start)
    RETURNING id, initiative_id, period_kind, period_start
)
INSERT INTO impact_handprintsdg
    (result_id, goal_id, value_low, value_central, value_high, hours, people)
SELECT r.id, f.sdg, f.value_low, f.value_central, f.value_high, f.hours, f.people
FROM sdg_figures f
JOIN results r
    ON r.initiative_id = f.initiative_id AND r.period_kind = f.kind
   AND r.period_start = f.start
"""


# A chunk's sorts and hashes (some 100,000 rows) fit in memory instead of spilling; compiling
# the big statement (JIT) would cost more than it saves at this size. The planner sees 1–200
# rows in CTEs that hold 10,000–300,000 (they have no statistics) and would rescan an
# aggregate in a nested loop once per result row: quadratic, minutes per chunk. Without
# nested loops (the LATERAL VALUES still use one) every join is a hash or merge join.
CHUNK_SETTINGS = (
    "SET LOCAL work_mem = '64MB'",
    "SET LOCAL jit = off",
    "SET LOCAL enable_nestloop = off",
)


def _line_prefix(line: Line, *, fixed: bool) -> str:
    """The line's JSON up to the fields the SQL fills in: '{"indicator": …, "source": …, '."""
    data = line_json(line)
    for key in ("quantity", "value", "counted_in") + (() if fixed else ("split",)):
        del data[key]
    return json.dumps(data)[:-1] + ", "


def _weights(split: Split) -> list[tuple[SplitKey, int, int]]:
    """(key, w, d) with share = w / d over one common denominator, so remainders compare."""
    d = lcm(*(share.denominator for _, share in split))
    return [(key, int(share * d), d) for key, share in split]


def chunk_parameters(
    spec: MethodSpec, indicator_ids: dict[str, int], activity_ids: dict[str, int]
) -> dict[str, list]:
    """The method version as SQL arrays: one row per line (volunteer hours first), its splits."""
    entries: list[tuple[int, int | None, IndicatorSpec]] = [(0, None, spec.volunteer_hours)]
    entries += [
        (position, indicator_ids[code], spec.indicators[code])
        for position, code in enumerate(sorted(spec.indicators), start=1)
    ]
    params: dict[str, list] = {
        key: []
        for key in (
            "ord indicator_id low central high factor follows prefix agg pmax ogroup oprio "
            "deducts kind code fixed_ord fixed_key fixed_goal fixed_pos fixed_w fixed_d "
            "act_id act_key act_goal act_pos act_w"
        ).split()
    }
    for ord_, indicator_id, entry in entries:
        priced = entry.unit_value is not None
        fixed = entry.split is not None
        template = Line(
            indicator=entry.code,
            quantity=Decimal(0),
            unit_value=entry.unit_value,
            deadweight=entry.deadweight,
            attribution=entry.attribution,
            value=None,
            split=entry.split or (),
            source=entry.source,
            kind=entry.kind,
            aggregation=entry.aggregation,
        )
        params["ord"].append(ord_)
        params["code"].append(entry.code)
        params["indicator_id"].append(indicator_id)
        params["low"].append(entry.unit_value.low if priced else None)
        params["central"].append(entry.unit_value.central if priced else None)
        params["high"].append(entry.unit_value.high if priced else None)
        params["factor"].append((ONE - entry.deadweight) * entry.attribution)
        params["follows"].append("fixed" if fixed else entry.follows)
        params["prefix"].append(_line_prefix(template, fixed=fixed))
        params["agg"].append(entry.aggregation)
        params["pmax"].append(entry.plausibility_max)
        params["ogroup"].append(entry.overlap_group or None)
        params["oprio"].append(entry.overlap_priority)
        params["deducts"].append(entry.deducts_hours)
        # The subtotal the line's value goes to (by_kind), not the kind the line names.
        params["kind"].append(subtotal_key(entry.code, entry.kind))
        for key, w, d in _weights(entry.split) if entry.split else ():
            params["fixed_ord"].append(ord_)
            params["fixed_key"].append(str(key))
            params["fixed_goal"].append(goal_of(key))
            params["fixed_pos"].append(key_order(key))
            params["fixed_w"].append(w)
            params["fixed_d"].append(d)
    # Every activity's shares over one common denominator: a mix of n activities is then
    # the sum of their weights over n × that denominator, exactly scoring.mix_split.
    act_d = lcm(1, *(s.denominator for split in spec.activities.values() for _, s in split))
    for code, split in sorted(spec.activities.items()):
        if code not in activity_ids:
            continue
        for key, share in split:
            params["act_id"].append(activity_ids[code])
            params["act_key"].append(str(key))
            params["act_goal"].append(goal_of(key))
            params["act_pos"].append(key_order(key))
            params["act_w"].append(int(share * act_d))
    params["act_d"] = act_d
    params["hours_follow"] = spec.volunteer_hours.follows
    params["people_follow"] = spec.people_follow
    params["follows_used"] = sorted(
        {follows for follows in params["follows"] if follows != "fixed"}
        | {spec.volunteer_hours.follows, spec.people_follow}
    )
    return params


def version_parameters(version: MethodVersion) -> dict[str, list]:
    """chunk_parameters of a stored version, with its indicators' and activities' ids."""
    spec = method_spec(version)
    params = chunk_parameters(
        spec,
        dict(Indicator.objects.filter(code__in=spec.indicators).values_list("code", "pk")),
        dict(Activity.objects.filter(code__in=spec.activities).values_list("code", "pk")),
    )
    # Whatever the version values: a month with only these figures is never one reported.
    params["exchange_ids"] = list(
        Indicator.objects.filter(code__in=EXCHANGE_REPORTED).values_list("pk", flat=True)
    )
    return params


def _next_chunk(after: int, size: int) -> tuple[int, int] | None:
    """(highest id, count) of the next `size` initiatives after id `after`; None at the end."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT max(id), count(*) FROM (
                SELECT id FROM initiatives_initiative WHERE id > %s ORDER BY id LIMIT %s
            ) AS next_chunk
            """,
            [after, size],
        )
        upper, count = cursor.fetchone()
    return (upper, count) if count else None


def _recompute_chunk(
    *,
    job: RecomputeJob | None,
    version_id: int,
    lo: int,
    hi: int,
    count: int,
    window: Period,
    params: dict[str, list],
    mark_fresh: bool,
) -> None:
    """Replaces the results of initiatives lo < id <= hi, and advances the job if given, atomically.

    Without a job (a chunk of a wave) the caller advances it once the whole wave committed.
    """
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in CHUNK_SETTINGS:
            cursor.execute(setting)
        cursor.execute(
            """
            INSERT INTO impact_handprintstate
                (initiative_id, inputs_version, computed_version, computations)
            SELECT id, 0, 0, 0 FROM initiatives_initiative WHERE id > %s AND id <= %s
            ON CONFLICT (initiative_id) DO NOTHING
            """,
            [lo, hi],
        )
        # A writer bumps inputs_version under this row lock: it waits for us, and its own
        # task then recomputes; so the versions we store match the inputs we read.
        cursor.execute(
            """
            SELECT initiative_id FROM impact_handprintstate
            WHERE initiative_id > %s AND initiative_id <= %s
            ORDER BY initiative_id FOR UPDATE
            """,
            [lo, hi],
        )
        # No cascade in the database: the per-SDG rows go first, found by their result ids.
        cursor.execute(
            """
            DELETE FROM impact_handprintsdg WHERE result_id = ANY(ARRAY(
                SELECT id FROM impact_handprintresult
                WHERE version_id = %s AND initiative_id > %s AND initiative_id <= %s
            ))
            """,
            [version_id, lo, hi],
        )
        cursor.execute(
            """
            DELETE FROM impact_handprintresult
            WHERE version_id = %s AND initiative_id > %s AND initiative_id <= %s
            """,
            [version_id, lo, hi],
        )
        cursor.execute(
            CHUNK_SQL,
            {
                **params,
                "lo": lo,
                "hi": hi,
                "version": version_id,
                "now": now,
                "window_start": window.start,
                "window_end": window.end,
            },
        )
        if mark_fresh:
            cursor.execute(
                """
                UPDATE impact_handprintstate
                SET computed_version = inputs_version, stale_since = NULL, computed_at = %s,
                    computations = computations + 1
                WHERE initiative_id > %s AND initiative_id <= %s
                """,
                [now, lo, hi],
            )
        # Raw SQL sends no signal: every page showing handprints is told after the commit.
        generation_bump(HANDPRINTS)
        if job is not None:
            _advance(cursor, job, done=count, last=hi)


def _advance(cursor, job: RecomputeJob, *, done: int, last: int) -> None:  # noqa: ANN001
    cursor.execute(
        "UPDATE impact_recomputejob SET done = done + %s, last_initiative_id = %s WHERE id = %s",
        [done, last, job.pk],
    )
    job.done += done
    job.last_initiative_id = last


def _chunk_in_own_session(**chunk: object) -> None:
    """One chunk on this thread's own connection, closed afterwards."""
    try:
        _recompute_chunk(job=None, **chunk)
    finally:
        connection.close()


def _wave(chunks: list[tuple[int, int, int]], **common: object) -> None:
    """Recomputes the chunks (lo, hi, count) at once, each in its own session and transaction.

    PostgreSQL runs each statement on one core, so chunks side by side use them all. Raises
    the first chunk's error after every chunk has ended.
    """
    errors: list[BaseException] = []

    def run(lo: int, hi: int, count: int) -> None:
        try:
            _chunk_in_own_session(lo=lo, hi=hi, count=count, **common)
        except BaseException as exc:  # noqa: BLE001 - handed to the coordinator
            errors.append(exc)

    threads = [threading.Thread(target=run, args=chunk) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _start_or_resume(*, version_id: int, period_end: datetime.date, resume: bool) -> RecomputeJob:
    running = RecomputeJob.objects.filter(status=RecomputeJob.Status.RUNNING)
    job = (
        running.filter(version_id=version_id, period_end=period_end).order_by("-pk").first()
        if resume
        else None
    )
    # A running job for another window or version (or one we restart) will never finish.
    running.exclude(pk=job.pk if job else None).update(
        status=RecomputeJob.Status.FAILED, error="superseded", finished_at=timezone.now()
    )
    if job is None:
        job = RecomputeJob.objects.create(version_id=version_id, period_end=period_end)
    job.total = job.done + Initiative.objects.filter(pk__gt=job.last_initiative_id).count()
    job.save(update_fields=["total"])
    return job


def recompute_all(
    *,
    version: MethodVersion,
    today: datetime.date | None = None,
    chunk_size: int = 5000,
    progress: Progress | None = None,
    resume: bool = True,
) -> RecomputeJob:
    """Recomputes every initiative's handprint (any status) set-wise in SQL; resumes a crash.

    Each chunk commits its results, the state marks and the job's progress together, so a
    crash loses at most one chunk; RECOMPUTE_WORKERS chunks run side by side in their own
    sessions (outside a transaction), and such a wave advances the job when all of it
    committed. `progress(done, total)` is called at the start (done > 0
    when resuming) and after every chunk. Raises RecomputeBusy when another session runs one.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    today = today or timezone.localdate()
    window = rolling_window(today)
    with _advisory_lock() as acquired:
        if not acquired:
            raise RecomputeBusy("another set-wise recompute is running")
        job = _start_or_resume(version_id=version.pk, period_end=window.end, resume=resume)
        params = version_parameters(version)
        # The state marks belong to the version the per-initiative path computes.
        current = current_version(today)
        mark_fresh = current is not None and current.pk == version.pk
        if progress:
            progress(job.done, job.total)
        common = {
            "version_id": version.pk,
            "window": window,
            "params": params,
            "mark_fresh": mark_fresh,
        }
        # Chunks side by side need their own committed sessions: not inside a transaction.
        workers = 1 if connection.in_atomic_block else max(settings.RECOMPUTE_WORKERS, 1)
        try:
            while True:
                chunks, lo = [], job.last_initiative_id
                while len(chunks) < workers and (chunk := _next_chunk(lo, chunk_size)):
                    chunks.append((lo, *chunk))
                    lo = chunk[0]
                if not chunks:
                    break
                if len(chunks) == 1:
                    lo, hi, count = chunks[0]
                    _recompute_chunk(job=job, lo=lo, hi=hi, count=count, **common)
                else:
                    # A wave advances the job once all its chunks committed: a crash in it
                    # is redone on resume (a chunk replaces its rows), never skipped.
                    _wave(chunks, **common)
                    with connection.cursor() as cursor:
                        _advance(cursor, job, done=sum(c[2] for c in chunks), last=lo)
                job.total = max(job.total, job.done)
                if progress:
                    progress(job.done, job.total)
        except BaseException as exc:
            # Left running: a rerun resumes after the last committed chunk.
            if not connection.needs_rollback:
                RecomputeJob.objects.filter(pk=job.pk).update(error=repr(exc)[:2000])
            raise
        with transaction.atomic():
            job.status = RecomputeJob.Status.DONE
            job.total = job.done
            job.error = ""
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "total", "error", "finished_at"])
            areas_mark_stale()
    return job


def recompute_all_enqueue(today: datetime.date | None = None) -> RecomputeJob | None:
    """Opens (or finds) the current window's job and queues the task that runs it.

    The job row exists before a worker picks the task up, so the progress page shows it at
    once; the task resumes that row. Returns None while another session holds the lock (a
    recompute is running: its own job row shows its progress).
    """
    from impact.tasks import recompute_all_task

    today = today or timezone.localdate()
    version = current_version(today)
    if version is None:
        return None
    with _advisory_lock() as acquired:
        if not acquired:
            return None
        job = _start_or_resume(
            version_id=version.pk, period_end=rolling_window(today).end, resume=True
        )
    transaction.on_commit(lambda: recompute_all_task.delay(version.pk, today.isoformat()))
    return job


def recompute_if_due(today: datetime.date | None = None) -> list[RecomputeJob]:
    """Runs (or resumes) recompute_all for each version in use whose window is not done yet.

    The current version and the one before it are kept (the profile shows what the change
    made). Covers both triggers: the month rolled over (a new window end) and a new method
    version became valid. Returns the jobs run; empty when nothing was due or another worker
    holds the lock.
    """
    today = today or timezone.localdate()
    jobs = []
    with _advisory_lock() as acquired:
        if not acquired:
            return []
        for version in versions_in_use(today):
            done = RecomputeJob.objects.filter(
                version=version,
                period_end=rolling_window(today).end,
                status=RecomputeJob.Status.DONE,
            ).exists()
            if not done:
                jobs.append(recompute_all(version=version, today=today))
    return jobs


@contextmanager
def _advisory_lock() -> Iterator[bool]:
    """Holds the session-level lock of the set-wise recompute if it is free (re-entrant)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
