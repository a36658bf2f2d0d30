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
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

import kg
from kg import build as build_stage
from kg.ingest import api as ingest
from kg.ingest.article import ArticleError
from kg.ingest.batch import BatchError
from kg.ingest.inbox import InboxError
from kg.output import DISK_ERRNOS, os_errno
from kg.paths import DEFAULT_DATA, DEFAULT_OUT, SEEDS_ENV
from kg.records.problems import DataError
from kg.records.vocab import Status
from kg.store import queries
from kg.store.paging import MAX_OFFSET
from kg.synth import synth as synth_data
from kg.validate import validate as check_data
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
            return func(*args, **kwargs)
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
    @click.option("--status", "statuses", multiple=True, type=click.Choice([s.value for s in Status]),
                  help="A deal status to count (repeatable; default: announced, committed, closed, in_progress).")
    @click.option("--ranges", type=click.Choice(["min", "max", "midpoint"]), default="midpoint", show_default=True,
                  help="How to count a range such as 'up to' or 'between'.")
    @click.option("--stated-only", is_flag=True,
                  help="Count only figures the sources state per party: no equal split of a multi-party total.")
    @functools.wraps(func)
    def wrapper(*args: object, as_of: str | None, statuses: tuple[str, ...], ranges: str, stated_only: bool,
                **kwargs: object) -> object:
        try:
            settings = {"as_of": dt.date.fromisoformat(as_of) if as_of else None,
                        "statuses": list(statuses) or None, "ranges": ranges, "allocate": not stated_only}
        except ValueError:
            raise click.BadParameter(f"not a date (YYYY-MM-DD): {as_of!r}", param_hint="--as-of") from None
        return func(*args, settings=settings, **kwargs)

    return wrapper


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


def _progress() -> tuple[Callable[[str], None], Callable[[], None]]:
    status = err_console.status("starting")
    status.start()
    return (lambda msg: status.update(msg)), status.stop


def _load(data: Path, out: Path, endpoint: str | None = None) -> kg.KnowledgeGraph:
    say, stop = _progress()
    try:
        return kg.load(data, out, endpoint=endpoint, progress=say)
    finally:
        stop()


def emit(frame: pd.DataFrame, fmt: str, title: str | None = None) -> None:
    """Print a DataFrame as a table, CSV, JSON or Markdown."""
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
def main() -> None:
    """aikg: a sourced knowledge graph of AI investment relationships."""


def seeds_option(func: Callable) -> Callable:
    return click.option("--seeds", type=click.Path(path_type=Path), default=None, envvar=SEEDS_ENV,
                        help="Folder of the seed articles that quotes citing a seed_file are checked against "
                             f"(default: ../shared/sources/seeds beside the repository; env {SEEDS_ENV}).")(func)


@main.command()
@data_options
@seeds_option
def build(data: Path, out: Path, seeds: Path | None) -> None:
    """Build the graph from --data into --out (Turtle, N-Triples, JSON-LD and the query store)."""
    say, stop = _progress()
    try:
        result = build_stage.build(data, out, progress=say, seeds=seeds)
    finally:
        stop()
    for name in result.removed:
        err_console.print(f"removed {shown(name)}, left by an interrupted build", soft_wrap=True)
    if not result.store_rebuilt:
        out_console.print(f"up to date: {shown(out)} already holds a build of these data files")
        return
    out_console.print(f"built {result.summary()}")
    out_console.print(f"wrote {shown(out / build_stage.GRAPH_DIR)}/ ({build_stage.DATA_TTL}, {build_stage.DATA_NT}, "
                      f"{build_stage.DATA_JSONLD}) and {shown(out / build_stage.STORE_DIR)}/")
    if result.warnings:
        out_console.print(f"{result.warnings} warning(s): run 'aikg validate' to list them")


@main.command()
@data_options
@seeds_option
def validate(data: Path, out: Path, seeds: Path | None) -> None:
    """Check the data files (models, references, seed quotes) and the built graph (SHACL shapes)."""
    report = check_data(data, seeds)
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
def query(data: Path, out: Path, name: str | None, list_: bool, params: tuple[str, ...], fmt: str,
          endpoint: str | None, limit: int | None, offset: int) -> None:
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
    emit(_load(data, out, endpoint).query(name, **values, **page), fmt, named.title)


@main.command()
@data_options
@click.argument("text")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--endpoint", default=None, help="Run against this SPARQL 1.1 endpoint instead of the local store.")
def sparql(data: Path, out: Path, text: str, fmt: str, endpoint: str | None) -> None:
    """Run an ad-hoc SPARQL SELECT query given as TEXT or as the path of a .rq file."""
    path = Path(text)
    if text.endswith(".rq") and path.exists():
        text = path.read_text(encoding="utf-8")
    emit(_load(data, out, endpoint).sparql(text), fmt)


@main.command(name="synth")
@click.option("--orgs", type=click.IntRange(min=2), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Folder to write the data set to.")
@click.option("--data", "data", type=click.Path(path_type=Path), default=None, hidden=True)
def synth(orgs: int, seed: int, out: Path, data: Path | None) -> None:
    """Write a synthetic data set of --orgs organisations (about 5 deals each) to --out."""
    counts = synth_data(orgs, seed, out)
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
    written = _load(data, out).metrics(out / "metrics", stress_fail=fail, pays=pays, **settings)
    out_console.print(f"wrote {len(written)} tables (JSON and CSV) to {shown(out / 'metrics')}/: {', '.join(written)}")


@main.command()
@data_options
@settings_options
@click.option("--fail", default="openai", show_default=True, help="Organisation of the stress scenario.")
@click.option("--pays", type=click.FloatRange(0, 1), default=0.4, show_default=True,
              help="Fraction of its commitments it pays in the stress scenario.")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="HTML file to write (default: OUT/report.html; explorer.html is written beside it).")
def report(data: Path, out: Path, settings: dict, fail: str, pays: float, output: Path | None) -> None:
    """Write the analyst report: one offline HTML page with every analysis, charts and the explorer."""
    say, stop = _progress()
    try:
        result = kg.load(data, out, progress=say).build_report(stress_fail=fail, pays=pays, progress=say, **settings)
        say("writing the report")
        path = result.write(output or out / "report.html")
    finally:
        stop()
    for note in result.notes:
        err_console.print(f"[yellow]note:[/] {shown(note)}", soft_wrap=True)
    for label, text in result.summary():
        out_console.print(f"[bold]{label}:[/] {shown(text)}", soft_wrap=True)
    out_console.print(f"wrote {shown(path)} and {shown(path.parent / 'explorer.html')}")


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
    """A read-only SPARQL 1.1 Protocol endpoint over the built store, with a query page and the explorer."""
    from kg.endpoint import serve as serve_endpoint

    graph = _load(data, out)
    named = {q.name: (q.title, q.text) for q in queries.library().values()}
    explorer = out / "explorer.html"
    chosen = {"workers": workers, "light_workers": light_workers, "request_timeout_s": request_timeout_s,
              "max_connections_per_client": max_connections_per_client}
    options = {k: v for k, v in chosen.items() if v is not None}
    out_console.print(f"aikg SPARQL endpoint: http://{shown(host)}:{port}/sparql  (query page: http://{shown(host)}:{port}/)")
    serve_endpoint(graph.out / build_stage.STORE_DIR, host, port, timeout_s=timeout_s, max_rows=max_rows,
                   named_queries=named, explorer_path=explorer if explorer.exists() else None, **options)


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
        written = graph.metrics(out / "metrics")
        say("writing the report and the explorer")
        result = graph.build_report(progress=say)
        report_path = result.write(out / "report.html")
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
    out_console.print(f"wrote {shown(out / 'metrics')}/ ({len(written)} tables), {shown(report_path)} and "
                      f"{shown(report_path.parent / 'explorer.html')}")
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
