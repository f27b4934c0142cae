"""People's names: one clean form so that the same person looks the same in every source.

The clean form is upper-case ASCII with titles removed, because council systems disagree
about case, accents and where the title goes, and linking should not be thrown by any of
that. Hyphens and apostrophes are kept: SMITH-JONES and O'BRIEN are different strings from
SMITHJONES and OBRIEN in most systems, and the comparison layer can still relax them.
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

from joinedup.standardise.base import (
    Standardised,
    add_reason,
    as_text,
    extract,
    fold_to_ascii,
    fold_value,
    fullmatch,
    map_unique,
    no_reasons,
    sub,
    to_object,
    true_where,
)

NameStyle = Literal["surname_comma_forenames", "forenames_surname"]

# Canonical title for each way councils write it. The strict ones are never names; the
# others (LORD, MAJOR, MASTER, ...) are also surnames or forenames, so a value made of only
# one of them is kept as a name.
_STRICT_TITLES: dict[str, str] = {
    "MR": "MR", "MISTER": "MR", "MRS": "MRS", "MISSUS": "MRS", "MS": "MS", "MISS": "MISS",
    "MX": "MX", "DR": "DR", "DOCTOR": "DR", "REV": "REV", "REVD": "REV", "REVEREND": "REV",
    "PROF": "PROF", "PROFESSOR": "PROF", "CLLR": "CLLR", "COUNCILLOR": "CLLR",
}  # fmt: skip
_OTHER_TITLES: dict[str, str] = {
    "SIR": "SIR", "DAME": "DAME", "LORD": "LORD", "LADY": "LADY", "MASTER": "MASTER",
    "MSTR": "MASTER", "FR": "FR", "FATHER": "FR", "CAPT": "CAPT", "CAPTAIN": "CAPT",
    "MAJ": "MAJ", "MAJOR": "MAJ", "COL": "COL", "COLONEL": "COL", "RABBI": "RABBI",
    "IMAM": "IMAM", "PASTOR": "PASTOR", "CANON": "CANON", "HON": "HON", "SISTER": "SISTER",
}  # fmt: skip
TITLES: dict[str, str] = {**_STRICT_TITLES, **_OTHER_TITLES}

# Surname particles that belong to the surname in 'forenames surname' order
# (Dr John van der Berg -> surname VAN DER BERG).
_PARTICLES = [
    "VAN", "VON", "DER", "DEN", "DE", "DA", "DI", "DU", "DOS", "DAS", "DEL", "DELLA", "DELA",
    "LA", "LE", "ST", "TER", "TEN", "BIN", "BINTI", "AL", "EL", "AP", "MAC", "MC",
]  # fmt: skip


def _alternation(words: list[str] | dict[str, str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_ANY_TITLE = _alternation(TITLES)
_STRICT = _alternation(_STRICT_TITLES)
# RE2 patterns (run by Arrow); each captures the title(s) as group 1, named t.
_LEADING_TITLES = rf"^(?P<t>(?:(?:THE )?(?:{_ANY_TITLE}) )+)"
_LEADING_STRICT = rf"^(?P<t>(?:(?:{_STRICT}) )+)"
_TRAILING_STRICT = rf" (?P<t>{_STRICT})$"


def _normalise(text: pd.Series, keep: str = "") -> pd.Series:
    """Fold, upper-case and reduce to letters, hyphen, apostrophe, space (and `keep`)."""
    text = fold_to_ascii(text).str.upper()
    text = sub(text, rf"[^A-Z'\- {keep}]+", " ")
    text = sub(text, r"\s*-\s*", "-")
    text = sub(sub(text, r"-{2,}", "-"), r"'{2,}", "'")
    # A hyphen or apostrophe is only kept inside a word.
    text = sub(text, r"(^|[ ,])['-]+", r"\1 ")
    text = sub(text, r"['-]+([ ,]|$)", r" \1")
    return sub(text, r"\s+", " ").str.strip()


def _empty_to_na(text: pd.Series) -> pd.Series:
    return text.mask(text == "")


def clean_name(s: pd.Series) -> Standardised:
    """A forename or surname: ZOË -> ZOE, 'Mr  John' -> JOHN, "o'brien" -> O'BRIEN."""
    text = as_text(s)
    present = text.notna()
    name = _normalise(text)
    name = sub(name, _LEADING_TITLES, "")
    only_title = fullmatch(name, _STRICT)
    name = _empty_to_na(name.mask(only_title))
    reasons = no_reasons(s.index)
    reasons = add_reason(reasons, only_title, "the name is only a title")
    reasons = add_reason(reasons, present & name.isna(), "no letters in the name")
    return Standardised(to_object(name), reasons)


def _title_of(value: str) -> str | None:
    words = re.sub(r"[^A-Z ]+", " ", fold_value(value).upper()).split()
    if words[:1] == ["THE"]:
        words = words[1:]
    if not words:
        return None
    joined = " ".join(words)
    if joined in TITLES:
        return TITLES[joined]
    if all(word in TITLES for word in words):
        return " ".join(TITLES[word] for word in words)
    return None


def clean_title(s: pd.Series) -> Standardised:
    """A title in canonical form: 'Mrs.' -> MRS, 'Doctor' -> DR, 'The Revd' -> REV."""
    text = as_text(s)
    titles = map_unique(text, _title_of)
    reasons = add_reason(
        no_reasons(s.index), text.notna() & titles.isna(), "not a recognised title"
    )
    return Standardised(titles.where(titles.notna(), None), reasons)


def split_full_name(s: pd.Series, style: NameStyle) -> Standardised:
    """Split a whole name into title, first name, middle names and surname.

    `values` is a DataFrame with columns title, first_name, middle_names, surname (each
    cleaned as `clean_name` / `clean_title` clean them); `reasons` is a Series.
    Styles: 'SMITH, Mrs Jane Ann' (surname_comma_forenames) and 'Mrs Jane A Smith'
    (forenames_surname; surname particles such as VAN DER stay with the surname).
    """
    if style not in ("surname_comma_forenames", "forenames_surname"):
        raise ValueError(f"unknown name style {style!r}")
    text = as_text(s)
    present = text.notna()
    reasons = no_reasons(s.index)
    name = _normalise(text, keep=",")
    if style == "surname_comma_forenames":
        has_comma = true_where(name.str.contains(",", regex=False))
        parts = extract(name, r"^(?P<sur>[^,]*)(?:,(?P<fore>.*))?$")
        surname_part = parts["sur"].str.strip()
        forenames = parts["fore"].fillna("").str.replace(",", " ", regex=False).str.strip()
        # No comma: a single word is a surname on its own; more words are ambiguous.
        single_word = ~true_where(name.str.contains(" ", regex=False))
        many_words = present & ~has_comma & ~single_word
        reasons = add_reason(reasons, many_words, "no comma between surname and forenames")
        # A title may sit before the surname ('Mrs SMITH, Jane') or after the forenames
        # ('SMITH, Jane (Mrs)').
        title_before = extract(surname_part, _LEADING_STRICT)["t"]
        surname_part = sub(surname_part, _LEADING_STRICT, "")
        title_lead = extract(forenames, rf"{_LEADING_TITLES}\S")["t"]
        forenames = sub(forenames, rf"{_LEADING_TITLES}(\S)", r"\2")
        title_after = extract(forenames, _TRAILING_STRICT)["t"]
        forenames = sub(forenames, _TRAILING_STRICT, "")
        only_title = fullmatch(forenames, _STRICT)
        title_lead = title_lead.where(~only_title, forenames)
        forenames = forenames.mask(only_title, "")
        title_text = title_before.fillna(title_lead).fillna(title_after)
        surname = surname_part
    else:
        name = sub(name.str.replace(",", " ", regex=False), r"\s+", " ")
        title_text = extract(name, rf"{_LEADING_TITLES}\S")["t"]
        name = sub(name, rf"{_LEADING_TITLES}(\S)", r"\2")
        particles = _alternation(_PARTICLES)
        split = extract(name, rf"^(?P<fore>\S+(?: \S+)*?) (?P<sur>(?:(?:{particles}) )*\S+)$")
        surname = split["sur"].fillna(name)
        forenames = split["fore"]
        only_title = fullmatch(surname, _STRICT) & forenames.isna()
        title_text = title_text.where(~only_title, surname)
        surname = surname.mask(only_title)
    words = extract(forenames.str.strip(), r"^(?P<first>\S+)(?: (?P<middle>.+))?$")
    first = _empty_to_na(words["first"].str.strip())
    middle = _empty_to_na(words["middle"].str.strip())
    surname = _empty_to_na(surname.str.strip())
    title = clean_title(title_text.str.strip()).values
    frame = pd.DataFrame(
        {
            "title": title,
            "first_name": to_object(first),
            "middle_names": to_object(middle),
            "surname": to_object(surname),
        },
        index=s.index,
    )
    nothing = frame[["first_name", "middle_names", "surname"]].isna().all(axis=1)
    reasons = add_reason(reasons, present & nothing & frame["title"].notna(),
                         "the name is only a title")  # fmt: skip
    reasons = add_reason(reasons, present & nothing, "no letters in the name")
    reasons = add_reason(reasons, present & frame["surname"].isna(), "no surname")
    # As everywhere: a value with a reason is not used, so no part of it is returned.
    frame.loc[reasons.notna().to_numpy(), :] = None
    return Standardised(frame, reasons)
