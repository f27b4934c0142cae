"""The local land and property gazetteer (LLPG) extract: clean, one row per property.

It is the reference that every other source's addresses are matched against, so it carries
no recording errors; its quality is the custodian's job, not this demo's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo.sources.base import SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.world import World

NAME = "gazetteer"
FILE = "gazetteer.csv"


def build(world: World, out_dir: Path) -> SourceOutput:
    props = world.places.props
    streets = world.places.streets
    street = props["street"].to_numpy()
    uprn = props["uprn"].to_numpy().astype(str).astype(object)
    parent = props["parent_uprn"].to_numpy()
    frame = pd.DataFrame(
        {
            "UPRN": uprn,
            "PARENT_UPRN": np.where(parent > 0, parent.astype(str), "").astype(object),
            "SAO_TEXT": props["sao"].to_numpy(dtype=object),
            "PAO_TEXT": props["pao"].to_numpy(dtype=object),
            "STREET_DESCRIPTOR": streets["name"].to_numpy(dtype=object)[street],
            "LOCALITY": streets["locality"].to_numpy(dtype=object)[street],
            "TOWN_NAME": streets["town"].to_numpy(dtype=object)[street],
            "POSTCODE_LOCATOR": props["postcode"].to_numpy(dtype=object),
            "CLASSIFICATION_CODE": props["cls"].to_numpy(dtype=object),
            "LOGICAL_STATUS": props["status"].to_numpy(dtype=object),
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": uprn, "person": -1, "prop": np.arange(len(props))})
    return SourceOutput(NAME, path, len(frame), records, config=_config(world))


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "Extract of the local land and property gazetteer (BS 7666): every addressable "
            "property in the district with its UPRN, parent shell and classification."
        ),
        entity="place",
        owner="Head of Planning and Building Control",
        steward="LLPG Custodian",
        system="Local land and property gazetteer",
        classification="OFFICIAL",
        # Street naming and numbering powers (GeoPlace, "Street naming and numbering:
        # existing legislation"): Towns Improvement Clauses Act 1847 ss.64-65, Public Health
        # Act 1925 ss.17-19.
        lawful_basis=(
            "UK GDPR Art 6(1)(e) public task; the council's street naming and numbering "
            "powers (Towns Improvement Clauses Act 1847 ss.64-65; Public Health Act 1925 "
            "ss.17-19). Holds no personal data."
        ),
        retention="Permanent: retired addresses are kept as historical (logical status 8)",
        refresh="Daily",
        file=FILE,
        key="uprn",
        columns=[
            col("UPRN", "uprn", checks=["not_null", "unique", "valid"], required=True),
            col("PARENT_UPRN", "parent_uprn", checks=["valid"]),
            col("SAO_TEXT", "sao_text"),
            col("PAO_TEXT", "pao_text", checks=["not_null"]),
            col("STREET_DESCRIPTOR", "street", checks=["not_null"]),
            col("LOCALITY", "locality"),
            col("TOWN_NAME", "town", checks=["not_null"]),
            col("POSTCODE_LOCATOR", "postcode", checks=["not_null", "valid"]),
            col("CLASSIFICATION_CODE", "property_class", checks=["not_null"]),
            col("LOGICAL_STATUS", "logical_status", type="string"),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
