"""The ``aikg`` command line: each command is a thin layer over the library call of the same name."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pandas as pd
from rich.console import Console, RenderHook
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

import kg
from kg import build as build_stage
from kg.graph import report_paths
from kg.graph import validate as check_data
from kg.ingest import api as ingest
from kg.ingest.article import ArticleError
from kg.ingest.batch import BatchError
from kg.ingest.inbox import InboxError
from kg.output import DISK_ERRNOS, os_errno
from kg.paths import DEFAULT_DATA, DEFAULT_OUT, SEEDS_ENV
from kg.projection import plans
from kg.rdf.formats import RDF_FORMATS
from kg.records.problems import DataError
from kg.records.vocab import Status
from kg.store import StoreError, queries
from kg.store.paging import MAX_OFFSET
from kg.store.syntax import SparqlSyntaxError
from kg.synth import synth as synth_data
from kg.validate import ENGINES
from kg.views.export import FORMATS as EXPORT_FORMATS
from kg.views.export import WHAT as EXPORT_WHAT
from kg.views.formatting import terminal_text

# Piped output is not cut to 80 columns.
out_console = Console(highlight=False, width=None if sys.stdout.isatty() else 240)
err_console = Console(stderr=True, highlight=False)


def shown(value: object) -> str:
    """Text from the data (names, quotes, paths, titles) for a message with markup: control characters
    replaced and rich markup escaped, so ``[/bogus]`` or ``[link=...]`` print as they are."""
    return escape(terminal_text(value))


_C1 = re.compile("[\x7f-\x9f]")


def json_text(text: str) -> str:
    """JSON as printed: C1 control characters (which JSON may carry raw) written as ``\\u`` escapes."""
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
FORMATS = click.Choice(["table", "csv", "json", "md"])


def data_options(func: Callable) -> Callable:
    """--data and --out, taken by every command; bad input, bad arguments and a refusing disk end the
    command with a message, not a traceback."""

    @click.option("--data", "data", type=click.Path(path_type=Path), default=DEFAULT_DATA, show_default=True,
                  help="Folder of data files.")
    @click.option("--out", "out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
                  help="Output folder (graph files, store, reports).")
    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        try:
            try:
                return func(*args, **kwargs)
            finally:
                _display.stop()
        except DataError as exc:
            for problem in exc.problems:
                err_console.print(terminal_text(problem), markup=False, soft_wrap=True)
            errors = sum(p.severity == "error" for p in exc.problems)
            err_console.print(f"[bold red]{errors} error(s); nothing was written.[/]")
            sys.exit(1)
        except (ArticleError, BatchError, InboxError) as exc:  # input that cannot be read or found
            err_console.print(f"[bold red]error:[/] {shown(exc)}; nothing was written.", soft_wrap=True)
            sys.exit(1)
        except (queries.QueryError, ValueError) as exc:  # wrong names, types or values given by the user
            err_console.print(f"[bold red]error:[/] {shown(exc)}", soft_wrap=True)
            sys.exit(2)
        except build_stage.BuildBusy as exc:
            err_console.print(f"[bold red]error:[/] {shown(exc)}", soft_wrap=True)
            sys.exit(1)
        except SparqlSyntaxError as exc:  # the line with a caret under the column, below the message
            err_console.print(terminal_text(f"error: {exc}\n{exc.excerpt()}"), markup=False, soft_wrap=True)
            sys.exit(2)
        except StoreError as exc:  # an endpoint that cannot be reached or refuses: what, where, why
            err_console.print(f"[bold red]error:[/] {shown(exc)}", soft_wrap=True)
            sys.exit(1)
        except OSError as exc:
            code = os_errno(exc)
            if code not in DISK_ERRNOS:
                raise
            # the output writers name the path they write (kg.output.naming); the output folder otherwise
            path = exc.filename or kwargs.get("out")
            err_console.print(terminal_text(f"error: {path}: {os.strerror(code).lower()}"), markup=False,
                              soft_wrap=True)
            sys.exit(1)

    return wrapper


def settings_options(func: Callable) -> Callable:
    """--as-of, --status, --ranges and --stated-only: what the projection counts (see kg.projection.legs.Settings)."""

    @click.option("--as-of", "as_of", default=None, metavar="DATE", help="Count deals as they stood on DATE.")
    @click.option("--reported-by", "reported_by", default=None, metavar="DATE",
                  help="Count only claims whose source was published by DATE: what the market knew then.")
    @click.option("--status", "statuses", multiple=True, type=click.Choice([s.value for s in Status]),
                  help="A deal status to count (repeatable; default: announced, committed, closed, in_progress).")
    @click.option("--ranges", type=click.Choice(["min", "max", "midpoint"]), default="midpoint", show_default=True,
                  help="How to count a range such as 'up to' or 'between'.")
    @click.option("--stated-only", is_flag=True,
                  help="Count only figures the sources state per party: no equal split of a multi-party total.")
    @functools.wraps(func)
    def wrapper(*args: object, as_of: str | None, reported_by: str | None, statuses: tuple[str, ...], ranges: str,
                stated_only: bool, **kwargs: object) -> object:
        settings = {"as_of": _date(as_of, "--as-of"), "statuses": list(statuses) or None, "ranges": ranges,
                    "allocate": not stated_only}
        if reported_by:
            settings["reported_by"] = _date(reported_by, "--reported-by")
        return func(*args, settings=settings, **kwargs)

    return wrapper


def _change(before: float | None, after: float | None) -> str:
    """"$38B", or "$40B → $41B" where the figure changed; "" where there is none."""
    def usd(x: float | None) -> str:
        return "undisclosed" if x is None or x != x else f"${x / 1e9:,.4g}B"
    if after is None or after != after:
        return "" if before is None or before != before else f"{usd(before)} → undisclosed"
    return usd(after) if before is None or before != before or before == after else f"{usd(before)} → {usd(after)}"


def _date(text: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option's date, or a usage error naming the option and the value."""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {text!r}", param_hint=option) from None


def emit_with_settings(frame: pd.DataFrame, fmt: str, title: str, about: dict, figures: dict | None = None) -> None:
    """Print a result with the settings it rests on: a header line, or an envelope in JSON (where
    ``figures``, plain numbers, stand in for the formatted ``about`` texts when given)."""
    line = "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in about.items())
    if fmt == "json":
        rows = json.loads(frame.to_json(orient="records", date_format="iso"))
        envelope = {"title": title, **(about if figures is None else figures), "rows": rows}
        click.echo(json_text(json.dumps(envelope, indent=2, ensure_ascii=False)))
        return
    if fmt == "csv":
        err_console.print(terminal_text(f"{title} ({line})"), markup=False, soft_wrap=True)
    else:
        out_console.print(f"[bold]{shown(title)}[/]\n{shown(line)}", soft_wrap=True)
    emit(frame, fmt)


class _Display:
    """The progress display on stderr: a spinner, the step, a bar with how many of how many for a counted step,
    and the time taken. Only on a terminal and unless ``aikg --quiet`` (or ``AIKG_QUIET=1``); it starts with
    the first step reported and is gone before the command prints anything (see :class:`_ClearsDisplay`)."""

    def __init__(self) -> None:
        self.enabled = True
        self.bar: Progress | None = None
        self.message = ""

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        if not (self.enabled and err_console.is_terminal):
            return
        if self.bar is None:
            self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                TextColumn("{task.fields[count]}"), TimeElapsedColumn(), console=err_console,
                                transient=True, redirect_stdout=False, redirect_stderr=False)
            self.bar.add_task("", total=None, count="")
            self.bar.start()
        self.bar.update(self.bar.task_ids[0], description=shown(message), completed=done or 0, total=total,
                        count="" if total is None else f"{done or 0:,}/{total:,}")
        if message != self.message:  # each step is drawn at least once, however fast
            self.message = message
            self.bar.refresh()

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
            self.message = ""


class _ClearsDisplay(RenderHook):
    """Whatever a command prints on standard output clears the progress display first."""

    def process_renderables(self, renderables: list) -> list:
        _display.stop()
        return renderables


_display = _Display()
out_console.push_render_hook(_ClearsDisplay())


def _progress() -> tuple[_Display, Callable[[], None]]:
    return _display, _display.stop


def _load(data: Path, out: Path, endpoint: str | None = None) -> kg.KnowledgeGraph:
    graph = kg.load(data, out, endpoint=endpoint, progress=_display)
    _display("computing")
    return graph


def emit(frame: pd.DataFrame, fmt: str, title: str | None = None) -> None:
    """Print a DataFrame as a table, CSV, JSON or Markdown."""
    _display.stop()
    if fmt == "csv":
        click.echo(terminal_text(frame.to_csv(index=False)), nl=False)
    elif fmt == "json":
        click.echo(json_text(frame.to_json(orient="records", date_format="iso", indent=2)))
    elif fmt == "md":
        click.echo(_markdown(frame))
    else:  # Text cells are never read as markup
        table = Table(title=None if title is None else Text(terminal_text(title)), show_lines=False)
        for col in frame.columns:
            table.add_column(Text(terminal_text(col)),
                             justify="right" if pd.api.types.is_numeric_dtype(frame[col]) else "left")
        for row in frame.itertuples(index=False):
            table.add_row(*(Text(_cell(v)) for v in row))
        out_console.print(table)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
    return terminal_text(value)


def _markdown(frame: pd.DataFrame) -> str:
    def esc(v: object) -> str:
        return _cell(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(esc, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aikg")
@click.option("-q", "--quiet", is_flag=True, envvar="AIKG_QUIET",
              help="No progress display (shown only on a terminal anyway; env AIKG_QUIET=1).")
def main(quiet: bool) -> None:
    """aikg: a sourced knowledge graph of AI investment relationships."""
    _display.enabled = not quiet


def seeds_option(func: Callable) -> Callable:
    return click.option("--seeds", type=click.Path(path_type=Path), default=None, envvar=SEEDS_ENV,
                        help="Folder of the seed articles that quotes citing a seed_file are checked against "
                             f"(default: ../shared/sources/seeds beside the repository; env {SEEDS_ENV}).")(func)


def _formats(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in build_stage.FORMATS]
    if unknown:
        raise click.BadParameter(f"unknown format {', '.join(unknown)}; choose from {', '.join(build_stage.FORMATS)}")
    return names


@main.command()
@data_options
@seeds_option
@click.option("--formats", default="nt", show_default=True, callback=_formats,
              help="Graph files to write, comma-separated: nt (always written: the store loads it), ttl, jsonld.")
def build(data: Path, out: Path, seeds: Path | None, formats: tuple[str, ...]) -> None:
    """Build the graph from --data into --out (N-Triples, the query store and the projection's tables)."""
    say, stop = _progress()
    try:
        result = build_stage.build(data, out, progress=say, seeds=seeds, formats=formats)
    finally:
        stop()
    for name in result.removed:
        err_console.print(f"removed {shown(name)}, left by an interrupted build", soft_wrap=True)
    if not result.store_rebuilt:
        out_console.print(f"up to date: {shown(out)} already holds a build of these data files")
        return
    out_console.print(f"built {result.summary()}")
    files = ", ".join(build_stage.FORMATS[n] for n in build_stage.FORMATS if n == "nt" or n in formats)
    graph, store = shown(out / build_stage.GRAPH_DIR), shown(out / build_stage.STORE_DIR)
    out_console.print(f"wrote {graph}/ ({files}) and {store}/")
    if result.warnings:
        out_console.print(f"{result.warnings} warning(s): run 'aikg validate' to list them")


@main.command()
@data_options
@seeds_option
@click.option("--engine", type=click.Choice(ENGINES), default="sparql", show_default=True,
              help="sparql: the shapes compiled to SPARQL on Oxigraph (the build's store in --out when current); "
                   "pyshacl: the reference implementation, slow on large data.")
def validate(data: Path, out: Path, seeds: Path | None, engine: str) -> None:
    """Check the data files (models, references, seed quotes) and the built graph (SHACL shapes)."""
    report = check_data(data, out, seeds, engine)
    for warning in report.warnings:
        out_console.print(terminal_text(warning), markup=False, soft_wrap=True)
    for violation in report.violations:
        err_console.print(terminal_text(f"SHACL: {violation}"), markup=False, soft_wrap=True)
    if not report.conforms:
        err_console.print(f"[bold red]{len(report.violations)} SHACL violation(s)[/]")
        sys.exit(1)
    out_console.print(f"valid: model checks passed, {report.triples:,} triples conform to the SHACL shapes"
                      f" ({len(report.warnings)} warning(s))")


@main.command()
@data_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def stats(data: Path, out: Path, fmt: str) -> None:
    """Coverage: freshness, counts by type, kind, status, evidence and year; gaps in identifiers and sources."""
    for title, frame in _load(data, out).stats().items():
        if "latest_claim" in frame.attrs:
            out_console.print(f"[bold]Freshness:[/] latest claim {frame.attrs['latest_claim']}, latest source "
                              f"{frame.attrs['latest_source']} (as of {frame.attrs['today']})", markup=True)
        if fmt == "table":
            emit(frame, fmt, title)
        else:
            click.echo(f"# {title}")
            emit(frame, fmt)


@main.command()
@data_options
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the named queries.")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--endpoint", default=None, help="Run against this SPARQL 1.1 endpoint instead of the local store.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Return at most this many rows (a page).")
@click.option("--offset", type=click.IntRange(min=0, max=MAX_OFFSET), default=0, show_default=True,
              help="Skip this many rows of the ordered result first.")
@click.option("--engine", type=click.Choice(plans.ENGINES), default="auto", show_default=True,
              help="auto: a query with a plan (queries/NAME.sql) is answered from the build's tables when they are "
                   "current, else by SPARQL; sparql or tables: that one only.")
def query(data: Path, out: Path, name: str | None, list_: bool, params: tuple[str, ...], fmt: str,
          endpoint: str | None, limit: int | None, offset: int, engine: str) -> None:
    """Run the named query NAME from queries/ (or --list them); --limit/--offset give one page of its ordered
    rows."""
    if list_ or name is None:
        shown = [(q, ", ".join(f"{p.name}={p.default}" + (" (or *)" if p.wildcard else "") for p in q.params))
                 for q in queries.library().values()]
        rows = [(q.name, q.title, parameters) for q, parameters in shown]
        emit(pd.DataFrame(rows, columns=["name", "title", "parameters"]), fmt)
        return
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--param")
        values[key] = value
    named = queries.get(name)
    named.bind(values)  # reports a wrong name or type before anything is built
    if limit is None and offset:
        raise click.BadParameter("--offset needs --limit", param_hint="--offset")
    page = {} if limit is None else {"limit": limit, "offset": offset}
    emit(_load(data, out, endpoint).query(name, engine=engine, **values, **page), fmt, named.title)


@main.command()
@data_options
@click.argument("text")
@click.option("--format", "fmt", type=click.Choice([*FORMATS.choices, *RDF_FORMATS]), default=None,
              help="SELECT: table (default), csv, json or md; CONSTRUCT and DESCRIBE: ttl (default), nt or jsonld.")
@click.option("--endpoint", default=None, help="Run against this SPARQL 1.1 endpoint instead of the local store.")
def sparql(data: Path, out: Path, text: str, fmt: str | None, endpoint: str | None) -> None:
    """Run an ad-hoc SPARQL query given as TEXT or as the path of a .rq file: SELECT prints a table, ASK
    true or false, CONSTRUCT and DESCRIBE Turtle. The ontology's prefixes (aikg:, code:, id:, rdfs:,
    skos:, schema:, ...) need no PREFIX lines."""
    path = Path(text)
    if text.endswith(".rq") and path.exists():
        text = path.read_text(encoding="utf-8")
    answer = _load(data, out, endpoint).sparql(text)
    _display.stop()  # before printing with click.echo, which the display does not see
    if isinstance(answer, bool):
        click.echo(json.dumps({"boolean": answer}) if fmt == "json" else str(answer).lower())
    elif isinstance(answer, queries.Triples):
        if fmt in FORMATS.choices and fmt != "json":
            raise click.BadParameter(f"{fmt} is for SELECT; a CONSTRUCT or DESCRIBE prints ttl, nt or jsonld",
                                     param_hint="--format")
        click.echo(terminal_text(answer.serialize("jsonld" if fmt == "json" else fmt or "ttl")), nl=False)
    elif fmt in RDF_FORMATS:
        raise click.BadParameter(f"{fmt} is for CONSTRUCT and DESCRIBE; a SELECT prints table, csv, json or md",
                                 param_hint="--format")
    else:
        emit(answer, fmt or "table")


@main.command(name="synth")
@click.option("--orgs", type=click.IntRange(min=2), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Folder to write the data set to.")
@click.option("--data", "data", type=click.Path(path_type=Path), default=None, hidden=True)
def synth(orgs: int, seed: int, out: Path, data: Path | None) -> None:
    """Write a synthetic data set of --orgs organisations (about 5 deals each) to --out."""
    try:
        counts = synth_data(orgs, seed, out, progress=_display)
    finally:
        _display.stop()
    out_console.print("wrote " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f" to {shown(out)}/")


@main.command()
@data_options
@settings_options
@click.argument("a")
@click.option("--to", "to", default=None, help="Only the exposure to this organisation.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def exposure(data: Path, out: Path, settings: dict, a: str, to: str | None, fmt: str) -> None:
    """A's direct exposure by channel (equity at risk, contracted revenue, credit, supplier dependence)."""
    frame = _load(data, out).exposure(a, to=to, **settings)
    emit_with_settings(frame, fmt, f"Exposure of {a}" + (f" to {to}" if to else ""), frame.attrs["settings"])


@main.command(name="exposed-to")
@data_options
@settings_options
@click.argument("x")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def exposed_to(data: Path, out: Path, settings: dict, x: str, fmt: str) -> None:
    """Who is exposed to X: direct channels, look-through ownership and DebtRank contagion, ranked."""
    frame = _load(data, out).exposed_to(x, **settings)
    emit_with_settings(frame, fmt, f"Who is exposed to {x}", frame.attrs["settings"])


@main.command()
@data_options
@settings_options
@click.argument("x", required=False)
@click.option("--kind", type=click.Choice(["funders", "customers", "suppliers", "market"]), default="funders",
              show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def concentration(data: Path, out: Path, settings: dict, x: str | None, kind: str, fmt: str) -> None:
    """HHI (2023 US Merger Guidelines bands) and top-k shares of X's funders, customers or suppliers."""
    if x is None and kind != "market":
        raise click.UsageError("give an organisation, or --kind market")
    result = _load(data, out).concentration(x, kind, **settings)  # type: ignore[arg-type]
    if result.hhi is None:
        hhi = "n/a (no known amounts)"
    else:
        hhi = f"{result.hhi:,.0f} ({result.label}) over the known amounts"
        if result.undisclosed:
            hhi += f"; with the undisclosed legs anywhere from {result.hhi_low:,.0f} to {result.hhi_high:,.0f}"
    about = {**result.settings, "HHI": hhi,
             "top-1 share (known)": "n/a" if result.top1 is None else f"{result.top1:.1%}",
             "top-3 share (known)": "n/a" if result.top3 is None else f"{result.top3:.1%}",
             "legs with a figure": f"{result.known_legs} of {result.legs}"}
    emit_with_settings(result.table, fmt, f"Concentration of {x or 'the market'}: {kind}", about,
                       {**result.settings, **result.summary()})


@main.command()
@data_options
@settings_options
@click.option("--max-len", type=click.IntRange(2, 8), default=5, show_default=True, help="Most parties in a cycle.")
@click.option("--max-cycles", type=click.IntRange(1), default=10_000, show_default=True)
@click.option("--legs", "show_legs", is_flag=True, help="List every leg of every cycle.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def cycles(data: Path, out: Path, settings: dict, max_len: int, max_cycles: int, show_legs: bool, fmt: str) -> None:
    """Circular deals: money that leaves a party and comes back through 2 to --max-len parties."""
    result = _load(data, out).cycles(max_len=max_len, max_cycles=max_cycles, **settings)
    about = {**result.settings, "max_len": str(result.max_len), "max_cycles": str(result.max_cycles),
             "truncated": str(result.truncated)}
    emit_with_settings(result.legs if show_legs else result.table, fmt, "Circular deals", about)


@main.command()
@data_options
@settings_options
@click.option("--betweenness-sources", type=click.IntRange(2), default=None,
              help="Estimate betweenness from this many sampled sources (default: exact up to 5,000 "
                   "organisations, else 1,000).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def centrality(data: Path, out: Path, settings: dict, betweenness_sources: int | None, fmt: str) -> None:
    """Weighted PageRank and betweenness over the value flows: who is too central to fail."""
    frame = _load(data, out).centrality(betweenness_sources=betweenness_sources, **settings)
    emit_with_settings(frame, fmt, "Centrality", frame.attrs["settings"])


@main.command()
@data_options
@settings_options
@click.option("--fail", required=True, help="The organisation that fails to pay or loses value.")
@click.option("--pays", type=click.FloatRange(0, 1), default=None, help="Fraction of its commitments it pays.")
@click.option("--loses", type=click.FloatRange(0, 1), default=None, help="Fraction of its value it loses.")
@click.option("--method", type=click.Choice(["debtrank", "eisenberg-noe", "rogers-veraart"]), default="debtrank",
              show_default=True)
@click.option("--variant", type=click.Choice(["battiston2012", "bardoscia2015"]), default="battiston2012",
              show_default=True, help="DebtRank variant.")
@click.option("--alpha", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Rogers–Veraart recovery rate on external assets.")
@click.option("--beta", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Rogers–Veraart recovery rate on claims on others.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def stress(data: Path, out: Path, settings: dict, fail: str, pays: float | None, loses: float | None, method: str,
           variant: str, alpha: float, beta: float, fmt: str) -> None:
    """Stress test: what everyone loses if --fail pays only --pays of its commitments (or loses --loses)."""
    if (pays is None) == (loses is None):
        raise click.UsageError("give exactly one of --pays or --loses")
    result = _load(data, out).stress(fail, pays=pays, loses=loses, method=method, variant=variant,  # type: ignore[arg-type]
                                     alpha=alpha, beta=beta, **settings)
    about = {**result.settings, "method": result.method,
             "parameters": ", ".join(f"{k}={v}" for k, v in result.parameters.items()),
             "defaults by round": "; ".join(f"{i}: {', '.join(r)}" for i, r in enumerate(result.rounds, 1)) or "none",
             "organisations without a size figure": str(result.unsized)}
    emit_with_settings(result.table, fmt, result.scenario, about)


@main.command()
@data_options
@settings_options
@click.option("--fail", default="openai", show_default=True, help="Organisation of the stress scenarios.")
@click.option("--pays", type=click.FloatRange(0, 1), default=0.4, show_default=True)
def metrics(data: Path, out: Path, settings: dict, fail: str, pays: float) -> None:
    """Write every analysis as JSON and CSV into --out/metrics/."""
    written = _load(data, out).metrics(out / "metrics", stress_fail=fail, pays=pays, progress=_display, **settings)
    out_console.print(f"wrote {len(written)} tables (JSON and CSV) to {shown(out / 'metrics')}/: {', '.join(written)}")


@main.command()
@data_options
@settings_options
@click.option("--fail", default="openai", show_default=True, help="Organisation of the stress scenario.")
@click.option("--pays", type=click.FloatRange(0, 1), default=0.4, show_default=True,
              help="Fraction of its commitments it pays in the stress scenario.")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="HTML file to write (default: OUT/report.html, with OUT/explorer.html beside it; the explorer "
                   "of a named FILE.html is FILE-explorer.html).")
@click.option("--site", "site", type=click.Path(path_type=Path), default=None,
              help="Also write a page per organisation and per deal into this folder (static, offline).")
def report(data: Path, out: Path, settings: dict, fail: str, pays: float, output: Path | None,
           site: Path | None) -> None:
    """Write the analyst report: one offline HTML page with every analysis, charts and the explorer."""
    say, stop = _progress()
    try:
        graph = kg.load(data, out, progress=say)
        result = graph.build_report(stress_fail=fail, pays=pays, progress=say, **settings)
        say("writing the report")
        path, explorer_name = report_paths(out, output)
        result.write(path, explorer_name)
        if site is not None:
            say("writing the entity pages")
            graph.write_site(site)
    finally:
        stop()
    for note in result.notes:
        err_console.print(f"[yellow]note:[/] {shown(note)}", soft_wrap=True)
    for label, text in result.summary():
        out_console.print(f"[bold]{label}:[/] {shown(text)}", soft_wrap=True)
    from kg.views.report import explorer_beside  # the report's modules load only when one is written

    out_console.print(f"wrote {shown(path)} and {shown(explorer_beside(path, explorer_name))}")
    if site is not None:
        out_console.print(f"wrote the entity pages into {shown(site)}/ (open {shown(site / 'index.html')})")


@main.command()
@data_options
@settings_options
@click.option("--stories", "folder", type=click.Path(path_type=Path), default=None,
              help="Folder of story files, one story a *.yaml file (default: the repository's stories/).")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="Folder to write the pages into (default: OUT/stories).")
def stories(data: Path, out: Path, settings: dict, folder: Path | None, output: Path | None) -> None:
    """Render the case studies into offline pages: every figure computed from the graph, with its sources."""
    written = _load(data, out).stories(output, stories=folder, **settings)
    out_console.print(f"wrote {len(written) - 1} stories and an index: {shown(written[0])}")


@main.command()
@data_options
@click.option("--focus", default=None, help="Organisation (id, name or alias) to focus on.")
@click.option("--depth", type=click.IntRange(1, 3), default=2, show_default=True, help="Focus depth.")
@click.option("--as-of", "as_of", default=None, metavar="DATE", help="Initial position of the date slider.")
@click.option("--kinds", multiple=True, help="Deal kinds shown at first (repeatable; default all).")
@click.option("--status", "statuses", multiple=True, type=click.Choice([s.value for s in Status]),
              help="Statuses shown at first (repeatable; default all).")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="HTML file to write (default: OUT/explorer.html).")
def view(data: Path, out: Path, focus: str | None, depth: int, as_of: str | None, kinds: tuple[str, ...],
         statuses: tuple[str, ...], output: Path | None) -> None:
    """Write the interactive explorer: one offline HTML file."""
    path = _load(data, out).write_view(output or out / "explorer.html", focus=focus, depth=depth,
                                       kinds=kinds or None, statuses=statuses or None, as_of=as_of)
    out_console.print(f"wrote {shown(path)}")


@main.command()
@data_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless told).")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True)
@click.option("--timeout", "timeout_s", type=click.FloatRange(0.1), default=30.0, show_default=True,
              help="Hard deadline of each query, in seconds.")
@click.option("--max-rows", type=click.IntRange(1), default=10_000, show_default=True,
              help="Rows per answer; more are cut and the answer says so.")
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="Worker processes of the general lane (new and slow queries).")
@click.option("--light-workers", type=click.IntRange(1, 32), default=None,
              help="Worker processes kept for queries that answered fast before.  [default: 2]")
@click.option("--max-connections-per-client", type=click.IntRange(1), default=None,
              help="Open connections one address may hold.  [default: 16]")
@click.option("--request-timeout", "request_timeout_s", type=click.FloatRange(0.1), default=None,
              help="Seconds for a whole request (line, headers, body) to arrive.  [default: 10]")
def serve(data: Path, out: Path, host: str, port: int, timeout_s: float, max_rows: int, workers: int | None,
          light_workers: int | None, max_connections_per_client: int | None,
          request_timeout_s: float | None) -> None:
    """A read-only SPARQL 1.1 Protocol endpoint over the built store, with a query page, the explorer and a
    page (HTML, Turtle, JSON-LD) for every IRI of the graph at /id/..."""
    from kg.endpoint import serve as serve_endpoint
    from kg.views.entity_page import SERVER_LINKS

    graph = _load(data, out)
    named = queries.library()
    explorer = out / "explorer.html"
    chosen = {"workers": workers, "light_workers": light_workers, "request_timeout_s": request_timeout_s,
              "max_connections_per_client": max_connections_per_client}
    options = {k: v for k, v in chosen.items() if v is not None}

    def pages() -> object:  # asked for per request: the pages follow a rebuilt store
        return graph.entity_pages().linked(SERVER_LINKS)

    out_console.print(f"aikg SPARQL endpoint: http://{shown(host)}:{port}/sparql  (query page: http://{shown(host)}:{port}/)")
    serve_endpoint(graph.out / build_stage.STORE_DIR, host, port, timeout_s=timeout_s, max_rows=max_rows,
                   named_queries=named, explorer_path=explorer if explorer.exists() else None, entities=pages,
                   **options)


@main.command()
@data_options
@click.option("--endpoint", required=True, metavar="URL",
              help="The remote store's Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store for Oxigraph.")
def push(data: Path, out: Path, endpoint: str) -> None:
    """Load the built graph (and the ontology) into a remote store through the Graph Store Protocol."""
    sent = _load(data, out).push(endpoint)
    out_console.print(f"pushed {sent:,} triples to {shown(endpoint)}; query it with --endpoint <its SPARQL URL>")


@main.command()
@data_options
def run(data: Path, out: Path) -> None:
    """The main job: build, validate, compute the analyses, write the report and explorer, print a summary."""
    say, stop = _progress()
    try:
        say("building the graph")
        graph = kg.load(data, out, progress=say)
        say("validating (models and SHACL shapes)")
        report = graph.validate()
        say("computing the analyses")
        written = graph.metrics(out / "metrics", progress=say)
        say("writing the report and the explorer")
        result = graph.build_report(progress=say)
        report_path = result.write(*report_paths(out, None))
        say("writing the stories")
        stories = graph.stories(out / "stories")
        summary = graph.stats()
    finally:
        stop()
    out_console.print(f"[bold]aikg[/] built {shown(data)} into {shown(out)}/")
    for title in ("Deals by kind", "Deals by status (preferred claim)"):
        emit(summary[title], "table", title)
    for label, text in result.summary():
        out_console.print(f"[bold]{label}:[/] {shown(text)}", soft_wrap=True)
    state = "conforms to the SHACL shapes" if report.conforms else f"{len(report.violations)} SHACL violation(s)"
    out_console.print(f"validation: {state}; {len(report.warnings)} warning(s)")
    out_console.print(f"wrote {shown(out / 'metrics')}/ ({len(written)} tables), {shown(report_path)}, "
                      f"{shown(report_path.parent / 'explorer.html')} and {len(stories) - 1} stories in "
                      f"{shown(out / 'stories')}/")
    if not report.conforms:
        sys.exit(1)


@main.command()
@data_options
@click.argument("article", required=False)
@click.option("--url", default=None, help="The article's URL (metadata only: nothing is fetched).")
@click.option("--published", default=None, metavar="DATE", help="Publication date, if the page does not say.")
@click.option("--publisher", default=None, help="Publisher, if the page does not say.")
@click.option("--title", default=None, help="Title, if the page does not say.")
@click.option("--jsonl", "jsonl", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Batch mode: read one JSON object a line from FILE ('-' for standard input), write JSON lines.")
@click.option("--dry-run", is_flag=True, help="Show the candidates; write nothing to the inbox.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def extract(data: Path, out: Path, article: str | None, url: str | None, published: str | None,
            publisher: str | None, title: str | None, jsonl: Path | None, dry_run: bool, fmt: str) -> None:
    """Candidate facts of ARTICLE (a saved HTML page, a text or Markdown file, or '-' for standard input),
    written to data/inbox/<source id>.yaml for review."""
    if jsonl is not None:
        lines = sys.stdin.read().splitlines() if str(jsonl) == "-" else \
            jsonl.read_text(encoding="utf-8", errors="replace").splitlines()
        for line in ingest.extract_jsonl(lines, data):
            click.echo(line)
        return
    if article is None:
        raise click.UsageError("give an ARTICLE (a file, or '-' for standard input) or --jsonl FILE")
    try:
        when = dt.date.fromisoformat(published) if published else None
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {published!r}", param_hint="--published") from None
    given: Path | bytes = sys.stdin.buffer.read() if article == "-" else Path(article)
    result = ingest.extract(given, data, url=url, published=when, publisher=publisher, title=title,
                            write=not dry_run)
    frame = result.frame[["id", "match", "kind", "parties", "value", "min", "max", "currency", "date", "status",
                          "confidence", "quote"]]
    source = result.extraction.source
    if fmt == "table":
        # table cells print as text (see emit): only long quotes are cut here
        frame = frame.assign(quote=frame["quote"].map(lambda q: q if len(q) <= 90 else q[:87] + "..."))
        out_console.print(f"[bold]{shown(source.get('title'))}[/] ({shown(source.get('publisher'))}, "
                          f"{source.get('published')}, {result.extraction.language}); "
                          f"source {shown(source['id'])}"
                          + (" (already in the data)" if result.extraction.source_exists else ""), soft_wrap=True)
    emit(frame, fmt, "Candidates")
    for note in result.extraction.notes:
        err_console.print(f"[yellow]note:[/] {shown(note)}", soft_wrap=True)
    if result.written is not None:
        for cid, why in result.written.left_out:
            err_console.print(f"[yellow]left out {shown(cid)}:[/] {shown(why)}", soft_wrap=True)
        err_console.print(f"wrote {len(result.written.kept)} candidate(s) to {shown(result.written.path)}; "
                          "edit it, then 'aikg accept ID...' or 'aikg reject ID...'", soft_wrap=True)


@main.command()
@data_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def inbox(data: Path, out: Path, fmt: str) -> None:
    """The candidates waiting in data/inbox/ for 'aikg accept' or 'aikg reject'."""
    frame = ingest.inbox_frame(data)
    if fmt == "table":
        frame = frame.assign(**{c: frame[c].map(lambda v: shown(v)) for c in ("match", "parties", "quote")})
    emit(frame, fmt, "Inbox")


@main.command()
@data_options
@click.argument("ids", nargs=-1, required=True)
def accept(data: Path, out: Path, ids: tuple[str, ...]) -> None:
    """Move candidates (IDs, or a source id for its whole inbox file) into data/, all or nothing."""
    result = ingest.accept(data, list(ids))
    for cid, why in result.skipped:
        err_console.print(f"[yellow]skipped {shown(cid)}:[/] {shown(why)}", soft_wrap=True)
    out_console.print(f"accepted {len(result.ids)} candidate(s) ({shown(', '.join(result.ids))}) into "
                      + ", ".join(shown(p) for p in result.files), soft_wrap=True)


@main.command()
@data_options
@click.argument("ids", nargs=-1, required=True)
def reject(data: Path, out: Path, ids: tuple[str, ...]) -> None:
    """Drop candidates (IDs, or a source id for its whole inbox file) from the inbox."""
    dropped = ingest.reject(data, list(ids))
    out_console.print(f"rejected {len(dropped)} candidate(s): {shown(', '.join(dropped))}", soft_wrap=True)


# -- the bubble questions ------------------------------------------------------------------
@main.command()
@data_options
@settings_options
@click.option("--null", "n", type=click.IntRange(1), default=1000, show_default=True,
              help="How many randomised networks to compare with.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the randomisation (same seed, same figures).")
@click.option("--model", type=click.Choice(["degree", "class", "both"]), default="both", show_default=True,
              help="Null model: degree-preserving swaps, also class-preserving (lab, cloud, chip maker), or both.")
@click.option("--swaps-per-edge", type=click.IntRange(1), default=10, show_default=True)
@click.option("--max-len", type=click.IntRange(2, 8), default=5, show_default=True, help="Most parties in a loop.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def circularity(data: Path, out: Path, settings: dict, n: int, seed: int, model: str, swaps_per_edge: int,
                max_len: int, fmt: str) -> None:
    """Is the circularity more than chance? Loops of money against degree-preserving random networks."""
    graph = _load(data, out)
    results = [graph.circularity(n, seed=seed, null=null, swaps_per_edge=swaps_per_edge, max_len=max_len, **settings)
               for null in (("degree", "class") if model == "both" else (model,))]
    frame = pd.concat([r.to_frame() for r in results], ignore_index=True)
    first = results[0]
    about = {**first.settings, "randomised networks": f"{n:,} per null, seed {seed}, {swaps_per_edge} swaps per edge",
             "network": f"{first.organisations:,} organisations, {first.flows:,} value flows (groups merged)",
             **{f"null '{r.test.null}'": r.test.method for r in results},
             "p-value": "(1 + copies at or above the observed value) / (n + 1), with a Clopper-Pearson 95% interval"}
    emit_with_settings(frame[["null", "measure", "observed", "null_mean", "null_sd", "z", "exceed", "p_value", "p_low",
                              "p_high"]], fmt, "Circular volume against chance", about)


@main.command()
@data_options
@settings_options
@click.argument("org")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def carry(data: Path, out: Path, settings: dict, org: str, fmt: str) -> None:
    """Can ORG's revenue carry its compute and chip commitments? Commitments, revenue, ratios, sources."""
    result = _load(data, out).carry(org, **settings)
    if fmt == "json":
        click.echo(json_text(json.dumps({
            "title": f"Commitments against revenue: {result.org}", **result.settings, "figures": result.figures,
            **{name: json.loads(frame.to_json(orient="records", date_format="iso")) for name, frame in (
                ("commitments", result.commitments), ("by_provider", result.by_provider),
                ("by_year", result.by_year), ("inputs", result.inputs))}}, indent=2, ensure_ascii=False, default=str)))
        return
    figures = pd.DataFrame({"figure": list(result.figures), "value": [str(v) for v in result.figures.values()]})
    emit_with_settings(figures, fmt, f"Commitments against revenue: {result.org}", result.settings)
    for title, frame in (("By provider", result.by_provider), ("By year (straight line over stated terms)",
                                                                result.by_year),
                         ("Inputs (cited)", result.inputs), ("Commitments", result.commitments)):
        emit(frame, fmt, title)


@main.command(name="revenue-gap")
@data_options
@settings_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def revenue_gap(data: Path, out: Path, settings: dict, fmt: str) -> None:
    """The "$600B question" recomputed: hyperscaler capex x 2 against the revenue AI labs report, by year."""
    result = _load(data, out).revenue_gap(**settings)
    about = {**result.settings, "method": "needed revenue = 2 x capex (Cahn, Sequoia 2024: a 50% gross margin for "
                                          "the buyer of the compute; capex already covers the whole data centre)"}
    emit_with_settings(result.table, fmt, "AI capex against AI revenue", about)
    if fmt != "json":
        emit(result.inputs, fmt, "Inputs (cited)")
        emit(result.sequoia, fmt, "Sequoia's own figures in the data")


@main.command()
@data_options
@settings_options
@click.argument("org", required=False)
@click.option("--start", default="2023-01-01", show_default=True, metavar="DATE", help="First month.")
@click.option("--end", default=None, metavar="DATE", help="Last day (default: today).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def timeline(data: Path, out: Path, settings: dict, org: str | None, start: str, end: str | None, fmt: str) -> None:
    """Cumulative commitments, investments and debt of ORG (or of everyone), month by month as reported."""
    base = {k: v for k, v in settings.items() if k not in ("as_of", "reported_by")}
    frame = _load(data, out).timeline(org, start=_date(start, "--start"), end=_date(end, "--end"), **base)
    emit_with_settings(frame, fmt, f"As reported, month by month: {org or 'the whole graph'}", frame.attrs["settings"])


@main.command()
@data_options
@click.option("--since", required=True, metavar="DATE", help="Published after this day.")
@click.option("--until", default=None, metavar="DATE", help="Published on or before this day (default: today).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def changes(data: Path, out: Path, since: str, until: str | None, fmt: str) -> None:
    """What was reported in a window: new deals, status changes, revised amounts, new figures, with sources."""
    first, last = _date(since, "--since"), _date(until, "--until")
    assert first is not None  # required option
    if last is not None and last < first:
        raise click.BadParameter(f"{until!r} is before --since {since!r}", param_hint="--until")
    frame = _load(data, out).changes(first, last)
    if fmt == "table":  # the terminal gets what changed and who said so; csv and json keep every column
        frame = pd.DataFrame({
            "published": frame["published"], "event": frame["event"], "deal or figure": frame["deal"],
            "status": [s if not isinstance(b, str) or b == s else f"{b} → {s}" for b, s in zip(
                frame["status_before"], frame["status"], strict=True)],
            "amount": [_change(b, a) for b, a in zip(frame["amount_before_usd"], frame["amount_usd"], strict=True)],
            "source": frame["publisher"], "quote": frame["quote"]})
    emit_with_settings(frame, fmt, "Changes as reported",
                       {"published after": first.isoformat(), "up to": (last or dt.date.today()).isoformat(),
                        "events": ", ".join(f"{k}: {v}" for k, v in frame["event"].value_counts().items())})



@main.command(name="export")
@data_options
@settings_options
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True,
              help="gexf or graphml (Gephi and other network tools), xlsx or csv (spreadsheets), nt, ttl or jsonld "
                   "(the data graph).")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True,
              help="File to write (for csv: a folder, one file per table).")
@click.option("--what", multiple=True, type=click.Choice(EXPORT_WHAT),
              help="legs (organisations and deal legs; default of gexf and graphml), flows (money per pair), tables "
                   "(the analyses); repeatable; xlsx and csv default to all three.")
@click.option("--fail", default="openai", show_default=True, help="Organisation of the stress tables.")
@click.option("--pays", type=click.FloatRange(0, 1), default=0.4, show_default=True,
              help="Fraction of its commitments it pays in the stress tables.")
def export_command(data: Path, out: Path, settings: dict, fmt: str, output: Path, what: tuple[str, ...], fail: str,
                   pays: float) -> None:
    """Export the graph for Gephi (GEXF with a timeline), network tools (GraphML), spreadsheets (xlsx, CSV) or
    RDF tools (N-Triples, Turtle, JSON-LD)."""
    written = _load(data, out).export(output, fmt, what=what, stress_fail=fail, pays=pays, progress=_display,
                                      **settings)
    shown_paths = shown(output) + "/ (" + ", ".join(p.name for p in written) + ")" if fmt == "csv" else \
        shown(written[0])
    out_console.print(f"wrote {shown_paths}", soft_wrap=True)

