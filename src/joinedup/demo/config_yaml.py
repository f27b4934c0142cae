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
