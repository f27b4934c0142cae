"""Saved person-linking models: each run's trained model kept as a numbered version.

A model is the trained Splink settings (JSON: comparisons, blocking rules, and every m and
u probability). Keeping each one, with the run that trained it and every run that scored
with it, answers "which model made these links?" and lets a council pin a model it has
checked (`link.model_version`, `joinedup run --model-version N`) instead of retraining.
The same JSON is stored once: an incremental run that reuses its predecessor's model
records a use of that version, not a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.store.review import LinkModel, LinkModelUse


class ModelVersionError(ValueError):
    """A run was asked to reuse a model version the store does not hold."""


@dataclass(frozen=True)
class ModelVersion:
    version: int
    trained_in_run: str
    created_at: datetime
    method: str
    labels_used: int
    used_by_runs: list[str] = field(default_factory=list)


def _digest(model_json: str) -> str:
    return hashlib.sha256(model_json.encode("utf-8")).hexdigest()


def record_model(
    session: Session,
    run_id: str,
    model_json: str,
    *,
    labels_used: int = 0,
    labels_applied: int = 0,
    reused_version: int | None = None,
) -> int:
    """Keep the model this run scored with (once per distinct JSON); return its version."""
    if reused_version is not None:
        version = reused_version
        reused = True
    else:
        existing = session.scalar(select(LinkModel).where(LinkModel.sha256 == _digest(model_json)))
        reused = existing is not None
        if existing is None:
            existing = LinkModel(
                trained_in_run=run_id,
                method="with labels" if labels_used else "without labels",
                labels_used=labels_used,
                sha256=_digest(model_json),
                model_json=model_json,
            )
            session.add(existing)
            session.flush()
        version = existing.version
    session.merge(
        LinkModelUse(run_id=run_id, version=version, reused=reused, labels_applied=labels_applied)
    )
    return version


def load_model(session: Session, version: int) -> str:
    """The saved model's JSON, checked to be a Splink settings document."""
    model = session.get(LinkModel, version)
    if model is None:
        raise ModelVersionError(
            f"there is no saved link model version {version}: see `joinedup models list`"
        )
    if "comparisons" not in json.loads(model.model_json):
        raise ModelVersionError(f"link model version {version} is not a usable model")
    return model.model_json


def list_models(session: Session) -> list[ModelVersion]:
    """Every saved version, newest first, with the runs that scored with it."""
    uses: dict[int, list[str]] = {}
    for use in session.scalars(select(LinkModelUse).order_by(LinkModelUse.created_at)):
        uses.setdefault(use.version, []).append(use.run_id)
    return [
        ModelVersion(
            version=m.version,
            trained_in_run=m.trained_in_run,
            created_at=m.created_at,
            method=m.method,
            labels_used=m.labels_used,
            used_by_runs=uses.get(m.version, []),
        )
        for m in session.scalars(select(LinkModel).order_by(LinkModel.version.desc()))
    ]


def model_for_run(session: Session, run_id: str) -> ModelVersion | None:
    """The version a run scored with, if the run recorded one."""
    use = session.get(LinkModelUse, run_id)
    if use is None:
        return None
    return next((m for m in list_models(session) if m.version == use.version), None)
