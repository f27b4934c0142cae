"""Recording errors, applied to whole columns at once.

Each function takes the clean values a source would hold if its staff never slipped, and a
rate from `RecordingErrors`, and returns what the source actually holds. They never change
who a record is about: the truth files are written from the clean values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.vocab import TYPO_VARIANTS, Names

_INWARD = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)


def chance(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return rng.random(n) < rate if rate > 0 else np.zeros(n, dtype=bool)


def nicknames(codes: np.ndarray, names: Names, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Swap a formal first name for one of its nicknames (William -> Bill)."""
    count = names.nick_count[codes]
    use = chance(rng, len(codes), rate) & (count > 0)
    pick = names.nick_start[codes] + np.floor(rng.random(len(codes)) * count).astype(np.int64)
    return np.where(use, names.nick_codes[np.minimum(pick, len(names.nick_codes) - 1)], codes)


def with_typos(
    codes: np.ndarray, vocab: np.ndarray, typos: np.ndarray, rate: float, rng: np.random.Generator
) -> np.ndarray:
    """Names from codes, a share of them mistyped (a letter swapped, dropped or doubled)."""
    out = vocab[codes]
    hit = np.flatnonzero(chance(rng, len(codes), rate))
    if len(hit):
        out[hit] = typos[codes[hit], rng.integers(0, TYPO_VARIANTS, len(hit))]
    return out


def blank_where(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    return np.where(chance(rng, len(values), rate), "", values).astype(object)


def upper_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Upper-case the masked values (unique strings only, so it stays cheap)."""
    out = values.copy()
    idx = np.flatnonzero(mask)
    if len(idx):
        out[idx] = np.char.upper(values[idx].astype(str)).astype(object)
    return out


def extra_whitespace(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """A trailing space, a leading space or a doubled space after the first word."""
    out = values.copy()
    idx = np.flatnonzero(chance(rng, len(values), rate) & (values != ""))
    if len(idx) == 0:
        return out
    kind = rng.integers(0, 3, len(idx))
    text = values[idx].astype(str)
    doubled = np.char.replace(text, " ", "  ", count=1)
    out[idx] = np.where(
        kind == 0, np.char.add(text, " "), np.where(kind == 1, np.char.add(" ", text), doubled)
    ).astype(object)
    return out


def postcodes(
    values: np.ndarray, no_space: float, lower: float, wrong_letter: float, rng: np.random.Generator
) -> np.ndarray:
    """'JD1 2AB' as typed: 'JD12AB', 'jd1 2ab', or the last letter wrong ('JD1 2AD')."""
    n = len(values)
    out = values.copy()
    wrong = np.flatnonzero(chance(rng, n, wrong_letter) & (values != ""))
    if len(wrong):
        head = pd.Series(values[wrong], dtype=object).str[:-1].to_numpy(dtype=object)
        out[wrong] = head + _INWARD[rng.integers(0, len(_INWARD), len(wrong))]
    squash = np.flatnonzero(chance(rng, n, no_space))
    if len(squash):
        out[squash] = np.char.replace(out[squash].astype(str), " ", "").astype(object)
    low = np.flatnonzero(chance(rng, n, lower))
    if len(low):
        out[low] = np.char.lower(out[low].astype(str)).astype(object)
    return out


def transpose_day_month(dates: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Swap day and month (03/07 for 07/03) where both could be a month."""
    dates = dt.as_days(dates)
    y, m, d = dt.parts(dates)
    hit = chance(rng, len(dates), rate) & (d <= 12) & (d != m) & ~np.isnat(dates)
    swapped = dt.from_parts(y, d, m)
    return np.where(hit, swapped, dates)
