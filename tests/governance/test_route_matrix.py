"""The route-level authorisation matrix: every route of the web app and every CLI export,
times every role (and anonymous), times every agreement state.

Routes are found from the app itself, so a route someone adds is covered at once; a
route missing from ROUTES below fails the test until someone says what it is. What is
checked, for each request:

- anonymous callers are sent to sign in (pages) or refused with 401 (API);
- a response that holds any value of a known synthetic person ("planted": their names,
  dates of birth, postcodes, emails, phones, NHS and NI numbers from every source) must
  come from a route declared "gated" and must have written an "allowed" event of the
  policy gate in that very request;
- a partner's user never sees a value that only a source their agreement does not share
  holds, and sees the shared ones only while the agreement is in force;
- a refusal on a gated route is a 403 with a "denied" event of the gate;
- nothing fails (no 5xx).

State-changing routes ("write") are checked for sign-in and CSRF here, and in WRITES,
the one place that says for each which gate actions it needs, a valid request (real ids
of the demo; a CSRF token for pages, JSON for the API) and what it changes. A write
route missing from WRITES fails the test. For every account whose role the gate refuses
(asked through policy.can, its permission table), the request must get a 403, a
"denied" gate event, and leave what it changes (store rows, the saved assessment, the
run pointer and progress) exactly as before; then one allowed account must get the
change, with an "allowed" gate event. These run on a second copy of the council, so
nothing they change reaches the read matrix. Starting a run is checked up to the
starter (a stand-in records the call): a real run takes minutes and is tested in
tests/web/test_runs_reports.py. Partners' refusals are by role for every write action,
so they are tried with the agreement in force (the most the agreement could give them).

The gate's own answers for every action, role, purpose and agreement state are in
test_authorisation_matrix.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from joinedup.cli import app as cli
from joinedup.cli import export_app
from joinedup.engine import analytical
from joinedup.governance.policy import ACTIONS, AGREEMENT_ROLES, PURPOSES, can
from joinedup.governance.pseudonyms import KEY_ENV, create_key, pseudonym
from joinedup.link.review import candidate_pairs, pair_key
from joinedup.reports.maturity import QUESTIONS
from joinedup.store.agreements import Agreement
from joinedup.store.audit import AuditEvent
from joinedup.store.cases import Case, CaseNote
from joinedup.store.catalogue import CatalogueEdit
from joinedup.store.corrections import Correction, CorrectionNotice, Suppression
from joinedup.store.review import ReviewLabel
from joinedup.store.runs import Run
from joinedup.web import pseudonymised, reads, runner
from joinedup.web.routers.reports import MATURITY_FILE

from .governed import (
    ACCOUNTS,
    AGREEMENT,
    AGREEMENT_STATES,
    PASSWORD,
    SHARED_SOURCE,
    Governed,
    csrf_from,
    governed_hub,
    set_agreement_state,
)

PUBLIC = "public"  # no sign-in; never personal data
SIGNED_IN = "signed_in"  # any signed-in user; never personal data
GATED = "gated"  # personal data, only as far as the gate allows (and audited)
WRITE = "write"  # changes something: sign-in and CSRF, and every role against WRITES


@dataclass(frozen=True)
class RoutePolicy:
    kind: str
    why: str
    form: bool = False  # a read-only POST: sent with a search for the planted person


# THE one classification of every route. Add a new route here, with why.
ROUTES: dict[tuple[str, str], RoutePolicy] = {
    ("GET", "/openapi.json"): RoutePolicy(PUBLIC, "the API's description"),
    ("GET", "/health"): RoutePolicy(PUBLIC, "up or not, and the served run's id"),
    ("GET", "/login"): RoutePolicy(PUBLIC, "the sign-in form"),
    ("POST", "/login"): RoutePolicy(WRITE, "signs in"),
    ("GET", "/logout"): RoutePolicy(PUBLIC, "signs out"),
    ("POST", "/logout"): RoutePolicy(WRITE, "signs out"),
    ("GET", "/"): RoutePolicy(SIGNED_IN, "dashboard: counts and quality"),
    ("GET", "/sources"): RoutePolicy(SIGNED_IN, "sources with counts"),
    ("GET", "/sources/{name}"): RoutePolicy(GATED, "quality; raw quarantined rows gated"),
    ("GET", "/matches"): RoutePolicy(GATED, "match list with addresses"),
    ("GET", "/matches/{match_key}"): RoutePolicy(GATED, "a match and its records"),
    ("POST", "/matches/{match_key}"): RoutePolicy(WRITE, "changes a case"),
    ("POST", "/matches/{match_key}/assign"): RoutePolicy(WRITE, "assigns a case"),
    ("GET", "/properties/{uprn}"): RoutePolicy(GATED, "a property's occupants"),
    ("GET", "/people"): RoutePolicy(SIGNED_IN, "the empty search form"),
    ("POST", "/people"): RoutePolicy(GATED, "person search", form=True),
    ("GET", "/people/{entity_id}"): RoutePolicy(GATED, "a person's records"),
    ("GET", "/account"): RoutePolicy(SIGNED_IN, "the user's own account"),
    ("POST", "/account/token"): RoutePolicy(WRITE, "issues an API token"),
    ("GET", "/people/{entity_id}/corrections/new"): RoutePolicy(SIGNED_IN, "empty form"),
    ("POST", "/people/{entity_id}/corrections"): RoutePolicy(WRITE, "submits a correction"),
    ("GET", "/corrections"): RoutePolicy(GATED, "corrections with their new values"),
    ("POST", "/corrections/{correction_id}"): RoutePolicy(WRITE, "reviews a correction"),
    ("POST", "/erasures"): RoutePolicy(WRITE, "records an erasure"),
    ("GET", "/review"): RoutePolicy(GATED, "uncertain links to review"),
    ("GET", "/review/{key}"): RoutePolicy(GATED, "two records side by side"),
    ("POST", "/review/{key}"): RoutePolicy(WRITE, "labels a pair"),
    ("GET", "/agreements"): RoutePolicy(SIGNED_IN, "agreements: no personal data"),
    ("GET", "/agreements/{name}"): RoutePolicy(SIGNED_IN, "one agreement"),
    ("POST", "/agreements/{name}"): RoutePolicy(WRITE, "changes an agreement's status"),
    ("GET", "/partner"): RoutePolicy(SIGNED_IN, "a partner's agreements"),
    ("GET", "/audit"): RoutePolicy(GATED, "the audit trail (opaque ids)"),
    ("GET", "/pseudonyms"): RoutePolicy(SIGNED_IN, "the empty re-identification form"),
    ("POST", "/pseudonyms"): RoutePolicy(WRITE, "works back from a pseudonym (audited)"),
    ("GET", "/catalogue"): RoutePolicy(SIGNED_IN, "sources and column categories"),
    ("POST", "/catalogue/{source}"): RoutePolicy(WRITE, "edits the catalogue"),
    ("GET", "/maturity"): RoutePolicy(SIGNED_IN, "self-assessment form"),
    ("POST", "/maturity"): RoutePolicy(WRITE, "saves an assessment"),
    ("GET", "/maturity/maturity.{kind}"): RoutePolicy(SIGNED_IN, "assessment download"),
    ("GET", "/business-case"): RoutePolicy(GATED, "counts and money, gated as planning"),
    ("GET", "/business-case/business-case.{kind}"): RoutePolicy(GATED, "its download"),
    ("GET", "/runs"): RoutePolicy(SIGNED_IN, "pipeline runs"),
    ("POST", "/runs"): RoutePolicy(WRITE, "starts a run"),
    ("GET", "/runs/progress"): RoutePolicy(SIGNED_IN, "a run's progress"),
    ("GET", "/reports"): RoutePolicy(SIGNED_IN, "the list of reports"),
    ("GET", "/reports/{name}"): RoutePolicy(GATED, "a report (counts), gated"),
    ("GET", "/reports/{name}.{kind}"): RoutePolicy(GATED, "a report's download"),
    ("GET", "/api/v1/sources"): RoutePolicy(SIGNED_IN, "sources with counts"),
    ("GET", "/api/v1/runs"): RoutePolicy(SIGNED_IN, "runs"),
    ("POST", "/api/v1/runs"): RoutePolicy(WRITE, "starts a run"),
    ("GET", "/api/v1/runs/progress"): RoutePolicy(SIGNED_IN, "a run's progress"),
    ("GET", "/api/v1/runs/{run_id}"): RoutePolicy(SIGNED_IN, "one run"),
    ("GET", "/api/v1/quality"): RoutePolicy(SIGNED_IN, "quality scores"),
    ("GET", "/api/v1/matches"): RoutePolicy(GATED, "match list"),
    ("GET", "/api/v1/matches/{match_key}"): RoutePolicy(GATED, "a match"),
    ("GET", "/api/v1/cases/{match_key}"): RoutePolicy(GATED, "a case with notes"),
    ("PATCH", "/api/v1/cases/{match_key}"): RoutePolicy(WRITE, "changes a case"),
    ("POST", "/api/v1/people/search"): RoutePolicy(GATED, "person search", form=True),
    ("GET", "/api/v1/people/{entity_id}"): RoutePolicy(GATED, "a person"),
    ("GET", "/api/v1/places/{uprn}"): RoutePolicy(GATED, "a property's occupants"),
    ("GET", "/api/v1/reports"): RoutePolicy(SIGNED_IN, "the list of reports"),
    ("GET", "/api/v1/reports/{name}"): RoutePolicy(GATED, "a report"),
    ("GET", "/api/v1/agreements"): RoutePolicy(SIGNED_IN, "agreements"),
    ("GET", "/api/v1/audit"): RoutePolicy(GATED, "the audit trail"),
}

# Path parameters, by route and name, then by name alone; filled from the demo run.
PATH_VALUES: dict[tuple[str, str], str] = {
    ("/sources/{name}", "name"): SHARED_SOURCE,
    ("/agreements/{name}", "name"): AGREEMENT,
    ("/reports/{name}", "name"): "quality",
    ("/reports/{name}.{kind}", "name"): "quality",
    ("/api/v1/reports/{name}", "name"): "quality",
    ("/catalogue/{source}", "source"): SHARED_SOURCE,
}
PARTNERS = {a for a, (role, _) in ACCOUNTS.items() if role == "partner_user"}
STAFF = set(ACCOUNTS) - PARTNERS


def walk_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, including those of included routers (which newer FastAPI nests)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from route.effective_candidates()
            yield from route.effective_low_priority_routes()
        elif hasattr(route, "methods") and route.methods:
            yield route


def app_routes(app: Any) -> list[tuple[str, str, list[str]]]:
    found = []
    for route in walk_routes(app.routes):
        params = re.findall(r"{(\w+)}", route.path)
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path, params))
    return found


@pytest.fixture(scope="module")
def governed(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Governed]:  # type: ignore[no-untyped-def]
    """With a pseudonym key set up, so analysts get their pseudonymised pages too."""
    folder = tmp_path_factory.mktemp("matrix")
    key = create_key(folder / "secrets" / "pseudonym.key")
    before = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = str(key)
    try:
        yield governed_hub(demo_hub_config.folder, folder / "council")
    finally:
        if before is None:
            os.environ.pop(KEY_ENV, None)
        else:
            os.environ[KEY_ENV] = before


def _values(governed: Governed) -> dict[str, str]:
    person, hub = governed.planted, governed.hub
    run = hub.latest_run()
    return {
        "match_key": person.match_key,
        "entity_id": person.entity_id,
        "uprn": person.uprn,
        "kind": "md",
        "run_id": run.id if run else "none",
        "key": "0" * 16,  # no such pair: the gate answers before the lookup
        "correction_id": "1",
    }


def _url(governed: Governed, path: str, params: list[str]) -> str:
    values = _values(governed)
    url = path
    for name in params:
        value = PATH_VALUES.get((path, name), values.get(name))
        assert value is not None, f"give {path} a value for {{{name}}} in PATH_VALUES"
        url = url.replace("{" + name + "}", value)
    return url


def _search(governed: Governed) -> dict[str, str]:
    """The planted person's council tax surname and date of birth, to search with."""
    con = governed.hub.connect()
    try:
        surname, dob = con.execute(
            "SELECT r.surname, r.date_of_birth FROM records r JOIN record_entities e "
            "USING (record_id) WHERE e.entity_id = ? AND r.source = ? "
            "AND r.surname IS NOT NULL AND r.date_of_birth IS NOT NULL LIMIT 1",
            [governed.planted.entity_id, SHARED_SOURCE],
        ).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    return {"surname": surname, "date_of_birth": dob.isoformat()}


def _last_seq(governed: Governed) -> int:
    with governed.hub.store.session() as db:
        return int(db.scalar(select(func.max(AuditEvent.seq))) or 0)


def _events_since(governed: Governed, seq: int, actor: str) -> list[AuditEvent]:
    with governed.hub.store.session() as db:
        return list(
            db.scalars(
                select(AuditEvent).where(AuditEvent.seq > seq, AuditEvent.actor == actor)
            )
        )


def _request(governed: Governed, client: Any, account: str, method: str, url: str,
             policy: RoutePolicy, partner_purpose: bool) -> Any:  # fmt: skip
    api = url.startswith("/api/")
    headers = {"Authorization": "Bearer " + governed.token(account)} if api else {}
    query = {"purpose": "safeguarding"} if partner_purpose else {}
    if method == "GET":
        return client.get(url, headers=headers, params=query)
    assert policy.form
    search = _search(governed)
    if api:
        return client.post(url, headers=headers, params=query, json=search)
    form = {**search, "csrf_token": csrf_from(client.get("/people").text), **query}
    return client.post(url, data=form)


def test_every_route_is_classified(governed: Governed) -> None:
    found = {(m, p) for m, p, _ in app_routes(governed.app)}
    unclassified = sorted(found - set(ROUTES))
    assert not unclassified, f"classify these routes in ROUTES: {unclassified}"
    assert found, "no routes found"


def test_anonymous_callers_are_sent_to_sign_in(governed: Governed) -> None:
    client = governed.client()
    wrong = []
    for method, path, params in app_routes(governed.app):
        policy = ROUTES.get((method, path))
        if policy is None or policy.kind == PUBLIC:
            continue
        url = _url(governed, path, params)
        response = client.request(method, url)
        if path.startswith("/api/"):
            ok = response.status_code == 401
        elif method == "GET":
            ok = response.status_code == 303 and response.headers["location"].startswith(
                "/login"
            )
        else:  # a form without a session: refused for its CSRF token or sent to sign in
            ok = response.status_code in (303, 400)
        if not ok:
            wrong.append(f"{method} {path}: {response.status_code}")
        assert not governed.planted.found_in(response.text, governed.planted.every())
    assert wrong == []


def test_forms_without_the_csrf_token_change_nothing(governed: Governed) -> None:
    client = governed.signed_in("admin")
    before = _last_seq(governed)
    for method, path, params in app_routes(governed.app):
        policy = ROUTES.get((method, path))
        if policy is None or method != "POST" or path.startswith("/api/") or policy.form:
            continue
        if path in ("/login", "/logout"):
            continue
        response = client.post(_url(governed, path, params), data={"csrf_token": "forged"})
        assert response.status_code == 400, path
    assert [e.action for e in _events_since(governed, before, "admin")] == []


def _check(governed: Governed, account: str, state: str, method: str, path: str,
           policy: RoutePolicy, response: Any, events: list[AuditEvent]) -> list[str]:  # fmt: skip
    """What is wrong with one response, in words."""
    planted = governed.planted
    where = f"{account} ({state}) {method} {path}"
    if response.status_code >= 500:
        return [f"{where}: {response.status_code}"]
    text = response.content.decode("utf-8", errors="replace")
    seen = planted.found_in(text, planted.every())
    gate_events = [e for e in events if e.action in ACTIONS]
    problems = []
    if seen:
        if policy.kind != GATED:
            problems.append(f"{where}: personal data on a route not declared gated")
        if not any(e.decision == "allowed" for e in gate_events):
            problems.append(f"{where}: personal data without an allowed gate event")
        if account in PARTNERS:
            if state != "in_force":
                problems.append(f"{where}: partner saw data while the agreement is {state}")
            unshared = planted.found_in(text, planted.unshared_only())
            if unshared:
                problems.append(f"{where}: partner saw values of sources not shared")
    denied = any(e.decision == "denied" for e in gate_events)
    if response.status_code == 403 and policy.kind == GATED and not denied:
        problems.append(f"{where}: a 403 without a denied gate event")
    return problems


def _matrix(governed: Governed, accounts: set[str], state: str) -> tuple[list[str], dict]:
    problems: list[str] = []
    answers: dict[tuple[str, str, str], int] = {}
    routes = [
        (m, p, params)
        for m, p, params in app_routes(governed.app)
        if ROUTES.get((m, p)) is not None
        and ROUTES[(m, p)].kind != WRITE
        and (m == "GET" or ROUTES[(m, p)].form)
        and p != "/logout"  # it would end the session the rest of the matrix uses
    ]
    for account in sorted(accounts):
        client = governed.signed_in(account)
        for method, path, params in routes:
            policy = ROUTES[(method, path)]
            url = _url(governed, path, params)
            before = _last_seq(governed)
            response = _request(
                governed, client, account, method, url, policy, account in PARTNERS
            )
            events = _events_since(governed, before, account)
            answers[(account, method, path)] = response.status_code
            problems += _check(governed, account, state, method, path, policy, response, events)
    return problems, answers


def test_staff_see_personal_data_only_through_the_gate(governed: Governed) -> None:
    set_agreement_state(governed.hub, "in_force")
    problems, answers = _matrix(governed, STAFF, "in_force")
    assert problems == []
    # Not vacuous: the roles that may see people do, and those that may not are refused.
    person = "/people/{entity_id}"
    assert answers[("investigator", "GET", person)] == 200
    assert answers[("admin", "GET", "/api/v1/people/{entity_id}")] == 200
    assert answers[("analyst", "GET", person)] == 200  # as pseudonyms: nothing planted
    assert answers[("analyst", "GET", "/api/v1/people/{entity_id}")] == 403
    assert answers[("data_owner", "GET", "/matches/{match_key}")] == 403
    admin = governed.signed_in("admin")
    page = admin.get(_url(governed, person, ["entity_id"]))
    assert governed.planted.found_in(page.text, governed.planted.every())


@pytest.mark.parametrize("state", list(AGREEMENT_STATES))
def test_partners_see_only_what_an_agreement_in_force_shares(
    governed: Governed, state: str
) -> None:
    set_agreement_state(governed.hub, state)
    try:
        problems, answers = _matrix(governed, PARTNERS, state)
    finally:
        set_agreement_state(governed.hub, "in_force")
    assert problems == []
    person = ("partner", "GET", "/people/{entity_id}")
    other = ("partner_other", "GET", "/people/{entity_id}")
    assert answers[other] == 403  # no agreement names their organisation
    if state == "in_force":
        assert answers[person] == 200
        client = governed.signed_in("partner")
        url = _url(governed, "/people/{entity_id}", ["entity_id"])
        page = client.get(url, params={"purpose": "safeguarding"})
        planted = governed.planted
        assert planted.found_in(page.text, planted.shared()), "the shared fields are shown"
        refused = client.get(url, params={"purpose": "fraud_investigation"})
        assert refused.status_code == 403  # the agreement is for safeguarding only
    else:
        assert answers[person] == 403
        assert answers[("partner", "POST", "/people")] == 403


# --- the command line ----------------------------------------------------------------------

# Every `joinedup export` command, and the gate's resource it must be audited under.
CLI_EXPORTS: dict[str, str] = {
    "entities": "export:entities",
    "addresses": "export:addresses",
    "stale": "export:stale",
    "matches": "export:matches",
    "cases": "cases",
}


def test_every_cli_export_asks_the_gate_and_is_audited(
    governed: Governed, tmp_path: Path
) -> None:
    """The CLI acts as an admin (whoever runs it holds the stores), so roles do not vary
    here; the purpose does, and every export is on the trail before its file exists."""
    names = {c.name for c in export_app.registered_commands}
    assert names == set(CLI_EXPORTS), f"classify these exports: {names ^ set(CLI_EXPORTS)}"
    config = str(governed.hub.config.data_dir.parent / "joinedup.yaml")
    runner = CliRunner()
    for name, resource in CLI_EXPORTS.items():
        refused = tmp_path / f"{name}-refused.csv"
        before = _last_seq(governed)
        result = runner.invoke(
            cli, ["export", name, "--config", config, "--out", str(refused),
                  "--purpose", "curiosity"],
        )  # fmt: skip
        assert result.exit_code != 0 and not refused.exists(), name
        with governed.hub.store.session() as db:
            denied = db.scalars(select(AuditEvent).where(AuditEvent.seq > before)).all()
        assert [(e.resource, e.decision) for e in denied] == [(resource, "denied")], name

        out = tmp_path / f"{name}.csv"
        before = _last_seq(governed)
        result = runner.invoke(cli, ["export", name, "--config", config, "--out", str(out)])
        assert result.exit_code == 0, result.output
        with governed.hub.store.session() as db:
            allowed = db.scalars(select(AuditEvent).where(AuditEvent.seq > before)).all()
        assert (resource, "allowed") in [(e.resource, e.decision) for e in allowed], name
        assert out.exists()


# --- state-changing routes: every role the gate refuses, and one it allows ------------------


@dataclass(frozen=True)
class Write:
    """What a state-changing route asks the gate, a request it would carry out, and what
    it changes. The bodies use real ids of the governed demo, so a refusal can only come
    from the gate, never from a request the route would have rejected anyway."""

    gate: tuple[tuple[str, str], ...]  # (action, purpose) asked; () when any user may
    body: Callable[[Governed], dict[str, Any]]  # form fields (CSRF token added) or JSON
    state: Callable[[Governed], object]  # what the route changes, compared before/after
    # For routes whose effect is not a stored change: (governed, client, response) -> done?
    # The allowed answer must have done it, a refusal must not.
    done: Callable[[Governed, Any, Any], bool] | None = None
    prepare: Callable[[Governed], dict[str, str]] | None = None  # path values it needs


def _rows(governed: Governed, *models: Any) -> list[tuple[Any, ...]]:
    """Every row of these store tables, as plain tuples."""
    found = []
    with governed.hub.store.session() as db:
        for model in models:
            columns = [c.key for c in model.__table__.columns]
            for row in db.scalars(select(model)):
                found.append((model.__name__, *(getattr(row, c) for c in columns)))
    return sorted(found, key=repr)


def _first_value(governed: Governed, sql: str) -> str:
    """The first column of the answer to this query about the planted person."""
    con = governed.hub.connect()
    try:
        row = con.execute(sql, [governed.planted.entity_id]).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


def _other_entity(governed: Governed) -> str:
    """Someone other than the planted person, so erasing them leaves the rest in place."""
    return _first_value(
        governed, "SELECT min(entity_id) FROM record_entities WHERE entity_id <> ?"
    )


def _planted_record(governed: Governed) -> str:
    return _first_value(
        governed, "SELECT min(record_id) FROM record_entities WHERE entity_id = ?"
    )


def _pseudonym_form(governed: Governed) -> dict[str, Any]:
    key = pseudonymised.key_for(governed.hub)
    assert key is not None, "the matrix sets up a pseudonym key"
    value = pseudonym(key, "record_id", _planted_record(governed))
    return {"pseudonym": value, "kind": "record_id", "purpose": "fraud_investigation"}


def _pair_key(governed: Governed) -> dict[str, str]:
    """An uncertain pair the served run scored, for the review page."""
    settings = governed.hub.config.link.review
    con = reads.served_cursor(governed.hub)
    try:
        pairs = candidate_pairs(con, settings.lowest, settings.highest)
    finally:
        con.close()
    assert pairs, "the demo has uncertain pairs to review"
    return {"key": pair_key(pairs[0]["record_id_l"], pairs[0]["record_id_r"])}


def _submitted_correction(governed: Governed) -> dict[str, str]:
    """A correction waiting for review, submitted by someone who will not review it."""
    with governed.hub.store.session() as db, db.begin():
        correction = Correction(
            entity_id=governed.planted.entity_id, field="surname", value="MATRIXSON",
            reason="route matrix", status="submitted", submitted_by="investigator",
        )  # fmt: skip
        db.add(correction)
        db.flush()
        return {"correction_id": str(correction.id)}


def _maturity_file(governed: Governed) -> bytes | None:
    path = Path(governed.hub.config.data_dir) / MATURITY_FILE
    return path.read_bytes() if path.exists() else None


def _run_state(governed: Governed) -> object:
    data_dir = governed.hub.config.data_dir
    progress = runner.read_progress(data_dir)
    return (
        analytical.current_run_id(data_dir),
        runner.run_in_progress(data_dir),
        progress.__dict__ if progress else None,
        _rows(governed, Run),
    )


def _issued_token(governed: Governed, client: Any, response: Any) -> bool:
    """The page shows a token that signs its holder in."""
    codec = governed.app.state.tokens  # type: ignore[attr-defined]
    with governed.hub.store.session() as db:
        for candidate in re.findall(r"[\w.-]{40,}", response.text):
            if codec.user_for(db, candidate) is not None:
                return True
    return False


CASE_CHANGE = {"status": "under_review", "note": "Checked by the route matrix."}
CASE = (("case.update", "fraud_investigation"),)
STEWARD = "error_correction"
OVERSEEN = "audit_oversight"


# THE one place that says, for every state-changing route, which gate actions it needs,
# a valid request, and what it changes. A write route missing here fails the test.
WRITES: dict[tuple[str, str], Write] = {
    ("POST", "/login"): Write(
        (), lambda g: {"username": "admin", "password": PASSWORD}, lambda g: None,
        done=lambda g, client, response: response.headers.get("location") == "/",
    ),
    ("POST", "/logout"): Write(
        (), lambda g: {}, lambda g: None,
        done=lambda g, client, response: client.get("/").status_code == 303,  # to sign in
    ),  # fmt: skip
    ("POST", "/account/token"): Write((), lambda g: {}, lambda g: None, done=_issued_token),
    ("POST", "/matches/{match_key}"): Write(
        CASE, lambda g: CASE_CHANGE, lambda g: _rows(g, Case, CaseNote)
    ),
    ("POST", "/matches/{match_key}/assign"): Write(
        CASE, lambda g: {"assignee": str(g.users["investigator"])},
        lambda g: _rows(g, Case, CaseNote),
    ),  # fmt: skip
    ("PATCH", "/api/v1/cases/{match_key}"): Write(
        CASE, lambda g: {"status": "open", "note": "Reopened by the route matrix."},
        lambda g: _rows(g, Case, CaseNote),
    ),  # fmt: skip
    ("POST", "/people/{entity_id}/corrections"): Write(
        (("correction.submit", STEWARD),),
        lambda g: {"field": "surname", "value": "Matrixdottir", "reason": "route matrix"},
        lambda g: _rows(g, Correction, CorrectionNotice),
    ),
    ("POST", "/corrections/{correction_id}"): Write(
        (("correction.review", STEWARD),), lambda g: {"decision": "approve", "note": "ok"},
        lambda g: _rows(g, Correction, CorrectionNotice), prepare=_submitted_correction,
    ),  # fmt: skip
    ("POST", "/erasures"): Write(
        (("erasure.request", STEWARD),),
        lambda g: {"entity_id": _other_entity(g), "reference": "REQ-MATRIX-1"},
        lambda g: _rows(g, Suppression),
    ),
    ("POST", "/review/{key}"): Write(
        (("link.label", STEWARD),), lambda g: {"decision": "same"},
        lambda g: _rows(g, ReviewLabel), prepare=_pair_key,
    ),  # fmt: skip
    ("POST", "/agreements/{name}"): Write(
        (("agreement.edit", OVERSEEN),), lambda g: {"status": "suspended", "review": ""},
        lambda g: _rows(g, Agreement),
    ),  # fmt: skip
    ("POST", "/pseudonyms"): Write(
        (("pseudonym.reidentify", "fraud_investigation"),), _pseudonym_form, lambda g: None,
        done=lambda g, client, response: _planted_record(g) in response.text,
    ),  # fmt: skip
    ("POST", "/catalogue/{source}"): Write(
        (("catalogue.edit", OVERSEEN),), lambda g: {"owner": "Route Matrix Team"},
        lambda g: _rows(g, CatalogueEdit),
    ),  # fmt: skip
    ("POST", "/maturity"): Write(
        (("report.view", "fraud_investigation"),),
        lambda g: {**{q.id: "3" for q in QUESTIONS}, "target": "4"}, _maturity_file,
    ),  # fmt: skip
    ("POST", "/runs"): Write((("run.start", "fraud_investigation"),), lambda g: {}, _run_state),
    ("POST", "/api/v1/runs"): Write(
        (("run.start", "fraud_investigation"),), lambda g: {}, _run_state
    ),
}


def test_every_write_route_says_what_the_gate_must_allow(governed: Governed) -> None:
    writes = {(m, p) for m, p, _ in app_routes(governed.app) if ROUTES[(m, p)].kind == WRITE}
    missing = sorted(writes - set(WRITES))
    assert not missing, f"say in WRITES what these need from the gate: {missing}"
    assert not set(WRITES) - writes, "WRITES names routes the app does not have"
    for method, path in WRITES:
        for action, purpose in WRITES[(method, path)].gate:
            assert action in ACTIONS and purpose in PURPOSES, (method, path, action)


@pytest.fixture(scope="module")
def written(governed: Governed, demo_hub_config, tmp_path_factory) -> Governed:  # type: ignore[no-untyped-def]
    """A second copy for the write matrix (the pseudonym key of `governed` still set), so
    what an allowed request changes never reaches the read matrix."""
    return governed_hub(demo_hub_config.folder, tmp_path_factory.mktemp("writes") / "council")


@dataclass
class RunStarts:
    """Stands in for the child process that runs the pipeline: a real run takes minutes
    and is tested end to end in tests/web/test_runs_reports.py. Here it records that the
    route, past the gate, asked for a run."""

    asked: list[str] = field(default_factory=list)

    def __call__(self, config_path: Path, data_dir: Path, username: str) -> bool:
        self.asked.append(username)
        return True


def _refused_by_the_gate(account: str, gate: tuple[tuple[str, str], ...]) -> bool:
    """The gate's own answer, from its permission table (policy.can). Agreements only
    narrow a partner's access further, so can() alone decides while no write action is
    open to partners; should one become so, every agreement state must be tried here."""
    role, organisation = ACCOUNTS[account]
    user = SimpleNamespace(username=account, role=role, organisation=organisation)
    for action, purpose in gate:
        if not can(user, action, purpose):  # type: ignore[arg-type]
            return True
        assert role not in AGREEMENT_ROLES, f"{action} is open to partners: try every state"
    return False


def _send(governed: Governed, client: Any, account: str, method: str, url: str,
          body: dict[str, Any]) -> Any:  # fmt: skip
    if url.startswith("/api/"):
        headers = {"Authorization": "Bearer " + governed.token(account)}
        return client.request(method, url, headers=headers, json=body or None)
    token = csrf_from(client.get("/account").text)
    return client.request(method, url, data={**body, "csrf_token": token})


@pytest.mark.parametrize("route", list(WRITES), ids=lambda r: f"{r[0]} {r[1]}")
def test_write_routes_change_nothing_unless_the_gate_allows(
    written: Governed, route: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    method, path = route
    write = WRITES[route]
    starts = RunStarts()
    monkeypatch.setattr(runner, "start_run", starts)
    values = {**_values(written), **(write.prepare(written) if write.prepare else {})}
    url = path
    for name in re.findall(r"{(\w+)}", path):
        url = url.replace("{" + name + "}", PATH_VALUES.get((path, name)) or values[name])
    body = write.body(written)
    actions = {a for a, _ in write.gate}
    refused = [a for a in ACCOUNTS if _refused_by_the_gate(a, write.gate)]
    allowed = [a for a in ACCOUNTS if a not in refused]
    assert allowed, f"{method} {path}: the gate allows no one"
    problems = []
    for account in refused:
        client = written.signed_in(account)
        before_state, before_seq = write.state(written), _last_seq(written)
        response = _send(written, client, account, method, url, body)
        events = _events_since(written, before_seq, account)
        where = f"{account} {method} {path}"
        if response.status_code != 403:
            problems.append(f"{where}: {response.status_code}, not 403")
        if not any(e.action in actions and e.decision == "denied" for e in events):
            problems.append(f"{where}: no denied gate event")
        if any(e.decision == "allowed" for e in events):
            problems.append(f"{where}: an allowed event: {[e.action for e in events]}")
        if write.state(written) != before_state:
            problems.append(f"{where}: changed what it should not")
        if write.done is not None and write.done(written, client, response):
            problems.append(f"{where}: showed what it should not")
        if starts.asked:
            problems.append(f"{where}: started a run")
    assert problems == []

    # One account the gate allows: the request is carried out, and audited.
    account = allowed[0]
    client = written.signed_in(account)
    before_state, before_seq = write.state(written), _last_seq(written)
    response = _send(written, client, account, method, url, body)
    events = _events_since(written, before_seq, account)
    assert response.status_code in (200, 202, 303), (account, response.status_code)
    for action in actions:
        assert (action, "allowed") in [(e.action, e.decision) for e in events], action
    assert not any(e.decision == "denied" for e in events)
    if write.done is not None:
        assert write.done(written, client, response), f"{account} {method} {path}"
    elif actions == {"run.start"}:
        assert starts.asked == [account]
    else:
        assert write.state(written) != before_state, f"{account} {method} {path}: no change"
