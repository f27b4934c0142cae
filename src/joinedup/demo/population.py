"""The people of the district, their households and what happened to them in five years.

Everything here is true of the world, not of any source: who lives where on `as_of`, who
moved (within the district or away), who died, who married and took a surname. Sources
later record this truth imperfectly. Households are built type by type with numpy so that a
district of half a million people takes seconds, and every person-level column is an array.

Linkage traps are planted on purpose: twins (same surname, address and date of birth), a
father and an adult son with the same name at one address, married women whose older records
carry their previous surname, and people whose old address lingers in a source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.identifiers import emails, mobile_numbers, nhs_numbers, ni_numbers
from joinedup.demo.places import Places
from joinedup.demo.rates import WorldRates
from joinedup.demo.vocab import load_names

# Household types and their shares of households (close to the ONS household mix).
(
    SINGLE_YOUNG,
    SINGLE_OLDER,
    COUPLE,
    COUPLE_KIDS,
    LONE_PARENT,
    COUPLE_ADULT_KID,
    SHARERS,
    LONE_PARENT_ADULT_KID,
    MULTI_GEN,
) = range(9)
HH_SHARES = np.array([0.11, 0.17, 0.26, 0.19, 0.09, 0.07, 0.05, 0.03, 0.03])
_RECENT_MOVE_P = np.array([0.70, 0.15, 0.35, 0.30, 0.40, 0.12, 0.85, 0.15, 0.20])
MEAN_HH_SIZE = 2.3

HEAD, PARTNER, CHILD, ADULT_CHILD, SHARER, ELDER = range(6)
RESIDENT, DIED, MOVED_AWAY = range(3)
HH_CURRENT, HH_LEFT, HH_DIED = range(3)
MALE, FEMALE = 0, 1


@dataclass
class Population:
    """People, households and address history; row index = person / household number."""

    people: pd.DataFrame
    households: pd.DataFrame
    residences: pd.DataFrame  # person, prop, start, end (NaT while current)
    as_of: np.datetime64
    window_start: np.datetime64  # moves and marriages
    deaths_start: np.datetime64  # deaths.csv

    def adult_residents(self) -> np.ndarray:
        """Alive people living in the district on as_of and aged 18 or over."""
        p = self.people
        return (p["status"].to_numpy() == RESIDENT) & (p["age"].to_numpy() >= 18)


class _Chunks:
    """Collects person rows built type by type, then stacks them once."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, hh: np.ndarray, role: int, sex: np.ndarray, age: np.ndarray) -> None:
        self.parts.append(
            {"hh": hh, "role": np.full(len(hh), role, dtype=np.int8), "sex": sex, "age_y": age}
        )

    def frame(self) -> pd.DataFrame:
        cols = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        return pd.DataFrame(cols)


def build_population(
    places: Places, target_people: int, as_of: date, rates: WorldRates, rng: np.random.Generator
) -> Population:
    today = dt.day(as_of)
    window = today - dt.years(rates.recent_window_years)
    deaths_start = today - dt.years(rates.deaths_window_years)
    n_hh = max(int(round(target_people / MEAN_HH_SIZE)), 10)
    dwellings = places.dwellings
    if n_hh > len(dwellings):
        raise ValueError("more households than dwellings; lower people_per_dwelling")

    hh = pd.DataFrame({"type": rng.choice(len(HH_SHARES), size=n_hh, p=HH_SHARES)})
    members = _members(hh["type"].to_numpy(), rng)
    hh["surname"] = _surnames(n_hh, rng)
    hh["prop"] = _assign_dwellings(members, hh, places, rng)
    hh["status"] = HH_CURRENT
    hh["prev_prop"] = -1
    hh["prev_start"] = dt.NAT
    hh["left_on"] = dt.NAT
    hh["split_from"] = -1  # decoy 'moved out': this household's head left household X
    hh["split_on"] = dt.NAT
    hh["dead_lead"] = False  # a partner who died was the council tax payer

    people = members
    _teenagers_of_lone_parents(people, hh, rates, rng)
    people["dob"] = (
        today - dt.years(people["age_y"].to_numpy()) - dt.days(rng.integers(0, 365, len(people)))
    )
    people["dod"] = dt.NAT
    people["status"] = RESIDENT
    people["sur"] = _member_surnames(people, hh, rates, rng)
    head_idx = _heads(people, n_hh)
    hh["head"] = head_idx
    hh["move_in"] = _move_in_dates(hh, people, today, window, rng)

    _plant_splits(hh, people, today, window, rates, rng)
    _pair_local_moves(hh, people, window, rates, rng)
    people = _add_deaths_in_households(hh, people, today, deaths_start, rates, rng)
    hh, people = _add_previous_occupants(hh, people, window, rates, rng)
    _marriages(hh, people, today, window, rates, rng)
    _names_and_identifiers(hh, people, today, rates, rng)
    _twins_and_juniors(hh, people, rates, rng)

    people["age"] = dt.age_on(people["dob"].to_numpy(), today)
    status_hh = hh["status"].to_numpy()[people["hh"].to_numpy()]
    people.loc[status_hh != HH_CURRENT, "status"] = np.where(
        np.isnat(people.loc[status_hh != HH_CURRENT, "dod"].to_numpy()), MOVED_AWAY, DIED
    )
    people["cur_prop"] = np.where(
        people["status"].to_numpy() == RESIDENT, hh["prop"].to_numpy()[people["hh"].to_numpy()], -1
    )
    people["last_prop"] = hh["prop"].to_numpy()[people["hh"].to_numpy()]
    residences = _residences(hh, people)
    return Population(people, hh, residences, today, window, deaths_start)


# --- households and their members -------------------------------------------------------


def _members(types: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Members of every household: role, sex and age in years on as_of."""
    chunks = _Chunks()

    def pick(t: int) -> np.ndarray:
        return np.flatnonzero(types == t)

    def sex(n: int, p_female: float) -> np.ndarray:
        return (rng.random(n) < p_female).astype(np.int8)

    def partner(idx: np.ndarray, head_age: np.ndarray, head_sex: np.ndarray) -> None:
        age = np.clip(head_age + rng.normal(-2, 3, len(idx)), 18, 99)
        chunks.add(idx, PARTNER, (1 - head_sex).astype(np.int8), age)

    def children(
        idx: np.ndarray, parent_age: np.ndarray, counts: list[float], lo=0.0, hi=18.0
    ) -> None:
        n = rng.choice(len(counts), size=len(idx), p=counts) + 1
        rep = np.repeat(idx, n)
        top = np.minimum(hi, np.repeat(parent_age, n) - 17)
        age = lo + rng.random(len(rep)) * np.maximum(top - lo, 0.1)
        role = ADULT_CHILD if lo >= 18 else CHILD
        chunks.add(rep, role, sex(len(rep), 0.5), age)

    idx = pick(SINGLE_YOUNG)
    chunks.add(idx, HEAD, sex(len(idx), 0.45), rng.uniform(18, 45, len(idx)))
    idx = pick(SINGLE_OLDER)
    chunks.add(idx, HEAD, sex(len(idx), 0.6), 45 + 53 * rng.beta(1.4, 1.5, len(idx)))
    for t, lo, hi in [
        (COUPLE, 20, 88),
        (COUPLE_KIDS, 24, 56),
        (COUPLE_ADULT_KID, 42, 70),
        (MULTI_GEN, 35, 60),
    ]:
        idx = pick(t)
        age = rng.uniform(lo, hi, len(idx))
        head_sex = sex(len(idx), 0.05)
        chunks.add(idx, HEAD, head_sex, age)
        partner(idx, age, head_sex)
        if t == COUPLE_KIDS:
            children(idx, np.minimum(age, age - 2), [0.42, 0.42, 0.16])
        elif t == COUPLE_ADULT_KID:
            children(idx, age, [0.75, 0.25], lo=18, hi=32)
            younger = idx[rng.random(len(idx)) < 0.3]
            chunks.add(younger, CHILD, sex(len(younger), 0.5), rng.uniform(10, 18, len(younger)))
        elif t == MULTI_GEN:
            elder_age = np.clip(np.maximum(age + 22, 70) + rng.uniform(0, 10, len(idx)), 70, 100)
            chunks.add(idx, ELDER, sex(len(idx), 0.65), elder_age)
    idx = pick(LONE_PARENT)
    age = rng.uniform(20, 56, len(idx))
    chunks.add(idx, HEAD, sex(len(idx), 0.85), age)
    children(idx, age, [0.5, 0.35, 0.15])
    idx = pick(SHARERS)
    n = rng.choice(3, size=len(idx), p=[0.5, 0.35, 0.15]) + 2
    chunks.add(idx, HEAD, sex(len(idx), 0.5), rng.uniform(19, 40, len(idx)))
    rep = np.repeat(idx, n - 1)
    chunks.add(rep, SHARER, sex(len(rep), 0.5), rng.uniform(19, 40, len(rep)))
    idx = pick(LONE_PARENT_ADULT_KID)
    age = rng.uniform(40, 75, len(idx))
    chunks.add(idx, HEAD, sex(len(idx), 0.75), age)
    children(idx, age, [1.0], lo=18, hi=35)

    frame = chunks.frame()
    order = np.lexsort((frame["role"].to_numpy(), frame["hh"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def _teenagers_of_lone_parents(
    people: pd.DataFrame, hh: pd.DataFrame, rates: WorldRates, rng
) -> None:
    """Some lone parents' eldest child is 16 or 17: the attainer beside a single adult."""
    role = people["role"].to_numpy()
    hh_of = people["hh"].to_numpy()
    age = people["age_y"].to_numpy().copy()
    child = np.flatnonzero(role == CHILD)
    eldest = child[pd.Series(child).groupby(hh_of[child]).cumcount().to_numpy() == 0]
    is_head = role == HEAD
    head_age = np.zeros(len(hh))
    head_age[hh_of[is_head]] = age[is_head]
    pick = (
        (hh["type"].to_numpy()[hh_of[eldest]] == LONE_PARENT)
        & (head_age[hh_of[eldest]] >= 34)
        & (rng.random(len(eldest)) < rates.lone_parent_teen_share)
    )
    age[eldest[pick]] = rng.uniform(16, 18, int(pick.sum()))
    people["age_y"] = age


def _heads(people: pd.DataFrame, n_hh: int) -> np.ndarray:
    head = np.full(n_hh, -1, dtype=np.int64)
    is_head = people["role"].to_numpy() == HEAD
    head[people["hh"].to_numpy()[is_head]] = np.flatnonzero(is_head)
    return head


def _surnames(n: int, rng: np.random.Generator) -> np.ndarray:
    names = load_names()
    return rng.choice(len(names.surnames), size=n, p=names.surname_p)


def _member_surnames(
    people: pd.DataFrame, hh: pd.DataFrame, rates: WorldRates, rng: np.random.Generator
) -> np.ndarray:
    """The household surname for heads and most family; sharers and some partners differ."""
    n = len(people)
    family = hh["surname"].to_numpy()[people["hh"].to_numpy()]
    own = _surnames(n, rng)
    role = people["role"].to_numpy()
    hh_type = hh["type"].to_numpy()[people["hh"].to_numpy()]
    u = rng.random(n)
    keep_family = (
        (role == HEAD)
        | ((role == PARTNER) & (u < rates.partner_takes_surname))
        | (((role == CHILD) | (role == ADULT_CHILD)) & ((hh_type != LONE_PARENT) | (u < 0.8)))
        | ((role == ELDER) & (u < 0.5))
    )
    return np.where(keep_family, family, own)


def _assign_dwellings(
    members: pd.DataFrame, hh: pd.DataFrame, places: Places, rng: np.random.Generator
) -> np.ndarray:
    """Smaller households in flats and small houses, larger ones in bigger houses."""
    size = np.bincount(members["hh"].to_numpy(), minlength=len(hh))
    dwellings = places.dwellings
    chosen = np.sort(rng.choice(dwellings, size=len(hh), replace=False))
    cls = places.props["cls"].to_numpy()[chosen]
    rank = np.select([cls == "RD06", cls == "RD04", cls == "RD03"], [0, 1, 2], 3)
    d_order = np.argsort(rank + rng.normal(0, 1.2, len(chosen)), kind="stable")
    h_order = np.argsort(size + rng.normal(0, 1.0, len(hh)), kind="stable")
    prop = np.empty(len(hh), dtype=np.int64)
    prop[h_order] = chosen[d_order]
    return prop


def _move_in_dates(
    hh: pd.DataFrame,
    people: pd.DataFrame,
    today: np.datetime64,
    window: np.datetime64,
    rng: np.random.Generator,
) -> np.ndarray:
    head_dob = people["dob"].to_numpy()[hh["head"].to_numpy()]
    earliest = np.maximum(dt.add_years(head_dob, 18), today - dt.years(45))
    recent = (rng.random(len(hh)) < _RECENT_MOVE_P[hh["type"].to_numpy()]) | (earliest >= window)
    recent_date = dt.uniform_between(np.maximum(earliest, window), today - dt.days(1), rng)
    older_date = dt.uniform_between(earliest, window - dt.days(1), rng)
    return np.where(recent, recent_date, older_date)


# --- events ------------------------------------------------------------------------------


def _single_adult_households(hh: pd.DataFrame, people: pd.DataFrame, min_age: float) -> np.ndarray:
    types = hh["type"].to_numpy()
    head_age = people["age_y"].to_numpy()[hh["head"].to_numpy()]
    return np.flatnonzero(
        np.isin(types, [SINGLE_YOUNG, SINGLE_OLDER]) & (head_age >= min_age) & (head_age <= 70)
    )


def _plant_splits(
    hh: pd.DataFrame,
    people: pd.DataFrame,
    today: np.datetime64,
    window: np.datetime64,
    rates: WorldRates,
    rng: np.random.Generator,
) -> None:
    """Decoy 'moved out': a couple separated; one stays on alone at X (and claims SPD),
    the other now lives alone at Y. X's old council tax account still names the one who left."""
    pool = _single_adult_households(hh, people, 30)
    expected_spd = np.isin(hh["type"].to_numpy(), [SINGLE_YOUNG, SINGLE_OLDER, LONE_PARENT]).sum()
    k = min(int(round(rates.decoy_moved_out_planted_share * expected_spd)), len(pool) // 2)
    if k == 0:
        return
    chosen = rng.choice(pool, size=2 * k, replace=False)
    x, y = chosen[:k], chosen[k:]
    split = dt.uniform_between(window + dt.days(365), today - dt.days(60), rng, n=k)
    head_dob = people["dob"].to_numpy()[hh["head"].to_numpy()]
    together = split - dt.years(rng.uniform(1, 10, k))
    together = np.maximum(together, dt.add_years(np.maximum(head_dob[x], head_dob[y]), 18))
    hh.loc[x, "move_in"] = together
    hh.loc[x, "split_on"] = split
    hh.loc[y, "move_in"] = split
    hh.loc[y, "split_from"] = x
    hh.loc[y, "split_on"] = split
    hh.loc[y, "prev_prop"] = hh["prop"].to_numpy()[x]
    hh.loc[y, "prev_start"] = together


def _pair_local_moves(
    hh: pd.DataFrame,
    people: pd.DataFrame,
    window: np.datetime64,
    rates: WorldRates,
    rng: np.random.Generator,
) -> None:
    """Moves within the district: household A left home p, and B (who came from outside)
    moved into p later. Pairing in date order guarantees A left before B arrived."""
    special = (hh["split_from"].to_numpy() >= 0) | ~np.isnat(hh["split_on"].to_numpy())
    recent = np.flatnonzero((hh["move_in"].to_numpy() >= window) & ~special)
    order = recent[np.argsort(hh["move_in"].to_numpy()[recent], kind="stable")]
    m = min(int(round(rates.in_district_move_share * len(order))), len(order) // 2)
    if m == 0:
        return
    pos = np.sort(rng.choice(len(order), size=2 * m, replace=False))
    a, b = order[pos[0::2]], order[pos[1::2]]
    t_a = hh["move_in"].to_numpy()[a]
    head_dob = people["dob"].to_numpy()[hh["head"].to_numpy()[a]]
    start = t_a - dt.years(rng.uniform(1, 12, m))
    start = np.maximum(start, dt.add_years(head_dob, 18))
    start = np.minimum(start, t_a - dt.days(30))
    hh.loc[a, "prev_prop"] = hh["prop"].to_numpy()[b]
    hh.loc[a, "prev_start"] = start


def _add_deaths_in_households(
    hh, people, today, deaths_start, rates: WorldRates, rng
) -> pd.DataFrame:
    """Partners who died (the survivor lives on alone) and older relatives in bigger homes."""
    types = hh["type"].to_numpy()
    move_in = hh["move_in"].to_numpy()
    special = (hh["split_from"].to_numpy() >= 0) | ~np.isnat(hh["split_on"].to_numpy())
    share = np.select(
        [
            types == SINGLE_OLDER,
            types == SINGLE_YOUNG,
            np.isin(types, [COUPLE_ADULT_KID, MULTI_GEN, LONE_PARENT_ADULT_KID]),
        ],
        [
            rates.widowed_share_single_older,
            rates.widowed_share_single_young,
            rates.dead_member_share_multi_adult,
        ],
        0.0,
    )
    earliest = np.maximum(move_in + dt.days(30), deaths_start)
    latest = today - dt.days(14)
    chosen = np.flatnonzero((rng.random(len(hh)) < share) & ~special & (earliest < latest))
    n = len(chosen)
    dod = dt.uniform_between(earliest[chosen], latest, rng)
    widow = np.isin(types[chosen], [SINGLE_OLDER, SINGLE_YOUNG])
    head = hh["head"].to_numpy()[chosen]
    head_dob = people["dob"].to_numpy()[head]
    head_sex = people["sex"].to_numpy()[head]
    elder_age_at_death = rng.uniform(72, 99, n)
    dob = np.where(
        widow,
        head_dob + dt.years(rng.normal(-2, 3, n)),
        dod - dt.years(elder_age_at_death),
    )
    sex = np.where(widow, 1 - head_sex, (rng.random(n) < 0.6).astype(np.int8)).astype(np.int8)
    family = hh["surname"].to_numpy()[chosen]
    sur = np.where(rng.random(n) < (np.where(widow, 0.8, 0.5)), family, _surnames(n, rng))
    dead = pd.DataFrame(
        {
            "hh": chosen,
            "role": np.where(widow, PARTNER, ELDER).astype(np.int8),
            "sex": sex,
            "age_y": 0.0,
            "dob": dob,
            "dod": dod,
            "status": DIED,
            "sur": sur,
        }
    )
    hh.loc[chosen[widow], "dead_lead"] = rng.random(int(widow.sum())) < 0.5
    return pd.concat([people, dead], ignore_index=True)


def _add_previous_occupants(
    hh: pd.DataFrame,
    people: pd.DataFrame,
    window: np.datetime64,
    rates: WorldRates,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who lived in a recently-taken dwelling before: people who moved away, or died."""
    move_in = hh["move_in"].to_numpy()
    took_over = np.zeros(len(hh), dtype=bool)  # dwelling whose previous occupant is known
    a = np.flatnonzero((hh["prev_prop"].to_numpy() >= 0) & (hh["split_from"].to_numpy() < 0))
    prop_to_hh = pd.Series(np.arange(len(hh)), index=hh["prop"].to_numpy())
    took_over[prop_to_hh.loc[hh["prev_prop"].to_numpy()[a]].to_numpy()] = True
    targets = np.flatnonzero((move_in >= window) & ~took_over)
    u = rng.random(len(targets))
    targets = targets[u >= rates.previous_occupant_none]
    u = u[u >= rates.previous_occupant_none]
    died = u < rates.previous_occupant_none + rates.previous_occupant_died
    n = len(targets)
    t = move_in[targets]
    end = np.where(died, t - dt.days(rng.integers(30, 300, n)), t - dt.days(rng.integers(1, 90, n)))
    age_at_end = np.where(died, rng.uniform(68, 99, n), rng.uniform(20, 80, n))
    dob = end - dt.years(age_at_end) - dt.days(rng.integers(0, 365, n))
    start = np.maximum(end - dt.years(rng.uniform(1, 25, n)), dt.add_years(dob, 20))
    start = np.minimum(start, end - dt.days(60))
    couple = ~died & (rng.random(n) < 0.45)

    first_new = len(hh)
    new_hh = pd.DataFrame(
        {
            "type": np.where(couple, COUPLE, SINGLE_OLDER),
            "surname": _surnames(n, rng),
            "prop": hh["prop"].to_numpy()[targets],
            "status": np.where(died, HH_DIED, HH_LEFT),
            "prev_prop": -1,
            "prev_start": dt.NAT,
            "left_on": end,
            "split_from": -1,
            "split_on": dt.NAT,
            "dead_lead": False,
            "head": -1,
            "move_in": start,
        }
    )
    hh_ids = first_new + np.arange(n)
    head_sex = (rng.random(n) < np.where(couple, 0.05, 0.55)).astype(np.int8)
    heads = pd.DataFrame(
        {
            "hh": hh_ids,
            "role": np.int8(HEAD),
            "sex": head_sex,
            "age_y": 0.0,
            "dob": dob,
            "dod": np.where(died, end, dt.NAT),
            "status": np.where(died, DIED, MOVED_AWAY),
            "sur": new_hh["surname"].to_numpy(),
        }
    )
    c = np.flatnonzero(couple)
    partners = pd.DataFrame(
        {
            "hh": hh_ids[c],
            "role": np.int8(PARTNER),
            "sex": (1 - head_sex[c]).astype(np.int8),
            "age_y": 0.0,
            "dob": dob[c] + dt.years(rng.normal(2, 3, len(c))),
            "dod": dt.NAT,
            "status": MOVED_AWAY,
            "sur": np.where(
                rng.random(len(c)) < rates.partner_takes_surname,
                new_hh["surname"].to_numpy()[c],
                _surnames(len(c), rng),
            ),
        }
    )
    base = len(people)
    new_hh["head"] = base + np.arange(n)
    people = pd.concat([people, heads, partners], ignore_index=True)
    return pd.concat([hh, new_hh], ignore_index=True), people


def _marriages(
    hh: pd.DataFrame,
    people: pd.DataFrame,
    today: np.datetime64,
    window: np.datetime64,
    rates: WorldRates,
    rng: np.random.Generator,
) -> None:
    """Women who took their husband's surname: the previous surname, and when they married."""
    role = people["role"].to_numpy()
    family = hh["surname"].to_numpy()[people["hh"].to_numpy()]
    married = (
        (role == PARTNER)
        & (people["sex"].to_numpy() == FEMALE)
        & (people["sur"].to_numpy() == family)
    )
    idx = np.flatnonzero(married)
    n = len(idx)
    names = load_names()
    maiden = _surnames(n, rng)
    maiden = np.where(maiden == family[idx], (maiden + 1) % len(names.surnames), maiden)
    dob = people["dob"].to_numpy()[idx]
    adult = dt.add_years(dob, 18)
    dod = people["dod"].to_numpy()[idx]
    last = np.where(np.isnat(dod), today - dt.days(30), dod - dt.days(30))
    recent = (rng.random(n) < rates.recent_marriage_share) & (np.maximum(adult, window) < last)
    recent_date = dt.uniform_between(np.maximum(adult, window), last, rng)
    older_date = dt.uniform_between(adult, np.minimum(window - dt.days(1), last), rng)
    people["prev_sur"] = -1
    people["married_on"] = dt.NAT
    people.loc[idx, "prev_sur"] = maiden
    people.loc[idx, "married_on"] = np.where(recent, recent_date, older_date)


def _names_and_identifiers(
    hh: pd.DataFrame,
    people: pd.DataFrame,
    today: np.datetime64,
    rates: WorldRates,
    rng: np.random.Generator,
) -> None:
    names = load_names()
    n = len(people)
    sex = people["sex"].to_numpy()
    male_first = rng.choice(names.male, size=n, p=names.male_p)
    female_first = rng.choice(names.female, size=n, p=names.female_p)
    people["first"] = np.where(sex == MALE, male_first, female_first)
    u = rng.random(n)
    mid1 = np.where(
        sex == MALE,
        rng.choice(names.male, size=n, p=names.male_p),
        rng.choice(names.female, size=n, p=names.female_p),
    )
    mid2 = np.where(
        sex == MALE,
        rng.choice(names.male, size=n, p=names.male_p),
        rng.choice(names.female, size=n, p=names.female_p),
    )
    people["mid1"] = np.where(u < 0.67, mid1, -1)
    people["mid2"] = np.where(u < 0.12, mid2, -1)

    age = dt.age_on(people["dob"].to_numpy(), today)
    alive_age = np.where(np.isnat(people["dod"].to_numpy()), age, 99)
    married = people["prev_sur"].to_numpy() >= 0
    u = rng.random(n)
    female_title = np.where(
        married,
        np.where(u < 0.85, "Mrs", "Ms"),
        np.where(u < 0.45, "Ms", np.where(u < 0.95, "Miss", "Mrs")),
    )
    title = np.where(sex == MALE, "Mr", female_title).astype(object)
    title = np.where(rng.random(n) < 0.015, "Dr", title)
    title = np.where(
        alive_age < 16, "", np.where(alive_age < 18, np.where(sex == MALE, "Mr", "Miss"), title)
    )
    people["title"] = title

    people["nhs"] = ""
    has_nhs = np.flatnonzero(rng.random(n) < rates.has_nhs_number)
    people.loc[has_nhs, "nhs"] = nhs_numbers(len(has_nhs), rng)
    people["ni"] = ""
    has_ni = np.flatnonzero((alive_age >= 16) & (rng.random(n) < rates.has_ni_number_adult))
    people.loc[has_ni, "ni"] = ni_numbers(len(has_ni), rng)
    first = names.first[people["first"].to_numpy()]
    sur = names.surnames[people["sur"].to_numpy()]
    people["email"] = ""
    has_email = np.flatnonzero((alive_age >= 16) & (rng.random(n) < rates.has_email))
    people.loc[has_email, "email"] = emails(first[has_email], sur[has_email], rng)
    people["phone"] = ""
    has_phone = np.flatnonzero((alive_age >= 16) & (rng.random(n) < rates.has_phone))
    people.loc[has_phone, "phone"] = mobile_numbers(len(has_phone), rng)


def _twins_and_juniors(
    hh: pd.DataFrame, people: pd.DataFrame, rates: WorldRates, rng: np.random.Generator
) -> None:
    """Twins share a birthday; some adult sons share their father's name (Sr/Jr)."""
    role = people["role"].to_numpy()
    hh_of = people["hh"].to_numpy()
    child = np.flatnonzero(role == CHILD)
    rank = pd.Series(np.ones(len(child))).groupby(hh_of[child]).cumcount().to_numpy()
    first_child = pd.Series(child).groupby(hh_of[child]).transform("first").to_numpy()
    twin_hh = rng.random(len(hh)) < rates.twins_share
    make_twin = (rank == 1) & twin_hh[hh_of[child]]
    dob = people["dob"].to_numpy().copy()
    dob[child[make_twin]] = dob[first_child[make_twin]]
    people["dob"] = dob

    head = hh["head"].to_numpy()
    sex = people["sex"].to_numpy()
    son = np.flatnonzero(
        (role == ADULT_CHILD) & (sex == MALE) & (hh["type"].to_numpy()[hh_of] == COUPLE_ADULT_KID)
    )
    father = head[hh_of[son]]
    junior = son[(sex[father] == MALE) & (rng.random(len(son)) < rates.junior_share)]
    father = head[hh_of[junior]]
    people.loc[junior, "first"] = people["first"].to_numpy()[father]
    same_middle = rng.random(len(junior)) < 0.5
    people.loc[junior[same_middle], "mid1"] = people["mid1"].to_numpy()[father[same_middle]]
    people["junior_of"] = -1
    people.loc[junior, "junior_of"] = father


# --- address history ---------------------------------------------------------------------


def _residences(hh: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Every spell of every person at a property, current spells with no end."""
    p_hh = people["hh"].to_numpy()
    dob = people["dob"].to_numpy()
    dod = people["dod"].to_numpy()
    move_in = hh["move_in"].to_numpy()[p_hh]
    left = hh["left_on"].to_numpy()[p_hh]
    main = pd.DataFrame(
        {
            "person": np.arange(len(people)),
            "prop": hh["prop"].to_numpy()[p_hh],
            "start": np.maximum(move_in, dob),
            "end": np.where(np.isnat(dod), left, dod),
        }
    )
    # Local movers' previous home (household A): everyone born before they left it.
    prev = hh["prev_prop"].to_numpy()[p_hh]
    split_from = hh["split_from"].to_numpy()[p_hh]
    born_before = dob < move_in
    local = (prev >= 0) & (split_from < 0) & born_before
    earlier = pd.DataFrame(
        {
            "person": np.flatnonzero(local),
            "prop": prev[local],
            "start": np.maximum(hh["prev_start"].to_numpy()[p_hh][local], dob[local]),
            "end": move_in[local] - dt.days(1),
        }
    )
    # Decoy splits: only the head of household Y lived at X.
    split = (split_from >= 0) & (people["role"].to_numpy() == HEAD)
    moved_out = pd.DataFrame(
        {
            "person": np.flatnonzero(split),
            "prop": prev[split],
            "start": hh["prev_start"].to_numpy()[p_hh][split],
            "end": move_in[split] - dt.days(1),
        }
    )
    out = pd.concat([earlier, moved_out, main], ignore_index=True)
    return out.sort_values(["person", "start"], kind="stable").reset_index(drop=True)
