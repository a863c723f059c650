"""Loading a CBS edition of the geography: validate every file first, then write in one go."""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models, transaction

from common.pagecache import REFERENCE, generation_bump
from places import validators
from places.models import District, Municipality, Neighbourhood, Place, Province

BUNDLED_DIR = Path(__file__).resolve().parent / "data" / "cbs"
BUNDLED_EDITION = "2024"


class PlaceFileError(Exception):
    """A file cannot be imported; names the file, the line and the reason."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        self.file, self.line, self.reason = file, line, reason
        where = f"{file}, line {line}" if line else file
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class PlaceRow:
    code: str
    name: str
    parent: str | None
    population: int | None
    line: int
    expected_children: int | None = None


@dataclass(frozen=True)
class LevelSpec:
    kind: str
    model: type[Place]
    code_column: str
    name_column: str
    parent_column: str | None
    parent_field: str | None
    children_column_prefix: str | None


LEVELS = {
    "provinces": LevelSpec(
        "PV", Province, "provinciecode", "provincienaam", None, None, "aantal_gemeenten"
    ),
    "municipalities": LevelSpec(
        "GM",
        Municipality,
        "gemeentecode",
        "gemeentenaam",
        "provinciecode",
        "province",
        "aantal_wijken",
    ),
    "districts": LevelSpec(
        "WK", District, "wijkcode", "wijknaam", "gemeentecode", "municipality", None
    ),
    "neighbourhoods": LevelSpec(
        "BU", Neighbourhood, "buurtcode", "buurtnaam", "wijkcode", "district", None
    ),
}
PARENT_LEVEL = {
    "municipalities": "provinces",
    "districts": "municipalities",
    "neighbourhoods": "districts",
}


@dataclass
class LevelReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)


@dataclass
class InactiveReference:
    code: str
    name: str
    referenced_by: str
    count: int


@dataclass
class ImportReport:
    edition: str
    levels: dict[str, LevelReport] = field(default_factory=dict)
    inactive_references: list[InactiveReference] = field(default_factory=list)


def _column(header: list[str], wanted: str, prefix: bool = False) -> str | None:
    for name in header:
        if name == wanted or (prefix and name.startswith(wanted)):
            return name
    return None


def _parse_int(raw: str, file: str, line: int, column: str) -> int | None:
    raw = (raw or "").strip()
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise PlaceFileError(file, line, f"{column} “{raw}” is not a whole number") from None
    if value < 0:
        raise PlaceFileError(file, line, f"{column} {value} is negative")
    return value


def parse_level(level: str, text: str, file: str) -> list[PlaceRow]:
    """Parses one CSV of a level; raises PlaceFileError on the first bad line."""
    spec = LEVELS[level]
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    required = [spec.code_column, spec.name_column] + (
        [spec.parent_column] if spec.parent_column else []
    )
    missing = [c for c in required if c not in header]
    if missing:
        raise PlaceFileError(file, 1, f"missing column(s): {', '.join(missing)}")
    population_column = _column(header, "inwoners", prefix=True)
    children_column = (
        _column(header, spec.children_column_prefix, prefix=True)
        if spec.children_column_prefix
        else None
    )
    rows: list[PlaceRow] = []
    seen: set[str] = set()
    for record in reader:
        line = reader.line_num
        if None in record or any(record.get(c) is None for c in header):
            raise PlaceFileError(file, line, f"expected {len(header)} columns")
        code = record[spec.code_column].strip()
        name = record[spec.name_column].strip()
        try:
            validators.validate_cbs_code(code, spec.kind)
        except ValidationError as exc:
            raise PlaceFileError(file, line, " ".join(str(m) for m in exc.messages)) from None
        if not name:
            raise PlaceFileError(file, line, f"{code} has no name")
        if code in seen:
            raise PlaceFileError(file, line, f"{code} appears twice")
        seen.add(code)
        parent = record[spec.parent_column].strip() if spec.parent_column else None
        rows.append(
            PlaceRow(
                code=code,
                name=name,
                parent=parent,
                population=(
                    _parse_int(record[population_column], file, line, population_column)
                    if population_column
                    else None
                ),
                line=line,
                expected_children=(
                    _parse_int(record[children_column], file, line, children_column)
                    if children_column
                    else None
                ),
            )
        )
    if not rows:
        raise PlaceFileError(file, None, "the file has no rows")
    return rows


def check_consistency(parsed: dict[str, list[PlaceRow]], files: dict[str, str]) -> None:
    """Checks parents exist and declared child counts match; catches truncated files."""
    for level, parent_level in PARENT_LEVEL.items():
        if level not in parsed:
            continue
        parent_codes = {row.code for row in parsed[parent_level]}
        children = Counter(row.parent for row in parsed[level])
        for row in parsed[level]:
            if row.parent not in parent_codes:
                raise PlaceFileError(
                    files[level],
                    row.line,
                    f"{row.code} belongs to {row.parent}, which is not in {files[parent_level]}",
                )
        for parent in parsed[parent_level]:
            if parent.expected_children is not None and children[parent.code] != (
                parent.expected_children
            ):
                raise PlaceFileError(
                    files[parent_level],
                    parent.line,
                    f"{parent.code} declares {parent.expected_children} rows in "
                    f"{files[level]}, which has {children[parent.code]} (incomplete file?)",
                )


def read_place_files(paths: dict[str, Path]) -> dict[str, list[PlaceRow]]:
    """Reads and validates the files of an edition; nothing is written."""
    for level in ("provinces", "municipalities", "districts"):
        if level not in paths:
            raise PlaceFileError(level, None, "this file is required")
    parsed: dict[str, list[PlaceRow]] = {}
    names = {level: path.name for level, path in paths.items()}
    for level, path in paths.items():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PlaceFileError(path.name, None, f"cannot be read: {exc}") from None
        parsed[level] = parse_level(level, text, path.name)
    check_consistency(parsed, names)
    return parsed


def _apply_level(level: str, rows: list[PlaceRow], edition: str, report: LevelReport) -> None:
    spec = LEVELS[level]
    model = spec.model
    parent_attr = f"{spec.parent_field}_id" if spec.parent_field else None
    existing = {obj.code: obj for obj in model.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        obj = existing.get(row.code)
        if obj is not None and getattr(obj, "is_synthetic", False):
            raise PlaceFileError(
                level,
                row.line,
                f"{row.code} exists as a synthetic demo buurt; remove the demo layer first "
                "(manage.py generate_demo_neighbourhoods --remove)",
            )
        values = {"name": row.name, "population": row.population, "edition": edition}
        if parent_attr:
            values[parent_attr] = row.parent
        if obj is None:
            to_create.append(model(code=row.code, is_active=True, **values))
            report.created += 1
            continue
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if not obj.is_active:
            report.reactivated.append(row.code)
            obj.is_active = True
            changed.append("is_active")
        if changed:
            for key, value in values.items():
                setattr(obj, key, value)
            to_update.append(obj)
            report.updated += 1
        else:
            report.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=2000)
    fields = ["name", "population", "edition", "is_active"] + ([parent_attr] if parent_attr else [])
    model.objects.bulk_update(to_update, fields, batch_size=2000)
    present = {row.code for row in rows}
    vanished = model.objects.filter(is_active=True).exclude(code__in=present)
    if model is Neighbourhood:
        vanished = vanished.filter(is_synthetic=False)
    report.deactivated = sorted(vanished.values_list("code", flat=True))
    vanished.update(is_active=False)


def _inactive_references() -> list[InactiveReference]:
    """Counts, per inactive place, the rows outside places/ that still point at it."""
    found = []
    for spec in LEVELS.values():
        relations = [
            rel
            for rel in spec.model._meta.related_objects
            if rel.related_model._meta.app_label != "places"
            and isinstance(rel, models.ManyToOneRel | models.ManyToManyRel)
        ]
        if not relations:
            continue
        for place in spec.model.objects.filter(is_active=False):
            for rel in relations:
                count = rel.related_model._default_manager.filter(**{rel.field.name: place}).count()
                if count:
                    found.append(
                        InactiveReference(
                            place.code, place.name, rel.related_model._meta.label, count
                        )
                    )
    return found


@transaction.atomic
def places_import(*, paths: dict[str, Path], edition: str) -> ImportReport:
    """Makes the given CBS edition current: creates, updates, deactivates; all or nothing."""
    parsed = read_place_files(paths)
    report = ImportReport(edition=edition)
    for level in LEVELS:
        if level in parsed:
            report.levels[level] = LevelReport()
            _apply_level(level, parsed[level], edition, report.levels[level])
    report.inactive_references = _inactive_references()
    # bulk_create/bulk_update send no signal: every cached page reads the reference data.
    generation_bump(REFERENCE)
    return report


def bundled_paths() -> dict[str, Path]:
    return {
        "provinces": BUNDLED_DIR / "provincies.csv",
        "municipalities": BUNDLED_DIR / "gemeenten.csv",
        "districts": BUNDLED_DIR / "wijken_2024.csv",
    }
