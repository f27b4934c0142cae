"""How names and addresses are written out: title case, address lines, one-line addresses.

Each property's address parts are made once (title-cased from the gazetteer's capitals) and
records pick them by property number, so a million records cost array lookups, not string
work per record.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from joinedup.demo.identifiers import map_unique
from joinedup.demo.places import Places


def title_case(values: np.ndarray) -> np.ndarray:
    """'CHURCH LANE' -> 'Church Lane' (capwords keeps "O'Neill"-style apostrophes sane)."""
    return map_unique(values, string.capwords)


def join_nonempty(columns: list[np.ndarray], sep: str = ", ") -> np.ndarray:
    """Join parts that are not blank, row by row."""
    out = columns[0].copy()
    for col in columns[1:]:
        both = (out != "") & (col != "")
        out = np.where(both, out + sep + col, np.where(out == "", col, out))
    return out.astype(object)


def pack_left(matrix: np.ndarray) -> np.ndarray:
    """Move the non-blank cells of each row to the left, keeping their order."""
    order = np.argsort(matrix == "", axis=1, kind="stable")
    return np.take_along_axis(matrix, order, axis=1)


@dataclass
class AddressParts:
    """Per-property address parts in title case, indexed by property number."""

    places: Places

    @cached_property
    def _props(self) -> pd.DataFrame:
        return self.places.props

    @cached_property
    def sao(self) -> np.ndarray:
        return title_case(self._props["sao"].to_numpy(dtype=object))

    @cached_property
    def pao(self) -> np.ndarray:
        return title_case(self._props["pao"].to_numpy(dtype=object))

    @cached_property
    def pao_is_name(self) -> np.ndarray:
        return self._props["pao_is_name"].to_numpy()

    @cached_property
    def street(self) -> np.ndarray:
        names = title_case(self.places.streets["name"].to_numpy(dtype=object))
        return names[self._props["street"].to_numpy()]

    @cached_property
    def street_abbr(self) -> np.ndarray:
        names = title_case(self.places.streets["abbr"].to_numpy(dtype=object))
        return names[self._props["street"].to_numpy()]

    @cached_property
    def locality(self) -> np.ndarray:
        names = title_case(self.places.streets["locality"].to_numpy(dtype=object))
        return names[self._props["street"].to_numpy()]

    @cached_property
    def town(self) -> np.ndarray:
        names = title_case(self.places.streets["town"].to_numpy(dtype=object))
        return names[self._props["street"].to_numpy()]

    @cached_property
    def postcode(self) -> np.ndarray:
        return self._props["postcode"].to_numpy(dtype=object)

    @cached_property
    def flat_number(self) -> np.ndarray:
        return self._props["flat_no"].to_numpy().astype("U4").astype(object)

    @cached_property
    def is_flat(self) -> np.ndarray:
        return self._props["flat_no"].to_numpy() > 0

    def lines(
        self, prop: np.ndarray, abbreviate: np.ndarray, with_locality: np.ndarray
    ) -> np.ndarray:
        """Address lines as a (n, 5) array, left-packed, town in the last used line."""
        street = np.where(abbreviate, self.street_abbr[prop], self.street[prop])
        named = self.pao_is_name[prop]
        pao = self.pao[prop]
        matrix = np.stack(
            [
                self.sao[prop],
                np.where(named, pao, ""),
                np.where(named, street, pao + " " + street),
                np.where(with_locality, self.locality[prop], ""),
                self.town[prop],
            ],
            axis=1,
        ).astype(object)
        return pack_left(matrix)

    def one_line(
        self,
        prop: np.ndarray,
        abbreviate: np.ndarray,
        with_locality: np.ndarray,
        flat_style: np.ndarray | None = None,
    ) -> np.ndarray:
        """One comma-separated string, as a revenues system holds an address.

        flat_style 1 writes a flat in a named block as '2 Willow Court', and 2 writes a flat
        in a converted house as 'Flat 2 12 High St' (no comma), both common in practice.
        """
        lines = self.lines(prop, abbreviate, with_locality)
        text = join_nonempty([lines[:, i] for i in range(5)])
        if flat_style is None:
            return text
        flat = self.is_flat[prop]
        named = self.pao_is_name[prop]
        street = np.where(abbreviate, self.street_abbr[prop], self.street[prop])
        rest = join_nonempty(
            [street, np.where(with_locality, self.locality[prop], ""), self.town[prop]]
        )
        number_in_block = self.flat_number[prop] + " " + self.pao[prop] + ", " + rest
        no_comma = self.sao[prop] + " " + self.pao[prop] + " " + rest
        text = np.where(flat & named & (flat_style == 1), number_in_block, text)
        text = np.where(flat & ~named & (flat_style == 2), no_comma, text)
        return text.astype(object)
