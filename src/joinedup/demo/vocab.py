"""Name and place vocabularies, loaded once and held as numpy arrays.

People carry integer codes into these arrays; strings are only made when a source file is
written, so the population of a large district stays cheap to build. Typos are precomputed
per vocabulary entry (a handful of variants each) so that a record's typo is one array
lookup rather than a Python call per record.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

import numpy as np
from faker.providers.person.en_GB import Provider as PersonProvider
from nicknames import with_names_csv_path

# A few names with letters beyond ASCII, so that encodings matter: cp1252 holds ë, á, é, ó,
# ü, but not Ł, ń or ř (a Windows export turns those into '?').
# fmt: off
_EXTRA_FEMALE = ["Zoë", "Chloë", "Siân", "Renée", "Anaïs", "Aoife", "Agnieszka", "Zofia"]
_EXTRA_MALE = ["Seán", "Łukasz", "José", "Józef", "Ciarán", "André", "Jérôme", "Piotr"]
_EXTRA_SURNAMES = [
    "Müller", "Brontë", "Núñez", "Wójcik", "Nowak", "Kowalski", "Ó Briain", "Zieliński",
    "Dvořák", "Łuczak", "O'Neill", "O'Brien", "Smith-Jones", "McDonald", "D'Souza",
]
_EXTRA_SHARE = 0.02  # share of people drawn from the extra lists

# UK street suffixes and the abbreviations revenues systems use for them (the Royal Mail
# PAF keeps full words; abbreviations are a recording habit, not an address standard).
STREET_SUFFIXES = [
    ("ROAD", "RD", 0.26), ("STREET", "ST", 0.12), ("LANE", "LN", 0.10),
    ("AVENUE", "AVE", 0.08), ("CLOSE", "CL", 0.10), ("DRIVE", "DR", 0.07),
    ("WAY", "WAY", 0.05), ("CRESCENT", "CRES", 0.05), ("GARDENS", "GDNS", 0.04),
    ("GROVE", "GR", 0.04), ("PLACE", "PL", 0.03), ("TERRACE", "TERR", 0.03),
    ("WALK", "WLK", 0.015), ("RISE", "RISE", 0.015),
]
STREET_WORDS = [
    "CHURCH", "MILL", "STATION", "PARK", "SCHOOL", "VICTORIA", "QUEENS", "KINGS", "MANOR",
    "ORCHARD", "MEADOW", "OAK", "ASH", "WILLOW", "BEECH", "ELM", "BIRCH", "CHESTNUT", "HAWTHORN",
    "ROWAN", "LARCH", "CEDAR", "HOLLY", "BRIDGE", "MARKET", "NEW", "OLD", "NORTH", "SOUTH",
    "WEST", "EAST", "GREEN", "HILL", "VALLEY", "BROOK", "RIVER", "FOREST", "PRIORY", "ABBEY",
    "CASTLE", "FARM", "GROVE", "FIELD", "MOOR", "HEATH", "CHAPEL", "WELL", "SPRING",
]
HOUSE_NAMES = [
    "ROSE COTTAGE", "THE OLD RECTORY", "HILLSIDE", "THE LAURELS", "MEADOW VIEW",
    "ORCHARD HOUSE", "FERN LEA", "IVY COTTAGE", "THE BEECHES", "WOODLANDS", "SUNNYSIDE",
    "THE OLD SCHOOL HOUSE", "BROOK HOUSE", "HONEYSUCKLE COTTAGE", "THE GRANGE", "HOLLY LODGE",
    "WILLOW BANK", "APPLE TREE COTTAGE", "THE STABLES", "THE BARN", "MILL HOUSE",
    "CHURCH FARM", "LAVENDER COTTAGE", "THE WHITE HOUSE", "STONE COTTAGE", "BRAMBLES",
    "HIGH TREES", "THE OLD FORGE", "KEEPERS COTTAGE", "WOODSIDE", "GREENACRES", "FAIRVIEW",
    "THE COACH HOUSE", "SPRING COTTAGE", "THE OLD POST OFFICE", "OAKLANDS", "ASHDENE",
    "TWIN OAKS", "RIVERSIDE", "PEAR TREE COTTAGE", "THE ELMS", "HAZELDENE", "POPLARS",
    "THE CROFT", "MOORSIDE", "LARKRISE", "THE HAVEN", "GLEBE HOUSE", "CHERRY TREES",
    "MAYFIELD", "THE PADDOCK", "WREN COTTAGE", "SWALLOWS", "OWL COTTAGE", "THE MALTINGS",
    "BEECH HOUSE", "YEW TREE COTTAGE", "FOXGLOVES", "BLUEBELL COTTAGE", "THE NOOK",
]
# fmt: on
BLOCK_SUFFIXES = ["COURT", "HOUSE", "LODGE", "MANSIONS", "POINT", "HEIGHTS"]
FLAT_WORD = "FLAT"


@dataclass(frozen=True)
class Names:
    """First names (both sexes and nicknames) and surnames as arrays with sampling weights."""

    first: np.ndarray  # object array of display names, formal then nicknames
    male: np.ndarray  # codes into `first` of formal male names
    male_p: np.ndarray
    female: np.ndarray
    female_p: np.ndarray
    nick_start: np.ndarray  # for each first-name code, slice into nick_codes
    nick_count: np.ndarray
    nick_codes: np.ndarray
    surnames: np.ndarray  # object array
    surname_p: np.ndarray
    first_typos: np.ndarray  # (len(first), TYPO_VARIANTS) object array
    surname_typos: np.ndarray


TYPO_VARIANTS = 4
# fmt: off
_KEYBOARD = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}
# fmt: on


def _typos(word: str, rng: np.random.Generator) -> list[str]:
    """A few plausible mis-keyings of one name: swap, drop, double, neighbour key."""
    out: list[str] = []
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 3:
        return [word] * TYPO_VARIANTS
    inner = letters[1:]  # keep the first letter: people rarely mistype it
    for kind in range(TYPO_VARIANTS):
        i = int(inner[int(rng.integers(0, len(inner)))])
        if kind == 0 and i + 1 < len(word) and word[i + 1].isalpha():
            variant = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == 1:
            variant = word[:i] + word[i + 1 :]
        elif kind == 2:
            variant = word[:i] + word[i] + word[i:]
        else:
            near = _KEYBOARD.get(word[i].lower(), "")
            if not near:
                variant = word[:i] + word[i + 1 :]
            else:
                ch = near[int(rng.integers(0, len(near)))]
                ch = ch.upper() if word[i].isupper() else ch
                variant = word[:i] + ch + word[i + 1 :]
        out.append(variant if variant != word else word[:i] + word[i + 1 :])
    return out


def _zipf(n: int, exponent: float = 0.7) -> np.ndarray:
    weights = 1.0 / np.power(np.arange(1, n + 1) + 5.0, exponent)
    return weights / weights.sum()


def _mix(base_p: np.ndarray, n_extra: int) -> np.ndarray:
    extra = np.full(n_extra, _EXTRA_SHARE / n_extra)
    return np.concatenate([base_p * (1 - _EXTRA_SHARE), extra])


@cache
def load_names() -> Names:
    """Faker's en_GB lists plus a few accented names, and nicknames from `nicknames`."""
    male = list(PersonProvider.first_names_male) + _EXTRA_MALE
    female = list(PersonProvider.first_names_female) + _EXTRA_FEMALE
    formal = male + female
    index = {name.lower(): i for i, name in enumerate(formal)}
    nick_map: dict[str, list[str]] = {}
    with with_names_csv_path() as path, path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["relationship"] == "has_nickname" and row["name1"] in index:
                nick = row["name2"]
                if len(nick) >= 3 and nick != row["name1"]:
                    nick_map.setdefault(row["name1"], []).append(nick.capitalize())
    extra_nicks = sorted({n for nicks in nick_map.values() for n in nicks} - set(formal))
    first = formal + extra_nicks
    code = {name: i for i, name in enumerate(first)}
    starts, counts, flat = [], [], []
    for name in formal:
        nicks = sorted(set(nick_map.get(name.lower(), [])))
        starts.append(len(flat))
        counts.append(len(nicks))
        flat.extend(code[n] for n in nicks)
    starts.extend([len(flat)] * len(extra_nicks))
    counts.extend([0] * len(extra_nicks))

    surnames = list(PersonProvider.last_names.keys()) + _EXTRA_SURNAMES
    base = np.array(list(PersonProvider.last_names.values()), dtype=float)
    surname_p = _mix(base / base.sum(), len(_EXTRA_SURNAMES))

    rng = np.random.default_rng(20260101)  # fixed: typo variants are part of the vocabulary
    first_typos = np.array([_typos(n, rng) for n in first], dtype=object)
    surname_typos = np.array([_typos(n, rng) for n in surnames], dtype=object)
    n_male = len(PersonProvider.first_names_male)
    n_female = len(PersonProvider.first_names_female)
    return Names(
        first=np.array(first, dtype=object),
        male=np.arange(len(male)),
        male_p=_mix(_zipf(n_male), len(_EXTRA_MALE)),
        female=np.arange(len(male), len(formal)),
        female_p=_mix(_zipf(n_female), len(_EXTRA_FEMALE)),
        nick_start=np.array(starts, dtype=np.int64),
        nick_count=np.array(counts, dtype=np.int64),
        nick_codes=np.array(flat, dtype=np.int64),
        surnames=np.array(surnames, dtype=object),
        surname_p=surname_p,
        first_typos=first_typos,
        surname_typos=surname_typos,
    )


@cache
def street_bases() -> np.ndarray:
    """Words streets are named after: Faker's en_GB surnames and first names (its own street
    names are a name plus a US-style suffix) and the usual English landmarks."""
    surnames = [s.upper() for s in list(PersonProvider.last_names.keys())[:300]]
    firsts = [s.upper() for s in PersonProvider.first_names_male[:40]]
    firsts += [s.upper() for s in PersonProvider.first_names_female[:40]]
    words = list(dict.fromkeys(STREET_WORDS + surnames + firsts))
    words = [w for w in words if "'" not in w]
    return np.array(words, dtype=object)
