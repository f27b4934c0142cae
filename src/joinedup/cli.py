"""The `joinedup` command: thin, it parses arguments, calls the hub and shows progress."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from joinedup.config import ConfigError

app = typer.Typer(help="JoinedUp: a data hub for local public services.", no_args_is_help=True)
export_app = typer.Typer(help="Export open-format files from the last good run.")
app.add_typer(export_app, name="export")
console = Console(stderr=True)
out = Console()

ConfigOption = typer.Option(Path("joinedup.yaml"), "--config", "-c", help="the hub's joinedup.yaml")


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _open_hub(config: Path):  # type: ignore[no-untyped-def]
    from joinedup.hub import Hub

    try:
        return Hub.open(config)
    except ConfigError as exc:
        _fail(str(exc))


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    for noisy in ("splink", "uk_address_matcher"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.ERROR)


@app.command("demo-data")
def demo_data(
    out_dir: Path = typer.Option(..., "--out", help="folder to write the synthetic council to"),
    people: int = typer.Option(20000, "--people", min=50),
    seed: int = typer.Option(1, "--seed"),
) -> None:
    """Write the synthetic council: source files, ground truth and a ready joinedup.yaml."""
    from joinedup.demo import generate

    with console.status("generating the synthetic council") as status:
        summary = generate(out_dir, people=people, seed=seed, progress=status.update)
    console.print(f"wrote the synthetic council to {out_dir}")
    out.print(json.dumps(_jsonable(summary), indent=2, default=str))


@app.command()
def init(
    folder: Path = typer.Argument(..., help="a folder of source files"),
    output: Path = typer.Option(
        None, "--out", help="where to write (default FOLDER/joinedup.yaml)"
    ),
    force: bool = typer.Option(False, "--force", help="overwrite an existing config"),
) -> None:
    """Write a commented starter config for a folder of files, guessing the mappings."""
    from joinedup.ingest.starter import write_starter_config

    target = output or folder / "joinedup.yaml"
    if target.exists() and not force:
        _fail(f"{target} exists; use --force to overwrite it")
    target.write_text(write_starter_config(folder), encoding="utf-8")
    console.print(f"wrote {target}: check every line marked 'guessed' before running")


@app.command()
def run(config: Path = ConfigOption) -> None:
    """Run ingest, quality, address matching, person linking and the rules."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from joinedup.ingest.pipeline import IngestError
    from joinedup.rules.model import RuleError

    hub = _open_hub(config)
    columns = (TextColumn("{task.description:<40}"), BarColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("starting", total=None)

            def show(message: str, done: int, total: int) -> None:
                bar.update(task, description=message, completed=done, total=total)

            summary = hub.run(progress=show)
    except (IngestError, RuleError, ConfigError) as exc:
        _fail(f"{exc}\nthe run failed; the last good run is still served")
    table = Table(title=f"run {summary.run_id} (as of {summary.as_of})")
    for column in ("source", "rows in", "records", "quarantined", "skipped", "seconds"):
        table.add_column(column, justify="right" if column != "source" else "left")
    for load in summary.loads:
        table.add_row(
            load.source,
            f"{load.rows_in:,}",
            f"{load.records:,}",
            f"{load.quarantined:,}",
            f"{load.skipped:,}",
            f"{load.seconds:.1f}",
        )
    out.print(table)
    out.print(f"people: {summary.entities:,} entities from {summary.people_links:,} links")
    for rule, count in summary.matches.items():
        out.print(f"rule {rule}: {count:,} matches")
    if summary.checks_failed:
        out.print(
            f"[yellow]{summary.checks_failed} configured check(s) failed[/yellow]: "
            "see `joinedup quality`"
        )


@app.command()
def quality(config: Path = ConfigOption) -> None:
    """Completeness, validity and uniqueness per source and column, from the last run."""
    hub = _open_hub(config)
    results = hub.quality()
    if not results:
        _fail("no quality results yet: run `joinedup run` first")
    grid: dict[tuple[str, str], dict[str, float | None]] = {}
    for r in results:
        grid.setdefault((r.source, r.field), {})[r.dimension] = r.score
    table = Table(title="data quality (share of records passing)")
    for column in ("source", "column", "completeness", "validity", "uniqueness"):
        table.add_column(column)

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    for (source, field), scores in grid.items():
        table.add_row(
            source,
            field,
            pct(scores.get("completeness")),
            pct(scores.get("validity")),
            pct(scores.get("uniqueness")),
        )
    out.print(table)


@app.command()
def evaluate(
    config: Path = ConfigOption,
    truth: Path = typer.Option(None, "--truth", help="the demo's truth folder (default DIR/truth)"),
) -> None:
    """Measure the last run against the synthetic council's ground truth; prints JSON."""
    from joinedup.evaluation import evaluate as run_evaluation

    hub = _open_hub(config)
    truth_dir = truth or config.parent / "truth"
    try:
        result = run_evaluation(hub, truth_dir)
    except (FileNotFoundError, RuntimeError) as exc:
        _fail(str(exc))
    out.print_json(json.dumps(result))


@export_app.command("entities")
def export_entities(
    config: Path = ConfigOption,
    output: Path = typer.Option(..., "--out", help="CSV file to write"),
) -> None:
    """One row per record: source, record key, entity id, UPRN."""
    hub = _open_hub(config)
    try:
        count = hub.export_entities(output)
    except RuntimeError as exc:
        _fail(str(exc))
    console.print(f"wrote {count:,} rows to {output}")


@app.command()
def serve(
    config: Path = ConfigOption,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Serve the web UI. The first start creates an admin account and prints its password."""
    from joinedup.governance.users import ensure_admin
    from joinedup.web.app import serve as serve_web

    hub = _open_hub(config)
    password = ensure_admin(hub.store)
    if password:
        console.print(f"created user [bold]admin[/bold] with password [bold]{password}[/bold]")
    console.print(f"JoinedUp is at http://{host}:{port}/")
    serve_web(hub, host=host, port=port)


@app.command()
def demo(
    folder: Path = typer.Option(Path("demo-council"), "--dir", help="where to put the demo"),
    people: int = typer.Option(20000, "--people", min=50),
    seed: int = typer.Option(1, "--seed"),
    port: int = typer.Option(8000, "--port"),
    no_serve: bool = typer.Option(False, "--no-serve", help="stop after the run and evaluation"),
) -> None:
    """The whole demo: generate the synthetic council, run the pipeline, evaluate, serve."""
    from joinedup.demo import generate
    from joinedup.evaluation import evaluate as run_evaluation
    from joinedup.governance.users import ensure_admin, reset_password

    with console.status("generating the synthetic council") as status:
        generate(folder, people=people, seed=seed, progress=status.update)
    config = folder / "joinedup.yaml"
    run(config)
    hub = _open_hub(config)
    result = run_evaluation(hub, folder / "truth")
    links, uprn = result["person_links"], result["uprn"]
    spd = result["rules"].get("single_person_discount", {})
    out.print(
        f"measured against the truth: person links F1 {links['f1']}, "
        f"UPRN right {uprn['right']} wrong {uprn['wrong']}, single person discount "
        f"precision {spd.get('precision')} recall {spd.get('recall')}"
    )
    if no_serve:
        return
    password = ensure_admin(hub.store) or reset_password(hub.store, "admin")
    console.print(
        f"open http://127.0.0.1:{port}/ and log in as [bold]admin[/bold] "
        f"with password [bold]{password}[/bold]"
    )
    from joinedup.web.app import serve as serve_web

    serve_web(hub, host="127.0.0.1", port=port)


def _jsonable(value: object) -> object:
    from dataclasses import asdict, is_dataclass

    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else str(value)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
