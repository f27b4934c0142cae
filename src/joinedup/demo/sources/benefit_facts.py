"""Who claims housing benefit, who works for the council, and what claimants declared.

Both the housing benefit and the payroll source write these facts down, so they are decided
once here, from a random stream of their own (the same seed always gives the same facts,
and adding them never changes the older sources' files).

Truth for the rule `housing_benefit_payroll`, one row per person on a current claim who is
also on the council's payroll:

- fraud: still employed, and the earnings they declared are below their pay (by more than
  the rule's tolerance);
- decoy_declared: still employed and declared their pay correctly;
- decoy_left_job: on the payroll but left before the claim's current assessment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.population import HEAD, HH_CURRENT, PARTNER, RESIDENT
from joinedup.demo.rates import RULE_RATES
from joinedup.demo.world import World

RULE = "housing_benefit_payroll"
WORKING_AGE = (18, 66)


@dataclass(frozen=True)
class BenefitFacts:
    claims: pd.DataFrame  # claim, hh, prop, start, end, weekly_award
    claim_people: pd.DataFrame  # claim, person, role ('C'/'P'), declared_weekly
    payroll: pd.DataFrame  # employee_no, person, start, end, monthly_pay
    truth: pd.DataFrame  # claim, person, role, kind


_LAST: list[tuple[World, BenefitFacts]] = []


def benefit_facts(world: World) -> BenefitFacts:
    """The facts for this world, worked out once and shared by both sources."""
    if _LAST and _LAST[0][0] is world:
        return _LAST[0][1]
    facts = _decide(world)
    _LAST[:] = [(world, facts)]
    return facts


def forget() -> None:
    """Drop the remembered world once its sources are written, so it can be freed."""
    _LAST.clear()


def _decide(world: World) -> BenefitFacts:
    rng = world.rng("benefit_facts")
    r = RULE_RATES
    pop = world.pop
    p, hh = pop.people, pop.households
    today = pop.as_of
    age = p["age"].to_numpy()
    resident = p["status"].to_numpy() == RESIDENT

    current = np.flatnonzero(hh["status"].to_numpy() == HH_CURRENT)
    claim_hh = np.sort(current[rng.random(len(current)) < r.hb_claim_share])
    n_claims = len(claim_hh)
    move_in = dt.as_days(hh["move_in"].to_numpy()[claim_hh])
    start = dt.uniform_between(np.maximum(move_in, today - dt.years(6)), today - dt.days(20), rng)
    ended = rng.random(n_claims) < 0.12
    end = np.where(ended, dt.uniform_between(start + dt.days(30), today - dt.days(1), rng), dt.NAT)
    end = np.where(end <= start, dt.NAT, end).astype("datetime64[D]")
    claims = pd.DataFrame(
        {
            "claim": 700_000 + np.arange(n_claims) * 3 + rng.integers(0, 3, n_claims),
            "hh": claim_hh,
            "prop": hh["prop"].to_numpy()[claim_hh],
            "start": start,
            "end": end,
            "weekly_award": np.round(rng.uniform(45, 190, n_claims), 2),
        }
    )
    role = p["role"].to_numpy()
    on_claim = np.isin(p["hh"].to_numpy(), claim_hh) & resident & (age >= 18)
    on_claim &= (role == HEAD) | (role == PARTNER)
    members = np.flatnonzero(on_claim)
    claim_of = pd.Series(claims["claim"].to_numpy(), index=claim_hh)
    cp = pd.DataFrame(
        {
            "claim": claim_of.loc[p["hh"].to_numpy()[members]].to_numpy(),
            "person": members,
            "role": np.where(role[members] == HEAD, "C", "P").astype(object),
        }
    )

    working = resident & (age >= WORKING_AGE[0]) & (age < WORKING_AGE[1])
    employed = working & (rng.random(len(p)) < r.payroll_share)
    hb_working = cp["person"].to_numpy()[working[cp["person"].to_numpy()]]
    employed[hb_working[rng.random(len(hb_working)) < r.hb_on_payroll_extra]] = True
    staff = np.flatnonzero(employed)
    m = len(staff)
    staff_start = dt.uniform_between(
        np.maximum(dt.add_years(p["dob"].to_numpy()[staff], 18), today - dt.years(20)),
        today - dt.days(30),
        rng,
    )
    left = rng.random(m) < r.payroll_leaver_share
    staff_end = np.where(
        left, dt.uniform_between(staff_start + dt.days(60), today - dt.days(10), rng), dt.NAT
    )
    staff_end = np.where(staff_end <= staff_start, dt.NAT, staff_end).astype("datetime64[D]")
    # Monthly gross pay, from part-time to senior posts (GBP).
    monthly = np.round(np.exp(rng.normal(np.log(2100), 0.35, m)), 2)
    payroll = pd.DataFrame(
        {
            "employee_no": 10_000 + np.arange(m) * 2 + rng.integers(0, 2, m),
            "person": staff,
            "start": dt.as_days(staff_start),
            "end": staff_end,
            "monthly_pay": monthly,
        }
    )

    # What each person on a claim declared: the payroll pay, less for those who under-declare.
    pay_by_person = pd.Series(monthly * 12 / 52, index=staff)
    still = pd.Series(np.isnat(staff_end), index=staff)
    person = cp["person"].to_numpy()
    weekly_pay = pay_by_person.reindex(person).to_numpy()
    on_payroll = ~np.isnan(weekly_pay)
    employed_now = on_payroll & still.reindex(person, fill_value=False).to_numpy()
    claim_current = np.isnat(claims.set_index("claim")["end"].reindex(cp["claim"]).to_numpy())
    under = employed_now & (rng.random(len(cp)) < r.hb_undeclared)
    declared = np.where(
        employed_now,
        np.where(
            under,
            np.where(rng.random(len(cp)) < 0.5, 0.0, weekly_pay * rng.uniform(0.2, 0.6, len(cp))),
            weekly_pay * rng.uniform(0.985, 1.015, len(cp)),
        ),
        np.where(rng.random(len(cp)) < 0.2, np.round(rng.uniform(40, 250, len(cp)), 2), 0.0),
    )
    cp["declared_weekly"] = np.round(np.nan_to_num(declared), 2)
    kind = np.select(
        [employed_now & under, employed_now, on_payroll],
        ["fraud", "decoy_declared", "decoy_left_job"],
        "",
    )
    keep = (kind != "") & claim_current
    truth = cp.loc[keep, ["claim", "person", "role"]].assign(kind=kind[keep])
    return BenefitFacts(claims, cp, payroll, truth.reset_index(drop=True))
