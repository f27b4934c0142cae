"""The one gate: every read of personal data and every change to a case asks here first.

`authorise` answers one question: may this user do this action, on this resource, for
this purpose, seeing these fields? It writes an audit event for every answer, allowed or
denied, so the trail shows who looked at what and why.

The hub's own staff are answered by role and purpose. A partner agency's user (role
partner_user) is answered by data sharing agreements as well: only an agreement in force
today that names the user's organisation as a party, for the very purpose the user
gives, lets them see anything, and then only the fields it shares. A suspended, ended,
expired or not-yet-started agreement means no access. Anything not explicitly allowed
is denied.

Fields are named as the caller shows them: a canonical field ("date_of_birth"), a
source-qualified one ("council_tax.date_of_birth", which needs that source shared), or a
view field that stands for canonical ones ("name" needs first_name and surname, or
full_name). Derived fields no agreement can name (link evidence, rule details) are
never released to partners.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from joinedup.governance.agreements import Coverage, coverage
from joinedup.governance.audit import record_event
from joinedup.governance.purposes import PURPOSES
from joinedup.store.base import utcnow

__all__ = ["ACTIONS", "PURPOSES", "Decision", "PermissionDenied", "authorise", "can"]

# Roles that see personal data by virtue of working for the council that holds it.
PERSONAL_DATA_ROLES = frozenset({"admin", "investigator", "dpo"})
CASEWORK_ROLES = frozenset({"admin", "investigator"})
# Roles that act as data steward: review corrections, record erasures.
STEWARD_ROLES = frozenset({"admin", "dpo"})
# Roles answered by agreements: they see only what an agreement in force shares.
AGREEMENT_ROLES = frozenset({"partner_user"})

# View fields built from canonical ones: released when every field of one alternative is
# shared. Anything else must be shared by name.
VIEW_FIELDS: dict[str, tuple[frozenset[str], ...]] = {
    "name": (frozenset({"first_name", "surname"}), frozenset({"full_name"})),
    "address": (
        frozenset({"address"}),
        frozenset({"address_line_1"}),
    ),
}


@dataclass(frozen=True)
class ActionRule:
    """Who may take an action, and for which purposes."""

    roles: frozenset[str]
    purposes: frozenset[str]
    description: str


ACTIONS: dict[str, ActionRule] = {
    "match.list": ActionRule(
        PERSONAL_DATA_ROLES,
        frozenset(PURPOSES),
        "see the list of matches with their addresses",
    ),
    "match.view": ActionRule(
        PERSONAL_DATA_ROLES,
        frozenset(PURPOSES),
        "see a match and the records behind it",
    ),
    "case.view": ActionRule(
        PERSONAL_DATA_ROLES,
        frozenset(PURPOSES),
        "see a case's status, outcome and notes",
    ),
    "case.update": ActionRule(
        CASEWORK_ROLES,
        frozenset({"fraud_investigation", "error_correction"}),
        "change a case's status or outcome, or add a note",
    ),
    # The fraud team's CSV of cases: ids, states and amounts, never names or addresses.
    "case.export": ActionRule(
        CASEWORK_ROLES,
        frozenset({"fraud_investigation", "error_correction"}),
        "export the case list",
    ),
    # Matches, people and exports with every identifying value replaced by its keyed
    # pseudonym (governance/pseudonyms.py): how analysts work, counting and joining
    # without seeing who anyone is.
    "pseudonyms.view": ActionRule(
        frozenset({"analyst"}) | PERSONAL_DATA_ROLES,
        frozenset(PURPOSES),
        "see matches and people as pseudonyms",
    ),
    # Working back from pseudonyms to the identifiers behind them (governance/pseudonyms.py).
    "pseudonym.reidentify": ActionRule(
        PERSONAL_DATA_ROLES,
        frozenset(PURPOSES),
        "see the identifiers behind pseudonyms",
    ),
    # Reading the records of named sources (exports, the API, a partner's look-up): the
    # one action partners have, because its fields say which source each comes from.
    "records.view": ActionRule(
        PERSONAL_DATA_ROLES | AGREEMENT_ROLES,
        frozenset(PURPOSES),
        "see records from the hub's sources",
    ),
    # Reports (the business case): counts and money only, but the council's own planning.
    "report.view": ActionRule(
        frozenset({"admin", "dpo", "data_owner", "investigator"}),
        frozenset(PURPOSES),
        "see the hub's reports",
    ),
    # Starting a pipeline run from the web or the API (web/runner.py): no personal data is
    # read, but a run changes what everyone sees, so it is for the hub's operators.
    "run.start": ActionRule(
        frozenset({"admin", "data_owner"}),
        frozenset(PURPOSES),
        "start a pipeline run",
    ),
    # Corrections and erasure (governance/corrections.py): staff who see a person's
    # details may propose a correction; a data steward (admin or DPO) reviews it and
    # records erasures; all for the purpose of putting records right.
    "correction.submit": ActionRule(
        PERSONAL_DATA_ROLES,
        frozenset({"error_correction"}),
        "submit a correction of a person's details",
    ),
    "correction.review": ActionRule(
        STEWARD_ROLES,
        frozenset({"error_correction"}),
        "approve or reject corrections of people's details",
    ),
    "erasure.request": ActionRule(
        STEWARD_ROLES,
        frozenset({"error_correction"}),
        "record the erasure of a person's data",
    ),
    # Clerical review of uncertain links (web/routers/review.py): casework staff compare
    # two records side by side and answer whether they are one person, which puts the
    # hub's links right.
    "link.review": ActionRule(
        CASEWORK_ROLES,
        frozenset({"error_correction"}),
        "review uncertain links between records",
    ),
    "link.label": ActionRule(
        CASEWORK_ROLES,
        frozenset({"error_correction"}),
        "record whether two records are the same person",
    ),
    # Governance itself (web/routers/governance.py): the trail names who looked at whom,
    # so reading it is oversight; changing an agreement or the catalogue is too.
    "audit.view": ActionRule(
        STEWARD_ROLES,
        frozenset({"audit_oversight"}),
        "read the audit trail",
    ),
    "agreement.edit": ActionRule(
        STEWARD_ROLES,
        frozenset({"audit_oversight"}),
        "change a data sharing agreement's status or review date",
    ),
    "catalogue.edit": ActionRule(
        frozenset({"admin", "data_owner"}),
        frozenset({"audit_oversight"}),
        "change the catalogue",
    ),
}


class Actor(Protocol):
    """Anything with a username and a role: a store User, or a service account.

    Partner users also carry `organisation` (read with getattr, so service accounts and
    the hub's own staff need not).
    """

    username: str
    role: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    fields: tuple[str, ...]  # the fields the caller may show; empty when denied
    reason: str  # plain English, safe to show the user and to keep in the audit trail


class PermissionDenied(Exception):  # noqa: N818 - reads better at the raise site
    """Raised by callers that cannot go on without permission; carries the decision."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


@dataclass(frozen=True)
class Request:
    """One question to the gate, as the checks see it."""

    user: Actor | None
    action: str
    resource: str
    purpose: str
    fields: tuple[str, ...]
    # What the agreements allow the user's organisation; None unless the role needs them.
    agreements: Coverage | None = field(default=None)


def _signed_in(request: Request) -> str | None:
    if request.user is None or not getattr(request.user, "username", None):
        return "you need to sign in"
    return None


def _known_action(request: Request) -> str | None:
    if request.action not in ACTIONS:
        return f"the action {request.action!r} is not one the hub knows"
    return None


def _known_purpose(request: Request) -> str | None:
    if request.purpose not in PURPOSES:
        return f"the purpose {request.purpose!r} is not one the hub knows"
    return None


def _role_may(request: Request) -> str | None:
    rule = ACTIONS[request.action]
    role = request.user.role if request.user else ""
    if role not in rule.roles:
        return f"the {role.replace('_', ' ') or 'unknown'} role may not {rule.description}"
    return None


def _purpose_fits(request: Request) -> str | None:
    rule = ACTIONS[request.action]
    if request.purpose not in rule.purposes:
        return f"you may not {rule.description} for {PURPOSES[request.purpose].lower()}"
    return None


def _agreement_allows(request: Request) -> str | None:
    """For partner users: an agreement in force, for this purpose, sharing these fields."""
    if request.user is None or request.user.role not in AGREEMENT_ROLES:
        return None
    organisation = getattr(request.user, "organisation", None)
    if not organisation:
        return "your account does not name your organisation, so no agreement can cover it"
    cover = request.agreements
    if cover is None or not cover.in_force:
        if cover is not None and cover.not_in_force:
            states = ", ".join(
                f"{name} is {state.replace('_', ' ')}" for name, state in cover.not_in_force
            )
            return f"no data sharing agreement is in force for this purpose ({states})"
        return (
            f"no data sharing agreement gives {organisation} access for "
            f"{PURPOSES[request.purpose].lower()}"
        )
    if request.fields and not _shared_fields(request.fields, cover):
        return "the agreements in force share none of the fields asked for"
    return None


# In order; the first reason given denies.
_CHECKS: tuple[Callable[[Request], str | None], ...] = (
    _signed_in,
    _known_action,
    _known_purpose,
    _role_may,
    _purpose_fits,
    _agreement_allows,
)


def _field_shared(name: str, cover: Coverage) -> bool:
    source, _, bare = name.rpartition(".")
    shared = {f for s, f in cover.shared if not source or s == source}
    if bare in shared:
        return True
    return any(option <= shared for option in VIEW_FIELDS.get(bare, ()))


def _shared_fields(fields: tuple[str, ...], cover: Coverage) -> tuple[str, ...]:
    return tuple(f for f in fields if _field_shared(f, cover))


def _release_fields(request: Request) -> tuple[str, ...]:
    """The requested fields the user may see: all for staff, the shared ones for partners."""
    if request.agreements is not None:
        return _shared_fields(request.fields, request.agreements)
    return request.fields


def _coverage_for(
    session: Session, user: Actor | None, purpose: str, today: date
) -> Coverage | None:
    if user is None or getattr(user, "role", None) not in AGREEMENT_ROLES:
        return None
    organisation = getattr(user, "organisation", None)
    if not organisation:
        return None
    return coverage(session, organisation, purpose, today)


def authorise(
    session: Session,
    user: Actor | None,
    action: str,
    resource: str,
    purpose: str,
    fields: Sequence[str] = (),
    today: date | None = None,
) -> Decision:
    """Decide, and write the audit event (flushed with the caller's transaction).

    `resource` is an opaque id such as "match:<match_key>": never a name or address.
    `today` is for tests; agreements are judged against the real date otherwise.
    """
    today = today or utcnow().date()
    cover = _coverage_for(session, user, purpose, today)
    request = Request(user, action, resource, purpose, tuple(fields), cover)
    reason = next((r for r in (check(request) for check in _CHECKS) if r is not None), None)
    if reason is None:
        released = _release_fields(request)
        why = (
            f"allowed by agreement {', '.join(cover.in_force)}"
            if cover is not None
            else "allowed by role and purpose"
        )
        decision = Decision(True, released, why)
    else:
        decision = Decision(False, (), reason)
    record_event(
        session,
        actor=user.username if user is not None and user.username else "anonymous",
        action=action,
        resource=resource,
        purpose=purpose[:100],
        decision="allowed" if decision.allowed else "denied",
        fields=decision.fields if decision.allowed else request.fields,
        detail=decision.reason,
    )
    return decision


def can(user: Actor | None, action: str, purpose: str) -> bool:
    """Whether the gate would allow this: for showing or hiding a control, nothing more.

    It writes no audit event and does not consult agreements, so it must never stand in
    for `authorise` before data is read or changed.
    """
    request = Request(user, action, "", purpose, ())
    return all(check(request) is None for check in _CHECKS[:-1])
