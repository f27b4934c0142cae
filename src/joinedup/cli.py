"""The `joinedup` command: thin, it parses arguments, calls the hub and shows progress."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from joinedup.config import ConfigError

app = typer.Typer(help="JoinedUp: a data hub for local public services.", no_args_is_help=True)
export_app = typer.Typer(help="Export open-format files from the last good run.")
app.add_typer(export_app, name="export")
rules_app = typer.Typer(help="The data matching rules: built-in and the council's own.")
app.add_typer(rules_app, name="rules")
console = Console(stderr=True)
out = Console()


def _print_json(value: object) -> None:
    """JSON on stdout as it is: never wrapped at the terminal's width, nor read as markup."""
    out.print(
        json.dumps(value, indent=2, default=str), soft_wrap=True, markup=False, highlight=False
    )

ConfigOption = typer.Option(Path("joinedup.yaml"), "--config", "-c", help="the hub's joinedup.yaml")


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


@dataclass(frozen=True)
class _CliActor:
    """Whoever runs the CLI holds the config and the stores, so acts as an admin; the gate
    still checks the purpose, and the audit trail names the operating-system account."""

    username: str
    role: str = "admin"


def _cli_actor() -> _CliActor:
    import getpass

    return _CliActor(f"cli:{getpass.getuser()}")


PurposeOption = typer.Option(
    "fraud_investigation",
    "--purpose",
    help="why: fraud_investigation, error_correction or audit_oversight",
)


def _gate_export(  # type: ignore[no-untyped-def]
    hub, resource: str, fields: tuple[str, ...], purpose: str, action: str = "records.view"
) -> None:
    """Every export of personal data asks the one gate first, which writes the audit event."""
    from joinedup.governance.policy import authorise

    with hub.store.session() as session:
        decision = authorise(session, _cli_actor(), action, resource, purpose, fields)
        session.commit()
    if not decision.allowed:
        _fail(f"not allowed: {decision.reason}")


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
    _print_json(_jsonable(summary))


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
def run(
    config: Path = ConfigOption,
    model_version: int | None = typer.Option(
        None,
        "--model-version",
        min=1,
        help="score people with this saved model instead of training (`joinedup models list`)",
    ),
) -> None:
    """Run ingest, quality, address matching, person linking and the rules."""
    run_pipeline(config, model_version)


def run_pipeline(config: Path, model_version: int | None = None) -> None:
    """What `joinedup run` does, as a plain function that `joinedup demo` calls too (a Typer
    command called directly would get its option objects as defaults)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from joinedup.ingest.pipeline import IngestError
    from joinedup.link.models import ModelVersionError
    from joinedup.rules.model import RuleError
    from joinedup.web.runner import run_with_progress, take_run_lock

    hub = _open_hub(config)
    # One run at a time, whether started here or from the web, whose progress page shows
    # this run too.
    lock = take_run_lock(hub.config.data_dir)
    if lock is None:
        _fail("a run is already going (see Runs in the web pages); wait for it to finish")
    columns = (TextColumn("{task.description:<40}"), BarColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("starting", total=None)

            def show(message: str, done: int, total: int) -> None:
                bar.update(task, description=message, completed=done, total=total)

            summary = run_with_progress(
                hub, "the command line", lock, also=show, model_version=model_version
            )
    except (IngestError, RuleError, ConfigError, ModelVersionError) as exc:
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
    if summary.records_rescored is not None:
        out.print(
            f"linked incrementally: scored afresh {summary.records_rescored:,} new or changed "
            f"record(s); {summary.people_kept:,} people kept their ids"
        )
    elif summary.linked_afresh_because:
        out.print(f"linked everything afresh: {summary.linked_afresh_because}", markup=False)
    if summary.shared_contacts:
        out.print(
            f"{summary.shared_contacts:,} email(s) or phone number(s) given for many people "
            "left out of linking as shared (table link_shared_contacts)"
        )
    if summary.kept_runs_purged:
        out.print(
            f"{summary.kept_runs_purged} run(s) kept from before rewritten without the "
            "erased people"
        )
    if summary.purge_problem:
        out.print(
            "[yellow]the runs kept from before could not be rewritten without the erased "
            f"people[/yellow] ({escape(summary.purge_problem)}): run `joinedup erasure purge`"
        )
    out.print(f"person-linking model: version {summary.model_version}")
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
    summary: bool = typer.Option(
        False, "--summary", help="print the headline figures in words instead of JSON"
    ),
) -> None:
    """Measure the last run against the synthetic council's ground truth; prints JSON."""
    from joinedup.evaluation import evaluate as run_evaluation
    from joinedup.evaluation import summary_lines

    hub = _open_hub(config)
    truth_dir = truth or config.parent / "truth"
    try:
        result = run_evaluation(hub, truth_dir)
    except (FileNotFoundError, RuntimeError) as exc:
        _fail(str(exc))
    if summary:
        for line in summary_lines(result):
            out.print(line, highlight=False)
        return
    out.print_json(json.dumps(result))


def _export(
    config: Path,
    output: Path,
    purpose: str,
    kind: str,
    fields: tuple[str, ...],
    pseudonymise: bool = False,
) -> None:
    """The one path for CSV exports of personal data: the gate (audited), then the file;
    with `pseudonymise`, identifying columns are written as keyed pseudonyms."""
    from joinedup.governance.pseudonyms import PseudonymKeyError, load_key, pseudonymise_csv
    from joinedup.rules.export import export_matches

    hub = _open_hub(config)
    key = None
    if pseudonymise:
        try:
            key = load_key(data_dir=hub.config.data_dir)
        except PseudonymKeyError as exc:
            _fail(str(exc))
    action = "pseudonyms.view" if pseudonymise else "records.view"
    _gate_export(hub, f"export:{kind}", fields, purpose, action)
    writers = {
        "entities": hub.export_entities,
        "addresses": hub.export_addresses,
        "stale": hub.export_stale,
        "matches": lambda out: export_matches(hub, out),
    }
    try:
        count = writers[kind](output)
    except RuntimeError as exc:
        _fail(str(exc))
    if key is not None:
        replaced = pseudonymise_csv(output, key)
        console.print(f"pseudonymised: {', '.join(replaced) or 'nothing to replace'}")
    console.print(f"wrote {count:,} rows to {output}")


PseudonymiseOption = typer.Option(
    False, "--pseudonymise", help="write record keys, addresses, postcodes and UPRNs as pseudonyms"
)


OutOption = typer.Option(..., "--out", help="CSV file to write")


# The personal-data exports, in the order `joinedup export --help` lists them: what each
# writes, and the fields the gate is asked about.
_EXPORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "entities": (
        "One row per record: source, record key, entity id, UPRN.",
        ("record_key", "entity_id", "uprn"),
    ),
    "addresses": (
        "One row per record with an address: source, record key, address, UPRN, status, "
        "method, score.",
        ("record_key", "address", "postcode", "uprn"),
    ),
    "stale": (
        "One row per stale data alert: source, record key, what is stale, who knows better.",
        ("record_key", "entity_id", "uprn"),
    ),
    "matches": (
        "One row per match: rule, match id, records, entities, score, value, case status.",
        ("record_key", "entity_id", "uprn"),
    ),
}


def _add_export_command(kind: str, summary: str, fields: tuple[str, ...]) -> None:
    """Register `joinedup export KIND`; every such export takes the same options."""

    def command(
        config: Path = ConfigOption,
        output: Path = OutOption,
        purpose: str = PurposeOption,
        pseudonymise: bool = PseudonymiseOption,
    ) -> None:
        _export(config, output, purpose, kind, fields, pseudonymise)

    command.__doc__ = summary
    export_app.command(kind)(command)


for _kind, (_summary, _fields) in _EXPORTS.items():
    _add_export_command(_kind, _summary, _fields)


@export_app.command("cases")
def export_cases(
    config: Path = ConfigOption,
    output: Path = OutOption,
    purpose: str = typer.Option(
        "fraud_investigation", "--purpose", help="why: fraud_investigation or error_correction"
    ),
) -> None:
    """One row per case for the fraud team: ids, status, outcome, case worker, amounts."""
    from joinedup.cases.export import export_cases as write_cases
    from joinedup.governance.policy import PermissionDenied

    hub = _open_hub(config)
    try:
        count = write_cases(hub, output, _cli_actor(), purpose)
    except PermissionDenied as denied:
        _fail(f"not allowed: {denied.decision.reason}")
    except RuntimeError as exc:
        _fail(str(exc))
    console.print(f"wrote {count:,} cases to {output} (audited)")


@rules_app.command("list")
def rules_list(config: Path = ConfigOption) -> None:
    """Every rule the config can use: name, title, severity, sources, whether it runs."""
    from joinedup.rules.model import RuleError
    from joinedup.rules.runner import rule_status

    hub = _open_hub(config)
    try:
        statuses = rule_status(hub.config)
    except RuleError as exc:
        _fail(str(exc))
    # Plain lines, not a table: rule names stay whole however narrow the terminal.
    for status in statuses:
        rule = status.rule
        line = f"{rule.name}  ({rule.severity})  {status.state}"
        out.print(line, highlight=False, markup=False, soft_wrap=True)
        detail = f"    {rule.title}; sources: {', '.join(status.sources)}"
        out.print(detail, highlight=False, markup=False, soft_wrap=True)


@app.command()
def serve(
    config: Path = ConfigOption,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(
        1, "--workers", min=1, help="worker processes (more serve more users at once)"
    ),
) -> None:
    """Serve the web UI. The first start creates an admin account and prints its password."""
    from joinedup.governance.users import ensure_admin
    from joinedup.web.app import serve as serve_web

    hub = _open_hub(config)
    password = ensure_admin(hub.store)
    if password:
        console.print(f"created user [bold]admin[/bold] with password [bold]{password}[/bold]")
    console.print(f"JoinedUp is at http://{host}:{port}/")
    serve_web(hub, host=host, port=port, workers=workers)


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
    from joinedup.evaluation import summary_lines
    from joinedup.governance.users import ensure_admin, reset_password

    with console.status("generating the synthetic council") as status:
        generate(folder, people=people, seed=seed, progress=status.update)
    config = folder / "joinedup.yaml"
    run_pipeline(config)
    hub = _open_hub(config)
    result = run_evaluation(hub, folder / "truth")
    out.print("measured against the truth:")
    for line in summary_lines(result):
        out.print(f"  {line}", highlight=False)
    if no_serve:
        return
    password = ensure_admin(hub.store) or reset_password(hub.store, "admin")
    console.print(
        f"open http://127.0.0.1:{port}/ and log in as [bold]admin[/bold] "
        f"with password [bold]{password}[/bold]"
    )
    from joinedup.web.app import serve as serve_web

    serve_web(hub, host="127.0.0.1", port=port)


# -- governance: accounts, the audit trail, data sharing agreements -------------------

users_app = typer.Typer(help="Accounts: who may sign in, in which role and organisation.")
audit_app = typer.Typer(help="The tamper-evident audit trail.")
agreements_app = typer.Typer(help="Data sharing agreements, as declared in joinedup.yaml.")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(agreements_app, name="agreements")


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="the username: letters, digits and underscores"),
    role: str = typer.Option(..., "--role", help="admin, analyst, investigator, ..."),
    organisation: str = typer.Option(
        None, "--organisation", help="a partner's organisation id, as agreements name it"
    ),
    display_name: str = typer.Option("", "--display-name"),
    config: Path = ConfigOption,
) -> None:
    """Add an account and print its password, once: hand it over and ask for a change."""
    from joinedup.governance.users import UserError, create_user, random_password

    if role == "partner_user" and not organisation:
        _fail("a partner user needs --organisation (the id their agreements name)")
    hub = _open_hub(config)
    password = random_password()
    try:
        with hub.store.session() as session, session.begin():
            create_user(
                session, name, password, role, display_name, organisation=organisation or None
            )
    except UserError as exc:
        _fail(str(exc))
    console.print(f"created user [bold]{name}[/bold] ({role}); password, shown once:")
    typer.echo(password)


@audit_app.command("verify")
def audit_verify(
    config: Path = ConfigOption,
    anchor: str = typer.Option(
        None, "--anchor", help="SEQ:HASH of an event recorded elsewhere earlier"
    ),
) -> None:
    """Check the audit trail's hash chain; exit status 0 only when it is intact."""
    from joinedup.governance.audit import chain_head, verify_chain

    anchor_pair: tuple[int, str] | None = None
    if anchor:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            _fail("--anchor must be SEQ:HASH, as `joinedup audit verify` printed it")
        anchor_pair = (int(seq), digest)
    hub = _open_hub(config)
    with hub.store.session() as session:
        problems = verify_chain(session, anchor=anchor_pair)
        head = chain_head(session)
    if problems:
        for problem in problems:
            typer.echo(f"tampered: {problem}")
        typer.echo(f"the audit trail is NOT intact: {len(problems)} problem(s)")
        raise typer.Exit(1)
    typer.echo(f"the audit trail is intact: {head[0]:,} events")
    typer.echo(f"anchor (keep it somewhere else): {head[0]}:{head[1]}")


@agreements_app.command("list")
def agreements_list(config: Path = ConfigOption) -> None:
    """Every data sharing agreement: purpose, parties, what it shares, whether in force."""
    from joinedup.governance.agreements import effective_state, list_agreements, review_overdue
    from joinedup.store.base import utcnow

    hub = _open_hub(config)
    today = utcnow().date()
    with hub.store.session() as session:
        agreements = list_agreements(session)
    if not agreements:
        out.print("no data sharing agreements: declare them under `agreements:` in the config")
        return
    table = Table("agreement", "purpose", "state", "parties", "shares", "dates")
    for agreement in agreements:
        state = effective_state(agreement, today).replace("_", " ")
        if review_overdue(agreement, today):
            state += " (review overdue)"
        shares: dict[str, list[str]] = {}
        for share in agreement.shares:
            shares.setdefault(share.source, []).append(share.field)
        table.add_row(
            agreement.name,
            agreement.purpose,
            state,
            "\n".join(f"{p.organisation}: {p.lawful_basis}" for p in agreement.parties),
            "\n".join(f"{source}: {', '.join(f)}" for source, f in shares.items()),
            f"{agreement.start_date} to {agreement.end_date or 'open'}"
            + (f", review {agreement.review_date}" if agreement.review_date else ""),
        )
    out.print(table)


@app.command()
def discover(
    paths: list[str] = typer.Argument(
        ..., help="data files, folders of exports, or database URLs (sqlite:///file.db)"
    ),
    out_dir: Path = typer.Option(..., "--out", help="folder to write the report to"),
    as_of: str = typer.Option(None, "--as-of", help="the date to judge staleness by (today)"),
    max_rows: int = typer.Option(None, "--max-rows", min=1, help="read at most N rows a table"),
) -> None:
    """Discovery with no config: what data there is, its quality, personal data and links."""
    from datetime import date

    from joinedup.reports.discovery import discover as run_discovery
    from joinedup.reports.discovery import discovery_document, starter_config
    from joinedup.reports.render import write_all

    try:
        when = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        _fail("--as-of must be a date like 2024-03-31")
    with console.status("reading and profiling the files"):
        found = run_discovery(paths, as_of=when, max_rows=max_rows)
        written = write_all(discovery_document(found), out_dir, "discovery")
        starter = out_dir / "joinedup.yaml"
        starter.write_text(starter_config(paths, out_dir), encoding="utf-8")
    rows = sum(t.rows for t in found.tables)
    out.print(f"{len(found.tables)} table(s), {rows:,} rows; {len(found.unreadable)} not read")
    for problem in found.unreadable:
        out.print(f"[yellow]not read[/yellow] {problem.file}: {problem.reason}")
    for win in found.quick_wins:
        out.print(f"quick win: {win.title}: {win.count:,}")
    for path in [*written.values(), starter]:
        console.print(f"wrote {path}")


@app.command("business-case")
def business_case(
    config: Path = ConfigOption,
    out_dir: Path = typer.Option(..., "--out", help="folder to write the business case to"),
    assumptions: Path = typer.Option(
        None, "--assumptions", help="YAML of your own costs and rates (see docs)"
    ),
) -> None:
    """Write the business case (HTML, Word, Markdown) from the last run and case outcomes."""
    from joinedup.reports.business_case import (
        AssumptionsError,
        business_case_document,
        gather,
        load_assumptions,
    )
    from joinedup.reports.render import write_all

    hub = _open_hub(config)
    if not hub.has_run():
        _fail("the hub has no completed run yet: run `joinedup run` first")
    try:
        facts = gather(hub, load_assumptions(assumptions))
    except (AssumptionsError, OSError) as exc:
        _fail(str(exc))
    written = write_all(business_case_document(facts), out_dir, "business-case")
    out.print(
        f"{facts.matches:,} matches; forecast £{facts.forecast:,.0f}; "
        f"realised £{facts.realised:,.0f}"
    )
    for path in written.values():
        console.print(f"wrote {path}")


@app.command()
def maturity(
    answers: Path = typer.Option(None, "--answers", help="YAML of answers, for scripting"),
    out_dir: Path = typer.Option(None, "--out", help="also write maturity.html/.docx/.md here"),
    target: int = typer.Option(3, "--target", min=1, max=5, help="the level to aim for"),
    template: bool = typer.Option(False, "--template", help="print an answers file to fill in"),
) -> None:
    """Data maturity self-assessment on the local government data maturity model's themes."""
    from joinedup.reports.maturity import (
        LEVELS,
        QUESTIONS,
        THEMES,
        AnswersError,
        Assessment,
        answers_template,
        level_name,
        load_answers,
        maturity_document,
    )
    from joinedup.reports.render import write_all

    if template:
        typer.echo(answers_template(), nl=False)
        return
    if answers is not None:
        try:
            assessment = load_answers(answers, target)
        except (AnswersError, OSError) as exc:
            _fail(str(exc))
    else:
        console.print("Answer each question with the level (1 to 5) that fits best.\n")
        given: dict[str, int] = {}
        for number, question in enumerate(QUESTIONS, start=1):
            console.print(f"[bold]{number}. {question.area}[/bold]: {question.question}")
            for level, text in enumerate(question.levels, start=1):
                console.print(f"  {level} {LEVELS[level]}: {text}")
            level = typer.prompt("level (1-5)", type=int)
            while not 1 <= level <= 5:
                level = typer.prompt("please give a level from 1 to 5", type=int)
            given[question.id] = level
        assessment = Assessment(answers=given, target=target)
    table = Table(title="data maturity by theme (1 Nascent to 5 Expert)")
    for column in ("theme", "score", "level"):
        table.add_column(column)
    for theme in THEMES:
        score = assessment.theme_score(theme)
        table.add_row(theme, f"{score:.1f}", level_name(score))
    table.add_row("overall", f"{assessment.overall:.1f}", level_name(assessment.overall))
    out.print(table)
    for question, level in assessment.gaps():
        out.print(f"- {question.area} ({LEVELS[level]}): {question.next_step(level)}")
    if out_dir is not None:
        for path in write_all(maturity_document(assessment), out_dir, "maturity").values():
            console.print(f"wrote {path}")


@app.command()
def catalogue(config: Path = ConfigOption) -> None:
    """Each source's owner, classification, lawful basis and retention, and the personal
    data categories of its columns, with the gaps to fix (with any edits made in the web
    UI laid over joinedup.yaml)."""
    from joinedup.governance.catalogue import build_catalogue, catalogue_edits

    hub = _open_hub(config)
    with hub.store.session() as session:
        edits = catalogue_edits(session)
    for entry in build_catalogue(hub.config, edits):
        table = Table("column", "field", "personal data", "found by", title=entry.source)
        for column in entry.columns:
            table.add_row(column.column, column.field, column.category or "-", column.found_by)
        out.print(table)
        out.print(
            f"owner {entry.owner}; steward {entry.steward or '-'}; {entry.classification}; "
            f"lawful basis {entry.lawful_basis or '-'}; retention {entry.retention or '-'}; "
            f"refresh {entry.refresh or '-'}"
        )
        for gap in entry.gaps:
            out.print(f"[yellow]gap:[/yellow] {entry.source} {gap}")


@app.command()
def retention(
    config: Path = ConfigOption,
    output: Path = typer.Option(
        None, "--out", help="CSV of record keys past retention, for the owners to review"
    ),
) -> None:
    """Records past their retention period, duplicated records and trivial columns (ROT)."""
    from joinedup.governance.retention import (
        duplicate_records,
        export_past_retention,
        retention_flags,
        trivial_columns,
    )

    hub = _open_hub(config)
    try:
        con = hub.connect()
    except RuntimeError as exc:
        _fail(str(exc))
    as_of = hub.as_of()
    duplicates = duplicate_records(con)
    table = Table("source", "retention", "records", "past retention", "duplicates")
    for flag in retention_flags(con, hub.config, as_of):
        rule = flag.rule
        period = "permanent" if rule.permanent else f"{rule.years} years" if rule.years else "?"
        table.add_row(
            flag.source,
            period if rule.readable else "not machine-readable: read it",
            f"{flag.records:,}",
            f"{flag.past_retention:,}" if rule.years else "-",
            f"{duplicates.get(flag.source, 0):,}",
        )
    out.print(table)
    for column in trivial_columns(con, hub.config):
        what = "always empty" if column.distinct_values == 0 else "one value throughout"
        out.print(f"trivial: {column.source}.{column.column} is {what}")
    if output is not None:
        import getpass

        actor = f"cli:{getpass.getuser()}"
        rows = export_past_retention(con, hub.config, as_of, output, hub.store, actor)
        console.print(f"wrote {rows:,} records past retention to {output} (audited)")


@app.command()
def sar(
    config: Path = ConfigOption,
    name: str = typer.Option(..., "--name", help="first name and surname"),
    dob: str = typer.Option(..., "--dob", help="date of birth, YYYY-MM-DD"),
    postcode: str = typer.Option(None, "--postcode"),
    output: Path = typer.Option(..., "--out", help="folder to write the pack to"),
    entity: str = typer.Option(
        None, "--entity", help="the entity id to use when the details fit more than one"
    ),
) -> None:
    """Subject access: write everything the hub holds about one person, found by linking."""
    import getpass
    from datetime import date

    from joinedup.governance.subject_access import SubjectAccessError, find_subject, write_pack

    try:
        birth = date.fromisoformat(dob)
    except ValueError:
        _fail("--dob must be a date as YYYY-MM-DD")
    hub = _open_hub(config)
    try:
        con = hub.connect()
        found = find_subject(con, name, birth, postcode)
        if entity is None:
            if not found.entity_ids:
                _fail("no records carry those details; check the spelling or try a postcode")
            if len(found.entity_ids) > 1:
                _fail(
                    f"the details fit {len(found.entity_ids)} people: "
                    f"{', '.join(found.entity_ids)}; check identity, then pass --entity"
                )
            entity = found.entity_ids[0]
        elif entity not in found.entity_ids:
            _fail("that entity does not carry the details given")
        pack = write_pack(
            con, hub.config, entity, output, hub.store, f"cli:{getpass.getuser()}", hub.as_of()
        )
    except (SubjectAccessError, RuntimeError) as exc:
        _fail(str(exc))
    total = sum(pack.rows_by_source.values())
    aside = f" and {pack.set_aside} row(s) set aside at loading" if pack.set_aside else ""
    console.print(
        f"wrote {total} rows from {len(pack.rows_by_source)} sources{aside} to {output} "
        "(audited); check it for other people's details before sending"
    )


pseudonyms_app = typer.Typer(help="Keyed pseudonyms for analysis.")
app.add_typer(pseudonyms_app, name="pseudonyms")


@pseudonyms_app.command("new-key")
def pseudonyms_new_key(
    output: Path = typer.Option(..., "--out", help="the key file to write (never overwritten)"),
) -> None:
    """Write a new pseudonym key, readable by you only; keep it outside the hub's stores."""
    from joinedup.governance.pseudonyms import KEY_ENV, PseudonymKeyError, create_key

    try:
        create_key(output)
    except PseudonymKeyError as exc:
        _fail(str(exc))
    console.print(f"wrote a new pseudonym key to {output}; set {KEY_ENV} to use it")


def _jsonable(value: object) -> object:
    from dataclasses import asdict, is_dataclass

    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else str(value)


people_app = typer.Typer(help="People: look a person up among the linked entities.")
app.add_typer(people_app, name="people")


@people_app.command("lookup")
def people_lookup(
    config: Path = ConfigOption,
    first_name: str | None = typer.Option(None, "--first-name"),
    surname: str | None = typer.Option(None, "--surname"),
    date_of_birth: str | None = typer.Option(
        None, "--dob", help="day first (17/05/1980) or YYYY-MM-DD"
    ),
    postcode: str | None = typer.Option(None, "--postcode"),
    email: str | None = typer.Option(None, "--email"),
    phone: str | None = typer.Option(None, "--phone"),
    nhs_number: str | None = typer.Option(None, "--nhs-number"),
    ni_number: str | None = typer.Option(None, "--ni-number"),
    limit: int = typer.Option(5, "--limit", min=1, max=50),
) -> None:
    """Candidate entities for a person's details, best first, with scores and reasons.
    Details may be typed as people write them (a phone with +44, a spaced NI number)."""
    hub = _open_hub(config)
    if not hub.has_run():
        _fail("the hub has no completed run yet: run `joinedup run` first")
    found = hub.lookup(
        limit=limit,
        first_name=first_name,
        surname=surname,
        date_of_birth=date_of_birth,
        postcode=postcode,
        email=email,
        phone=phone,
        nhs_number=nhs_number,
        ni_number=ni_number,
    )
    if not found:
        console.print("no candidates (give a surname, date of birth or postcode to search on)")
    _print_json([_jsonable(c) for c in found])


models_app = typer.Typer(help="Saved person-linking models, one version per trained model.")
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list(config: Path = ConfigOption) -> None:
    """Every saved model version, newest first: the run that trained it, how, and its uses."""
    from joinedup.link.models import list_models

    hub = _open_hub(config)
    with hub.store.session() as session:
        versions = list_models(session)
    if not versions:
        console.print("no saved models yet: run `joinedup run` first")
        return
    table = Table(title="person-linking models")
    numbers = {"version", "labels", "runs"}
    for column in ("version", "trained in run", "saved (UTC)", "how", "labels", "runs"):
        table.add_column(
            column, justify="right" if column in numbers else "left", no_wrap=column != "how"
        )
    for m in versions:
        table.add_row(
            str(m.version),
            m.trained_in_run,
            m.created_at.strftime("%Y-%m-%d %H:%M"),
            m.method,
            f"{m.labels_used:,}",
            f"{len(m.used_by_runs):,}",
        )
    out.print(table)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())


corrections_app = typer.Typer(help="Corrections of people's details, reviewed by a steward.")
app.add_typer(corrections_app, name="corrections")
AsOption = typer.Option(..., "--as", help="your username: a steward (admin or DPO)")


def _steward(session, username: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from joinedup.store.users import User

    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        out.print(f"[red]there is no user {username!r}[/red]")
        raise typer.Exit(1)
    return user


@corrections_app.command("list")
def corrections_list(
    config: Path = ConfigOption,
    as_user: str = AsOption,
    all_: bool = typer.Option(False, "--all", help="reviewed ones too"),
) -> None:
    """Corrections waiting for review (through the policy gate, audited)."""
    from sqlalchemy import select

    from joinedup.governance.corrections import CORRECTION_PURPOSE
    from joinedup.governance.policy import authorise
    from joinedup.store.corrections import Correction

    hub = _open_hub(config)
    with hub.store.session() as session, session.begin():
        user = _steward(session, as_user)
        decision = authorise(session, user, "correction.review", "corrections", CORRECTION_PURPOSE)
        if not decision.allowed:
            out.print(f"[red]not allowed: {decision.reason}[/red]")
            raise typer.Exit(1)
        query = select(Correction).order_by(Correction.id)
        if not all_:
            query = query.where(Correction.status == "submitted")
        rows = list(session.scalars(query))
        table = Table("number", "person", "field", "new value", "status", "sent by", "reviewed by")
        for c in rows:
            table.add_row(
                f"#{c.id}", c.entity_id, c.field, c.value, c.status, c.submitted_by,
                c.reviewed_by or "",
            )  # fmt: skip
    if not rows:
        out.print("no corrections are waiting for review")
        return
    out.print(table)


@corrections_app.command("approve")
def corrections_approve(
    number: int = typer.Argument(..., help="the correction's number"),
    config: Path = ConfigOption,
    as_user: str = AsOption,
    reject: bool = typer.Option(False, "--reject", help="reject it instead"),
    note: str = typer.Option("", "--note", help="why (kept with the correction)"),
) -> None:
    """Approve (or --reject) a correction; approved ones reach the golden record on the
    next run, and the owners of the sources holding the person's records are told."""
    from joinedup.governance.corrections import CorrectionError, review_correction
    from joinedup.governance.policy import PermissionDenied
    from joinedup.store.corrections import Correction

    hub = _open_hub(config)
    with hub.store.session() as session:
        correction = session.get(Correction, number)
        entity_id = correction.entity_id if correction else ""
    sources: list[str] = []
    if entity_id and hub.has_run():
        con = hub.connect()
        try:
            sources = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT r.source FROM records r JOIN record_entities e "
                    "USING (record_id) WHERE e.entity_id = ?",
                    [entity_id],
                ).fetchall()
            ]
        finally:
            con.close()
    owners = {name: s.owner for name, s in hub.config.sources.items()}
    try:
        with hub.store.session() as session, session.begin():
            user = _steward(session, as_user)
            try:
                done = review_correction(session, user, number, not reject, owners, sources, note)
            except PermissionDenied as denied:
                session.commit()  # keep the refusal on the trail
                out.print(f"[red]not allowed: {denied.decision.reason}[/red]")
                raise typer.Exit(1) from None
            told = ", ".join(n.owner for n in done.notices)
            status = done.status
    except CorrectionError as problem:
        out.print(f"[red]{problem}[/red]")
        raise typer.Exit(1) from None
    out.print(f"correction #{number} {status}")
    if told:
        out.print(f"source owners told: {told}")


erasure_app = typer.Typer(help="Erasures a steward recorded.")
app.add_typer(erasure_app, name="erasure")


@erasure_app.command("purge")
def erasure_purge(
    config: Path = ConfigOption,
    as_user: str = AsOption,
) -> None:
    """Take every erased person out of the runs the hub keeps now, rather than at the next
    run: each kept run that holds one is rewritten without them (audited)."""
    from joinedup.governance.audit import record_event
    from joinedup.governance.corrections import CORRECTION_PURPOSE, suppressed_entities
    from joinedup.governance.policy import authorise
    from joinedup.governance.purge import purge_kept_runs

    hub = _open_hub(config)
    with hub.store.session() as session, session.begin():
        user = _steward(session, as_user)
        decision = authorise(session, user, "erasure.request", "runs", CORRECTION_PURPOSE)
        erased = suppressed_entities(session) if decision.allowed else set()
    if not decision.allowed:  # the refusal is on the audit trail
        out.print(f"[red]not allowed: {decision.reason}[/red]")
        raise typer.Exit(1)
    if not erased:
        out.print("no erasures are recorded: nothing to purge")
        return
    with console.status(f"rewriting the kept runs without {len(erased)} erased people"):
        purged = purge_kept_runs(hub.data_dir, erased)
    with hub.store.session() as session, session.begin():
        record_event(
            session, as_user, "erasure.purged", "runs", CORRECTION_PURPOSE, "allowed",
            detail=f"{len(purged)} runs rewritten, "
            f"{sum(p.records_dropped for p in purged)} records dropped",
        )  # fmt: skip
    if not purged:
        out.print("the kept runs hold none of the erased people's records")
        return
    table = Table("run", "records dropped")
    for run in purged:
        table.add_row(run.run_id, f"{run.records_dropped:,}")
    out.print(table)
    out.print(f"{len(purged)} kept run(s) rewritten without the erased people (audited)")
