"""Names and identifiers as a source writes them down, shared by the person sources."""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.demo import errors
from joinedup.demo.rates import RecordingErrors
from joinedup.demo.vocab import load_names
from joinedup.demo.world import World


def surname_codes(
    world: World,
    person: np.ndarray,
    recorded_on: np.ndarray | np.datetime64,
    rate: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Current surname, or the previous one where the record predates a marriage and the
    source was never told (at `rate`)."""
    p = world.pop.people
    sur = p["sur"].to_numpy()[person]
    prev = p["prev_sur"].to_numpy()[person]
    married_on = p["married_on"].to_numpy()[person]
    before = ~np.isnat(married_on) & (married_on > recorded_on)
    stale = before & (prev >= 0) & errors.chance(rng, len(person), rate)
    return np.where(stale, prev, sur)


def names(
    world: World,
    person: np.ndarray,
    sur_codes: np.ndarray,
    rules: RecordingErrors,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First name, middle names and surname strings with nicknames and typos applied."""
    vocab = load_names()
    p = world.pop.people
    first_codes = errors.nicknames(p["first"].to_numpy()[person], vocab, rules.nickname, rng)
    first = errors.with_typos(first_codes, vocab.first, vocab.first_typos, rules.name_typo / 2, rng)
    surname = errors.with_typos(
        sur_codes, vocab.surnames, vocab.surname_typos, rules.name_typo / 2, rng
    )
    mid1 = p["mid1"].to_numpy()[person]
    mid2 = p["mid2"].to_numpy()[person]
    m1 = np.where(mid1 >= 0, vocab.first[np.maximum(mid1, 0)], "")
    m2 = np.where(mid2 >= 0, vocab.first[np.maximum(mid2, 0)], "")
    middle = np.where(m2 != "", m1 + " " + m2, m1).astype(object)
    return first.astype(object), middle, surname.astype(object)


def swap(
    a: np.ndarray, b: np.ndarray, rate: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """First name and surname entered the wrong way round."""
    hit = errors.chance(rng, len(a), rate)
    return np.where(hit, b, a).astype(object), np.where(hit, a, b).astype(object)


def nhs_display(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """NHS numbers as people write them: '999 123 4567' or '9991234567'."""
    text = values.astype(str)
    spaced = np.char.add(
        np.char.add(np.char.add(np.char.add(_slice(text, 0, 3), " "), _slice(text, 3, 6)), " "),
        _slice(text, 6, 10),
    )
    use = (rng.random(len(values)) < 0.5) & (values != "")
    return np.where(use, spaced, text).astype(object)


def _slice(text: np.ndarray, lo: int, hi: int) -> np.ndarray:
    width = np.dtype(text.dtype).itemsize // 4 or 1
    fixed = text.astype(f"U{max(width, hi)}")
    chars = fixed.view("U1").reshape(len(fixed), -1)[:, lo:hi]
    return np.ascontiguousarray(chars).view(f"U{hi - lo}").ravel()


def address_and_postcode(
    world: World,
    prop: np.ndarray,
    rules: RecordingErrors,
    rng: np.random.Generator,
    locality_share: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A property's one-line address (with the locality in `locality_share` of rows) and
    postcode, as the source records them, with its abbreviations and slips."""
    n = len(prop)
    address = world.addresses.one_line(
        prop, errors.chance(rng, n, rules.street_abbreviated), rng.random(n) < locality_share
    )
    address = errors.address_slips(address, world.addresses.is_flat[prop], rules, rng)
    postcode = errors.postcodes(
        world.places.props["postcode"].to_numpy(dtype=object)[prop], rules, rng
    )
    return address, postcode


def person_fields(
    world: World,
    person: np.ndarray,
    prop: np.ndarray,
    rules: RecordingErrors,
    rng: np.random.Generator,
    date_style: str = "dmy",
) -> dict[str, np.ndarray]:
    """The name, date of birth and address columns most person sources carry, recorded with
    the source's own error rates: first name, middle names, surname, dob, address, postcode."""
    from joinedup.demo import dates as dt

    p = world.pop.people
    n = len(person)
    first, middle, surname = names(world, person, p["sur"].to_numpy()[person], rules, rng)
    first, surname = swap(first, surname, rules.names_swapped, rng)
    caps = errors.chance(rng, n, rules.all_caps)
    dob = errors.transpose_day_month(p["dob"].to_numpy()[person], rules.dob_transposed, rng)
    address, postcode = address_and_postcode(world, prop, rules, rng, locality_share=0.6)
    return {
        "first": errors.upper_where(first, caps),
        "middle": middle,
        "surname": errors.upper_where(surname, caps),
        "dob": errors.blank_where(
            dt.fmt(dob, date_style), rules.missing.get("Date of Birth", 0), rng
        ),
        "address": errors.extra_whitespace(address, rules.extra_whitespace, rng),
        # a child stream: blanking postcodes leaves the source's later draws as they were
        "postcode": errors.blank_where(postcode, rules.missing.get("Postcode", 0), rng.spawn(1)[0]),
    }


def record_ids(source: str, keys: np.ndarray) -> np.ndarray:
    """The hub's record id for each row key: '<source>:<record_key>'."""
    return (source + ":" + keys.astype(str).astype(object)).astype(object)


def truth_rows(source: str, keys: np.ndarray, kind: np.ndarray) -> pd.DataFrame:
    """A rule's truth file: record id and kind of each row whose kind is set ('' = neither a
    case nor a look-alike)."""
    keep = kind != ""
    return pd.DataFrame(
        {"record_id": record_ids(source, keys[keep]), "kind": kind[keep].astype(object)}
    )
