"""The demo council's joinedup.yaml: the hub settings plus each source's own block."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from joinedup.demo.sources.base import SourceOutput

COUNCIL = "Demo District Council"
GAZETTEER = "gazetteer"


def config_dict(outputs: list[SourceOutput], as_of: date) -> dict[str, Any]:
    return {
        "hub": {
            "name": COUNCIL,
            "organisation": COUNCIL,
            "data_dir": ".joinedup",
            "gazetteer": GAZETTEER,
            "as_of": as_of.isoformat(),
        },
        "sources": {out.name: out.config for out in outputs},
        "link": _link(outputs),
    }


# Which source's value a golden record keeps when sources disagree on a field the
# `trusted` rule decides (date of birth, NHS and NI numbers, date of death): first the
# registrar's record of a death, then records whose identity was checked against another
# body (payroll: HMRC and right-to-work checks; housing benefit: the DWP's records; adult
# social care: NHS numbers traced in the NHS's demographic service; blue badges and taxi
# licences: proof of identity), then the registers people fill in themselves.
TRUST = [
    "deaths",
    "payroll",
    "housing_benefit",
    "adult_social_care",
    "blue_badges",
    "taxi_licences",
    "electoral_register",
    "council_tax",
]
FIELD_TRUST = {
    "nhs_number": ["adult_social_care"],
    "ni_number": ["payroll", "housing_benefit"],
}


def _link(outputs: list[SourceOutput]) -> dict[str, Any]:
    present = {out.name for out in outputs}
    return {
        "source_trust": [s for s in TRUST if s in present],
        "field_trust": {
            field: [s for s in order if s in present] for field, order in FIELD_TRUST.items()
        },
    }


class _Dumper(yaml.SafeDumper):
    """Short lists of words (checks, true_values) on one line, as people write them."""


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(x, str) for x in data) and sum(len(x) for x in data) < 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _list)


def write_config(path: Path, outputs: list[SourceOutput], as_of: date) -> None:
    header = (
        "# JoinedUp config for the synthetic Demo District Council (`joinedup demo-data`).\n"
        "# Every person, address and number in these files is made up.\n"
    )
    body = yaml.dump(
        config_dict(outputs, as_of), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    path.write_text(header + body, encoding="utf-8")
