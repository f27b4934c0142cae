"""Police incidents shared with the council, one row per person named in an incident.

Police incident logs hold a free-text 'Persons Involved' field naming several people with
their roles and approximate ages ("SMITH John (suspect, approx 35); DOE Jane (victim,
30s)") and a free-text location ("outside 12 High Street", "junction of Mill Lane and
Station Road"). The ingest cannot yet split free text into person mentions, so the demo
exports the common extract shape instead: the incident reference and one person line per
row, with surname, forenames, role and approximate age in their own columns, keeping the
incident's full 'Persons Involved' text alongside. There is no date of birth and no home
address: the approximate age is all that tells two people of the same name apart.

The incidents are decided once (`incidents`), from a random stream of their own, because
the taxi licence source needs them for its truth (which licence holders are named in
which incidents).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.population import RESIDENT
from joinedup.demo.rates import ERRORS
from joinedup.demo.sources import adult_social_care, benefit_facts, render
from joinedup.demo.sources.base import DMY, SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.world import World

NAME = "police_incidents"
FILE = "police_incidents.csv"
MULTI_AGENCY_RULE = "multi_agency_household"
LOOKBACK_YEARS = 3  # the extract covers incidents of the last three years

# Incident types, the share of incidents of each, and whether it is domestic or violent.
TYPES = np.array(
    [
        "Domestic incident",
        "Domestic abuse - assault",
        "Assault",
        "Public order - violence",
        "Theft",
        "Criminal damage",
        "Anti-social behaviour",
        "Road traffic collision",
        "Concern for welfare",
        "Noise complaint",
    ],
    dtype=object,
)
TYPE_P = np.array([0.09, 0.06, 0.12, 0.05, 0.16, 0.1, 0.16, 0.1, 0.1, 0.06])
VIOLENT = np.array([True, True, True, True, False, False, False, False, False, False])
ROLES = np.array(["suspect", "victim", "witness", "informant"], dtype=object)
SUSPECT, VICTIM, WITNESS, INFORMANT = range(4)

# Planted involvements of taxi licence holders (shares of holders), see `taxi_licences`.
HOLDER_SUSPECT = 0.08  # suspect in a domestic or violent incident: the rule's real cases
HOLDER_VICTIM = 0.05  # victim or witness of a violent incident: not a concern
HOLDER_MINOR = 0.05  # suspect in a non-violent incident: not this rule
HOLDER_NAMESAKE = 0.06  # someone else of the same name, a generation apart, is a suspect
# Planted incidents for the multi-agency rule: a share of the homes another agency knows
# get one or two incidents naming a resident; a share of the homes no other agency knows
# get three (the police alone: a look-alike).
MULTI_AGENCY_SHARE = 0.15
POLICE_ONLY_SHARE = 0.004


def holders(world: World) -> np.ndarray:
    """The people who hold a taxi driver's licence (sorted person numbers).

    Decided here, where the incidents are, so both sources agree; drivers must be 21 or
    over in the demo district (a common local policy)."""
    rng = world.rng("taxi_licences:holders")
    p = world.pop.people
    adult = world.pop.adult_residents() & (p["age"].to_numpy() >= 21) & (p["age"].to_numpy() < 72)
    pool = np.flatnonzero(adult)
    return np.sort(pool[rng.random(len(pool)) < 0.012])


_LAST: list[tuple[World, pd.DataFrame]] = []


def incidents(world: World) -> pd.DataFrame:
    """Person mentions: incident, type, date, prop (location), person (-1 for a namesake
    who does not live here), age, role, and planted (the holder case it was planted for)."""
    if not (_LAST and _LAST[0][0] is world):
        _LAST[:] = [(world, _decide(world))]
    return _LAST[0][1].copy()


def _decide(world: World) -> pd.DataFrame:
    rng = world.rng(NAME + ":incidents")
    p = world.pop.people
    today = world.pop.as_of
    pool = np.flatnonzero(world.pop.adult_residents())
    n_props = len(world.places.props)
    # Background: about one incident a year per 25 adults, each naming one to four people.
    n = max(int(len(pool) * 0.04 * LOOKBACK_YEARS / 3), 10)
    kind = rng.choice(len(TYPES), n, p=TYPE_P)
    size = rng.integers(1, 5, n)
    inc = np.repeat(np.arange(n), size)
    line = np.arange(len(inc)) - np.repeat(np.cumsum(size) - size, size)
    person = pool[rng.integers(0, len(pool), len(inc))]
    role = np.where(line == 0, np.where(VIOLENT[kind[inc]], SUSPECT, VICTIM), 0)
    role = np.where(line > 0, rng.choice([VICTIM, WITNESS, INFORMANT], len(inc)), role)
    role = np.where((line == 0) & ~VIOLENT[kind[inc]] & (rng.random(len(inc)) < 0.4), 0, role)
    background = pd.DataFrame(
        {
            "incident": inc,
            "type": kind[inc],
            "person": person,
            "role": role,
            "planted": "",
        }
    )
    # Planted: taxi licence holders, each in an incident of its own with one other person.
    h = holders(world)
    u = rng.random(len(h))
    edges = np.cumsum([HOLDER_SUSPECT, HOLDER_VICTIM, HOLDER_MINOR, HOLDER_NAMESAKE])
    case = np.searchsorted(edges, u, side="right")  # 0..3 planted, 4 none
    chosen = case < 4
    hp, hc = h[chosen], case[chosen]
    m = len(hp)
    violent_types = np.flatnonzero(VIOLENT)
    other_types = np.flatnonzero(~VIOLENT)
    ptype = np.where(
        hc == 2,
        other_types[rng.integers(0, len(other_types), m)],
        violent_types[rng.integers(0, len(violent_types), m)],
    )
    prole = np.where(hc == 1, rng.choice([VICTIM, WITNESS], m), SUSPECT)
    pinc = n + np.arange(m)
    other = pool[rng.integers(0, len(pool), m)]
    label = np.array(["fraud", "decoy_victim_or_witness", "decoy_not_violent", "decoy_namesake"])
    planted = pd.DataFrame(
        {
            "incident": np.concatenate([pinc, pinc]),
            "type": np.concatenate([ptype, ptype]),
            # A namesake is not the holder: -1 marks a person who is not in the district.
            "person": np.concatenate([np.where(hc == 3, -1, hp), other]),
            "role": np.concatenate([prole, np.where(prole == SUSPECT, VICTIM, SUSPECT)]),
            "planted": np.concatenate([label[hc], np.full(m, "", dtype=object)]),
            "holder": np.concatenate([hp, np.full(m, -1)]),
        }
    )
    shared = _household_incidents(world, n + m, rng)
    out = pd.concat([background.assign(holder=-1), planted, shared], ignore_index=True)
    out = out.sort_values(["incident", "role"], kind="stable").reset_index(drop=True)
    total = int(out["incident"].max()) + 1
    date = dt.uniform_between(today - dt.years(LOOKBACK_YEARS), today - dt.days(1), rng, total)
    out["date"] = date[out["incident"].to_numpy()]
    out["prop"] = rng.integers(0, n_props, total)[out["incident"].to_numpy()]
    # True age on the day; a namesake is 15 to 30 years older or younger than the holder.
    who = np.where(out["person"].to_numpy() >= 0, out["person"].to_numpy(), out["holder"])
    dob = dt.as_days(p["dob"].to_numpy()[who])
    age = ((dt.as_days(out["date"].to_numpy()) - dob).astype(np.int64) / 365.25).astype(np.int64)
    namesake = out["person"].to_numpy() < 0
    gap = rng.integers(15, 31, len(out)) * np.where(age >= 45, -1, 1)
    out["age"] = np.where(namesake, age + gap, age)
    out["who"] = who  # whose name is written down (the holder's, for a namesake)
    return out


def _agency_contacts(world: World) -> pd.DataFrame:
    """Contacts other agencies have with residents: prop, agency, ref (one per package or
    claim), for packages still running and claims current or ended within the lookback."""
    p = world.pop.people
    today = world.pop.as_of
    cur = p["cur_prop"].to_numpy()
    resident = p["status"].to_numpy() == RESIDENT
    pk = adult_social_care.packages(world)
    who = pk["person"].to_numpy()
    ended = dt.as_days(pk["end"].to_numpy())
    live = resident[who] & (np.isnat(ended) | (ended >= today - dt.years(LOOKBACK_YEARS)))
    care = pd.DataFrame(
        {"prop": cur[who[live]], "agency": "adult_social_care", "ref": np.flatnonzero(live)}
    )
    facts = benefit_facts.benefit_facts(world)
    cl = facts.claims
    end = dt.as_days(cl["end"].to_numpy())
    recent = np.isnat(end) | (end >= today - dt.years(LOOKBACK_YEARS))
    cp = facts.claim_people
    member = cp["person"].to_numpy()
    at_home = resident[member] & (
        cur[member] == cl.set_index("claim")["prop"].reindex(cp["claim"]).to_numpy()
    )
    claims = cp.loc[at_home, "claim"].unique()
    claims = cl[cl["claim"].isin(claims).to_numpy() & recent]
    benefit = pd.DataFrame(
        {"prop": claims["prop"].to_numpy(), "agency": "housing_benefit", "ref": claims["claim"]}
    )
    return pd.concat([care, benefit], ignore_index=True)


def _household_incidents(world: World, first: int, rng: np.random.Generator) -> pd.DataFrame:
    """Incidents naming residents of homes other agencies know (planted multi-agency
    households), and of a few homes only the police know (three incidents: one agency)."""
    p = world.pop.people
    adult = np.flatnonzero(world.pop.adult_residents())
    home = p["cur_prop"].to_numpy()[adult]
    known = np.unique(_agency_contacts(world)["prop"].to_numpy())
    pick = known[rng.random(len(known)) < MULTI_AGENCY_SHARE]
    pick = pick[np.isin(pick, home)]
    unknown = np.setdiff1d(np.unique(home), known)
    only_police = unknown[rng.random(len(unknown)) < POLICE_ONLY_SHARE]
    props = np.concatenate([pick, np.repeat(only_police, 3), pick[rng.random(len(pick)) < 0.5]])
    # One adult of the home, picked at random, named in each incident.
    order = np.argsort(home, kind="stable")
    lo = np.searchsorted(home[order], props, side="left")
    hi = np.searchsorted(home[order], props, side="right")
    person = adult[order][lo + (rng.random(len(props)) * (hi - lo)).astype(np.int64)]
    k = len(props)
    return pd.DataFrame(
        {
            "incident": first + np.arange(k),
            "type": rng.choice(len(TYPES), k, p=TYPE_P),
            "person": person,
            "role": rng.choice([SUSPECT, VICTIM, WITNESS], k),
            "planted": "",
            "holder": -1,
        }
    )


def multi_agency_truth(world: World, inc: pd.DataFrame) -> pd.DataFrame:
    """Truth for `multi_agency_household`, one row per home (its gazetteer record)."""
    p = world.pop.people
    person = inc["person"].to_numpy()
    named = person >= 0
    police = pd.DataFrame(
        {
            "prop": p["cur_prop"].to_numpy()[person[named]],
            "agency": "police",
            "ref": inc["incident"].to_numpy()[named],
        }
    )
    contacts = pd.concat([police, _agency_contacts(world)], ignore_index=True)
    contacts = contacts[contacts["prop"].to_numpy() >= 0].drop_duplicates()
    per = contacts.groupby("prop").agg(n=("ref", "size"), agencies=("agency", "nunique"))
    kind = np.select(
        [
            (per["n"] >= 3) & (per["agencies"] >= 2),
            (per["n"] >= 3),
            (per["n"] == 2) & (per["agencies"] == 2),
        ],
        ["fraud", "decoy_one_agency", "decoy_two_contacts"],
        "",
    )
    keep = kind != ""
    uprn = world.places.props["uprn"].to_numpy()[per.index.to_numpy()[keep]]
    return pd.DataFrame(
        {"record_id": render.record_ids("gazetteer", uprn), "kind": kind[keep].astype(object)}
    )


def _location(world: World, prop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Free-text locations as officers write them."""
    parts = world.addresses
    street = parts.street[prop]
    town = parts.town[prop]
    style = rng.integers(0, 4, len(prop))
    where = world.addresses.one_line(prop, np.zeros(len(prop), bool), np.zeros(len(prop), bool))
    other_street = parts.street[rng.integers(0, len(parts.street), len(prop))]
    return np.select(
        [style == 0, style == 1, style == 2],
        [
            where,
            "outside " + where,
            "junction of " + street + " and " + other_street + ", " + town,
        ],
        "near " + street + ", " + town,
    ).astype(object)


def build(world: World, out_dir: Path) -> SourceOutput:
    rng = world.rng(NAME)
    inc = incidents(world)
    p = world.pop.people
    who = inc["who"].to_numpy()
    k = len(inc)
    first, _middle, surname = render.names(world, who, p["sur"].to_numpy()[who], ERRORS[NAME], rng)
    surname_up = surname.astype(str)
    surname_up = np.char.upper(surname_up.astype("U")).astype(object)
    # Officers estimate ages: within three years either way, or only the decade.
    age = np.maximum(inc["age"].to_numpy() + rng.integers(-3, 4, k), 14)
    decade = rng.random(k) < 0.35
    age_text = np.where(decade, (age // 10 * 10).astype(str) + "s", "approx " + age.astype(str))
    recorded_age = np.where(decade, age // 10 * 10 + 5, age)
    role = ROLES[inc["role"].to_numpy()]
    person_line = (surname_up + " " + first + " (" + role + ", " + age_text + ")").astype(object)
    incident = inc["incident"].to_numpy()
    year = dt.parts(inc["date"].to_numpy())[0]
    ref = ("DD-" + (year % 100).astype(str) + "-" + (100_000 + incident * 7).astype(str)).astype(
        object
    )
    line_no = inc.groupby("incident").cumcount().to_numpy() + 1
    key = (ref + "/" + line_no.astype(str)).astype(object)
    persons_involved = (
        pd.Series(person_line).groupby(incident).transform(lambda s: "; ".join(s)).to_numpy()
    )
    loc_by_incident = _location(world, inc.groupby("incident")["prop"].first().to_numpy(), rng)
    first_row = inc.groupby("incident").ngroup().to_numpy()
    frame = pd.DataFrame(
        {
            "Person Ref": key,
            "Incident Ref": ref,
            "Reported": dt.fmt(inc["date"].to_numpy(), "dmy"),
            "Incident Type": TYPES[inc["type"].to_numpy()],
            "Location": loc_by_incident[first_row],
            "Persons Involved": persons_involved,
            "Person Line": person_line,
            "Surname": surname_up,
            "Forenames": first,
            "Role": role,
            "Approx Age": recorded_age,
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": key, "person": inc["person"].to_numpy(), "prop": -1})
    truth = {MULTI_AGENCY_RULE: multi_agency_truth(world, inc)}
    return SourceOutput(NAME, path, k, records, config=_config(world), truth=truth)


def _config(world: World) -> dict:
    return describe(
        world,
        identifying=False,
        description=(
            "Police incidents shared with the council: one row per person named in an "
            "incident, with the incident's type, date, free-text location and the full "
            "'Persons Involved' text."
        ),
        owner="Chief Constable (data controller); Head of Community Safety (recipient)",
        steward="Community Safety Partnership Analyst",
        system="Police records management system extract",
        classification="OFFICIAL-SENSITIVE",
        lawful_basis=(
            "Police disclosure under the Crime and Disorder Act 1998 s.115 and the Common "
            "Law Police Disclosure provisions, for safeguarding and for taxi licensing "
            "decisions (Statutory Taxi and Private Hire Vehicle Standards, DfT 2020); UK "
            "GDPR Art 6(1)(e) and DPA 2018 s.10 and Sch 1 for criminal offence data."
        ),
        retention="6 years after the incident",
        refresh="Monthly",
        file=FILE,
        columns=[
            col("Person Ref", "record_key", checks=["not_null", "unique"], required=True),
            col("Incident Ref", "incident_ref", type="string", checks=["not_null"]),
            col("Reported", "incident_date", type="date", format=DMY, checks=["valid"]),
            col("Incident Type", "incident_type", type="string", checks=["not_null"]),
            col("Location", "location", type="string"),
            col("Persons Involved", "persons_involved", type="string"),
            col("Person Line", "person_line", type="string"),
            col("Surname", "surname", checks=["not_null"]),
            col("Forenames", "first_name", checks=["not_null"]),
            col("Role", "role", type="string", checks=["not_null"]),
            col("Approx Age", "approx_age", type="integer"),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
