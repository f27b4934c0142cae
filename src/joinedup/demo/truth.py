"""Ground truth: what every record really is, and which SPD accounts are fraud or decoys.

The SPD truth is derived from the world by the definitions below, not from what the
generator meant to plant, so it stays right whatever combination of moves, deaths and
registrations produced a case. For every current account with single person discount:

- fraud: another adult (18+) really lives at the property on as_of;
- decoy_died: otherwise, someone at the property is still on the register but died (and is
  in deaths.csv);
- decoy_under_18: otherwise, a 16-17-year-old attainer living there is on the register;
- decoy_moved_out: otherwise, an adult named on an older, ended council tax account at the
  property now lives elsewhere in the district and is registered to vote there.

The first that applies is the account's kind; accounts where none applies have no row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.admin import CURRENT, DEAD, STALE_ADDRESS
from joinedup.demo.population import DIED, MOVED_AWAY, RESIDENT
from joinedup.demo.sources.base import SourceOutput, write_csv
from joinedup.demo.vocab import load_names
from joinedup.demo.world import World

SPD_RULE = "single_person_discount"
DEAD_RULE = "deceased_still_listed"
DEAD_DAYS = 28  # the rule's default grace: the register is altered monthly
MOVED_RULE = "stale_address_after_move"
SPD_KINDS = ["fraud", "decoy_died", "decoy_under_18", "decoy_moved_out"]
_STATUS = np.empty(3, dtype=object)
_STATUS[[RESIDENT, DIED, MOVED_AWAY]] = ["resident", "died", "moved_away"]


def person_ids(n: int) -> np.ndarray:
    return "P" + np.char.zfill(np.arange(1, n + 1).astype(str), 7).astype(object)


def household_ids(hh: np.ndarray) -> np.ndarray:
    return "H" + np.char.zfill((hh + 1).astype(str), 7).astype(object)


def spd_cases(world: World) -> pd.DataFrame:
    """One row per SPD account that is fraud or a decoy: account_ref, uprn, kind, other."""
    acc = world.admin.accounts
    people = world.pop.people
    props = world.places.props
    spd = acc[acc["current"].to_numpy() & acc["spd"].to_numpy()]
    base = pd.DataFrame(
        {
            "ref": spd["ref"].to_numpy(),
            "prop": spd["prop"].to_numpy(),
            "liable": spd["person"].to_numpy(),
        }
    )
    age = people["age"].to_numpy()
    status = people["status"].to_numpy()
    cur = people["cur_prop"].to_numpy()
    reg = world.admin.register
    reg_person = reg["person"].to_numpy()

    adults = np.flatnonzero((status == RESIDENT) & (age >= 18))
    fraud = _first_other(base, pd.DataFrame({"prop": cur[adults], "other": adults}))

    dead_reg = reg[reg["kind"].to_numpy() == DEAD]
    dod = dt.as_days(people["dod"].to_numpy())[dead_reg["person"].to_numpy()]
    in_deaths = (dod >= world.pop.deaths_start) & (dod <= world.pop.as_of)
    died = _first_other(
        base,
        pd.DataFrame(
            {
                "prop": dead_reg["prop"].to_numpy()[in_deaths],
                "other": dead_reg["person"].to_numpy()[in_deaths],
            }
        ),
    )

    cur_reg = reg[reg["kind"].to_numpy() == CURRENT]
    rp = cur_reg["person"].to_numpy()
    attainer = (
        (age[rp] >= 16)
        & (age[rp] < 18)
        & (status[rp] == RESIDENT)
        & (cur[rp] == cur_reg["prop"].to_numpy())
    )
    under18 = _first_other(
        base, pd.DataFrame({"prop": cur_reg["prop"].to_numpy()[attainer], "other": rp[attainer]})
    )

    ended = acc[~acc["current"].to_numpy() & (dt.as_days(acc["end"].to_numpy()) < world.pop.as_of)]
    ep = ended["person"].to_numpy()
    registered_at_home = np.zeros(len(people), dtype=bool)
    home_reg = reg_person[
        (reg["kind"].to_numpy() == CURRENT) & (reg["prop"].to_numpy() == cur[reg_person])
    ]
    registered_at_home[home_reg] = True
    moved = (
        (status[ep] == RESIDENT)
        & (age[ep] >= 18)
        & (cur[ep] != ended["prop"].to_numpy())
        & registered_at_home[ep]
    )
    moved_out = _first_other(
        base, pd.DataFrame({"prop": ended["prop"].to_numpy()[moved], "other": ep[moved]})
    )

    kind = np.full(len(base), "", dtype=object)
    other = np.full(len(base), -1, dtype=np.int64)
    for name, found in zip(SPD_KINDS, [fraud, died, under18, moved_out], strict=True):
        take = (kind == "") & (found >= 0)
        kind[take] = name
        other[take] = found[take]
    keep = kind != ""
    ids = person_ids(len(people))
    return pd.DataFrame(
        {
            "account_ref": base["ref"].to_numpy()[keep].astype(str),
            "uprn": props["uprn"].to_numpy()[base["prop"].to_numpy()[keep]],
            "kind": kind[keep],
            "other_person_id": ids[other[keep]],
        }
    )


def _first_other(base: pd.DataFrame, candidates: pd.DataFrame) -> np.ndarray:
    """For each account, the lowest-numbered candidate at its property who is not the liable
    person (-1 if none)."""
    merged = base.reset_index().merge(candidates, on="prop", how="inner")
    merged = merged[merged["other"].to_numpy() != merged["liable"].to_numpy()]
    first = merged.groupby("index")["other"].min()
    return first.reindex(np.arange(len(base)), fill_value=-1).to_numpy()


def write_truth(world: World, outputs: list[SourceOutput], truth_dir: Path) -> dict[str, Path]:
    truth_dir.mkdir(parents=True, exist_ok=True)
    people = world.pop.people
    ids = person_ids(len(people))
    uprn = world.places.props["uprn"].to_numpy()
    paths = {
        name: truth_dir / f"{name}.csv"
        for name in ["records", "people", "addresses", "spd_cases", "quarantine"]
    }

    records = []
    for out in outputs:
        person = out.records["person"].to_numpy()
        records.append(
            pd.DataFrame(
                {
                    "source": out.name,
                    "record_key": out.records["record_key"].to_numpy(dtype=object),
                    "person_id": np.where(person >= 0, ids[np.maximum(person, 0)], ""),
                    "true_uprn": np.where(
                        out.records["prop"].to_numpy() >= 0,
                        uprn[np.maximum(out.records["prop"].to_numpy(), 0)].astype(str),
                        "",
                    ),
                }
            )
        )
    write_csv(pd.concat(records, ignore_index=True), paths["records"])

    quarantine = [
        pd.DataFrame(
            {
                "source": out.name,
                # The file's line (CSV) or row (xlsx) as readers report it: data row
                # numbers plus the lines above the first data row.
                "row_number": out.quarantine["row_number"].to_numpy() + out.header_lines,
                "reason": out.quarantine["reason"].to_numpy(),
            }
        )
        for out in outputs
        if len(out.quarantine)
    ]
    q = (
        pd.concat(quarantine, ignore_index=True)
        if quarantine
        else pd.DataFrame(columns=["source", "row_number", "reason"])
    )
    write_csv(q.sort_values(["source", "row_number"], kind="stable"), paths["quarantine"])

    write_csv(_people_frame(world, ids), paths["people"])
    res = world.pop.residences
    addresses = pd.DataFrame(
        {
            "person_id": ids[res["person"].to_numpy()],
            "uprn": uprn[res["prop"].to_numpy()],
            "start_date": dt.fmt(res["start"].to_numpy(), "iso"),
            "end_date": dt.fmt(res["end"].to_numpy(), "iso"),
        }
    )
    write_csv(addresses, paths["addresses"])
    spd = spd_cases(world)
    write_csv(spd, paths["spd_cases"])
    rule_truth = {
        SPD_RULE: pd.DataFrame(
            {
                "record_id": "council_tax:" + spd["account_ref"].astype(str),
                "kind": spd["kind"].to_numpy(),
            }
        ),
        DEAD_RULE: deceased_still_listed(world, outputs),
        MOVED_RULE: stale_address_after_move(world, outputs),
    }
    for out in outputs:
        rule_truth.update(out.truth)
    for rule, frame in sorted(rule_truth.items()):
        path = truth_dir / f"rule_{rule}.csv"
        paths[f"rule_{rule}"] = write_csv(frame.sort_values("record_id", kind="stable"), path)
    return paths


def deceased_still_listed(world: World, outputs: list[SourceOutput]) -> pd.DataFrame:
    """Truth for `deceased_still_listed`: register entries of people who died.

    fraud (an error to correct): the elector died more than `DEAD_DAYS` days before the
    extract; decoy_recent_death: died within those days (removal takes a few weeks);
    decoy_household: a living elector registered at the same address as the one who died
    (often the widow or widower, with the same surname).
    """
    reg_out = next((o for o in outputs if o.name == "electoral_register"), None)
    if reg_out is None:
        return pd.DataFrame({"record_id": [], "kind": []})
    people = world.pop.people
    reg = world.admin.register
    kind_of = pd.Series(reg["kind"].to_numpy(), index=reg["person"].to_numpy())
    person = reg_out.records["person"].to_numpy()
    prop = reg_out.records["prop"].to_numpy()
    kind = kind_of.reindex(person).to_numpy()
    dod = dt.as_days(people["dod"].to_numpy()[person])
    dead = (kind == DEAD) & ~np.isnat(dod)
    recent = dead & (dod > world.pop.as_of - dt.days(DEAD_DAYS))
    alive_same_place = ~dead & np.isin(prop, prop[dead])
    label = np.select(
        [dead & ~recent, recent, alive_same_place],
        ["fraud", "decoy_recent_death", "decoy_household"],
        "",
    )
    keep = label != ""
    keys = reg_out.records["record_key"].to_numpy(dtype=object)[keep]
    return pd.DataFrame(
        {
            "record_id": ("electoral_register:" + keys.astype(str)).astype(object),
            "kind": label[keep],
        }
    )


def stale_address_after_move(world: World, outputs: list[SourceOutput]) -> pd.DataFrame:
    """Truth for `stale_address_after_move`: register entries at a home the elector left.

    fraud (an error to correct): a local mover still registered at their old home, whose
    council tax account moved with them (so a second source knows the new address);
    decoy_updated: a local mover with a council tax account at the new home whose register
    entry was updated too.
    """
    reg_out = next((o for o in outputs if o.name == "electoral_register"), None)
    if reg_out is None:
        return pd.DataFrame({"record_id": [], "kind": []})
    people, hh, acc = world.pop.people, world.pop.households, world.admin.accounts
    reg = world.admin.register
    kind_of = pd.Series(reg["kind"].to_numpy(), index=reg["person"].to_numpy())
    person = reg_out.records["person"].to_numpy()
    kind = kind_of.reindex(person).to_numpy()
    current = acc[acc["current"].to_numpy()]
    account_prop = pd.Series(current["prop"].to_numpy(), index=current["person"].to_numpy())
    account_prop = account_prop[~account_prop.index.duplicated()]
    home = people["cur_prop"].to_numpy()[person]
    pays_at_home = account_prop.reindex(person).to_numpy() == home
    p_hh = people["hh"].to_numpy()[person]
    mover = (hh["prev_prop"].to_numpy()[p_hh] >= 0) & (hh["split_from"].to_numpy()[p_hh] < 0)
    label = np.select(
        [(kind == STALE_ADDRESS) & pays_at_home, (kind == CURRENT) & mover & pays_at_home],
        ["fraud", "decoy_updated"],
        "",
    )
    keep = label != ""
    keys = reg_out.records["record_key"].to_numpy(dtype=object)[keep]
    return pd.DataFrame(
        {
            "record_id": ("electoral_register:" + keys.astype(str)).astype(object),
            "kind": label[keep],
        }
    )


def _people_frame(world: World, ids: np.ndarray) -> pd.DataFrame:
    names = load_names()
    p = world.pop.people
    uprn = world.places.props["uprn"].to_numpy()
    mid1, mid2 = p["mid1"].to_numpy(), p["mid2"].to_numpy()
    m1 = np.where(mid1 >= 0, names.first[np.maximum(mid1, 0)], "")
    m2 = np.where(mid2 >= 0, names.first[np.maximum(mid2, 0)], "")
    prev = p["prev_sur"].to_numpy()
    cur = p["cur_prop"].to_numpy()
    last = p["last_prop"].to_numpy()
    junior = p["junior_of"].to_numpy()
    return pd.DataFrame(
        {
            "person_id": ids,
            "household_id": household_ids(p["hh"].to_numpy()),
            "title": p["title"].to_numpy(dtype=object),
            "first_name": names.first[p["first"].to_numpy()],
            "middle_names": np.where(m2 != "", m1 + " " + m2, m1),
            "surname": names.surnames[p["sur"].to_numpy()],
            "previous_surname": np.where(prev >= 0, names.surnames[np.maximum(prev, 0)], ""),
            "sex": np.where(p["sex"].to_numpy() == 0, "M", "F"),
            "date_of_birth": dt.fmt(p["dob"].to_numpy(), "iso"),
            "date_of_death": dt.fmt(p["dod"].to_numpy(), "iso"),
            "current_uprn": np.where(cur >= 0, uprn[np.maximum(cur, 0)].astype(str), ""),
            "last_uprn": uprn[last],
            "status": _STATUS[p["status"].to_numpy()],
            "nhs_number": p["nhs"].to_numpy(dtype=object),
            "ni_number": p["ni"].to_numpy(dtype=object),
            "email": p["email"].to_numpy(dtype=object),
            "phone": p["phone"].to_numpy(dtype=object),
            "married_on": dt.fmt(p["married_on"].to_numpy(), "iso"),
            "junior_of": np.where(junior >= 0, ids[np.maximum(junior, 0)], ""),
        }
    )
