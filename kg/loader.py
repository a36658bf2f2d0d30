"""Data files → validated pydantic records, with every problem of a run reported at once.

``load_dataset`` reads every ``*.yaml`` under the record folders of ``data/`` (see
:data:`kg.models.RECORD_FOLDERS`), validates each record against its model, then checks what
needs the whole data set: unique ids, references between records, exchange rates for non-USD
money, parent cycles, and sources that no fact uses (a warning).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from kg.fx import FxTable
from kg.models import RECORD_FOLDERS, Amount, Deal, FxRate, Observation, Organisation, Record, Source
from kg.problems import DataError, Problem, Severity, relative, show_value
from kg.yamlio import JsonRecord, LineFinder, YamlSyntaxError, read_yaml


@dataclass(frozen=True)
class Location:
    file: Path
    index: int  # position of the record in its file's list


@dataclass
class Dataset:
    organisations: dict[str, Organisation] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    deals: dict[str, Deal] = field(default_factory=dict)
    observations: dict[str, Observation] = field(default_factory=dict)
    fx_rates: list[FxRate] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    fingerprint: str = ""
    root: Path = Path("data")

    @property
    def fx(self) -> FxTable:
        return FxTable(self.fx_rates)


def data_files(root: Path) -> Iterator[tuple[str, Path]]:
    for folder in RECORD_FOLDERS:
        for path in sorted((root / folder).rglob("*.yaml")):
            yield folder, path


def fingerprint(root: Path) -> str:
    """A hash of every data file's name and bytes: the build is redone only when it changes."""
    digest = hashlib.sha256()
    for _, path in data_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _Collector:
    """Gathers problems with file and line; line numbers are looked up only when needed."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.invalid_ids: set[str] = set()  # records that failed validation: no "unknown id" errors for them
        self._finders: dict[Path, LineFinder] = {}

    def add(self, path: Path, loc: tuple[object, ...], value: object, message: str,
            severity: Severity = Severity.ERROR) -> None:
        finder = self._finders.get(path) or self._finders.setdefault(path, LineFinder(path))
        field_path = ".".join(str(x) for x in loc[1:])
        shown = "" if value is _MISSING else show_value(value)
        self.problems.append(Problem(relative(path, self.root), finder.line(loc), field_path, shown,
                                     message, severity))


_MISSING = object()


def _pydantic_problems(errors: list[dict], index: int) -> Iterator[tuple[tuple[object, ...], object, str]]:
    for err in errors:
        loc = (index, *err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            yield loc, _MISSING, f"missing required field '{err['loc'][-1]}'"
        elif err["type"] == "extra_forbidden":
            yield loc, err.get("input", _MISSING), f"unknown field '{err['loc'][-1]}'"
        else:
            yield loc, err.get("input", _MISSING), message


def load_dataset(root: Path) -> Dataset:
    """Read and check every data file under ``root``.

    Raises :class:`kg.problems.DataError` listing all errors; warnings are kept on the dataset.
    """
    root = root.resolve()
    if not root.is_dir():
        raise DataError([Problem(str(root), None, "", "", "data directory not found")])
    out = _Collector(root)
    records: dict[str, list[tuple[Record, Location]]] = {name: [] for name in RECORD_FOLDERS}
    for folder, path in data_files(root):
        _read_file(folder, path, records, out)

    ds = Dataset(root=root, fingerprint=fingerprint(root))
    where: dict[tuple[str, str], Location] = {}
    for folder, target in (("entities", ds.organisations), ("sources", ds.sources),
                           ("deals", ds.deals), ("observations", ds.observations)):
        for record, loc in records[folder]:
            rid = record.id  # type: ignore[attr-defined]
            if rid in target:
                first = where[(folder, rid)]
                out.add(loc.file, (loc.index, "id"), rid,
                        f"duplicate id (first defined in {relative(first.file, root)})")
                continue
            target[rid] = record  # type: ignore[index]
            where[(folder, rid)] = loc
    ds.fx_rates = [r for r, _ in records["fx"]]  # type: ignore[misc]
    _check_references(ds, records, out)
    _check_fx(ds, records, out)
    _check_parent_cycles(ds, where, out)
    _check_unused_sources(ds, where, out)

    errors = [p for p in out.problems if p.severity is Severity.ERROR]
    if errors:
        raise DataError(out.problems)
    ds.warnings = [p for p in out.problems if p.severity is Severity.WARNING]
    return ds


def _read_file(folder: str, path: Path, records: dict[str, list[tuple[Record, Location]]],
               out: _Collector) -> None:
    model = RECORD_FOLDERS[folder]
    try:
        items = read_yaml(path)
    except YamlSyntaxError as exc:
        out.problems.append(Problem(relative(path, out.root), exc.line, "", "", exc.message))
        return
    if items is None:
        return
    if not isinstance(items, list):
        out.add(path, (), items, f"a file in {folder}/ must be a YAML list of {model.__name__} records")
        return
    for index, item in enumerate(items):
        try:
            record = model.model_validate_json(item) if isinstance(item, JsonRecord) else model.model_validate(item)
            records[folder].append((record, Location(path, index)))
        except ValidationError as exc:
            raw = json.loads(item) if isinstance(item, JsonRecord) else item
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                out.invalid_ids.add(raw["id"])
            for loc, value, message in _pydantic_problems(exc.errors(), index):
                out.add(path, loc, value, message)


def _check_references(ds: Dataset, records: dict[str, list[tuple[Record, Location]]], out: _Collector) -> None:
    def need(kind: dict, ref: str, loc: Location, path: tuple[object, ...], what: str) -> None:
        if ref not in kind and ref not in out.invalid_ids:
            out.add(loc.file, (loc.index, *path), ref, f"unknown {what} '{ref}'")

    for org, loc in records["entities"]:
        assert isinstance(org, Organisation)
        if org.parent is not None:
            need(ds.organisations, org.parent, loc, ("parent",), "organisation")
        for i, src in enumerate(org.sources):
            need(ds.sources, src, loc, ("sources", i), "source")
    for rate, loc in records["fx"]:
        assert isinstance(rate, FxRate)
        need(ds.sources, rate.source, loc, ("source",), "source")
    for deal, loc in records["deals"]:
        assert isinstance(deal, Deal)
        for i, party in enumerate(deal.parties):
            need(ds.organisations, party.org, loc, ("parties", i, "org"), "organisation")
        for i, claim in enumerate(deal.claims):
            need(ds.sources, claim.source, loc, ("claims", i, "source"), "source")
        if deal.part_of is not None:
            need(ds.deals, deal.part_of, loc, ("part_of",), "deal")
    for obs, loc in records["observations"]:
        assert isinstance(obs, Observation)
        for i, org_id in enumerate(obs.orgs):
            need(ds.organisations, org_id, loc, ("orgs", i), "organisation")
        for i, claim in enumerate(obs.claims):
            need(ds.sources, claim.source, loc, ("claims", i, "source"), "source")


def _money_fields(record: Deal | Observation) -> Iterator[tuple[tuple[object, ...], Amount, date]]:
    for i, claim in enumerate(record.claims):
        if isinstance(record, Observation):
            yield ("claims", i, "value"), claim.value, claim.date  # type: ignore[union-attr]
            continue
        if claim.amount is not None:  # type: ignore[union-attr]
            yield ("claims", i, "amount"), claim.amount, claim.date  # type: ignore[union-attr]
        for org, part in claim.participations.items():  # type: ignore[union-attr]
            if part.amount is not None:
                yield ("claims", i, "participations", org, "amount"), part.amount, claim.date


def _check_fx(ds: Dataset, records: dict[str, list[tuple[Record, Location]]], out: _Collector) -> None:
    table = ds.fx
    for folder in ("deals", "observations"):
        for record, loc in records[folder]:
            for path, amount, on in _money_fields(record):  # type: ignore[arg-type]
                if amount.currency not in (None, "USD") and not table.has(amount.currency):
                    out.add(loc.file, (loc.index, *path, "currency"), amount.currency,
                            f"no exchange rate for {amount.currency} in data/fx/ (needed for {on})")


def _check_parent_cycles(ds: Dataset, where: dict[tuple[str, str], Location], out: _Collector) -> None:
    for org in ds.organisations.values():
        seen, cur = {org.id}, org.parent
        while cur is not None and cur in ds.organisations:
            if cur in seen:
                loc = where[("entities", org.id)]
                out.add(loc.file, (loc.index, "parent"), org.parent, "parent links form a cycle")
                break
            seen.add(cur)
            cur = ds.organisations[cur].parent


def _check_unused_sources(ds: Dataset, where: dict[tuple[str, str], Location], out: _Collector) -> None:
    used = {c.source for d in ds.deals.values() for c in d.claims}
    used |= {c.source for o in ds.observations.values() for c in o.claims}
    used |= {r.source for r in ds.fx_rates}
    used |= {s for org in ds.organisations.values() for s in org.sources}
    for sid in sorted(set(ds.sources) - used):
        loc = where[("sources", sid)]
        out.add(loc.file, (loc.index, "id"), sid, "source is not cited by any fact", Severity.WARNING)
