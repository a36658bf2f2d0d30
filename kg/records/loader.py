"""Data files → validated pydantic records, with every problem of a run reported at once.

``load_dataset`` reads every ``*.yaml`` under the record folders of ``data/`` (see
:data:`kg.records.models.RECORD_FOLDERS`) within bounds (:mod:`kg.records.limits`), validates each
record against its model, then checks what needs the whole data set: unique ids, references between
records (also those of records with field errors), quotes against the bundled seed articles,
exchange rates for non-USD money, parent cycles, and sources that no fact uses (a warning).

A file that cannot be read is one error; what it may have answered (references into it, say) is
not reported one by one but counted in one note.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from kg.paths import seeds_folder
from kg.records.datafile import read_bytes, read_text
from kg.records.fx import FxTable
from kg.records.models import RECORD_FOLDERS, Amount, Deal, FxRate, Observation, Organisation, Record, Source
from kg.records.problems import DataError, Problem, Severity, UnreadableFile, field_path, relative, show_value
from kg.records.references import quotes, references
from kg.records.seeds import SeedTexts
from kg.records.yamlio import JsonRecord, LineFinder, read_yaml


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


# Candidates waiting for review (kg.ingest) live in data/inbox/; they are not data until accepted.
INBOX_DIR = "inbox"


def data_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(record folder, file) of every data file: the YAML files under the record folders, never the inbox."""
    for folder in RECORD_FOLDERS:
        for path in sorted((root / folder).rglob("*.yaml")):
            if INBOX_DIR not in path.relative_to(root).parts:
                yield folder, path


def fingerprint(root: Path) -> str:
    """A hash of every data file's name and bytes: the build is redone only when it changes."""
    digest = hashlib.sha256()
    for _, path in data_files(root):
        digest.update(str(path.relative_to(root)).encode())
        try:
            digest.update(read_bytes(path, root))
        except UnreadableFile:
            digest.update(b"\0unreadable")  # a refused file is never read; the check reports it
    return digest.hexdigest()


class _Collector:
    """Gathers problems with file and line; line numbers are looked up only when needed."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.unreadable: dict[str, list[Path]] = {}  # folder → its files that could not be read as records
        self._finders: dict[Path, LineFinder] = {}

    def add(self, path: Path, loc: tuple[object, ...], value: object, message: str,
            severity: Severity = Severity.ERROR) -> None:
        finder = self._finders.get(path) or self._finders.setdefault(path, LineFinder(read_text(path, self.root)))
        shown = "" if value is _MISSING else show_value(value)
        self.problems.append(Problem(relative(path, self.root), finder.line(loc), field_path(loc[1:]), shown,
                                     message, severity))

    def unreadable_file(self, folder: str, path: Path, problem: Problem) -> None:
        self.unreadable.setdefault(folder, []).append(path)
        self.problems.append(problem)

    def note(self, files: list[Path], count: int, what: str, might: str) -> None:
        """One line for ``count`` checks left undone because ``files`` could not be read."""
        others = "" if len(files) == 1 else f" (as may {', '.join(relative(f, self.root) for f in files[1:])})"
        self.problems.append(Problem(relative(files[0], self.root), None, "", "",
                                     f"{count:,} {what}: this file, which could not be read, may {might}{others}",
                                     Severity.NOTE))


_MISSING = object()


def _pydantic_problems(errors: list[dict], index: int) -> Iterator[tuple[tuple[object, ...], object, str]]:
    for err in errors:
        loc = (index, *err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            yield loc, _MISSING, f"missing required field {show_value(err['loc'][-1], 40)}"
        elif err["type"] == "extra_forbidden":
            yield loc, err.get("input", _MISSING), f"unknown field {show_value(err['loc'][-1], 40)}"
        else:
            yield loc, err.get("input", _MISSING), message


def _raw(item: object) -> object:
    """The data of a record that failed validation (JSON text is parsed again, unless pydantic could not)."""
    if not isinstance(item, JsonRecord):
        return item
    try:
        return json.loads(item)
    except (ValueError, RecursionError):
        return None


# Which kind of record each reference points at: (record field path, target folder, what to call it).
_REF_TARGETS = {"entities": "organisation", "sources": "source", "deals": "deal"}
_MAX_LOCATIONS = 20  # of one unknown reference: enough to find it, bounded in memory


class Checker:
    """Checks the data files one at a time, keeping only what the checks across files need.

    :meth:`read` validates one file and returns its valid records; ids, references, parent links,
    cited sources and currencies are remembered, so that :meth:`finish` can report unknown
    references, parent cycles, missing exchange rates and unused sources. A build can therefore
    stream a large data set file by file (see :mod:`kg.build`). Quotes are checked against the seed
    articles as they are read, so the files are read in the order of ``RECORD_FOLDERS`` (sources
    before the records that quote them), as :func:`data_files` lists them.
    """

    def __init__(self, root: Path, seeds: Path):
        self.root = root
        self.out = _Collector(root)
        self.ids: dict[str, dict[str, Location]] = {folder: {} for folder in RECORD_FOLDERS}
        self.invalid_ids: set[str] = set()  # records that failed validation: no "unknown id" errors for them
        self.refs: dict[tuple[str, str], list[tuple[Location, tuple[object, ...]]]] = {}
        self.ref_counts: Counter[tuple[str, str]] = Counter()
        self.parents: dict[str, tuple[str, Location]] = {}
        self.cited: set[str] = set()
        self.currencies: dict[str, list[tuple[Location, tuple[object, ...], date]]] = {}
        self.fx_currencies: set[str] = {"USD"}
        self.claims = 0
        self.seeds = SeedTexts(seeds)
        self.seed_files: dict[str, str] = {}  # source id → the seed file it is
        self.unchecked_quotes = 0  # citing a seed file, with no seed folder to check them against

    def read(self, folder: str, path: Path) -> list[Record]:
        """Validate one file; returns its valid records that are not duplicates."""
        model = RECORD_FOLDERS[folder]
        kept = []
        for index, item in enumerate(self._items(folder, path)):
            loc = Location(path, index)
            try:
                record = model.model_validate_json(item) if isinstance(item, JsonRecord) else model.model_validate(item)
            except ValidationError as exc:
                self._invalid(folder, _raw(item), loc, exc)
                continue
            rid = getattr(record, "id", None)
            if rid is not None:
                seen = self.ids[folder]
                if rid in seen:
                    self.out.add(loc.file, (loc.index, "id"), rid,
                                 f"duplicate id (first defined in {relative(seen[rid].file, self.root)})")
                    continue
                seen[rid] = loc
            self._remember(folder, record, loc)
            kept.append(record)
        return kept

    def _items(self, folder: str, path: Path) -> list[object]:
        try:
            items = read_yaml(read_text(path, self.root))
        except UnreadableFile as exc:
            self.out.unreadable_file(folder, path, Problem(relative(path, self.root), exc.line, exc.field, exc.value,
                                                           exc.message))
            return []
        if items is None:
            return []
        if not isinstance(items, list):
            self.out.add(path, (), items, f"a file in {folder}/ must be a YAML list of "
                                          f"{RECORD_FOLDERS[folder].__name__} records")
            self.out.unreadable.setdefault(folder, []).append(path)
            return []
        return items

    def _invalid(self, folder: str, raw: object, loc: Location, exc: ValidationError) -> None:
        """Report a record's field errors, and check its references and quotes beside them."""
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            self.invalid_ids.add(raw["id"])
        flagged = set()
        for path, value, message in _pydantic_problems(exc.errors(), loc.index):
            self.out.add(loc.file, path, value, message)
            flagged.add(path[1:])
        self._links(folder, raw, loc, flagged)

    def _remember(self, folder: str, record: Record, loc: Location) -> None:
        self._links(folder, record, loc, set())
        if isinstance(record, Organisation) and record.parent is not None:
            self.parents[record.id] = (record.parent, loc)
        elif isinstance(record, Source) and record.seed_file is not None:
            self.seed_files[record.id] = record.seed_file
            problem = self.seeds.problem(record.seed_file) if self.seeds.present else None
            if problem is not None:
                self.out.add(loc.file, (loc.index, "seed_file"), record.seed_file, problem)
        elif isinstance(record, FxRate):
            self.fx_currencies.add(record.currency)
        elif isinstance(record, Deal | Observation):
            self.claims += len(record.claims)
            for path, amount, on in _money_fields(record):
                if amount.currency not in (None, "USD"):
                    self.currencies.setdefault(amount.currency, []).append((loc, (*path, "currency"), on))

    def _links(self, folder: str, record: object, loc: Location, flagged: set[tuple[object, ...]]) -> None:
        """Remember a record's references and check its quotes; ``record`` may be raw data, whose
        ``flagged`` fields already have an error."""
        for target, ref, path in references(folder, record):
            if path in flagged:
                continue
            self.ref_counts[target, ref] += 1
            where = self.refs.setdefault((target, ref), [])
            if len(where) < _MAX_LOCATIONS:
                where.append((loc, path))
            if target == "sources":
                self.cited.add(ref)
        for source, quote, path in quotes(folder, record):
            seed_file = self.seed_files.get(source)
            if seed_file is None or path in flagged:
                continue
            if not self.seeds.present:
                self.unchecked_quotes += 1
                continue
            missing = self.seeds.missing_part(seed_file, quote)
            if missing is not None:
                self.out.add(loc.file, (loc.index, *path), quote,
                             f"not verbatim in the seed file {seed_file}: {show_value(missing, 60)} is not in it")

    def finish(self) -> list[Problem]:
        """The checks across files; raises :class:`DataError` if there is any error, else returns warnings."""
        out, unreadable = self.out, self.out.unreadable
        unchecked: Counter[str] = Counter()  # checks left undone, by the folder whose unreadable files they need
        for (target, ref), places in self.refs.items():
            if ref in self.ids[target] or ref in self.invalid_ids:
                continue
            if target in unreadable:
                unchecked[target] += self.ref_counts[target, ref]
                continue
            for loc, path in places:
                out.add(loc.file, (loc.index, *path), ref, f"unknown {_REF_TARGETS[target]} {show_value(ref)}")
        for currency, places in self.currencies.items():
            if currency in self.fx_currencies:
                continue
            if "fx" in unreadable:
                unchecked["fx"] += len(places)
                continue
            for loc, path, on in places[:_MAX_LOCATIONS]:
                out.add(loc.file, (loc.index, *path), currency,
                        f"no exchange rate for {currency} in data/fx/ (needed for {on})")
        for org, (parent, loc) in self.parents.items():
            seen, cur = {org}, parent
            while cur in self.parents:
                if cur in seen:
                    out.add(loc.file, (loc.index, "parent"), parent, "parent links form a cycle")
                    break
                seen.add(cur)
                cur = self.parents[cur][0]
        citing = [path for folder, paths in unreadable.items() if folder != "sources" for path in paths]
        for sid, loc in sorted(self.ids["sources"].items()):
            if sid in self.cited:
                continue
            if citing:
                unchecked["citing"] += 1
                continue
            out.add(loc.file, (loc.index, "id"), sid, "source is not cited by any fact", Severity.WARNING)
        for target, noun in _REF_TARGETS.items():
            if unchecked[target]:
                out.note(unreadable[target], unchecked[target], f"reference(s) to {noun}s not checked", "define them")
        if unchecked["fx"]:
            out.note(unreadable["fx"], unchecked["fx"], "amount(s) in other currencies not checked for an exchange "
                     "rate", "hold their rates")
        if unchecked["citing"]:
            out.note(citing, unchecked["citing"], "source(s) cited by no file read not reported as unused",
                     "cite them")
        if self.unchecked_quotes:
            out.problems.append(Problem(str(self.seeds.folder), None, "", "",
                                        f"seed folder not found: {self.unchecked_quotes:,} quote(s) citing a seed "
                                        "file were not checked against it", Severity.WARNING))
        if any(p.severity is Severity.ERROR for p in out.problems):
            raise DataError(out.problems)
        return [p for p in out.problems if p.severity is Severity.WARNING]


def open_checker(root: Path, seeds: Path | None = None) -> Checker:
    """A checker of the data folder ``root``; quotes citing a seed file are checked against the
    files in ``seeds`` (default: :func:`kg.paths.seeds_folder`)."""
    root = root.resolve()
    if not root.is_dir():
        raise DataError([Problem(str(root), None, "", "", "data directory not found")])
    return Checker(root, seeds_folder() if seeds is None else seeds)


def load_dataset(root: Path, seeds: Path | None = None) -> Dataset:
    """Read and check every data file under ``root`` into memory (quotes against the seed files in ``seeds``).

    Raises :class:`kg.records.problems.DataError` listing all errors; warnings are kept on the dataset.
    """
    checker = open_checker(root, seeds)
    ds = Dataset(root=checker.root, fingerprint=fingerprint(checker.root))
    targets = {"entities": ds.organisations, "sources": ds.sources, "deals": ds.deals,
               "observations": ds.observations}
    for folder, path in data_files(checker.root):
        for record in checker.read(folder, path):
            if folder == "fx":
                ds.fx_rates.append(record)  # type: ignore[arg-type]
            else:
                targets[folder][record.id] = record  # type: ignore[attr-defined, index]
    ds.warnings = checker.finish()
    return ds


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
