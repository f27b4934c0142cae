"""Payments to suppliers from the finance system (accounts payable), one row per payment.

Suppliers send invoices; some are paid monthly under a contract (the same amount every
month, a new invoice number each time). A few invoices are paid twice: the second time the
invoice number was keyed differently ('INV-00123' as 'INV123' or '123'), or the supplier
was set up a second time under a slightly different name ('Smith Plumbing Ltd' and
'SMITH PLUMBING LIMITED'), so the finance system's own duplicate check did not stop it.

Truth for `duplicate_creditor_payments`: the second payment of each planted pair is a case
('fraud': a duplicate, recoverable); each repeat contract payment after the first is a
look-alike ('decoy_repeat_contract').
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.demo import dates as dt
from joinedup.demo.rates import RULE_RATES
from joinedup.demo.sources import render
from joinedup.demo.sources.base import DMY, SourceOutput, SourceSpec, col, describe, write_csv
from joinedup.demo.vocab import load_names
from joinedup.demo.world import World

NAME = "creditor_payments"
FILE = "creditor_payments.csv"
RULE = "duplicate_creditor_payments"
TRADES = np.array(
    [
        "Plumbing", "Electrical", "Roofing", "Building Services", "Cleaning", "Catering",
        "Grounds Maintenance", "Office Supplies", "Consulting", "Transport", "Waste Services",
        "IT Services", "Security", "Printing", "Scaffolding", "Decorators", "Legal Services",
        "Care Services", "Fencing", "Highways",
    ],
    dtype=object,
)  # fmt: skip
SUFFIX = np.array(["Ltd", "Limited", "& Sons", "Services Ltd", "LLP", "Plc"], dtype=object)
COST_CENTRES = np.array(
    ["HSG01", "HWY02", "ENV03", "ASC04", "CORP05", "LEIS06", "REV07", "ICT08"], dtype=object
)


def _suppliers(n: int, rng: np.random.Generator) -> pd.DataFrame:
    names = load_names()
    sur = names.surnames[rng.integers(0, len(names.surnames), n)]
    trade = TRADES[rng.integers(0, len(TRADES), n)]
    suffix = SUFFIX[rng.integers(0, len(SUFFIX), n)]
    name = (sur + " " + trade + " " + suffix).astype(object)
    # Distinct names: a repeated name gets the supplier's number in it.
    repeated = pd.Series(name).duplicated().to_numpy()
    name = np.where(repeated, name + " (" + np.arange(n).astype(str) + ")", name)
    return pd.DataFrame(
        {
            "supplier_no": 200_000 + np.arange(n) * 3,
            "name": name.astype(object),
            "contract": rng.random(n) < RULE_RATES.contract_supplier_share,
            "prefix": np.array(["INV-", "INV", "SI", ""], dtype=object)[rng.integers(0, 4, n)],
        }
    )


def _variant_name(name: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same supplier set up again: upper case, 'Limited' for 'Ltd' (or back), no '&'."""
    s = pd.Series(name.astype(str))
    swapped = s.str.replace(" Ltd", " Limited", regex=False).where(
        s.str.contains(" Ltd"), s.str.replace(" Limited", " Ltd", regex=False)
    )
    swapped = swapped.str.replace("&", "and", regex=False)
    upper = rng.random(len(s)) < 0.5
    return np.where(upper, swapped.str.upper(), swapped).astype(object)


def _variant_invoice(inv: np.ndarray, prefix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The invoice number keyed again: prefix dropped or changed, leading zeros gone, lower
    case, a space or a slash; a few are keyed identically."""
    digits = pd.Series(inv.astype(str)).str.replace(r"^\D*", "", regex=True)
    u = rng.random(len(inv))
    stripped = digits.str.lstrip("0")
    out = np.select(
        [u < 0.25, u < 0.45, u < 0.6, u < 0.75, u < 0.9],
        [
            stripped.to_numpy(dtype=object),
            ("INV " + digits).to_numpy(dtype=object),
            pd.Series(inv.astype(str)).str.lower().to_numpy(dtype=object),
            (prefix + "/" + digits).to_numpy(dtype=object),
            ("INV" + stripped).to_numpy(dtype=object),
        ],
        inv,
    )
    return out.astype(object)


def build(world: World, out_dir: Path) -> SourceOutput:
    rng = world.rng(NAME)
    r = RULE_RATES
    n_people = len(world.pop.people)
    sup = _suppliers(max(int(n_people * r.suppliers_per_person), 20), rng)
    today = world.pop.as_of
    year_ago = today - dt.days(365)
    # Contract invoices start early enough that the twelfth is paid before the extract.
    contract_start = today - dt.days(430)

    # Contract payments: one a month for a year, same amount, a new invoice each month.
    contract = np.flatnonzero(sup["contract"].to_numpy())
    months = 12
    c_sup = np.repeat(contract, months)
    c_month = np.tile(np.arange(months), len(contract))
    c_amount = np.repeat(np.round(np.exp(rng.normal(np.log(3000), 0.8, len(contract))), 2), months)
    c_inv_date = contract_start + dt.days(
        c_month * 30 + np.repeat(rng.integers(0, 28, len(contract)), months)
    )

    # One-off invoices.
    n_one = max(int(n_people * r.payments_per_person) - len(c_sup), 10)
    o_sup = rng.integers(0, len(sup), n_one)
    o_amount = np.round(np.exp(rng.normal(np.log(900), 1.1, n_one)), 2)
    o_inv_date = dt.uniform_between(year_ago, today - dt.days(50), rng, n=n_one)

    supplier = np.concatenate([c_sup, o_sup])
    amount = np.concatenate([c_amount, o_amount])
    inv_date = dt.as_days(np.concatenate([c_inv_date, o_inv_date]))
    is_repeat = np.concatenate([c_month > 0, np.zeros(n_one, dtype=bool)])
    m = len(supplier)
    seq = 1000 + pd.Series(np.ones(m, dtype=int)).groupby(supplier).cumcount().to_numpy() * 7
    seq = seq + rng.integers(1, 7, m)
    prefix = sup["prefix"].to_numpy()[supplier]
    invoice = (prefix + np.char.zfill(seq.astype(str), 6).astype(object)).astype(object)
    paid = inv_date + dt.days(rng.integers(14, 45, m))
    sup_no = sup["supplier_no"].to_numpy()[supplier]
    sup_name = sup["name"].to_numpy()[supplier]

    # Planted duplicates of one-off invoices: paid again 1-40 days later.
    one_off = np.flatnonzero(~np.concatenate([np.ones(len(c_sup), bool), np.zeros(n_one, bool)]))
    k = max(int(round(r.duplicate_payment_share * m)), 2)
    orig = np.sort(rng.choice(one_off, size=min(k, len(one_off)), replace=False))
    k = len(orig)
    second_record = rng.random(k) < r.duplicate_supplier_record_share
    d_sup_no = np.where(second_record, 900_000 + np.arange(k) * 3, sup_no[orig])
    d_name = np.where(second_record, _variant_name(sup_name[orig], rng), sup_name[orig])
    d_invoice = _variant_invoice(invoice[orig], prefix[orig], rng)
    d_paid = np.minimum(paid[orig] + dt.days(rng.integers(1, 41, k)), today)

    all_sup_no = np.concatenate([sup_no, d_sup_no])
    all_name = np.concatenate([sup_name, d_name]).astype(object)
    all_invoice = np.concatenate([invoice, d_invoice]).astype(object)
    all_inv_date = np.concatenate([inv_date, inv_date[orig]])
    all_paid = np.concatenate([paid, d_paid])
    all_amount = np.concatenate([amount, amount[orig]])
    kind = np.concatenate(
        [np.where(is_repeat, "decoy_repeat_contract", ""), np.full(k, "fraud")]
    ).astype(object)
    centre = COST_CENTRES[rng.integers(0, len(COST_CENTRES), len(all_paid))]
    order = np.lexsort((all_sup_no, all_paid))
    ref = ("AP" + np.char.zfill((500_000 + np.arange(len(order))).astype(str), 7)).astype(object)
    frame = pd.DataFrame(
        {
            "Payment Ref": ref,
            "Supplier No": all_sup_no[order].astype(str).astype(object),
            "Supplier Name": all_name[order],
            "Invoice No": all_invoice[order],
            "Invoice Date": dt.fmt(all_inv_date[order], "dmy"),
            "Payment Date": dt.fmt(all_paid[order], "dmy"),
            "Amount": np.char.mod("%.2f", all_amount[order]),
            "Cost Centre": centre,
        }
    )
    path = write_csv(frame, out_dir / FILE)
    records = pd.DataFrame({"record_key": ref, "person": -1, "prop": -1})  # no place
    truth = render.truth_rows(NAME, ref, kind[order])
    return SourceOutput(NAME, path, len(frame), records, config=_config(world), truth={RULE: truth})


def _config(world: World) -> dict:
    return describe(
        world,
        description=(
            "Payments to suppliers from the finance system's accounts payable module, one row "
            "per payment, for the last twelve months."
        ),
        entity="organisation",
        owner="Chief Finance Officer (s.151 officer)",
        steward="Accounts Payable Manager",
        system="Finance system",
        classification="OFFICIAL",
        lawful_basis=(
            "UK GDPR Art 6(1)(e) public task where a supplier is a sole trader; the council's "
            "duty to make arrangements for the proper administration of its financial "
            "affairs (Local Government Act 1972 s.151)."
        ),
        retention="Current financial year plus 6 years",
        refresh="Weekly",
        file=FILE,
        columns=[
            col("Payment Ref", "record_key", checks=["not_null", "unique"], required=True),
            col("Supplier No", "supplier_no", type="string", checks=["not_null"]),
            col("Supplier Name", "supplier_name", type="string", checks=["not_null"]),
            col("Invoice No", "invoice_no", type="string", checks=["not_null"]),
            col("Invoice Date", "invoice_date", type="date", format=DMY, checks=["valid"]),
            col("Payment Date", "payment_date", type="date", format=DMY, checks=["valid"]),
            col("Amount", "amount", type="decimal", checks=["not_null"]),
            col("Cost Centre", "cost_centre", type="string"),
        ],
    )


SPEC = SourceSpec(NAME, FILE, build)
