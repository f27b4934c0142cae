"""Each rule's truth file says what the source files show: cases and decoys are real."""

from __future__ import annotations

import pandas as pd
from demo_files import AS_OF, read_truth

from joinedup.demo import DemoSummary

TODAY = pd.Timestamp(AS_OF)


def _keys(truth: pd.DataFrame, kind: str) -> set[str]:
    return {r.split(":", 1)[1] for r in truth.loc[truth["kind"] == kind, "record_id"]}


def test_every_rule_has_cases_and_decoys(demo: DemoSummary) -> None:
    for rule in [
        "single_person_discount",
        "deceased_still_listed",
        "blue_badge_after_death",
        "housing_benefit_payroll",
        "duplicate_creditor_payments",
        "care_package_after_death",
        "unlicensed_hmo",
    ]:
        truth = read_truth(demo.out_dir, f"rule_{rule}")
        assert (truth["kind"] == "fraud").sum() > 0, rule
        assert truth["kind"].str.startswith("decoy_").sum() > 0, rule
        assert truth["record_id"].is_unique, rule
    # Local movers still registered at the old home are rare in a small council: decoys only.
    movers = read_truth(demo.out_dir, "rule_stale_address_after_move")
    assert (movers["kind"] == "decoy_updated").sum() > 0


def test_blue_badge_cases_are_live_badges_of_people_who_died(demo: DemoSummary) -> None:
    badges = pd.read_csv(demo.files["blue_badges"], dtype=str, keep_default_na=False)
    badges = badges.set_index("Badge Number")
    records = read_truth(demo.out_dir, "records")
    who = records[records["source"] == "blue_badges"].set_index("record_key")["person_id"]
    people = read_truth(demo.out_dir, "people").set_index("person_id")
    truth = read_truth(demo.out_dir, "rule_blue_badge_after_death")
    for key in _keys(truth, "fraud"):
        row = badges.loc[key]
        assert row["Badge Status"] == "Issued" and row["Cancelled Date"] == ""
        assert pd.to_datetime(row["Expiry Date"], dayfirst=True) >= TODAY
        died = pd.Timestamp(people.loc[who[key], "date_of_death"])
        assert died <= TODAY - pd.Timedelta(days=28)
    assert all(
        badges.loc[k, "Badge Status"] == "Cancelled" for k in _keys(truth, "decoy_cancelled")
    )


def test_housing_benefit_cases_earn_more_than_they_declared(demo: DemoSummary) -> None:
    hb = pd.read_csv(demo.files["housing_benefit"], dtype=str, keep_default_na=False)
    pay = pd.read_csv(demo.files["payroll"], dtype=str, keep_default_na=False)
    records = read_truth(demo.out_dir, "records").set_index(["source", "record_key"])["person_id"]
    hb["person"] = [records[("housing_benefit", k)] for k in hb["Person Ref"]]
    pay["person"] = [records[("payroll", k)] for k in pay["Employee No"]]
    current = pay[pay["Leaving Date"] == ""]
    weekly = current.set_index("person")["Monthly Gross Pay"].astype(float) * 12 / 52
    truth = read_truth(demo.out_dir, "rule_housing_benefit_payroll")
    claims = hb.set_index("Person Ref")
    for key in _keys(truth, "fraud"):
        row = claims.loc[key]
        assert row["Claim End"] == ""
        assert weekly[row["person"]] - float(row["Declared Weekly Earnings"]) > 10
    for key in _keys(truth, "decoy_declared"):
        row = claims.loc[key]
        assert abs(weekly[row["person"]] - float(row["Declared Weekly Earnings"])) < 10


def test_duplicate_payments_repeat_an_earlier_payment_and_contracts_do_not(
    demo: DemoSummary,
) -> None:
    pay = pd.read_csv(demo.files["creditor_payments"], dtype=str, keep_default_na=False)
    pay["paid"] = pd.to_datetime(pay["Payment Date"], dayfirst=True)
    pay = pay.set_index("Payment Ref")
    truth = read_truth(demo.out_dir, "rule_duplicate_creditor_payments")
    for key in _keys(truth, "fraud"):
        row = pay.loc[key]
        earlier = pay[(pay["Amount"] == row["Amount"]) & (pay["paid"] <= row["paid"])]
        earlier = earlier.drop(index=key)
        digits = earlier["Invoice No"].str.replace(r"\D", "", regex=True).str.lstrip("0")
        assert (digits == "".join(c for c in row["Invoice No"] if c.isdigit()).lstrip("0")).any()
    contracts = pay.loc[sorted(_keys(truth, "decoy_repeat_contract"))]
    assert not contracts.duplicated(["Supplier No", "Invoice No"]).any()
    assert (pay["paid"] <= TODAY).all()
