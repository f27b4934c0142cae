"""The fictional district's gazetteer: streets, houses, blocks of flats, shops and postcodes.

Properties follow BS 7666 as an LLPG holds them: a secondary addressable object (SAO, the
flat) inside a primary one (PAO, the house number or building name), a street, a locality
and a post town. A block of flats is a parent shell (class PP) whose flats are child UPRNs;
shops (class CR) are addressable but nobody lives in them. Postcodes are in the area 'JD',
which is format-valid but not a real postcode area, and group 15-25 properties each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from joinedup.demo.identifiers import increasing_ids
from joinedup.demo.vocab import (
    BLOCK_SUFFIXES,
    HOUSE_NAMES,
    STREET_SUFFIXES,
    STREET_WORDS,
    street_bases,
)


@dataclass(frozen=True)
class Area:
    town: str
    locality: str
    share: float
    rural: bool
    polling_prefix: str


AREAS = [
    Area("MILLBRIDGE", "", 0.47, False, "MA"),
    Area("ASHCOMBE", "", 0.22, False, "AS"),
    Area("KINGSFORD", "", 0.17, False, "KF"),
    Area("MILLBRIDGE", "NETHER STOWBURY", 0.05, True, "NS"),
    Area("ASHCOMBE", "LITTLE BROOKHAM", 0.05, True, "LB"),
    Area("KINGSFORD", "WESTHOLME", 0.04, True, "WH"),
]
POSTCODE_AREA = "JD"
# Inward code letters exclude C, I, K, M, O and V (Royal Mail's inward-code rules).
_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)
_UNITS_PER_DISTRICT = 9 * len(_INWARD_LETTERS) ** 2  # sectors 1-9
_DISTRICT_FILL = 0.4
UPRN_START = 100_090_000_000

# Slot kinds: one numbered house, a named house, a house converted to flats, a named block
# of flats, a shop.
HOUSE, NAMED_HOUSE, CONVERTED, BLOCK, SHOP = range(5)
_SLOT_P = {
    "urban": [0.885, 0.015, 0.04, 0.015, 0.045],
    "high_street": [0.40, 0.0, 0.12, 0.03, 0.45],
    "rural": [0.46, 0.47, 0.03, 0.0, 0.04],
}
_STYLE_P = {"urban": [0.40, 0.35, 0.25], "rural": [0.15, 0.25, 0.60]}  # terraced, semi, det.
_STYLE_CLASS = np.array(["RD04", "RD03", "RD02"], dtype=object)
BANDS = np.array(list("ABCDEFGH"), dtype=object)
_BAND_P = {  # council tax band by property class
    "RD06": [0.35, 0.40, 0.22, 0.03, 0, 0, 0, 0],
    "RD04": [0.25, 0.45, 0.25, 0.05, 0, 0, 0, 0],
    "RD03": [0, 0.20, 0.45, 0.30, 0.05, 0, 0, 0],
    "RD02": [0, 0, 0.10, 0.30, 0.30, 0.20, 0.08, 0.02],
}
_QUALIFIERS = [("", 1.0), ("UPPER ", 0.04), ("LOWER ", 0.04), ("LITTLE ", 0.03), ("NEW ", 0.03)]


@dataclass
class Places:
    """Properties (one row each, in gazetteer order) and the streets they are on."""

    props: pd.DataFrame
    streets: pd.DataFrame

    @property
    def dwellings(self) -> np.ndarray:
        return np.flatnonzero(self.props["dwelling"].to_numpy())


def build_places(target_dwellings: int, rng: np.random.Generator) -> Places:
    """Streets and properties enough for `target_dwellings` homes."""
    streets, slots = _streets_and_slots(target_dwellings, rng)
    props = _expand_slots(streets, slots, rng)
    props["uprn"] = increasing_ids(len(props), UPRN_START, rng)
    parent = props["parent"].to_numpy()
    props["parent_uprn"] = np.where(parent >= 0, props["uprn"].to_numpy()[np.maximum(parent, 0)], 0)
    props["postcode"] = _postcodes(streets, props, rng)
    props["band"] = _bands(props["cls"].to_numpy(), rng)
    return Places(props=props, streets=streets)


def _streets_and_slots(target: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    shares = np.array([a.share for a in AREAS])
    n_streets = max(int(target / 25) + 12, 2 * len(AREAS))
    area = rng.choice(len(AREAS), size=n_streets, p=shares / shares.sum())
    area[: len(AREAS)] = np.arange(len(AREAS))  # every area has at least one street
    rural = np.array([a.rural for a in AREAS])[area]
    n_slots = np.where(rural, rng.integers(4, 31, n_streets), rng.integers(6, 61, n_streets))
    # Each urban area's first street is its high street: shops and flats over them.
    first_of_area = np.zeros(n_streets, dtype=bool)
    first_of_area[np.unique(area, return_index=True)[1]] = True
    high = first_of_area & ~rural

    street_of_slot = np.repeat(np.arange(n_streets), n_slots)
    profile = np.where(rural, 2, np.where(high, 1, 0))[street_of_slot]
    kind = np.empty(len(street_of_slot), dtype=np.int8)
    u = rng.random(len(street_of_slot))
    for code, name in enumerate(["urban", "high_street", "rural"]):
        cdf = np.cumsum(_SLOT_P[name])
        mask = profile == code
        kind[mask] = np.minimum(np.searchsorted(cdf, u[mask], side="right"), 4)
    n_flats = np.where(
        kind == CONVERTED,
        rng.integers(2, 5, len(kind)),
        np.where(kind == BLOCK, rng.integers(6, 21, len(kind)), 0),
    )
    homes = np.where(kind == SHOP, 0, np.where(n_flats > 0, n_flats, 1))
    cum = np.cumsum(homes)
    if cum[-1] < target:
        raise RuntimeError("street generator made too few homes; raise the street estimate")
    last_slot = int(np.searchsorted(cum, target))
    keep_streets = street_of_slot[last_slot] + 1
    keep = street_of_slot < keep_streets
    keep[last_slot + 1 :] = False

    streets = pd.DataFrame(
        {"area": area[:keep_streets], "rural": rural[:keep_streets], "high": high[:keep_streets]}
    )
    streets["style"] = _street_styles(streets["rural"].to_numpy(), rng)
    streets["name"], streets["abbr"] = _street_names(streets, rng)
    # Gazetteer order: by area, then street name (UPRNs were allocated street by street).
    order = np.lexsort((streets["name"].to_numpy().astype(str), streets["area"].to_numpy()))
    new_id = np.empty(len(order), dtype=np.int64)
    new_id[order] = np.arange(len(order))
    streets = streets.iloc[order].reset_index(drop=True)
    streets["town"] = np.array([a.town for a in AREAS], dtype=object)[streets["area"]]
    streets["locality"] = np.array([a.locality for a in AREAS], dtype=object)[streets["area"]]
    streets["polling"] = _polling_districts(streets)

    slots = pd.DataFrame(
        {"street": new_id[street_of_slot[keep]], "kind": kind[keep], "n_flats": n_flats[keep]}
    )
    slots = slots.sort_values("street", kind="stable").reset_index(drop=True)
    return streets, slots


def _street_styles(rural: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(len(rural))
    urban = np.searchsorted(np.cumsum(_STYLE_P["urban"]), u, side="right")
    country = np.searchsorted(np.cumsum(_STYLE_P["rural"]), u, side="right")
    return np.minimum(np.where(rural, country, urban), 2)


def _street_names(streets: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Distinct names within each town, like 'CHURCH LANE'; also the abbreviated form."""
    bases = street_bases()
    suffix = np.array([s for s, _, _ in STREET_SUFFIXES], dtype=object)
    suffix_abbr = np.array([a for _, a, _ in STREET_SUFFIXES], dtype=object)
    suffix_w = np.array([w for _, _, w in STREET_SUFFIXES])
    qual = np.array([q for q, _ in _QUALIFIERS], dtype=object)
    qual_w = np.array([w for _, w in _QUALIFIERS])
    n_b, n_s = len(bases), len(suffix)
    weights = (
        qual_w[:, None, None] * np.ones(n_b)[None, :, None] * suffix_w[None, None, :]
    ).ravel()
    weights /= weights.sum()
    name = np.empty(len(streets), dtype=object)
    abbr = np.empty(len(streets), dtype=object)
    town = np.array([AREAS[a].town for a in streets["area"]], dtype=object)
    for t in sorted(set(town)):  # a handful of towns, not a loop over data
        idx = np.flatnonzero(town == t)
        if len(idx) > len(weights):
            raise ValueError("too many streets for the street-name vocabulary")
        combo = rng.choice(len(weights), size=len(idx), replace=False, p=weights)
        q, rest = np.divmod(combo, n_b * n_s)
        b, s = np.divmod(rest, n_s)
        name[idx] = qual[q] + bases[b] + " " + suffix[s]
        abbr[idx] = qual[q] + bases[b] + " " + suffix_abbr[s]
    high = streets["high"].to_numpy()
    name[high], abbr[high] = "HIGH STREET", "HIGH ST"
    # A high street's name may have been drawn for another street of the town: rename that one.
    dup = pd.Series(name).groupby(town).transform(lambda s: s.duplicated(keep=False)).to_numpy()
    clash = dup & ~high
    name[clash] = "HIGH STREET NORTH"
    abbr[clash] = "HIGH ST NORTH"
    return name, abbr


def _polling_districts(streets: pd.DataFrame) -> np.ndarray:
    """Polling district codes like 'MA3': each area's streets in runs of about 40."""
    area = streets["area"].to_numpy()
    rank = streets.groupby("area").cumcount().to_numpy()
    prefix = np.array([a.polling_prefix for a in AREAS], dtype=object)[area]
    return prefix + (rank // 40 + 1).astype("U3").astype(object)


def _expand_slots(
    streets: pd.DataFrame, slots: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """One property per house or shop; a parent shell plus its flats per block."""
    kind = slots["kind"].to_numpy()
    street = slots["street"].to_numpy()
    n_flats = slots["n_flats"].to_numpy()
    numbered = (kind == HOUSE) | (kind == CONVERTED) | (kind == SHOP)
    number = pd.Series(numbered.astype(int)).groupby(street).cumsum().to_numpy()
    named_rank = pd.Series((kind == NAMED_HOUSE).astype(int)).groupby(street).cumsum().to_numpy()
    offset = rng.integers(0, len(HOUSE_NAMES), len(streets))[street]
    house_names = np.array(HOUSE_NAMES, dtype=object)
    block_rank = pd.Series((kind == BLOCK).astype(int)).groupby(street).cumsum().to_numpy()
    bases = street_bases()
    block_base = bases[rng.integers(0, len(STREET_WORDS), len(slots))]  # OAK, WILLOW, ...
    block_suffix = np.array(BLOCK_SUFFIXES, dtype=object)[
        (block_rank + street) % len(BLOCK_SUFFIXES)
    ]
    pao = np.where(
        numbered,
        number.astype("U4").astype(object),
        np.where(
            kind == NAMED_HOUSE,
            house_names[(offset + named_rank) % len(house_names)],
            block_base + " " + block_suffix,
        ),
    )
    style_class = _STYLE_CLASS[streets["style"].to_numpy()[street]]
    slot_class = np.where(
        kind == SHOP,
        "CR",
        np.where(n_flats > 0, "PP", np.where(kind == NAMED_HOUSE, "RD02", style_class)),
    )

    per_slot = 1 + n_flats
    slot_of = np.repeat(np.arange(len(slots)), per_slot)
    first_prop = np.cumsum(per_slot) - per_slot
    flat_no = np.arange(len(slot_of)) - first_prop[slot_of]
    is_flat = flat_no > 0
    props = pd.DataFrame(
        {
            "slot": slot_of,
            "street": street[slot_of],
            "slot_kind": kind[slot_of],
            "flat_no": flat_no,
            "parent": np.where(is_flat, first_prop[slot_of], -1),
            "sao": np.where(is_flat, "FLAT " + flat_no.astype("U3").astype(object), ""),
            "pao": pao[slot_of],
            "pao_is_name": ~numbered[slot_of],
            "cls": np.where(is_flat, "RD06", slot_class[slot_of]),
        }
    )
    props["dwelling"] = props["cls"].str.startswith("RD").to_numpy()
    props["status"] = "1"  # BS 7666 logical status 1: approved
    return props


def _postcodes(streets: pd.DataFrame, props: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Postcode units of 15-25 properties along each street, area by area."""
    street = props["street"].to_numpy()
    slot = props["slot"].to_numpy()
    size = rng.integers(15, 26, len(streets))
    before = pd.Series(np.ones(len(props), dtype=int)).groupby(street).cumcount().to_numpy()
    slot_first = pd.Series(before).groupby(slot).transform("min").to_numpy()
    unit_local = slot_first // size[street]
    unit = pd.factorize(street.astype(np.int64) * 10_000 + unit_local)[0]
    n_units = unit.max() + 1
    unit_street = np.zeros(n_units, dtype=np.int64)
    unit_street[unit] = street
    unit_area = streets["area"].to_numpy()[unit_street]
    codes = np.empty(n_units, dtype=object)
    next_district = 1
    for a in range(len(AREAS)):  # a few areas
        idx = np.flatnonzero(unit_area == a)
        if len(idx) == 0:
            continue
        n_districts = int(np.ceil(len(idx) / (_UNITS_PER_DISTRICT * _DISTRICT_FILL)))
        pick = np.sort(rng.choice(n_districts * _UNITS_PER_DISTRICT, size=len(idx), replace=False))
        district, within = np.divmod(pick, _UNITS_PER_DISTRICT)
        sector, letters = np.divmod(within, len(_INWARD_LETTERS) ** 2)
        first, second = np.divmod(letters, len(_INWARD_LETTERS))
        codes[idx] = (
            POSTCODE_AREA
            + (district + next_district).astype("U3").astype(object)
            + " "
            + (sector + 1).astype("U1").astype(object)
            + _INWARD_LETTERS[first]
            + _INWARD_LETTERS[second]
        )
        next_district += n_districts
    return codes[unit]


def _bands(cls: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(len(cls))
    band = np.full(len(cls), "", dtype=object)
    for code, p in _BAND_P.items():
        mask = cls == code
        band[mask] = BANDS[np.minimum(np.searchsorted(np.cumsum(p), u[mask], side="right"), 7)]
    return band
