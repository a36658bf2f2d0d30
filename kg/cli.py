"""The ``aikg`` command line: each command is a thin layer over the library call of the same name."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

import kg
from kg import build as build_stage
from kg import queries
from kg.paths import DEFAULT_DATA, DEFAULT_OUT
from kg.problems import DataError
from kg.synth import synth as synth_data
from kg.validate import validate as check_data

out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)
FORMATS = click.Choice(["table", "csv", "json", "md"])


def data_options(func: Callable) -> Callable:
    """--data and --out, taken by every command."""

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
                err_console.print(str(problem), markup=False, soft_wrap=True)
            errors = sum(p.severity == "error" for p in exc.problems)
            err_console.print(f"[bold red]{errors} error(s); nothing was written.[/]")
            sys.exit(1)
        except queries.QueryError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
            sys.exit(2)

    return wrapper


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
        click.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", date_format="iso", indent=2))
    elif fmt == "md":
        click.echo(_markdown(frame))
    else:
        table = Table(title=title, show_lines=False)
        for col in frame.columns:
            table.add_column(str(col), justify="right" if pd.api.types.is_numeric_dtype(frame[col]) else "left")
        for row in frame.itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        out_console.print(table)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
    return str(value)


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


@main.command()
@data_options
def build(data: Path, out: Path) -> None:
    """Build the graph from --data into --out (Turtle, N-Triples, JSON-LD and the query store)."""
    say, stop = _progress()
    try:
        result = build_stage.build(data, out, progress=say)
    finally:
        stop()
    out_console.print(f"built {result.summary()}")
    out_console.print(f"wrote {out / build_stage.GRAPH_DIR}/ ({build_stage.DATA_TTL}, {build_stage.DATA_NT}, "
                      f"{build_stage.DATA_JSONLD}) and {out / build_stage.STORE_DIR}/")
    if result.warnings:
        out_console.print(f"{result.warnings} warning(s): run 'aikg validate' to list them")


@main.command()
@data_options
def validate(data: Path, out: Path) -> None:
    """Check the data files (models, references) and the built graph (SHACL shapes)."""
    report = check_data(data)
    for warning in report.warnings:
        out_console.print(str(warning), markup=False, soft_wrap=True)
    for violation in report.violations:
        err_console.print(f"SHACL: {violation}", markup=False, soft_wrap=True)
    if not report.conforms:
        err_console.print(f"[bold red]{len(report.violations)} SHACL violation(s)[/]")
        sys.exit(1)
    out_console.print(f"valid: model checks passed, {report.triples:,} triples conform to the SHACL shapes"
                      f" ({len(report.warnings)} warning(s))")


@main.command()
@data_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def stats(data: Path, out: Path, fmt: str) -> None:
    """Coverage: counts by type, kind, status, evidence and year; gaps in identifiers and sources."""
    for title, frame in _load(data, out).stats().items():
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
def query(data: Path, out: Path, name: str | None, list_: bool, params: tuple[str, ...], fmt: str,
          endpoint: str | None) -> None:
    """Run the named query NAME from queries/ (or --list them)."""
    if list_ or name is None:
        rows = [(q.name, q.title, ", ".join(f"{p.name}={p.default}" for p in q.params))
                for q in queries.library().values()]
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
    emit(_load(data, out, endpoint).query(name, **values), fmt, named.title)


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
    out_console.print("wrote " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f" to {out}/")


@main.command()
@data_options
def run(data: Path, out: Path) -> None:
    """The main job: build, validate, and print a summary."""
    graph = _load(data, out)
    report = graph.validate()
    summary = graph.stats()
    out_console.print(f"[bold]aikg[/] built {data} into {out}/")
    for title in ("Deals by kind", "Deals by status (preferred claim)"):
        emit(summary[title], "table", title)
    state = "conforms to the SHACL shapes" if report.conforms else f"{len(report.violations)} SHACL violation(s)"
    out_console.print(f"validation: {state}; {len(report.warnings)} warning(s)")
    if not report.conforms:
        sys.exit(1)
