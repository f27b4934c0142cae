"""Benchmark: resolve messy addresses to UPRNs against a synthetic council gazetteer.

Why this exists: address matching is only worth trusting when it is measured against truth.
This script builds a ~100,000-address synthetic LLPG (houses, converted houses split into
flats under parent shells, purpose-built blocks, named houses, repeated street names across
localities), corrupts a sample of its addresses with `address-errors` (learned, realistic UK
recording errors with a truth table) plus extra noise, missing postcodes and given UPRNs,
then runs

* JoinedUp's `resolve_addresses` as the pipeline runs it (normalised exact keys and
  identifier-anchored rules, uk-address-matcher only for a big residue, the prepared
  gazetteer read from its cache after the first run), also with the model always on and
  with the rules alone without the cache, and
* a reference run of plain uk-address-matcher (its default stages, no thresholds) on the
  same inputs,

and reports right / wrong / not resolved percentages and addresses per second (medians over
runs) to stdout and benchmarks/results/match_addresses.json.

The demo generator (joinedup.demo) was not ready when this was written, so the messy
addresses come from this script's own gazetteer and `address-errors`
(`pip install address-errors`, not a project dependency: the benchmark only).

    .venv/bin/python benchmarks/match_addresses.py            # 20,000 addresses, 3 runs
    .venv/bin/python benchmarks/match_addresses.py --n 5000 --runs 1 --reference-runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results" / "match_addresses.json"

_WORDS = (
    (
        "ACORN ALDER ASH ASPEN BADGER BANK BARLEY BEACON BEECH BIRCH BLACKBERRY BRAMBLE BRIAR "
        "BROOK BUTTERCUP CASTLE CEDAR CHAPEL CHERRY CHESTNUT CHURCH CLOVER COPPER CROWN DAISY "
        "DALE DOVE ELM FALCON FERN FIELD FOX FOXGLOVE GARDEN GLEBE GOLDEN GRANGE GREEN HARVEST "
        "HAWTHORN HAZEL HEATHER HERON HIGH HILL HOLLY HONEYSUCKLE IVY JUNIPER KESTREL KINGS "
        "LABURNUM LARCH LAUREL LAVENDER LILAC LIME LINDEN MANOR MAPLE MARKET MEADOW MILL MOOR "
        "MULBERRY NEW NORTH OAK OLD ORCHARD OSPREY PARK PEAR PINE PLOVER POPLAR PRIORY QUEENS "
        "RAVEN RECTORY RIVER ROBIN ROSE ROWAN SANDPIPER SCHOOL SILVER SORREL SOUTH SPRING "
        "STATION SWALLOW SYCAMORE THISTLE THORN TUDOR VICARAGE VICTORIA WALNUT WATER WEST "
        "WILLOW WINDMILL WOOD WREN YEW ALBERT ABBEY BRIDGE CANAL COLLEGE DEAN EDWARD FOUNTAIN "
        "GEORGE GLADSTONE HAMPDEN LANCASTER MAYFIELD NELSON OXFORD PRINCES REGENT SAXON "
        "STANLEY TRINITY WELLINGTON WINDSOR YORK ST JOHNS ST MARYS ST PETERS"
    )
    .replace("ST JOHNS", "ST_JOHNS")
    .replace("ST MARYS", "ST_MARYS")
    .replace("ST PETERS", "ST_PETERS")
)
WORDS = [w.replace("_", " ") for w in _WORDS.split()]
STREET_TYPES = [
    "ROAD",
    "STREET",
    "AVENUE",
    "LANE",
    "CLOSE",
    "DRIVE",
    "GARDENS",
    "WAY",
    "PLACE",
    "CRESCENT",
    "GROVE",
    "TERRACE",
    "VIEW",
    "WALK",
    "RISE",
    "COURT",
]
STREET_WEIGHTS = np.array([18, 14, 8, 8, 10, 8, 5, 5, 4, 4, 4, 3, 2, 2, 2, 3], dtype=float)
BLOCK_TYPES = ["COURT", "HOUSE", "LODGE", "MANSIONS", "POINT", "HEIGHTS"]
HOUSE_NAMES = [
    "ROSE COTTAGE",
    "THE OLD RECTORY",
    "IVY COTTAGE",
    "THE LODGE",
    "THE COTTAGE",
    "HILLSIDE",
    "WOODLANDS",
    "THE BUNGALOW",
    "MEADOW VIEW",
    "ORCHARD HOUSE",
    "THE BARN",
    "THE OLD SCHOOL",
    "FERN COTTAGE",
    "HOLLY HOUSE",
    "OAK LODGE",
    "THE GRANGE",
    "BRAMBLES",
    "SUNNYSIDE",
    "THE STABLES",
    "THE OLD FORGE",
    "MILL HOUSE",
    "WILLOW COTTAGE",
    "APPLE TREE COTTAGE",
    "THE COACH HOUSE",
    "BEECH HOUSE",
    "THE OLD VICARAGE",
    "CHURCH COTTAGE",
    "GREYSTONES",
    "WHITE HOUSE",
    "LAUREL COTTAGE",
]
LOCALITIES = [
    "NORTHFIELD",
    "SOUTHBY",
    "EASTWICK",
    "WESTON",
    "MIDDLEHAM",
    "ASHBY",
    "BROOKSIDE",
    "HIGHGATE",
    "LOWFIELD",
    "KINGSWOOD",
    "HOLME",
    "CROSSFORD",
]
TOWN = "ZEDBURY"
PC_LETTERS = list("ABDEFGHJLNPQRSTUWXYZ")


class _Gaz:
    """Accumulates gazetteer rows and hands out UPRNs and postcodes."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.rows: list[dict[str, str]] = []
        self.next_uprn = 100_000_000_001
        self.used_pcs: set[str] = set()

    def uprn(self) -> str:
        self.next_uprn += int(self.rng.integers(1, 40))
        return str(self.next_uprn)

    def postcode(self, outcode: str) -> str:
        while True:
            pc = (
                f"{outcode} {self.rng.integers(1, 10)}"
                f"{self.rng.choice(PC_LETTERS)}{self.rng.choice(PC_LETTERS)}"
            )
            if pc not in self.used_pcs:
                self.used_pcs.add(pc)
                return pc

    def add(self, **kw: str) -> str:
        u = kw.pop("uprn", None) or self.uprn()
        row = {
            "uprn": u,
            "parent_uprn": "",
            "subname": "",
            "name": "",
            "number": "",
            "street": "",
            "locality": "",
            "town": TOWN,
            "postcode": "",
            "property_class": "RD04",
            "usrn": "",
        }
        row.update(kw)
        self.rows.append(row)
        return u


def make_gazetteer(target: int, seed: int) -> pd.DataFrame:
    """A synthetic district LLPG of about `target` addresses (its own invented ZZ postcodes)."""
    rng = np.random.default_rng(seed)
    g = _Gaz(rng)
    outcodes = {loc: [f"ZZ{2 * i + 1}", f"ZZ{2 * i + 2}"] for i, loc in enumerate(LOCALITIES)}
    usrn = 7000000
    street_names_by_loc: dict[str, set[str]] = {loc: set() for loc in LOCALITIES}
    p = STREET_WEIGHTS / STREET_WEIGHTS.sum()
    while len(g.rows) < target:
        loc = str(rng.choice(LOCALITIES))
        name = f"{rng.choice(WORDS)} {rng.choice(STREET_TYPES, p=p)}"
        if name in street_names_by_loc[loc]:
            continue
        street_names_by_loc[loc].add(name)
        usrn += 1
        oc = outcodes[loc][int(rng.integers(0, 2))]
        rural = rng.random() < 0.06
        if rural:  # a lane of named houses only, one or two postcodes
            pcs = [g.postcode(oc) for _ in range(int(rng.integers(1, 3)))]
            names = rng.choice(len(HOUSE_NAMES), size=int(rng.integers(3, 12)), replace=False)
            for i in names:
                g.add(
                    name=HOUSE_NAMES[int(i)],
                    street=name,
                    locality=loc,
                    postcode=str(rng.choice(pcs)),
                    property_class="RD02",
                    usrn=str(usrn),
                )
            continue
        n_houses = int(rng.integers(8, 90))
        side_pc: dict[tuple[int, int], str] = {}
        for num in range(1, n_houses + 1):
            key = (num % 2, (num - 1) // 24)
            if key not in side_pc:
                side_pc[key] = g.postcode(oc)
            pc = side_pc[key]
            base = {"street": name, "locality": loc, "postcode": pc, "usrn": str(usrn)}
            r = rng.random()
            numbers = [str(num)]
            if rng.random() < 0.03:
                numbers.append(f"{num}A")
            for number in numbers:
                r = rng.random()
                if r < 0.07:  # a converted house: parent shell + 2-4 flats
                    parent = g.add(number=number, property_class="PP", **base)
                    style = rng.integers(0, 3)
                    for k in range(int(rng.integers(2, 5))):
                        sub = (
                            f"FLAT {k + 1}"
                            if style == 0
                            else f"FLAT {'ABCD'[k]}"
                            if style == 1
                            else [
                                "GROUND FLOOR FLAT",
                                "FIRST FLOOR FLAT",
                                "SECOND FLOOR FLAT",
                                "TOP FLOOR FLAT",
                            ][k]
                        )
                        g.add(
                            subname=sub,
                            number=number,
                            parent_uprn=parent,
                            property_class="RD06",
                            **base,
                        )
                elif r < 0.085:  # a purpose-built block with its own name and postcode
                    block = f"{rng.choice(WORDS)} {rng.choice(BLOCK_TYPES)}"
                    bpc = g.postcode(oc)
                    bbase = dict(base, postcode=bpc)
                    parent = g.add(name=block, number=number, property_class="PP", **bbase)
                    word = "FLAT" if rng.random() < 0.7 else "APARTMENT"
                    for k in range(int(rng.integers(6, 40))):
                        g.add(
                            subname=f"{word} {k + 1}",
                            name=block,
                            number=number,
                            parent_uprn=parent,
                            property_class="RD06",
                            **bbase,
                        )
                elif r < 0.11:  # a named, numbered house
                    g.add(
                        name=str(rng.choice(HOUSE_NAMES)),
                        number=number,
                        property_class="RD03",
                        **base,
                    )
                else:
                    g.add(number=number, property_class=str(rng.choice(["RD03", "RD04"])), **base)
    df = pd.DataFrame(g.rows)
    # the LLPG form JoinedUp receives: PAO text holds the building name and/or number
    df["sao_text"] = df["subname"]
    df["pao_text"] = (df["name"] + " " + df["number"]).str.strip()
    return df


GAZ_COLUMNS = [
    "uprn",
    "parent_uprn",
    "sao_text",
    "pao_text",
    "street",
    "locality",
    "town",
    "postcode",
    "property_class",
]


def load_gazetteer(con: duckdb.DuckDBPyConnection, gaz: pd.DataFrame) -> None:
    g = gaz[GAZ_COLUMNS].replace("", None)  # noqa: F841 - read by DuckDB's replacement scan
    con.execute("CREATE OR REPLACE TABLE gazetteer AS SELECT * FROM g")


def make_messy(gaz: pd.DataFrame, n: int, seed: int, workdir: Path) -> pd.DataFrame:
    """`n` messy records of gazetteer dwellings (not shells), with truth, via address-errors."""
    from address_errors import Controls, Corruptor, Noise, Profile, load_components

    rng = np.random.default_rng(seed + 1)
    comp = gaz.rename(
        columns={
            "street": "streetname",
            "town": "townname",
            "parent_uprn": "parentuprn",
            "property_class": "classificationcode",
        }
    )
    path = workdir / "components.csv"
    comp[
        [
            "uprn",
            "subname",
            "name",
            "number",
            "streetname",
            "locality",
            "townname",
            "postcode",
            "parentuprn",
            "usrn",
            "classificationcode",
        ]
    ].to_csv(path, index=False)
    recs = load_components(str(path))
    gen = Corruptor(
        Profile.load(),
        seed=seed,
        controls=Controls(prevalence=2.0, commas=True, noise=Noise(rate=0.15)),
    )
    gen.index(recs)
    dwellings = gaz.loc[gaz.property_class != "PP", "uprn"].to_numpy()
    chosen = rng.choice(dwellings, size=n, replace=False)
    rows = pd.DataFrame(gen.generate([str(u) for u in chosen]))
    out = pd.DataFrame(
        {
            "record_id": [f"r{i:06d}" for i in range(n)],
            "source": rng.choice(["council_tax", "housing_benefit", "electoral_register"], size=n),
            "address": rows["recorded_address"].str.upper(),
            "postcode": rows["recorded_postcode"].replace("", None),
            "true_uprn": rows["source_uprn"],
            "collision": rows["collision"],
            "applied": rows["applied_rules"] + " " + rows["noise_ops"],
        }
    )
    # what the hub's sources look like beyond the profile's errors
    r = rng.random(n)
    out.loc[r < 0.08, "postcode"] = None  # missing or failed validation
    r = rng.random(n)
    in_text = r < 0.05
    out.loc[in_text, "address"] = (
        out.loc[in_text, "address"] + ", " + out.loc[in_text, "postcode"].fillna("")
    )
    out["address"] = out["address"].str.rstrip(", ")
    # some sources hold a UPRN: mostly right, sometimes stale (a neighbour's) or the block's
    out["uprn_given"] = None
    r = rng.random(n)
    given = r < 0.15
    out.loc[given, "uprn_given"] = out.loc[given, "true_uprn"]
    parent_of = gaz.set_index("uprn")["parent_uprn"]
    stale = (r >= 0.15) & (r < 0.16)  # the next LLPG row: usually a neighbour
    pos = pd.Series(np.arange(len(gaz)), index=gaz["uprn"].to_numpy())
    nxt = (pos[out.loc[stale, "true_uprn"]].to_numpy() + 1) % len(gaz)
    out.loc[stale, "uprn_given"] = gaz["uprn"].to_numpy()[nxt]
    block = (r >= 0.16) & (r < 0.18)
    pu = out.loc[block, "true_uprn"].map(parent_of)
    out.loc[block, "uprn_given"] = pu.where(pu != "", None)
    return out


COLLISIONS = ("matches_other_only", "matches_label_and_other")


def score(answers: pd.DataFrame, messy: pd.DataFrame, gaz: pd.DataFrame) -> dict[str, object]:
    """Right / wrong / not resolved shares of `answers(record_id, uprn)` against the truth."""
    df = messy[["record_id", "true_uprn", "collision", "address"]].merge(
        answers, on="record_id", how="left"
    )
    right = df["uprn"] == df["true_uprn"]
    wrong = df["uprn"].notna() & ~right
    clean = ~df["collision"].isin(COLLISIONS)
    shells = set(gaz.loc[gaz.property_class == "PP", "uprn"])
    names_flat = df["address"].fillna("").str.contains(r"\b(?:FLAT|APARTMENT|APT)\b")
    n = len(df)
    return {
        "records": n,
        "right_pct": round(100 * right.mean(), 2),
        "wrong_pct": round(100 * wrong.mean(), 2),
        "not_resolved_pct": round(100 * (1 - right.mean() - wrong.mean()), 2),
        # records whose recorded address equals another real address (address-errors'
        # collision check): no matcher can get these right from the text
        "collision_records": int((~clean).sum()),
        "right_pct_without_collisions": round(100 * right[clean].mean(), 2),
        "wrong_pct_without_collisions": round(100 * wrong[clean].mean(), 2),
        "flat_records_given_a_parent_shell": int((names_flat & df["uprn"].isin(shells)).sum()),
    }


def run_joinedup(
    gaz: pd.DataFrame, messy: pd.DataFrame, *, use_model: bool | None, cache_dir: Path | None
) -> tuple[pd.DataFrame, float, dict[str, object]]:
    """One resolution, timed end to end: everything resolve_addresses does (preparing the
    gazetteer or reading it from the cache, every stage, the output table)."""
    from joinedup.link.places import resolve_addresses

    con = duckdb.connect()
    load_gazetteer(con, gaz)
    inp = messy[["record_id", "source", "address", "postcode", "uprn_given"]]  # noqa: F841
    con.execute("CREATE TABLE addresses_to_resolve AS SELECT * FROM inp")
    started = time.perf_counter()
    summary = resolve_addresses(con, use_model=use_model, cache_dir=cache_dir)
    seconds = time.perf_counter() - started
    out = con.execute("SELECT record_id, uprn, status, method FROM address_matches").df()
    con.close()
    return (
        out,
        seconds,
        {
            "by_method": summary.by_method,
            "seconds_by_step": summary.seconds_by_step,
            "gazetteer_from_cache": summary.gazetteer_from_cache,
            "model_ran": summary.model_ran,
        },
    )


def run_reference(gaz: pd.DataFrame, messy: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Plain uk-address-matcher: default stages, its best candidate taken as the answer."""
    from uk_address_matcher import AddressMatcher

    con = duckdb.connect()
    load_gazetteer(con, gaz)
    con.execute("""
        CREATE TABLE canon AS
        SELECT uprn AS unique_id,
               concat_ws(', ', sao_text, pao_text, street, locality, town) AS address_concat,
               postcode
        FROM gazetteer
    """)
    mess = messy[["record_id", "address", "postcode"]].rename(  # noqa: F841
        columns={"record_id": "unique_id", "address": "address_concat"}
    )
    con.execute("CREATE TABLE mess AS SELECT * FROM mess")
    started = time.perf_counter()
    matcher = AddressMatcher(
        canonical_addresses=con.table("canon"),
        addresses_to_match=con.table("mess"),
        con=con,
        show_progress="off",
    )
    result = matcher.match()
    out = result.matches().df()[["unique_id", "resolved_canonical_id"]]
    seconds = time.perf_counter() - started
    con.close()
    out = out.rename(columns={"unique_id": "record_id", "resolved_canonical_id": "uprn"})
    out["uprn"] = out["uprn"].astype("string").replace("", None)
    return out, seconds


def _median_run(name: str, runs: int, fn) -> tuple[pd.DataFrame, dict[str, object]]:
    seconds: list[float] = []
    cpu: list[float] = []
    out = pd.DataFrame()
    extra: dict[str, object] = {}
    for i in range(runs):
        before = resource.getrusage(resource.RUSAGE_SELF)
        res = fn()
        after = resource.getrusage(resource.RUSAGE_SELF)
        out, secs = res[0], res[1]
        if len(res) > 2:
            extra.update(res[2])
        seconds.append(secs)
        # CPU seconds of this process (all DuckDB threads; includes loading the tables):
        # a load-independent check on the wall time when the machine is shared
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        print(f"  {name} run {i + 1}/{runs}: {secs:.2f}s (cpu {cpu[-1]:.1f}s)", flush=True)
    med = statistics.median(seconds)
    extra.update(
        {
            "runs": runs,
            "seconds_each": [round(s, 2) for s in seconds],
            "seconds_median": round(med, 2),
            "cpu_seconds_each": [round(c, 2) for c in cpu],
        }
    )
    return out, extra


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="messy addresses")
    ap.add_argument("--gazetteer", type=int, default=100_000, help="gazetteer size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--model-runs", type=int, default=1, help="runs with the model always on")
    ap.add_argument("--reference-runs", type=int, default=1)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    t0 = time.perf_counter()
    gaz = make_gazetteer(args.gazetteer, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        messy = make_messy(gaz, args.n, args.seed, Path(tmp))
    print(
        f"data: {len(gaz):,} gazetteer rows, {len(messy):,} messy records "
        f"({time.perf_counter() - t0:.1f}s to make)",
        flush=True,
    )

    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="joinedup-places-cache-") as cache:
        # The first run prepares the gazetteer and saves it (a new gazetteer, once); the
        # timed runs after it read it back, as every later pipeline run does.
        cold, cold_timing = _median_run(
            "joinedup_first_run",
            1,
            lambda: run_joinedup(gaz, messy, use_model=None, cache_dir=Path(cache)),
        )
        results["joinedup_first_run"] = {
            **score(cold, messy, gaz),
            **cold_timing,
            "addresses_per_second": round(len(messy) / cold_timing["seconds_median"]),
        }
        variants = (
            ("joinedup", None, Path(cache)),  # the default: model only for a big residue
            ("joinedup_model_always", True, Path(cache)),
            ("joinedup_rules_only_no_cache", False, None),
        )
        for name, use_model, cache_dir in variants:
            out, timing = _median_run(
                name,
                args.model_runs if use_model else args.runs,
                lambda um=use_model, cd=cache_dir: run_joinedup(
                    gaz, messy, use_model=um, cache_dir=cd
                ),
            )
            results[name] = {
                **score(out, messy, gaz),
                **timing,
                "addresses_per_second": round(len(messy) / timing["seconds_median"]),
                "status": out["status"].value_counts().to_dict(),
            }
    if not args.no_reference:
        out, timing = _median_run(
            "uk_address_matcher", args.reference_runs, lambda: run_reference(gaz, messy)
        )
        results["uk_address_matcher_plain"] = {
            **score(out, messy, gaz),
            **timing,
            "addresses_per_second": round(len(messy) / timing["seconds_median"]),
        }

    import uk_address_matcher

    report = {
        "benchmark": "match_addresses",
        "command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *(argv or sys.argv[1:])]),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "duckdb": duckdb.__version__,
            "uk_address_matcher": uk_address_matcher.__version__,
            # 1/5/15-minute load: other work on the machine slows every timing here
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "data": {
            "gazetteer_rows": len(gaz),
            "parent_shells": int((gaz.property_class == "PP").sum()),
            "messy_records": len(messy),
            "generator": "own synthetic LLPG + address-errors "
            "(Profile all6, prevalence 2, noise 0.15, commas); 8% postcodes "
            "removed, 5% postcode copied into the text, 15% right UPRN given, "
            "1% a neighbour's UPRN given, 2% the block's UPRN given for a flat",
            "seed": args.seed,
        },
        "metrics": "right = the true UPRN; wrong = another UPRN; not resolved = ambiguous "
        "or unmatched; medians of the runs for time",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
