"""Administrative facts: who is liable for council tax where, who claims a discount, and who
is registered to vote where.

These are facts about what people and the council *did* (a fraudulent discount claim is a
fact, not a typo), so they are decided here, once, and the sources only write them down.
The SPD fraud and its decoys are planted here: fraud is an SPD claim where a second adult
really lives (and is registered to vote there); the decoys come from moves, deaths and
16-17-year-old attainers, which the population module already made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.identifiers import increasing_ids
from joinedup.demo.population import (
    HEAD,
    HH_CURRENT,
    HH_DIED,
    PARTNER,
    RESIDENT,
    SINGLE_OLDER,
    SINGLE_YOUNG,
    Population,
)
from joinedup.demo.rates import WorldRates

# Council tax started on 1 April 1993 (Local Government Finance Act 1992): no liability
# can start earlier.
COUNCIL_TAX_START = np.datetime64("1993-04-01", "D")
CURRENT, STALE_ADDRESS, DEAD = range(3)  # register entry kinds
ACCOUNT_REF_START = 60_000_000


@dataclass
class Admin:
    accounts: pd.DataFrame  # ref, person, prop, hh, start, end, spd, disreg, current
    register: pd.DataFrame  # person, prop, kind
    fraud_other: pd.Series  # household -> the other adult, for planted fraud


def build_admin(pop: Population, rates: WorldRates, rng: np.random.Generator) -> Admin:
    accounts, fraud_other = _council_tax(pop, rates, rng)
    register = _register(pop, accounts, fraud_other, rates, rng)
    return Admin(accounts=accounts, register=register, fraud_other=fraud_other)


def _adults_per_household(pop: Population) -> np.ndarray:
    adult = pop.adult_residents()
    return np.bincount(pop.people["hh"].to_numpy()[adult], minlength=len(pop.households))


def _council_tax(
    pop: Population, rates: WorldRates, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.Series]:
    hh, people = pop.households, pop.people
    status = hh["status"].to_numpy()
    head = hh["head"].to_numpy()
    move_in = hh["move_in"].to_numpy()
    adults = _adults_per_household(pop)
    current = np.flatnonzero(status == HH_CURRENT)

    # The partner who died was the payer: the survivor's account starts after the death.
    p_hh = people["hh"].to_numpy()
    dead_partner = np.flatnonzero(
        (people["role"].to_numpy() == PARTNER)
        & ~np.isnat(people["dod"].to_numpy())
        & hh["dead_lead"].to_numpy()[p_hh]
    )
    dead_partner_of = pd.Series(dead_partner, index=p_hh[dead_partner])
    dead_dod = people["dod"].to_numpy()[dead_partner]

    start = move_in[current].copy()
    split_on = hh["split_on"].to_numpy()[current]
    is_x = ~np.isnat(split_on) & (hh["split_from"].to_numpy()[current] < 0)
    start = np.where(is_x, split_on, start)
    widowed = dead_partner_of.reindex(current).notna().to_numpy()
    dod_by_hh = pd.Series(dead_dod, index=dead_partner_of.index).reindex(current).to_numpy()
    start = np.where(widowed, dt.as_days(dod_by_hh) + dt.days(1), start)

    single = adults[current] == 1
    spd = single & (rng.random(len(current)) < rates.spd_claim_rate)
    two = np.flatnonzero(adults[current] == 2)
    n_fraud = min(
        int(round(spd.sum() * rates.spd_fraud_share / (1 - rates.spd_fraud_share))), len(two)
    )
    fraud = rng.choice(two, size=n_fraud, replace=False)
    spd[fraud] = True
    disreg = (adults[current] >= 2) & ~spd & (rng.random(len(current)) < rates.disregard_share)
    fraud_hh = current[fraud]
    fraud_other = _other_adult(pop, fraud_hh)

    frames = [
        pd.DataFrame(
            {
                "person": head[current],
                "prop": hh["prop"].to_numpy()[current],
                "hh": current,
                "start": start,
                "end": dt.NAT,
                "spd": spd,
                "disreg": disreg,
                "current": True,
            }
        )
    ]
    # Ended accounts: the partner who died, the partner who moved out, local movers' old home,
    # and the people who lived in a dwelling before its current household.
    w_hh = dead_partner_of.index.to_numpy()
    frames.append(
        pd.DataFrame(
            {
                "person": dead_partner,
                "prop": hh["prop"].to_numpy()[w_hh],
                "hh": w_hh,
                "start": move_in[w_hh],
                "end": dead_dod,
                "spd": False,
                "disreg": False,
                "current": False,
            }
        )
    )
    y = np.flatnonzero(hh["split_from"].to_numpy() >= 0)
    x = hh["split_from"].to_numpy()[y]
    frames.append(
        pd.DataFrame(
            {
                "person": head[y],
                "prop": hh["prop"].to_numpy()[x],
                "hh": x,
                "start": hh["prev_start"].to_numpy()[y],
                "end": hh["split_on"].to_numpy()[y] - dt.days(1),
                "spd": False,
                "disreg": False,
                "current": False,
            }
        )
    )
    a = np.flatnonzero((hh["prev_prop"].to_numpy() >= 0) & (hh["split_from"].to_numpy() < 0))
    frames.append(
        pd.DataFrame(
            {
                "person": head[a],
                "prop": hh["prev_prop"].to_numpy()[a],
                "hh": a,
                "start": hh["prev_start"].to_numpy()[a],
                "end": move_in[a] - dt.days(1),
                "spd": adults[a] == 1,
                "disreg": False,
                "current": False,
            }
        )
    )
    former = np.flatnonzero(status != HH_CURRENT)
    frames.append(
        pd.DataFrame(
            {
                "person": head[former],
                "prop": hh["prop"].to_numpy()[former],
                "hh": former,
                "start": move_in[former],
                "end": hh["left_on"].to_numpy()[former],
                "spd": (hh["type"].to_numpy()[former] == SINGLE_OLDER)
                | (status[former] == HH_DIED),
                "disreg": False,
                "current": False,
            }
        )
    )
    accounts = pd.concat(frames, ignore_index=True)
    accounts["start"] = np.maximum(dt.as_days(accounts["start"].to_numpy()), COUNCIL_TAX_START)
    accounts["end"] = dt.as_days(accounts["end"].to_numpy())
    # Account numbers are allocated as accounts open, so older accounts have lower numbers.
    order = np.lexsort((np.arange(len(accounts)), accounts["start"].to_numpy()))
    accounts = accounts.iloc[order].reset_index(drop=True)
    accounts["ref"] = increasing_ids(len(accounts), ACCOUNT_REF_START, rng, max_gap=3)
    return accounts, pd.Series(fraud_other, index=fraud_hh)


def _other_adult(pop: Population, households: np.ndarray) -> np.ndarray:
    """For each household, an adult resident who is not its head."""
    people = pop.people
    adult = pop.adult_residents() & (people["role"].to_numpy() != HEAD)
    idx = np.flatnonzero(adult)
    first = pd.Series(idx).groupby(people["hh"].to_numpy()[idx]).first()
    return first.reindex(households).to_numpy().astype(np.int64)


def _register(
    pop: Population, accounts: pd.DataFrame, fraud_other: pd.Series, rates: WorldRates, rng
) -> pd.DataFrame:
    people, hh = pop.people, pop.households
    n = len(people)
    age = people["age"].to_numpy()
    resident = people["status"].to_numpy() == RESIDENT
    p_hh = people["hh"].to_numpy()
    u = rng.random(n)
    registered = resident & (
        ((age >= 18) & (u < rates.register_adult))
        | ((age >= 16) & (age < 18) & (u < rates.register_attainer))
    )
    forced = np.zeros(n, dtype=bool)
    forced[fraud_other.to_numpy()] = True
    split_heads = hh["head"].to_numpy()[np.flatnonzero(hh["split_from"].to_numpy() >= 0)]
    forced[split_heads] = True
    registered |= forced
    prop = np.where(registered, hh["prop"].to_numpy()[p_hh], -1)
    kind = np.full(n, CURRENT, dtype=np.int8)

    # Local movers still registered at their old home, unless a single person there claims SPD
    # (that would be a false alarm of a kind the truth does not name).
    prev = hh["prev_prop"].to_numpy()[p_hh]
    local = (hh["split_from"].to_numpy()[p_hh] < 0) & (prev >= 0)
    spd_props = set(accounts.loc[accounts["current"] & accounts["spd"], "prop"].to_numpy().tolist())
    prev_spd = np.isin(prev, np.fromiter(spd_props, dtype=np.int64, count=len(spd_props)))
    stale = (
        registered & ~forced & local & ~prev_spd & (rng.random(n) < rates.register_stale_after_move)
    )
    stale &= people["dob"].to_numpy() < hh["move_in"].to_numpy()[p_hh]
    prop = np.where(stale, prev, prop)
    kind[stale] = STALE_ADDRESS

    # The dead not yet taken off, at the address they died at.
    dod = people["dod"].to_numpy()
    died_recently = ~np.isnat(dod) & (dod >= pop.deaths_start)
    adult_at_death = dt.age_on(people["dob"].to_numpy(), pop.as_of) >= 18
    partner_lives_on = (
        (people["role"].to_numpy() == PARTNER)
        & (np.isin(hh["type"].to_numpy()[p_hh], [SINGLE_OLDER, SINGLE_YOUNG]))
        & (hh["status"].to_numpy()[p_hh] == HH_CURRENT)
    )
    p_stale = np.where(
        partner_lives_on, rates.register_dead_partner_stale, rates.register_dead_stale
    )
    dead_stale = died_recently & adult_at_death & (rng.random(n) < p_stale)
    prop = np.where(dead_stale, people["last_prop"].to_numpy(), prop)
    kind[dead_stale] = DEAD

    on = np.flatnonzero(prop >= 0)
    return pd.DataFrame({"person": on, "prop": prop[on], "kind": kind[on]})
