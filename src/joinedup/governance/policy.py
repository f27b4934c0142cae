"""The one gate: every read of personal data and every change to a case asks here first.

`authorise` answers one question: may this user do this action, on this resource, for
this purpose, seeing these fields? It writes an audit event for every answer, allowed or
denied, so the trail shows who looked at what and why.

Today the answer depends on role and purpose. The pipeline below is where later work
adds data sharing agreements (does an agreement cover this purpose for these sources?)
and per-field rules (narrow `fields` to what the agreement allows): each is one more
check in `_CHECKS` or one more step in `_release_fields`, and no caller changes.
Anything not explicitly allowed is denied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from joinedup.governance.audit import record_event

# Purposes a user may state. The NFI-style matching the hub does for fraud and error
# rests on Part 6 of the Local Audit and Accountability Act 2014 (data matching for the
# prevention and detection of fraud; e.g. the fair processing notice at
# https://next.shropshire.gov.uk/privacy/the-national-fraud-initiative). Agreements will
# name their own purposes later.
PURPOSES: dict[str, str] = {
    "fraud_investigation": "Preventing and detecting fraud and error",
    "error_correction": "Putting right records that are wrong or out of date",
    "audit_oversight": "Checking that data is used lawfully (DPO, SIRO, auditors)",
}

# Roles that may see personal data at all; partner agencies come in through agreements.
PERSONAL_DATA_ROLES = frozenset({"admin", "investigator", "dpo"})
CASEWORK_ROLES = frozenset({"admin", "investigator"})


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
    "case.update": ActionRule(
        CASEWORK_ROLES,
        frozenset({"fraud_investigation", "error_correction"}),
        "change a case's status or outcome, or add a note",
    ),
}


class Actor(Protocol):
    """Anything with a username and a role: a store User, or a service account."""

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


# In order; the first reason given denies. Agreements go after _purpose_fits.
_CHECKS: tuple[Callable[[Request], str | None], ...] = (
    _signed_in,
    _known_action,
    _known_purpose,
    _role_may,
    _purpose_fits,
)


def _release_fields(request: Request) -> tuple[str, ...]:
    """The requested fields the user may see; per-field rules will narrow this."""
    return request.fields


def authorise(
    session: Session,
    user: Actor | None,
    action: str,
    resource: str,
    purpose: str,
    fields: Sequence[str] = (),
) -> Decision:
    """Decide, and write the audit event (flushed with the caller's transaction).

    `resource` is an opaque id such as "match:<match_key>": never a name or address.
    """
    request = Request(user, action, resource, purpose, tuple(fields))
    reason = next((r for r in (check(request) for check in _CHECKS) if r is not None), None)
    if reason is None:
        released = _release_fields(request)
        decision = Decision(True, released, "allowed by role and purpose")
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

    It writes no audit event, so it must never stand in for `authorise` before data is
    read or changed.
    """
    request = Request(user, action, "", purpose, ())
    return all(check(request) is None for check in _CHECKS)
