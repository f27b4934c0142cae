"""Forename variants (Bill/William, Liz/Elizabeth) from the curated `nicknames` dataset.

Nicknames are many-to-many (Bill is short for William, Willis and Robert), so a name is
represented by the set of names it may stand for; two names agree when the sets meet.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd


@lru_cache(maxsize=1)
def _namer():  # type: ignore[no-untyped-def]
    from nicknames import NickNamer

    return NickNamer()


def name_variants(name: str) -> list[str]:
    """The name itself, the full names it may shorten, and for a full name its own stem."""
    namer = _namer()
    lowered = name.lower()
    return sorted({lowered, *namer.canonicals_of(lowered)})


def forename_variant_lists(first_names: pd.Series) -> pd.Series:
    """Variant lists per row, computed once per distinct name (a few thousand at most)."""
    distinct = first_names.dropna().unique()
    lookup = {n: name_variants(n) for n in distinct}
    return first_names.map(lookup).astype("object")
