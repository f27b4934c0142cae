"""Pages as an analyst sees them: each identifying value replaced by its keyed pseudonym.

Analysts work on patterns, not people (governance/pseudonyms.py). When the gate refuses
a user the real match list, match or person but allows "pseudonyms.view", the page is
shown with names, addresses, postcodes, UPRNs, record keys and contact details replaced
by pseudonyms and dates of birth left out. The same value always gets the same pseudonym
(here and in `joinedup export --pseudonymise`), so an analyst can still see that two
records share an address; entity ids are the hub's own opaque ids and are kept, so the
pages still link up. Pseudonyms here are computed per value in Python: a page shows a
few dozen at most.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from joinedup.governance.policy import Decision, can
from joinedup.governance.pseudonyms import PseudonymKeyError, load_key, pseudonym
from joinedup.readmodel import MatchDetail, MatchSummary, RecordView
from joinedup.web.deps import gate

# The fields a pseudonymised page shows (as pseudonyms); templates test these names.
FIELDS = frozenset({"name", "address", "postcode", "uprn", "pseudonymised"})
# Golden record fields left out altogether: a pseudonym of a date says nothing useful.
HIDDEN = frozenset({"date_of_birth", "date_of_death"})


def key_for(hub: Any) -> bytes | None:
    """The pseudonym key, or None when the hub has none set up (then no such page)."""
    try:
        return load_key(data_dir=hub.config.data_dir)
    except PseudonymKeyError:
        return None


def _p(key: bytes, domain: str, value: object) -> str | None:
    if value is None or value == "" or value != value:  # NaN-like missing values
        return None
    return pseudonym(key, domain, str(value))


def record(r: RecordView, key: bytes) -> RecordView:
    return replace(
        r,
        record_key=_p(key, "record_id", f"{r.source}:{r.record_key}") or "",
        name=_p(key, "name", r.name) or "",
        date_of_birth=None,
        address=_p(key, "address", r.address),
        postcode=_p(key, "postcode", r.postcode),
        uprn=_p(key, "uprn", r.uprn),
        details={},
    )


def summary(m: MatchSummary, key: bytes) -> MatchSummary:
    return replace(m, uprn=_p(key, "uprn", m.uprn), address=_p(key, "address", m.address))


def detail(d: MatchDetail, key: bytes) -> MatchDetail:
    return replace(
        d,
        summary=summary(d.summary, key),
        records=[record(r, key) for r in d.records],
        links=[],  # link evidence names records by their keys
    )


def golden(rows: list[dict[str, Any]], key: bytes) -> list[dict[str, Any]]:
    return [
        {**g, "value": _p(key, g["field"], g["value"]), "source": g["source"]}
        for g in rows
        if g["field"] not in HIDDEN
    ]


def ask(
    db: Session,
    user: Any,
    hub: Any,
    action: str,
    resource: str,
    purpose: str,
    fields: tuple[str, ...],
) -> tuple[Decision, bytes | None]:
    """Ask the gate for the real view, or, for a user whose role may only see pseudonyms
    (and a hub with a key), for the pseudonymised one. Returns the decision and the key
    to pseudonymise with (None: show the real values the decision released)."""
    if not can(user, action, purpose) and can(user, "pseudonyms.view", purpose):
        key = key_for(hub)
        if key is not None:
            shown = tuple(sorted(FIELDS - {"pseudonymised"}))
            return gate(db, user, "pseudonyms.view", resource, purpose, shown), key
    return gate(db, user, action, resource, purpose, fields), None


def shown_fields(decision: Decision, key: bytes | None) -> set[str]:
    return set(decision.fields) | ({"pseudonymised"} if key is not None else set())
