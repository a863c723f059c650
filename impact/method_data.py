"""Method versions as data files: checked, then loaded (by a migration) and published.

`method_load` takes the model classes to write with, so a migration can pass its historical
models. `method_problems` lists what is wrong with a file's data; a version with problems is
not loaded. `version_problems` runs the same checks on a version in the database (a draft
staff edited in the admin): one with problems is not published. The format is described in
impact/data/README.md.
"""

import datetime
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from impact.scoring import EXCHANGE_REPORTED

DATA = Path(__file__).resolve().parent / "data"
KINDS = {
    "input",
    "replacement",
    "wmo_tariff",
    "avoided_cost",
    "environmental",
    "household",
    "social_benefit",
    "counted",
}
AGGREGATIONS = {"sum", "stock", "new_units", "average"}
# Averaged per month reported: only the universal counts, which the engine averages itself.
AVERAGED = {"people_reached"}
SPLITS = {"own", "mix", "fixed"}
PRICE_RULES = {"direct", "one", "sources"}
UNIVERSAL = ("volunteer_hours", "people_reached")


def method_file(code: str) -> Path:
    return DATA / f"method-{code}.json"


def method_read(code: str) -> dict:
    return json.loads(method_file(code).read_text(encoding="utf-8"))


def _where(kind: str, code: object) -> str:
    names = {
        "indicator": _("indicator %(code)s"),
        "price": _("price %(code)s"),
        "conversion": _("conversion %(code)s"),
        "activity": _("activity %(code)s"),
    }
    return names[kind] % {"code": code}


def _total_text(total: Fraction) -> str:
    return f"{float(total):g}"


def _split_problems(where: str, shares: object, targets: set[str]) -> list[str]:
    if not isinstance(shares, dict):
        return [_("%(where)s: the split must map SDGs or SDG targets to shares") % {"where": where}]
    problems = []
    for key in shares:
        if not (key.isdigit() and 1 <= int(key) <= 17) and key not in targets:
            problems.append(
                _("%(where)s: %(key)s is no SDG or SDG target") % {"where": where, "key": repr(key)}
            )
    try:
        values = [Fraction(str(share)) for share in shares.values()]
    except (ValueError, ZeroDivisionError):
        return [*problems, _("%(where)s: a share is not a number") % {"where": where}]
    total = sum(values, Fraction(0))
    if total != 1:
        problems.append(
            _("%(where)s: shares sum to %(total)s, not 1")
            % {"where": where, "total": _total_text(total)}
        )
    if any(share <= 0 for share in values):
        problems.append(_("%(where)s: a share is not positive") % {"where": where})
    return problems


def _codes(where: str, value: object, field: str, problems: list[str]) -> list[str]:
    """A list of codes as given; anything else is a problem, and taken as no codes."""
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(code, str) for code in value):
        return value
    problems.append(
        _("%(where)s: %(field)s must be a list of codes") % {"where": where, "field": field}
    )
    return []


def _sourced_problems(kind: str, rows: list[dict]) -> tuple[list[str], dict[str, dict]]:
    problems, used = [], {}
    seen = set()
    for row in rows:
        code = row["code"]
        where = _where(kind, code)
        if code in seen:
            problems.append(_("%(where)s: listed twice") % {"where": where})
        seen.add(code)
        if not row.get("source_title"):
            problems.append(_("%(where)s: no source") % {"where": where})
        if row.get("used"):
            if row.get("unused_nl") or row.get("unused_en"):
                problems.append(_("%(where)s: used, yet a reason why not") % {"where": where})
            low, central, high = (Decimal(v) for v in row["used"])
            if not low <= central <= high:
                problems.append(
                    _("%(where)s: low ≤ central ≤ high does not hold") % {"where": where}
                )
            used[code] = row
        elif not (row.get("unused_nl") and row.get("unused_en")):
            problems.append(
                _("%(where)s: neither used nor a reason why not (nl and en)") % {"where": where}
            )
    return problems, used


def _direct_value_problems(where: str, entry: dict) -> list[str]:
    """Unit values entered on the entry itself: all three levels or none, with their source."""
    values = [entry.get(f"unit_value_{level}") for level in ("low", "central", "high")]
    if all(value is None for value in values):
        return []
    problems = []
    if any(value is None for value in values):
        problems.append(
            _("%(where)s: give a low, central and high value, or none") % {"where": where}
        )
    elif not Decimal(values[0]) <= Decimal(values[1]) <= Decimal(values[2]):
        problems.append(_("%(where)s: low ≤ central ≤ high does not hold") % {"where": where})
    if not str(entry.get("value_source") or "").strip():
        problems.append(
            _("%(where)s: a priced indicator needs the source of its values") % {"where": where}
        )
    return problems


def method_problems(data: dict, targets: set[str]) -> list[str]:
    """What keeps a method version from being loaded or published; empty when it is complete
    and consistent. `data` is a method file's (or `version_data`'s, for a version in the
    database)."""
    version = data["version"]
    problems: list[str] = []
    price_problems, prices = _sourced_problems("price", version.get("prices", []))
    conversion_problems, conversions = _sourced_problems(
        "conversion", version.get("conversions", [])
    )
    problems += price_problems + conversion_problems
    indicators = {row["code"] for row in data.get("indicators", [])}
    activities = {row["code"] for row in data.get("activities", [])}
    entries = {}
    referenced: set[str] = set()
    for entry in version["entries"]:
        code = entry["indicator"]
        where = _where("indicator", code)
        entries[code] = entry
        if code not in indicators:
            problems.append(_("%(where)s: not in the indicator catalogue") % {"where": where})
        for field, allowed in (
            ("kind", KINDS),
            ("aggregation", AGGREGATIONS),
            ("split", SPLITS),
            ("price_rule", PRICE_RULES),
        ):
            value = entry.get(field, "direct" if field == "price_rule" else None)
            if value not in allowed:
                problems.append(
                    _("%(where)s: %(field)s %(value)s is not one of %(allowed)s")
                    % {
                        "where": where,
                        "field": field,
                        "value": repr(value),
                        "allowed": ", ".join(sorted(allowed)),
                    }
                )
        if (entry.get("aggregation") == "average") != (code in AVERAGED):
            problems.append(
                _("%(where)s: only people reached is averaged per month") % {"where": where}
            )
        if entry.get("split") == "fixed":
            problems += _split_problems(where, entry.get("fixed_split", {}), targets)
        entry_prices = _codes(where, entry.get("prices"), "prices", problems)
        for price in entry_prices:
            referenced.add(f"price {price}")
            if price not in prices:
                problems.append(
                    _("%(where)s: price %(code)s is not a used price of this version")
                    % {"where": where, "code": price}
                )
        for factor in _codes(where, entry.get("conversions"), "conversions", problems):
            referenced.add(f"conversion {factor}")
            if factor not in conversions:
                problems.append(
                    _("%(where)s: conversion %(code)s is not a used conversion of this version")
                    % {"where": where, "code": factor}
                )
        problems += _direct_value_problems(where, entry)
        valued = bool(entry_prices) or entry.get("unit_value_central") is not None
        if valued == (entry.get("kind") == "counted"):
            problems.append(
                _("%(where)s: a counted indicator has no price, a valued one has one")
                % {"where": where}
            )
        if entry.get("price_rule") == "one" and len(entry_prices) != 1:
            problems.append(_("%(where)s: rule 'one' takes exactly one price") % {"where": where})
        if not valued and not (entry.get("not_valued_nl") or code in UNIVERSAL):
            problems.append(
                _("%(where)s: counted without saying why (not_valued_nl)") % {"where": where}
            )
    for code in prices:
        if f"price {code}" not in referenced:
            problems.append(_("%(where)s: used by no indicator") % {"where": _where("price", code)})
    for code in conversions:
        if f"conversion {code}" not in referenced:
            problems.append(
                _("%(where)s: used by no indicator") % {"where": _where("conversion", code)}
            )
    for code in UNIVERSAL:
        if code not in entries:
            problems.append(
                _("%(where)s: the version must have it") % {"where": _where("indicator", code)}
            )
    in_activity = set()
    for row in version.get("activities", []):
        where = _where("activity", row["activity"])
        if row["activity"] not in activities:
            problems.append(_("%(where)s: not in the activity catalogue") % {"where": where})
        for code in _codes(where, row.get("indicators"), "indicators", problems):
            in_activity.add(code)
            if code in EXCHANGE_REPORTED:
                problems.append(
                    _("%(where)s: %(code)s is reported by the exchange, never asked of owners")
                    % {"where": where, "code": code}
                )
            elif code not in entries:
                problems.append(
                    _("%(where)s: indicator %(code)s is not in this version")
                    % {"where": where, "code": code}
                )
        problems += _split_problems(where, row.get("target_split", {}), targets)
    if version.get("activities"):
        for code in sorted(set(entries) - in_activity - set(UNIVERSAL) - EXCHANGE_REPORTED):
            problems.append(
                _("%(where)s: belongs to no activity") % {"where": _where("indicator", code)}
            )
    return problems


def version_data(version: Any) -> dict:  # noqa: ANN401 - a MethodVersion
    """A version in the database in the shape of a method file, for `method_problems`."""
    from impact.models import Activity, Indicator, MethodConversion, MethodPrice

    def sourced(row: Any) -> dict:  # noqa: ANN401
        levels = [row.low, row.central, row.high]
        return {
            "code": row.code,
            "source_title": row.source_title,
            "used": None if None in levels else [str(v) for v in levels],
            "unused_nl": row.unused_nl,
            "unused_en": row.unused_en,
        }

    def money(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    entries = version.entries.select_related("indicator").order_by("position", "pk")
    activities = version.activities.select_related("activity").order_by("position", "pk")
    return {
        "indicators": [{"code": code} for code in Indicator.objects.values_list("code", flat=True)],
        "activities": [{"code": code} for code in Activity.objects.values_list("code", flat=True)],
        "version": {
            "code": version.code,
            "prices": [
                sourced(row) for row in MethodPrice.objects.filter(version=version).order_by("pk")
            ],
            "conversions": [
                sourced(row)
                for row in MethodConversion.objects.filter(version=version).order_by("pk")
            ],
            "entries": [
                {
                    "indicator": entry.indicator.code,
                    "kind": entry.kind,
                    "aggregation": entry.aggregation,
                    "split": entry.split,
                    "fixed_split": entry.fixed_split,
                    "price_rule": entry.price_rule,
                    "prices": entry.price_codes,
                    "conversions": entry.conversion_codes,
                    "unit_value_low": money(entry.unit_value_low),
                    "unit_value_central": money(entry.unit_value_central),
                    "unit_value_high": money(entry.unit_value_high),
                    "value_source": entry.value_source,
                    "not_valued_nl": entry.not_valued_nl,
                    "not_valued_en": entry.not_valued_en,
                }
                for entry in entries
            ],
            "activities": [
                {
                    "activity": row.activity.code,
                    "indicators": row.indicator_codes,
                    "target_split": row.target_split,
                }
                for row in activities
            ],
        },
    }


def version_problems(version: Any) -> list[str]:  # noqa: ANN401 - a MethodVersion
    """What keeps a version in the database from being published: a method file's checks."""
    from sdgs.models import Target

    targets = set(Target.objects.values_list("code", flat=True))
    return method_problems(version_data(version), targets)


def _sourced_fields(row: dict, position: int) -> dict[str, Any]:
    given = row.get("given") or [None, None, None]
    used = row.get("used") or [None, None, None]
    return {
        "name_nl": row["name_nl"],
        "name_en": row.get("name_en", ""),
        "unit": row["unit"],
        "given_low": given[0],
        "given_central": given[1],
        "given_high": given[2],
        "low": used[0],
        "central": used[1],
        "high": used[2],
        "derivation_nl": row.get("derivation_nl", ""),
        "derivation_en": row.get("derivation_en", ""),
        "year": row.get("year", ""),
        "source_title": row["source_title"],
        "source_publisher": row.get("source_publisher", ""),
        "source_year": row.get("source_year", ""),
        "source_url": row.get("source_url", ""),
        "note": row.get("note", ""),
        "secondary": row.get("secondary", False),
        "unused_nl": row.get("unused_nl", ""),
        "unused_en": row.get("unused_en", ""),
        "position": position,
    }


def method_load(
    data: dict,
    models: Any,  # noqa: ANN401 - the app registry: a migration's historical one or the live one
    *,
    valid_from: datetime.date,
    published_at: datetime.datetime | None,
) -> Any:  # noqa: ANN401
    """Creates the version (and catalogue rows it names) from a checked method file's data."""
    get = models.get_model
    indicator_model, activity_model = get("impact", "Indicator"), get("impact", "Activity")
    for row in data.get("indicators", []):
        indicator_model.objects.update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )
    for row in data.get("activities", []):
        activity_model.objects.update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )
    spec = data["version"]
    version = get("impact", "MethodVersion").objects.create(
        code=spec["code"], name=spec["name"], valid_from=valid_from, changes=spec["changes"]
    )
    for position, row in enumerate(spec.get("rules", [])):
        get("impact", "MethodRule").objects.create(
            version=version, position=position, **{k: row[k] for k in _RULE_FIELDS}
        )
    for model_name, key in (("MethodPrice", "prices"), ("MethodConversion", "conversions")):
        get("impact", model_name).objects.bulk_create(
            get("impact", model_name)(version=version, code=row["code"], **_sourced_fields(row, n))
            for n, row in enumerate(spec.get(key, []))
        )
    indicators = {i.code: i for i in indicator_model.objects.all()}
    for position, entry in enumerate(spec["entries"]):
        get("impact", "MethodIndicator").objects.create(
            version=version,
            indicator=indicators[entry["indicator"]],
            position=position,
            split=entry["split"],
            fixed_split=entry.get("fixed_split", {}),
            unit_value_low=entry.get("unit_value_low"),
            unit_value_central=entry.get("unit_value_central"),
            unit_value_high=entry.get("unit_value_high"),
            value_source=entry.get("value_source", ""),
            kind=entry.get("kind", "counted"),
            effect_nl=entry.get("effect_nl", ""),
            effect_en=entry.get("effect_en", ""),
            aggregation=entry.get("aggregation", "sum"),
            price_rule=entry.get("price_rule", "direct"),
            price_codes=entry.get("prices", []),
            conversion_codes=entry.get("conversions", []),
            plausibility_max=entry.get("plausibility_max"),
            overlap_group=entry.get("overlap_group", ""),
            overlap_priority=entry.get("overlap_priority", 0),
            deducts_hours=entry.get("deducts_hours", False),
            question_nl=entry.get("question_nl", ""),
            question_en=entry.get("question_en", ""),
            not_valued_nl=entry.get("not_valued_nl", ""),
            not_valued_en=entry.get("not_valued_en", ""),
        )
    activities = {a.code: a for a in activity_model.objects.all()}
    for position, row in enumerate(spec.get("activities", [])):
        get("impact", "MethodActivity").objects.create(
            version=version,
            activity=activities[row["activity"]],
            position=position,
            indicator_codes=row.get("indicators", []),
            target_split=row.get("target_split", {}),
        )
    if published_at is not None:
        version.published_at = published_at
        version.save(update_fields=["published_at"])
    return version


_RULE_FIELDS = ("code", "title_nl", "title_en", "text_nl", "text_en")
