"""The hub config: one pydantic model loaded from `joinedup.yaml`.

The YAML is the contract between a council's analysts and the hub, so every error names
the source, the key and what is wrong, in words an analyst can act on.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from joinedup.fields import CANONICAL_FIELDS, PARSERS, FieldType

FileFormat = Literal["csv", "xlsx", "parquet", "jsonl"]
# organisation: a source about organisations (suppliers), kept out of person linking.
EntityKind = Literal["person", "place", "organisation"]
CheckName = Literal["not_null", "unique", "valid"]
# Personal data categories the catalogue records per column (governance/catalogue.py).
PersonalDataCategory = Literal[
    "names", "dates_of_birth", "identifiers", "contact_details", "health", "crime",
    "other_personal", "none",
]  # fmt: skip

FORMAT_BY_SUFFIX: dict[str, FileFormat] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


class ConfigError(ValueError):
    """A config problem, already phrased for the person who wrote the YAML."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadOptions(_Strict):
    """How to read a file when sniffing is not enough. Every option is optional."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = Field(
        default=None,
        description="1-based row (spreadsheet) or line (CSV) of the header; found if unset",
    )


class ColumnMapping(_Strict):
    """One column of a source file and the canonical field it feeds."""

    column: str
    field: str
    parser: str | None = None
    format: str | list[str] | None = Field(
        default=None, description="date format(s) in strftime form, tried in order"
    )
    type: FieldType | None = Field(
        default=None, description="type of a source-specific field that is not canonical"
    )
    true_values: list[str] | None = None
    checks: list[CheckName] = Field(default_factory=list)
    required: bool = Field(default=False, description="a row without a usable value is quarantined")
    personal_data: PersonalDataCategory | None = Field(
        default=None,
        description="overrides the catalogue's detected personal data category ('none': not)",
    )

    @field_validator("field")
    @classmethod
    def _field_is_snake_case(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"field name {value!r} must be lower_snake_case")
        return value

    @field_validator("parser")
    @classmethod
    def _parser_is_known(cls, value: str | None) -> str | None:
        if value is not None and value not in PARSERS:
            raise ValueError(
                f"unknown parser {value!r}; known parsers: {', '.join(sorted(PARSERS))}"
            )
        return value

    @property
    def formats(self) -> list[str]:
        if self.format is None:
            return []
        return [self.format] if isinstance(self.format, str) else list(self.format)

    def field_type(self) -> FieldType:
        if self.field in CANONICAL_FIELDS:
            return CANONICAL_FIELDS[self.field].type
        return self.type or "string"


class SourceConfig(_Strict):
    """A data set the hub ingests, described the way its information asset register would."""

    name: str = ""
    description: str = ""
    entity: EntityKind = "person"
    owner: str
    steward: str | None = None
    system: str | None = None
    classification: str = "OFFICIAL-SENSITIVE"
    lawful_basis: str | None = None
    retention: str | None = None
    refresh: str | None = None
    file: str
    format: FileFormat | None = None
    read: ReadOptions = Field(default_factory=ReadOptions)
    key: str = Field(description="the canonical field that identifies a row: usually record_key")
    columns: list[ColumnMapping]
    as_of: str | None = Field(
        default=None, description="date the extract was taken (YYYY-MM-DD); file date if unset"
    )
    identifying: bool = Field(
        default=True,
        description=(
            "false when records name people without identifying details (no date of birth, "
            "address or identifier), e.g. police mentions with an approximate age: linking "
            "accuracy is then reported for them separately"
        ),
    )

    @model_validator(mode="after")
    def _mapping_is_consistent(self) -> SourceConfig:
        fields = [c.field for c in self.columns]
        duplicated = sorted({f for f in fields if fields.count(f) > 1})
        if duplicated:
            raise ValueError(f"fields mapped more than once: {', '.join(duplicated)}")
        if self.key not in fields:
            raise ValueError(f"key field {self.key!r} is not mapped from any column")
        for mapping in self.columns:
            parser = PARSERS.get(mapping.parser or "")
            if parser is not None and mapping.field not in parser.accepts:
                raise ValueError(
                    f"column {mapping.column!r}: parser {mapping.parser!r} cannot fill field "
                    f"{mapping.field!r}; it fills {', '.join(parser.accepts)}"
                )
        return self

    def file_format(self) -> FileFormat:
        if self.format:
            return self.format
        suffix = Path(self.file).suffix.lower()
        if suffix not in FORMAT_BY_SUFFIX:
            raise ConfigError(
                f"source {self.name!r}: cannot tell the format of {self.file!r}; set 'format'"
            )
        return FORMAT_BY_SUFFIX[suffix]

    def mapped_fields(self) -> list[str]:
        return [c.field for c in self.columns]


class ReviewSettings(_Strict):
    """Clerical review of uncertain pairs (docs/linking.md, "Clerical review")."""

    lowest: float = Field(
        default=0.2, ge=0, le=1, description="pairs scored from this match probability up..."
    )
    highest: float = Field(default=0.98, ge=0, le=1, description="...and below this are shown")
    retrain_from: int = Field(
        default=30,
        ge=1,
        description="'same person' answers needed before the model also learns from them",
    )

    @model_validator(mode="after")
    def _band_in_order(self) -> ReviewSettings:
        if self.lowest >= self.highest:
            raise ValueError("review.lowest must be below review.highest")
        return self


class LinkConfig(_Strict):
    """Person linking settings; the defaults suit a district council."""

    threshold_probability: float = Field(default=0.95, gt=0, lt=1)
    max_pairs_for_u: float = 2e6
    # A family shares a phone or an email among a handful of first names; ten or more is an
    # organisation's or a placeholder (and would pair at least 45 records with one another).
    shared_contact_first_names: int = Field(
        default=10,
        ge=2,
        description="an email or phone number given with this many different first names or "
        "more is shared (a team's inbox, a care home's phone) and not used to link people",
    )
    seed: int = 42
    source_trust: list[str] = Field(
        default_factory=list,
        description="sources from most to least trusted, for golden records",
    )
    field_trust: dict[str, list[str]] = Field(
        default_factory=dict,
        description="field -> its own order of sources, most trusted first (golden records); "
        "a field not listed follows source_trust",
    )
    survivorship: dict[str, str] = Field(
        default_factory=dict,
        description="field -> trusted, recent or frequent (golden records; see docs/linking.md)",
    )
    incremental: bool = Field(
        default=False,
        description="reuse the last run's model and links; score only new and changed records",
    )
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    model_version: int | None = Field(
        default=None,
        ge=1,
        description="score with this saved model version instead of training "
        "(`joinedup models list`)",
    )


class HubSettings(_Strict):
    name: str = "JoinedUp hub"
    organisation: str = "Council"
    data_dir: str = ".joinedup"
    gazetteer: str | None = Field(default=None, description="the source that is the LLPG")
    as_of: str | None = Field(
        default=None, description="the date the hub treats as today (YYYY-MM-DD); today if unset"
    )


class RuleSettings(_Strict):
    enabled: bool = True
    parameters: dict[str, Any] = Field(default_factory=dict)


_ID = r"[a-z][a-z0-9_]*"


class AgreementParty(_Strict):
    """An organisation in a data sharing agreement, and the law it relies on."""

    organisation: str = Field(description="the organisation's id, as users are given it")
    lawful_basis: str = Field(description="UK GDPR Article 6 basis, e.g. 'Art 6(1)(e)'")
    special_category_condition: str | None = Field(
        default=None,
        description="Art 9 condition and DPA 2018 Schedule 1 paragraph, for special category",
    )

    @field_validator("organisation")
    @classmethod
    def _organisation_id(cls, value: str) -> str:
        if not re.fullmatch(_ID, value):
            raise ValueError(f"organisation {value!r} must be an id in lower_snake_case")
        return value


class AgreementShare(_Strict):
    """One source, and the canonical fields of it the agreement lets its parties see."""

    source: str
    fields: list[str] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _canonical(cls, value: list[str]) -> list[str]:
        unknown = [f for f in value if f not in CANONICAL_FIELDS]
        if unknown:
            raise ValueError(f"not canonical fields: {', '.join(unknown)}")
        return value


class AgreementConfig(_Strict):
    """A data sharing agreement: who shares what with whom, why, on what basis, until when."""

    title: str = ""
    purpose: str = Field(description="the one purpose the shared data may be used for")
    status: Literal["draft", "active", "suspended", "ended"] = "draft"
    start: date
    end: date | None = None
    review: date | None = None
    parties: list[AgreementParty] = Field(min_length=1)
    shares: list[AgreementShare] = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_in_order(self) -> AgreementConfig:
        if self.end is not None and self.end < self.start:
            raise ValueError("the end date is before the start date")
        organisations = [p.organisation for p in self.parties]
        if len(set(organisations)) != len(organisations):
            raise ValueError("an organisation is listed twice among the parties")
        return self


class HubConfig(_Strict):
    hub: HubSettings = Field(default_factory=HubSettings)
    sources: dict[str, SourceConfig]
    link: LinkConfig = Field(default_factory=LinkConfig)
    rules: dict[str, RuleSettings] = Field(default_factory=dict)
    agreements: dict[str, AgreementConfig] = Field(default_factory=dict)
    path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _names_and_gazetteer(self) -> HubConfig:
        for name, source in self.sources.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"source name {name!r} must be lower_snake_case")
            source.name = name
        if self.hub.gazetteer and self.hub.gazetteer not in self.sources:
            raise ValueError(f"hub.gazetteer names {self.hub.gazetteer!r}, which is not a source")
        trusted = [("link.source_trust", s) for s in self.link.source_trust] + [
            (f"link.field_trust.{field}", s)
            for field, order in self.link.field_trust.items()
            for s in order
        ]
        for where, source in trusted:
            if source not in self.sources:
                raise ValueError(f"{where} names {source!r}, which is not a source")
        for name, agreement in self.agreements.items():
            if not re.fullmatch(_ID, name):
                raise ValueError(f"agreement name {name!r} must be lower_snake_case")
            for share in agreement.shares:
                if share.source not in self.sources:
                    raise ValueError(
                        f"agreement {name!r} shares {share.source!r}, which is not a source"
                    )
        return self

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def source_path(self, source: SourceConfig) -> Path:
        path = Path(source.file)
        return path if path.is_absolute() else self.base_dir / path

    @property
    def data_dir(self) -> Path:
        path = Path(self.hub.data_dir)
        return path if path.is_absolute() else self.base_dir / path

    def person_sources(self) -> list[SourceConfig]:
        return [s for s in self.sources.values() if s.entity == "person"]


def _describe(error: dict[str, Any]) -> str:
    location = [str(part) for part in error["loc"]]
    where = ""
    if len(location) >= 2 and location[0] == "sources":
        where = f"source {location[1]!r}"
        rest = location[2:]
        if len(rest) >= 2 and rest[0] == "columns" and rest[1].isdigit():
            where += f", column mapping #{int(rest[1]) + 1}"
            rest = rest[2:]
        if rest:
            where += f", key {'.'.join(rest)!r}"
    elif location:
        where = f"key {'.'.join(location)!r}"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a known setting (check the spelling)"
    elif error["type"] == "missing":
        message = "is required but missing"
    return f"{where}: {message}" if where else message


def parse_config(data: Any, path: Path | None = None) -> HubConfig:
    """Validate a config mapping; raise ConfigError listing every problem found."""
    if not isinstance(data, dict):
        raise ConfigError("the config must be a YAML mapping with 'hub' and 'sources'")
    try:
        config = HubConfig.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  - {_describe(e)}" for e in exc.errors())
        origin = f" in {path}" if path else ""
        raise ConfigError(
            f"the config{origin} has {exc.error_count()} problem(s):\n{problems}"
        ) from None
    config.path = path.resolve() if path else None
    return config


def load_config(path: str | Path) -> HubConfig:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"no config file at {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    return parse_config(data, path)
