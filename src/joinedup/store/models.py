"""Every operational-store model, imported in one place so the schema is complete."""

from joinedup.store.agreements import Agreement, AgreementParty, AgreementShare
from joinedup.store.audit import AuditEvent, AuditHead
from joinedup.store.cases import Case, CaseNote
from joinedup.store.catalogue import CatalogueEdit
from joinedup.store.corrections import Correction, CorrectionNotice, Suppression
from joinedup.store.review import LinkModel, LinkModelUse, ReviewLabel
from joinedup.store.runs import QualityResult, Run, SourceRun
from joinedup.store.users import User

__all__ = [
    "Agreement",
    "AgreementParty",
    "AgreementShare",
    "AuditEvent",
    "AuditHead",
    "Case",
    "CaseNote",
    "CatalogueEdit",
    "Correction",
    "CorrectionNotice",
    "LinkModel",
    "LinkModelUse",
    "QualityResult",
    "ReviewLabel",
    "Run",
    "SourceRun",
    "Suppression",
    "User",
]
