"""Synthetic identifiers that pass the real format checks but point at nobody real.

NHS numbers come from the 999 range, which is reserved for test data and never issued to a
patient; email addresses use the RFC 2606 example domains. National Insurance numbers and
mobile numbers have no reserved range big enough, so they are only format-valid.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import numpy as np

# NHS number check digit (NHS Data Dictionary, "NHS Number"): weights 10..2 on the first nine
# digits, check = 11 - (sum mod 11); 11 -> 0, and 10 means the number is never issued.
_NHS_WEIGHTS = np.arange(10, 1, -1)
# 999 000 0000 - 999 999 9999 is reserved for test and demo data (never a real patient).
_NHS_TEST_PREFIX = 999_000_000

# HMRC National Insurance Manual NIM39110: D, F, I, Q, U, V never in the prefix, O never
# second, and BG, GB, KN, NK, NT, TN, ZZ never used; the suffix is A, B, C or D.
_NINO_FIRST = [c for c in "ABCEGHJKLMNOPRSTWXYZ"]
_NINO_SECOND = [c for c in "ABCEGHJKLMNPRSTWXYZ"]
_NINO_BANNED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
NINO_PREFIXES = np.array(
    [a + b for a in _NINO_FIRST for b in _NINO_SECOND if a + b not in _NINO_BANNED], dtype=object
)

EMAIL_DOMAINS = np.array(["example.com", "example.org", "example.net"], dtype=object)


def nhs_check_digit(first_nine: np.ndarray) -> np.ndarray:
    """Check digit for each 9-digit integer; 10 marks a base that cannot be issued."""
    digits = (first_nine[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = 11 - (digits @ _NHS_WEIGHTS) % 11
    return np.where(check == 11, 0, check)


def nhs_numbers(n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` distinct valid NHS numbers as 10-character strings, from the test range first."""
    bases = _NHS_TEST_PREFIX + rng.permutation(1_000_000)
    check = nhs_check_digit(bases)
    bases, check = bases[check != 10], check[check != 10]
    if len(bases) < n:  # more people than the test range holds: spill into 400-499 million
        extra = 400_000_000 + rng.choice(100_000_000, size=2 * (n - len(bases)), replace=False)
        extra_check = nhs_check_digit(extra)
        keep = extra_check != 10
        bases = np.concatenate([bases, extra[keep]])
        check = np.concatenate([check, extra_check[keep]])
    numbers = bases[:n] * 10 + check[:n]
    return numbers.astype("U10").astype(object)


def ni_numbers(n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` distinct format-valid National Insurance numbers like 'AB123456C'."""
    space = len(NINO_PREFIXES) * 1_000_000
    picks = rng.choice(space, size=n, replace=False)
    prefix = NINO_PREFIXES[picks // 1_000_000]
    digits = (picks % 1_000_000).astype("U6")
    digits = np.char.zfill(digits, 6).astype(object)
    suffix = np.array(list("ABCD"), dtype=object)[rng.integers(0, 4, n)]
    return prefix + digits + suffix


def mobile_numbers(n: int, rng: np.random.Generator) -> np.ndarray:
    """UK mobile numbers as 11 digits starting 07 (format-valid only)."""
    second = np.array(["4", "5", "7", "8", "9"], dtype=object)[rng.integers(0, 5, n)]
    rest = np.char.zfill(rng.integers(0, 10**8, n).astype("U8"), 8).astype(object)
    return "07" + second + rest


def emails(first: np.ndarray, surname: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Addresses built from a person's names at an example domain, in a few common shapes."""
    n = len(first)
    f = map_unique(first, _plain)
    s = map_unique(surname, _plain)
    initial = map_unique(f, lambda x: x[:1])
    number = rng.integers(1, 99, n).astype("U2").astype(object)
    shape = rng.integers(0, 4, n)
    local = np.where(
        shape == 0,
        f + "." + s,
        np.where(shape == 1, initial + s, np.where(shape == 2, f + s + number, s + "." + f)),
    )
    return local + "@" + EMAIL_DOMAINS[rng.integers(0, len(EMAIL_DOMAINS), n)]


def map_unique(values: np.ndarray, func: Callable[[str], str]) -> np.ndarray:
    """Apply a string function once per distinct value: names repeat, so this stays cheap."""
    if len(values) == 0:
        return np.array([], dtype=object)
    unique, inverse = np.unique(values.astype(str), return_inverse=True)
    return np.array([func(u) for u in unique], dtype=object)[inverse]


def _plain(name: str) -> str:
    """Lower-case ASCII letters only, for the local part of an email address."""
    folded = unicodedata.normalize("NFKD", name.lower().replace("ł", "l"))
    return "".join(ch for ch in folded if "a" <= ch <= "z") or "x"


def increasing_ids(n: int, start: int, rng: np.random.Generator, max_gap: int = 4) -> np.ndarray:
    """Distinct ascending integers with small random gaps, as systems allocate them."""
    return start + np.cumsum(rng.integers(1, max_gap + 1, n))
