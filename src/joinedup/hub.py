"""The hub: the one facade that the CLI, the web UI and Python users share.

A run goes ingest -> quality -> places -> people -> entities -> rules into a new analytical
store file; only a run that finishes is published, so readers always see the last good
state (see engine/analytical.py).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
from sqlalchemy import select

from joinedup.config import HubConfig, load_config
from joinedup.engine import analytical
from joinedup.governance.agreements import sync_store
from joinedup.governance.corrections import apply_to_run, suppressed_entities
from joinedup.governance.erasure import served_cursor
from joinedup.governance.purge import purge_kept_runs
from joinedup.ingest.pipeline import (
    IngestError,
    SourceLoad,
    build_records_table,
    create_common_tables,
    ingest_source,
    table_name,
)
from joinedup.link import carry
from joinedup.link.entities import build_entity_tables
from joinedup.link.explain import explain_links
from joinedup.link.golden import build_golden_records
from joinedup.link.households import build_households
from joinedup.link.incremental import link_people_incremental
from joinedup.link.link_input import SHARED_CONTACTS
from joinedup.link.lookup import LookupCandidate, PersonIndex
from joinedup.link.models import load_model, record_model
from joinedup.link.occupancy import build_occupancy, household_rows
from joinedup.link.people import link_people
from joinedup.link.places import resolve_addresses
from joinedup.link.review import LinkReview
from joinedup.link.stale import build_stale_alerts
from joinedup.quality.dimensions import run_checks, score_profile
from joinedup.readmodel import (
    Dashboard,
    MatchDetail,
    MatchSummary,
    RecordView,
    SourceSummary,
)
from joinedup.rules.model import Rule
from joinedup.rules.runner import config_rules, run_rules
from joinedup.store.db import OperationalStore
from joinedup.store.runs import QualityResult, Run, SourceRun

logger = logging.getLogger(__name__)

# Progress reports (what is happening, stages done, stages in all) for bars in the CLI.
Progress = Callable[[str, int, int], None]

_GAZETTEER_COLUMNS = [
    "uprn",
    "parent_uprn",
    "sao_text",
    "pao_text",
    "street",
    "locality",
    "town",
    "postcode",
    "property_class",
]


@dataclass
class RunSummary:
    run_id: str
    as_of: str
    loads: list[SourceLoad]
    seconds: dict[str, float] = field(default_factory=dict)
    people_links: int = 0
    entities: int = 0
    matches: dict[str, int] = field(default_factory=dict)
    checks_failed: int = 0
    model_version: int | None = None  # the saved person-linking model it scored with
    # An incremental link's new or changed records scored afresh (None: a full link).
    records_rescored: int | None = None
    # Why a run set to link incrementally linked everything afresh (None: it did not).
    linked_afresh_because: str | None = None
    people_kept: int = 0  # entities that kept their id from the last run
    # Emails and phone numbers given for many people, left out of linking (link_input.py).
    shared_contacts: int = 0
    # Runs kept from before this one that still held an erased person, rewritten without
    # them (governance/purge.py); and why that failed, if it did.
    kept_runs_purged: int = 0
    purge_problem: str | None = None


class Hub:
    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir
        self.store = OperationalStore.for_data_dir(self.data_dir)
        # The YAML declares the data sharing agreements; the policy gate reads the store.
        sync_store(self.store, config.agreements)

    @classmethod
    def open(cls, config_path: str | Path) -> Hub:
        return cls(load_config(config_path))

    # -- running the pipeline -------------------------------------------------------

    def as_of(self) -> date:
        return date.fromisoformat(self.config.hub.as_of) if self.config.hub.as_of else date.today()

    def run(self, progress: Progress | None = None, model_version: int | None = None) -> RunSummary:
        """Run the whole pipeline; publish only when every stage succeeded.

        `model_version` (or `link.model_version`) scores people with that saved model
        instead of training one; reviewers' labels apply either way (link/review.py)."""
        import time

        report = progress or (lambda _m, _d, _t: None)
        stages = len(self.config.sources) + 3
        done = 0

        def say(message: str, finished_stage: bool = False) -> None:
            nonlocal done
            done += finished_stage
            report(message, done, stages)

        as_of = self.as_of()
        review = self._link_review(model_version)  # an unknown version fails before the run
        run_id = datetime.now().strftime("R%Y%m%dT%H%M%S") + "-" + secrets.token_hex(2)
        with self.store.session() as session:
            session.add(Run(id=run_id, status="running", as_of=as_of.isoformat()))
            session.commit()
        build = analytical.building_path(self.data_dir, run_id)
        summary = RunSummary(run_id=run_id, as_of=as_of.isoformat(), loads=[])
        # Incremental runs keep the last run's model and links (reviewers' answers still
        # decide their pairs) and edit its linking tables, carried into the new store
        # (link/carry.py); a pinned model version scores every pair.
        incremental = self.config.link.incremental and review.model_json is None
        previous = analytical.current_path(self.data_dir)
        con: duckdb.DuckDBPyConnection | None = None
        try:
            if incremental and previous is not None and previous.exists():
                con = carry.start_from(previous, build, analytical.connect)
            else:
                con = analytical.connect(build)
            create_common_tables(con)
            started = time.perf_counter()
            for source in self.config.sources.values():
                say(f"ingesting {source.name}")
                summary.loads.append(ingest_source(con, self.config, source, as_of))
                say(f"ingested {source.name}", finished_stage=True)
            summary.seconds["ingest"] = time.perf_counter() - started
            self._build_gazetteer(con)
            build_records_table(con, self.config, as_of)

            started = time.perf_counter()
            say("resolving addresses to UPRNs")
            con.execute(
                "CREATE OR REPLACE TABLE addresses_to_resolve AS SELECT record_id, source, "
                "address, postcode, uprn AS uprn_given FROM records "
                "WHERE address IS NOT NULL OR postcode IS NOT NULL OR uprn IS NOT NULL"
            )
            resolve_addresses(con, cache_dir=self.data_dir / "cache")
            say("addresses resolved", finished_stage=True)
            summary.seconds["places"] = time.perf_counter() - started

            started = time.perf_counter()
            say("linking people across sources")
            link = link_people_incremental if incremental else link_people
            people = link(
                con,
                self.config.link,
                progress=lambda m: say(m),
                previous_store=previous,
                run_id=run_id,
                review=review,
            )
            summary.people_links, summary.entities = people.links, people.entities
            summary.records_rescored = people.id_events.get("records_rescored")
            summary.linked_afresh_because = people.afresh_because
            summary.people_kept = people.id_events.get("kept", 0)
            summary.shared_contacts = int(
                con.execute(f"SELECT count(*) FROM {SHARED_CONTACTS}").fetchone()[0]  # type: ignore[index]
            )
            # People an incremental link left as they were keep last run's rows (reuse.py).
            build_entity_tables(con, as_of.isoformat(), previous_store=previous)
            build_households(con, as_of.isoformat())
            build_occupancy(con, as_of.isoformat())
            build_stale_alerts(con, as_of.isoformat())
            build_golden_records(
                con,
                self.config.link.source_trust,
                self.config.link.survivorship,
                previous_store=previous,
                field_trust=self.config.link.field_trust,
            )
            carry.drop(con)  # whatever was carried and not kept: never published
            with self.store.session() as session:  # approved corrections win
                apply_to_run(con, session, "golden")
            summary.seconds["link_people"] = time.perf_counter() - started
            say("people linked", finished_stage=True)

            say("running data matching rules")
            started = time.perf_counter()
            summary.matches = run_rules(con, self.config, as_of.isoformat())
            # Erased people leave every table (and reviewers' answers about their records).
            with self.store.session() as session, session.begin():
                erased_records = apply_to_run(con, session, "erasure")
                if erased_records:
                    summary.matches = _count_matches(con, summary.matches)
            summary.seconds["rules"] = time.perf_counter() - started
            say("rules run", finished_stage=True)
            con.execute("CHECKPOINT")
            con.close()
            con = None
            if erased_records:
                # Deleted rows stay in the file until their space is reused: written
                # afresh, the store holds nothing of the erased people at all.
                say("writing the store afresh without the erased people")
                analytical.write_afresh(analytical.building_path(self.data_dir, run_id))
        except BaseException as exc:
            if con is not None:
                con.close()
            analytical.discard(self.data_dir, run_id)
            self._finish_run(run_id, "failed", _safe_message(exc))
            raise
        analytical.publish(self.data_dir, run_id)
        summary.checks_failed = self._record_run(summary)
        with self.store.session() as session, session.begin():
            summary.model_version = record_model(
                session,
                run_id,
                people.model_json,
                labels_used=review.labels_trained_on,
                labels_applied=review.labels_applied,
                reused_version=self._pinned_version(model_version) if review.model_json else None,
            )
        self._open_cases()
        self._purge_kept_runs(summary, say)
        return summary

    def _purge_kept_runs(self, summary: RunSummary, say: Callable[..., None]) -> None:
        """Take erased people out of the runs kept from before this one too: this run's
        store holds none of them, and an erasure should not wait for newer runs to replace
        the older ones. Only runs still holding someone are rewritten, so this costs a
        read of each kept run once their erasures are done. A failure leaves the run
        published and is reported, never hidden."""
        erased = self.erased_entities()
        if not erased:
            return
        say("taking erased people out of the runs kept from before")
        try:
            summary.kept_runs_purged = len(purge_kept_runs(self.data_dir, erased))
        except (OSError, duckdb.Error) as exc:
            summary.purge_problem = _safe_message(exc)

    def _pinned_version(self, model_version: int | None) -> int | None:
        return model_version or self.config.link.model_version

    def _link_review(self, model_version: int | None) -> LinkReview:
        """Reviewers' labels, and the saved model to score with when one is pinned."""
        version = self._pinned_version(model_version)
        with self.store.session() as session:
            model_json = load_model(session, version) if version else None
            return LinkReview.from_store(session, self.config.link.review.retrain_from, model_json)

    def _open_cases(self) -> None:
        """A case for every new match, so its age counts from the run that found it."""
        from joinedup.cases.workflow import open_cases

        with self.store.session() as session, session.begin():
            open_cases(session, self.list_matches())

    def _build_gazetteer(self, con: duckdb.DuckDBPyConnection) -> None:
        name = self.config.hub.gazetteer
        if name is None:
            cols = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in _GAZETTEER_COLUMNS)
            con.execute(f"CREATE OR REPLACE TABLE gazetteer AS SELECT {cols} WHERE false")
            return
        table = table_name("src", name)
        present = {r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
        if "uprn" not in present:
            raise IngestError(f"the gazetteer source {name!r} maps no column to uprn")
        cols = ", ".join(
            f"CAST({c} AS VARCHAR) AS {c}" if c in present else f"CAST(NULL AS VARCHAR) AS {c}"
            for c in _GAZETTEER_COLUMNS
        )
        con.execute(f'CREATE OR REPLACE TABLE gazetteer AS SELECT {cols} FROM "{table}"')

    def _finish_run(self, run_id: str, status: str, message: str | None = None) -> None:
        with self.store.session() as session:
            run = session.get(Run, run_id)
            if run is not None:
                run.status, run.message, run.finished_at = status, message, datetime.now()
                session.commit()

    def _record_run(self, summary: RunSummary) -> int:
        failed = 0
        with self.store.session() as session:
            for load in summary.loads:
                session.add(
                    SourceRun(
                        run_id=summary.run_id,
                        source=load.source,
                        rows_in=load.rows_in,
                        records=load.records,
                        quarantined=load.quarantined,
                        skipped=load.skipped,
                        seconds=load.seconds,
                    )
                )
                for profile in load.profiles:
                    for score in score_profile(profile):
                        session.add(
                            QualityResult(
                                run_id=summary.run_id,
                                source=score.source,
                                field=score.column,
                                dimension=score.dimension,
                                passed=score.passed,
                                checked=score.checked,
                                score=score.score,
                            )
                        )
                    failed += sum(not c.passed for c in run_checks(profile))
            run = session.get(Run, summary.run_id)
            assert run is not None
            run.status, run.finished_at = "succeeded", datetime.now()
            run.message = json.dumps({"matches": summary.matches, "checks_failed": failed})
            session.commit()
        return failed

    # -- reading the published state --------------------------------------------------

    def connect(self) -> duckdb.DuckDBPyConnection:
        """The served run, read-only, with erased people already left out: a cursor on
        one shared connection (erasure.py); closing it leaves the connection open."""
        return served_cursor(self.data_dir, self.erased_entities())

    def erased_entities(self) -> frozenset[str]:
        with self.store.session() as session:
            return frozenset(suppressed_entities(session))

    def has_run(self) -> bool:
        return analytical.current_path(self.data_dir) is not None

    def latest_run(self) -> Run | None:
        run_id = analytical.current_run_id(self.data_dir)
        if run_id is None:
            return None
        with self.store.session() as session:
            return session.get(Run, run_id)

    def quality(self, run_id: str | None = None) -> list[QualityResult]:
        run_id = run_id or analytical.current_run_id(self.data_dir)
        with self.store.session() as session:
            rows = session.scalars(
                select(QualityResult)
                .where(QualityResult.run_id == run_id)
                .order_by(QualityResult.source, QualityResult.id)
            )
            return list(rows)

    def source_runs(self, run_id: str | None = None) -> list[SourceRun]:
        run_id = run_id or analytical.current_run_id(self.data_dir)
        with self.store.session() as session:
            return list(session.scalars(select(SourceRun).where(SourceRun.run_id == run_id)))

    def dashboard(self) -> Dashboard:
        run = self.latest_run()
        loads = {s.source: s for s in self.source_runs()} if run else {}
        quality: dict[tuple[str, str], list[float]] = {}
        for result in self.quality() if run else []:
            if result.score is not None:
                quality.setdefault((result.source, result.dimension), []).append(result.score)

        def mean(source: str, dimension: str) -> float | None:
            values = quality.get((source, dimension))
            return sum(values) / len(values) if values else None

        sources = [
            SourceSummary(
                name=name,
                owner=cfg.owner,
                system=cfg.system,
                classification=cfg.classification,
                rows_in=loads[name].rows_in if name in loads else 0,
                records=loads[name].records if name in loads else 0,
                quarantined=loads[name].quarantined if name in loads else 0,
                completeness=mean(name, "completeness"),
                validity=mean(name, "validity"),
            )
            for name, cfg in self.config.sources.items()
        ]
        people = properties = 0
        by_rule: dict[str, int] = {}
        total = 0.0
        if run is not None:
            con = self.connect()
            try:
                people = con.execute(
                    "SELECT count(DISTINCT entity_id) FROM person_clusters"
                ).fetchone()[0]  # type: ignore[index]
                properties = con.execute("SELECT count(*) FROM gazetteer").fetchone()[0]  # type: ignore[index]
                for rule, count, value in con.execute(
                    "SELECT rule, count(*), sum(estimated_value) FROM matches GROUP BY rule"
                ).fetchall():
                    by_rule[rule] = int(count)
                    total += float(value or 0)
            finally:
                con.close()
        return Dashboard(
            hub_name=self.config.hub.name,
            organisation=self.config.hub.organisation,
            run_id=run.id if run else None,
            run_finished_at=run.finished_at if run else None,
            as_of=date.fromisoformat(run.as_of) if run and run.as_of else None,
            sources=sources,
            people=int(people),
            properties=int(properties),
            matches_by_rule=by_rule,
            total_estimated_value=round(total, 2),
        )

    def _match_rows(self, where: str = "", params: list | None = None) -> list[dict]:
        con = self.connect()
        try:
            frame = con.execute(
                f"""
                SELECT m.*, g.address AS property_address
                FROM matches m
                LEFT JOIN (
                    SELECT uprn, concat_ws(', ', nullif(sao_text, ''), nullif(pao_text, ''),
                                           nullif(street, ''), nullif(town, ''),
                                           nullif(postcode, '')) AS address
                    FROM gazetteer
                ) g USING (uprn)
                {where}
                ORDER BY m.estimated_value DESC, m.match_key
                """,
                params or [],
            ).df()
        finally:
            con.close()
        return frame.to_dict(orient="records")

    def _summaries(self, rows: list[dict]) -> list[MatchSummary]:
        from joinedup.cases.workflow import case_states

        rules = config_rules(self.config)
        with self.store.session() as session:
            states = case_states(session, [r["match_key"] for r in rows])
        summaries = []
        for row in rows:
            case = states.get(row["match_key"])
            rule = rules.get(row["rule"])
            summaries.append(
                MatchSummary(
                    match_key=row["match_key"],
                    rule=row["rule"],
                    rule_title=rule.title if rule else row["rule"],
                    uprn=row["uprn"],
                    address=row["property_address"],
                    score=float(row["score"]),
                    estimated_value=float(row["estimated_value"]),
                    first_found_run=None,
                    case_status=case.status if case else "open",
                    case_outcome=case.outcome if case else None,
                )
            )
        return summaries

    def list_matches(self) -> list[MatchSummary]:
        if not self.has_run():
            return []
        return self._summaries(self._match_rows())

    def get_match(self, match_key: str) -> MatchDetail | None:
        if not self.has_run():
            return None
        rows = self._match_rows("WHERE m.match_key = ?", [match_key])
        if not rows:
            return None
        row = rows[0]
        summary = self._summaries([row])[0]
        rule = config_rules(self.config).get(row["rule"])
        subject = row["subject_record_id"]
        con = self.connect()
        try:
            subject_entity = con.execute(
                "SELECT entity_id FROM record_entities WHERE record_id = ?", [subject]
            ).fetchone()
            subject_entity_id = subject_entity[0] if subject_entity else None
            others = list(row["other_entities"])
            # The subject's own records and the other adults' records, all as evidence.
            record_ids = con.execute(
                "SELECT record_id FROM record_entities WHERE entity_id = ? "
                "OR list_contains(?, entity_id) ORDER BY entity_id, record_id",
                [subject_entity_id, others],
            ).fetchall()
            ids = [r[0] for r in record_ids] or [subject]
            records = self.record_views(con, ids)
            # Evidence that is not a person's record (a payment, say) is shown as it is.
            shown = {r.source + ":" + r.record_key for r in records}
            evidence = [subject, *row["evidence_records"]]
            records += self._other_record_views(con, [i for i in evidence if i not in shown])
            links = explain_links(con, ids)
        finally:
            con.close()
        description, why = _explain_match(rule, row)
        return MatchDetail(
            summary=summary,
            description=description,
            why=why,
            records=records,
            links=links,
            value_basis=(rule.value_basis.strip() if rule else ""),
        )

    def _other_record_views(
        self, con: duckdb.DuckDBPyConnection, ids: list[str]
    ) -> list[RecordView]:
        """Records outside the person tables (payments, licences of organisations), each
        shown with its source's own fields."""
        views: list[RecordView] = []
        by_source: dict[str, list[str]] = {}
        for record_id in dict.fromkeys(ids):
            source = record_id.split(":", 1)[0]
            if source in self.config.sources:
                by_source.setdefault(source, []).append(record_id)
        skip = {"record_id", "source", "record_key", "row_number"}
        for source, wanted in by_source.items():
            frame = con.execute(
                f'SELECT * FROM "{table_name("src", source)}" WHERE list_contains(?, record_id) '
                "ORDER BY record_id",
                [wanted],
            ).df()
            for item in frame.to_dict(orient="records"):
                name = item.get("supplier_name") or " ".join(
                    str(item[k]).title()
                    for k in ("first_name", "surname")
                    if isinstance(item.get(k), str)
                )
                details = {
                    key.replace("_", " ").capitalize(): _display(value)
                    for key, value in item.items()
                    if key not in skip and _display(value)
                }
                views.append(
                    RecordView(
                        source=source,
                        record_key=str(item["record_key"]),
                        entity_id=None,
                        name=str(name) if name else "(not a person)",
                        date_of_birth=_plain_date(item.get("date_of_birth")),
                        address=item.get("address")
                        if isinstance(item.get("address"), str)
                        else None,
                        postcode=item.get("postcode")
                        if isinstance(item.get("postcode"), str)
                        else None,
                        uprn=item.get("uprn") if isinstance(item.get("uprn"), str) else None,
                        uprn_method=None,
                        details=details,
                    )
                )
        return views

    def record_views(self, con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[RecordView]:
        """The records `ids` as people pages show them, ordered by person, source, record
        (the web's cache of served people reads them in batches through this)."""
        frame = con.execute(
            """
            SELECT r.*, e.entity_id, e.uprn AS resolved_uprn, e.uprn_method
            FROM records r JOIN record_entities e USING (record_id)
            WHERE r.record_id IN (SELECT unnest(?::VARCHAR[]))  -- a hash join: any number
            ORDER BY e.entity_id, r.source, r.record_id
            """,
            [ids],
        ).df()
        views = []
        for row in frame.to_dict(orient="records"):
            name = " ".join(
                str(p).title()
                for p in (row["first_name"], row["middle_names"], row["surname"])
                if isinstance(p, str) and p
            )
            details = {}
            for label, key in (
                ("Start", "start_date"),
                ("End", "end_date"),
                ("Date of death", "date_of_death"),
            ):
                value = _plain_date(row.get(key))
                if value is not None:
                    details[label] = value.isoformat()
            dob = _plain_date(row.get("date_of_birth"))
            views.append(
                RecordView(
                    source=row["source"],
                    record_key=row["record_key"],
                    entity_id=row["entity_id"],
                    name=name or "(no name)",
                    date_of_birth=dob,
                    address=row["address"],
                    postcode=row["postcode"],
                    uprn=row["resolved_uprn"],
                    uprn_method=row["uprn_method"],
                    details=details,
                )
            )
        return views

    def lookup(self, limit: int = 5, **details: date | str | None) -> list[LookupCandidate]:
        """Candidate people for these details (first_name, surname, date_of_birth,
        postcode, email, phone, nhs_number, ni_number), best first, with reasons."""
        served = (analytical.current_run_id(self.data_dir), self.erased_entities())
        cached = getattr(self, "_person_index", None)
        if cached is None or cached[0] != served:
            con = self.connect()
            try:
                cached = (served, PersonIndex(con))
            finally:
                con.close()
            self._person_index = cached
        return cached[1].lookup(limit=limit, **details)

    def export_entities(self, out: Path) -> int:
        return self._export(
            "SELECT e.source, r.record_key, e.entity_id, e.uprn, e.uprn_status "
            "FROM record_entities e JOIN records r USING (record_id) "
            "ORDER BY e.source, e.record_id",
            out,
        )

    # -- places and households (link/occupancy.py, link/stale.py) -----------------------

    def household(self, uprn: str, as_of: date | str | None = None) -> list[dict]:
        """The people living at a UPRN on a date (the run's date by default), with the
        record that places each one there and every source that agrees."""
        day = as_of.isoformat() if isinstance(as_of, date) else as_of
        if day is None:
            run = self.latest_run()
            day = run.as_of if run is not None and run.as_of else self.as_of().isoformat()
        con = self.connect()
        try:
            return household_rows(con, uprn, day)
        finally:
            con.close()

    def stale_alerts(self, source: str | None = None) -> list[dict]:
        """Records that still place a person where another source knows they are not."""
        con = self.connect()
        try:
            where, params = ("WHERE source = ?", [source]) if source else ("", [])
            cursor = con.execute(
                f"SELECT * FROM stale_alerts {where} ORDER BY source, record_id", params
            )
            names = [c[0] for c in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            con.close()

    def export_addresses(self, out: Path) -> int:
        """One row per record with an address: how it resolved to a UPRN."""
        return self._export(
            """SELECT a.source, r.record_key, a.address, a.postcode, a.uprn, a.status,
                      a.method, a.score
               FROM address_matches a JOIN records r USING (record_id)
               ORDER BY a.source, r.record_key""",
            out,
        )

    def export_stale(self, out: Path) -> int:
        """One row per stale data alert, per source, for its owner to correct."""
        return self._export(
            """SELECT source, record_key, entity_id, uprn, stale, known_better_by, new_uprn,
                      since, corroborated
               FROM stale_alerts ORDER BY source, record_key""",
            out,
        )

    def _export(self, sql: str, out: Path) -> int:
        con = self.connect()
        try:
            con.execute(f"COPY ({sql}) TO '{analytical.sql_path(out)}' (HEADER, DELIMITER ',')")
            return int(con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0])  # type: ignore[index]
        finally:
            con.close()


def _count_matches(con: duckdb.DuckDBPyConnection, before: dict[str, int]) -> dict[str, int]:
    """The matches per rule left after erasure (every rule run keeps its entry)."""
    rows = dict(con.execute("SELECT rule, count(*) FROM matches GROUP BY rule").fetchall())
    return {rule: int(rows.get(rule, 0)) for rule in before}


def _display(value: object) -> str:
    """A field value as text for evidence; blank for missing values."""
    if value is None:
        return ""
    plain = _plain_date(value)
    if plain is not None:
        return plain.isoformat()
    try:
        import pandas as pd

        if pd.isna(value):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _plain_date(value: object) -> date | None:
    """Dates from DuckDB via pandas arrive as Timestamps or NaT; readers get plain dates."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    try:
        import pandas as pd

        if pd.isna(value):  # type: ignore[arg-type]
            return None
        if isinstance(value, pd.Timestamp):
            return value.date()
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, date) else None


def _safe_message(exc: BaseException) -> str:
    """Stored run messages name the failure's type and our own wording, never row values."""
    if isinstance(exc, (IngestError, ValueError)):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__


def _explain_match(rule: Rule | None, row: dict) -> tuple[str, list[str]]:
    """The match page's finding and reasons, from the rule's own `finding` and `why`."""
    if rule is None:
        return "", []
    score = float(row["score"])
    facts = {
        "others": len(row["other_entities"]),
        "evidence": len(row["evidence_records"]),
        "score": f"{score:,.2f}".rstrip("0").rstrip("."),
        "value": f"{float(row['estimated_value']):,.2f}",
    }
    finding, why = rule.explain(facts)
    return " ".join(finding.split()), [" ".join(w.split()) for w in why]
