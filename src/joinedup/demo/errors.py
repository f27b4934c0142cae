"""Recording errors, applied to whole columns at once.

Each function takes the clean values a source would hold if its staff never slipped, and a
rate from `RecordingErrors`, and returns what the source actually holds. They never change
who a record is about: the truth files are written from the clean values.
"""

from __future__ import annotations

import re
import string

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.rates import RecordingErrors
from joinedup.demo.vocab import HOUSE_NAMES, TYPO_VARIANTS, Names

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


def postcodes(values: np.ndarray, rules: RecordingErrors, rng: np.random.Generator) -> np.ndarray:
    """'JD1 2AB' as typed: 'JD12AB', 'jd1 2ab', the last letter wrong ('JD1 2AD'), or the
    inward letters swapped ('JD1 2BA'; drawn from a child of `rng`, so adding it changed
    no other draw)."""
    n = len(values)
    out = values.copy()
    wrong = np.flatnonzero(chance(rng, n, rules.postcode_wrong_letter) & (values != ""))
    if len(wrong):
        head = pd.Series(values[wrong], dtype=object).str[:-1].to_numpy(dtype=object)
        out[wrong] = head + _INWARD[rng.integers(0, len(_INWARD), len(wrong))]
    swap = np.flatnonzero(chance(rng.spawn(1)[0], n, rules.postcode_transposed) & (values != ""))
    if len(swap):
        text = pd.Series(out[swap], dtype=object)
        out[swap] = (text.str[:-2] + text.str[-1] + text.str[-2]).to_numpy(dtype=object)
    squash = np.flatnonzero(chance(rng, n, rules.postcode_no_space))
    if len(squash):
        out[squash] = np.char.replace(out[squash].astype(str), " ", "").astype(object)
    low = np.flatnonzero(chance(rng, n, rules.postcode_lowercase))
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


# street types as the demo writes them, full and abbreviated (vocab.STREET_SUFFIXES)
_STREET_TYPE_RE = (
    r"(?i) (Road|Street|Lane|Avenue|Close|Drive|Crescent|Gardens|Grove|Place|Terrace|Walk|"
    r"Rd|St|Ln|Ave|Cl|Dr|Cres|Gdns|Gr|Pl|Terr|Wlk)(?=,|$)"
)


def address_slips(
    values: np.ndarray, is_flat: np.ndarray, rules: RecordingErrors, rng: np.random.Generator
) -> np.ndarray:
    """One-line addresses as staff type them: a house name added before a house's number
    ('Rose Cottage, 12 Church Lane'), a flat written another way ('Apartment 2', 'Flat2',
    '2/12 High St'), a street type left off ('12 Church, Millbridge'), a letter slipped
    in a word. `is_flat`: the address is a flat's (never given a house name).

    Draws from a child of `rng`, so the source's other columns stay as they were.
    """
    rng = rng.spawn(1)[0]
    s = pd.Series(values, dtype=object).astype(str)
    n = len(s)
    numbered = s.str.match(r"\d").to_numpy() & ~is_flat
    # which flat, lost: '12 High St' or 'Flat, 12 High St' for Flat 2 (the record can then
    # only be placed in the building, and the hub must flag it, not guess)
    hit = np.flatnonzero(chance(rng, n, rules.flat_number_dropped) & is_flat)
    if len(hit):
        keep_word = rng.random(len(hit)) < 0.5
        one = s.iloc[hit]
        one[keep_word] = one[keep_word].str.replace(r"(?i)^Flat \d+,? ", "Flat, ", regex=True)
        one[~keep_word] = one[~keep_word].str.replace(r"(?i)^Flat \d+,? ", "", regex=True)
        s.iloc[hit] = one
    # the house number mistyped: digits swapped (12 -> 21) or the next door on that side
    # (the text is then another real address: no matcher can tell, so it counts as wrong)
    hit = np.flatnonzero(chance(rng, n, rules.house_number_slip) & numbered)
    if len(hit):
        s.iloc[hit] = [_number_slip(text, rng) for text in s.iloc[hit]]
    hit = np.flatnonzero(chance(rng, n, rules.house_name_added) & numbered)
    if len(hit):
        names = np.array([string.capwords(h) for h in HOUSE_NAMES], dtype=object)
        s.iloc[hit] = names[rng.integers(0, len(names), len(hit))] + ", " + s.iloc[hit]
    flat = s.str.match(r"(?i)Flat \d").to_numpy()
    hit = np.flatnonzero(chance(rng, n, rules.flat_reworded) & flat)
    if len(hit):
        style = rng.integers(0, 4, len(hit))
        one = s.iloc[hit]
        in_house = one.str.match(r"(?i)Flat \d+[A-Z]?,? \d").to_numpy()
        forms = [r"Apartment \1", r"Apt \1", r"Flat\1", r"\1/"]
        for k, form in enumerate(forms):
            pick = style == k
            if k == 3:  # '2/12 High St': only for a flat in a numbered house
                pick &= in_house
                pattern = r"(?i)^Flat (\d+[A-Z]?),? "
            else:
                pattern = r"(?i)^Flat (\d+[A-Z]?)"
            one[pick] = one[pick].str.replace(pattern, form, regex=True)
        s.iloc[hit] = one
    hit = np.flatnonzero(chance(rng, n, rules.street_type_dropped))
    if len(hit):
        s.iloc[hit] = s.iloc[hit].str.replace(_STREET_TYPE_RE, "", n=1, regex=True)
    hit = np.flatnonzero(chance(rng, n, rules.address_typo))
    if len(hit):
        s.iloc[hit] = [_slip(text, rng) for text in s.iloc[hit]]
    return s.to_numpy(dtype=object)


def _number_slip(text: str, rng: np.random.Generator) -> str:
    match = re.match(r"\d+", text)
    assert match is not None
    number = match.group()
    if len(number) >= 2 and number[0] != number[1] and rng.random() < 0.5:
        wrong = number[1] + number[0] + number[2:]
    else:
        wrong = str(int(number) + 2)
    return wrong + text[match.end() :]


def _slip(text: str, rng: np.random.Generator) -> str:
    """A letter dropped, doubled or swapped with the next, in one word of 5+ letters."""
    words = list(re.finditer(r"[A-Za-z]{5,}", text))
    if not words:
        return text
    word = words[int(rng.integers(0, len(words)))]
    w = word.group()
    i = int(rng.integers(1, len(w) - 1))  # never the first letter: it is rarely wrong
    kind = int(rng.integers(0, 3))
    if kind == 0:
        w = w[:i] + w[i + 1 :]
    elif kind == 1:
        w = w[:i] + w[i] + w[i:]
    else:
        w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    return text[: word.start()] + w + text[word.end() :]
