"""Method versions as data files: checked, then loaded (by a migration) and published.

`method_load` takes the model classes to write with, so a migration can pass its historical
models. `method_problems` lists what is wrong with a file's data; a version with problems is
not loaded. The format is described in impact/data/README.md.
"""

import datetime
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

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


def _split_problems(where: str, shares: dict, targets: set[str]) -> list[str]:
    problems = []
    for key in shares:
        if not (key.isdigit() and 1 <= int(key) <= 17) and key not in targets:
            problems.append(f"{where}: {key!r} is no SDG or SDG target")
    try:
        total = sum((Fraction(str(share)) for share in shares.values()), Fraction(0))
    except (ValueError, ZeroDivisionError):
        return [*problems, f"{where}: a share is not a number"]
    if total != 1:
        problems.append(f"{where}: shares sum to {total}, not 1")
    if any(Fraction(str(share)) <= 0 for share in shares.values()):
        problems.append(f"{where}: a share is not positive")
    return problems


def _sourced_problems(kind: str, rows: list[dict]) -> tuple[list[str], dict[str, dict]]:
    problems, used = [], {}
    seen = set()
    for row in rows:
        code = row["code"]
        if code in seen:
            problems.append(f"{kind} {code}: listed twice")
        seen.add(code)
        if not row.get("source_title"):
            problems.append(f"{kind} {code}: no source")
        if row.get("used"):
            if row.get("unused_nl") or row.get("unused_en"):
                problems.append(f"{kind} {code}: used, yet a reason why not")
            low, central, high = (Decimal(v) for v in row["used"])
            if not low <= central <= high:
                problems.append(f"{kind} {code}: low ≤ central ≤ high does not hold")
            used[code] = row
        elif not (row.get("unused_nl") and row.get("unused_en")):
            problems.append(f"{kind} {code}: neither used nor a reason why not (nl and en)")
    return problems, used


def method_problems(data: dict, targets: set[str]) -> list[str]:
    """What keeps a method file from being loaded; empty when it is complete and consistent."""
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
        where = f"indicator {code}"
        entries[code] = entry
        if code not in indicators:
            problems.append(f"{where}: not in the indicator catalogue")
        for field, allowed in (
            ("kind", KINDS),
            ("aggregation", AGGREGATIONS),
            ("split", SPLITS),
            ("price_rule", PRICE_RULES),
        ):
            if entry.get(field, "direct" if field == "price_rule" else None) not in allowed:
                problems.append(f"{where}: {field} {entry.get(field)!r} is not one of {allowed}")
        if (entry.get("aggregation") == "average") != (code in AVERAGED):
            problems.append(f"{where}: only {sorted(AVERAGED)} are averaged")
        if entry.get("split") == "fixed":
            problems += _split_problems(where, entry.get("fixed_split", {}), targets)
        for price in entry.get("prices", []):
            referenced.add(f"price {price}")
            if price not in prices:
                problems.append(f"{where}: price {price} is not a used price of this version")
        for factor in entry.get("conversions", []):
            referenced.add(f"conversion {factor}")
            if factor not in conversions:
                problems.append(f"{where}: conversion {factor} is not a used conversion")
        valued = bool(entry.get("prices")) or entry.get("unit_value_central") is not None
        if valued == (entry.get("kind") == "counted"):
            problems.append(f"{where}: a counted indicator has no price, a valued one has one")
        if entry.get("price_rule") == "one" and len(entry.get("prices", [])) != 1:
            problems.append(f"{where}: rule 'one' takes exactly one price")
        if not valued and not (entry.get("not_valued_nl") or code in UNIVERSAL):
            problems.append(f"{where}: counted without saying why (not_valued_nl)")
    for code in prices:
        if f"price {code}" not in referenced:
            problems.append(f"price {code}: used by no indicator")
    for code in conversions:
        if f"conversion {code}" not in referenced:
            problems.append(f"conversion {code}: used by no indicator")
    for code in UNIVERSAL:
        if code not in entries:
            problems.append(f"indicator {code}: the version must have it")
    in_activity = set()
    for row in version.get("activities", []):
        where = f"activity {row['activity']}"
        if row["activity"] not in activities:
            problems.append(f"{where}: not in the activity catalogue")
        for code in row.get("indicators", []):
            in_activity.add(code)
            if code not in entries:
                problems.append(f"{where}: indicator {code} is not in this version")
        problems += _split_problems(where, row.get("target_split", {}), targets)
    if version.get("activities"):
        for code in set(entries) - in_activity - set(UNIVERSAL):
            problems.append(f"indicator {code}: belongs to no activity")
    return problems


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
