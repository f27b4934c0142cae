"""The savings summary: per data matching rule, what it found, what the cases show, and
the money. The same facts as the business case (business_case.gather), in one table."""

from __future__ import annotations

from joinedup.reports.business_case import Facts
from joinedup.reports.document import Document, Paragraph, Table, count, money, pct


def savings_document(facts: Facts) -> Document:
    rate, rate_kind = facts.hit_rate
    doc = Document(
        title="Savings by rule",
        subtitle=(
            f"Run {facts.run_id}, data as of {facts.as_of:%d %B %Y}"
            if facts.run_id and facts.as_of
            else "No run has finished yet"
        ),
        footer=(
            "Estimated value: what the rule's matches would be worth if every one were "
            "confirmed. Realised: amounts recovered and prevented as recorded on closed "
            "cases. Hit rate: the share of closed cases confirmed as fraud or error."
        ),
    )
    doc.summary = [
        f"{count(facts.matches)} matches from {count(len(facts.rules))} rules; "
        f"{count(facts.closed)} cases closed, {count(facts.confirmed)} confirmed.",
        f"Realised so far: {money(facts.realised)}. Expected from this run: "
        f"{money(facts.forecast)} ({pct(rate)} confirmed, {rate_kind}).",
    ]
    rules = doc.section("By rule")
    if not facts.rules:
        rules.add(Paragraph("No rule found a match in this run."))
        return doc
    ordered = sorted(facts.rules, key=lambda r: (-r.realised, -r.estimated_total, r.rule))
    rules.add(
        Table(
            [
                "Rule",
                "Matches",
                "Open",
                "Closed",
                "Confirmed",
                "Hit rate",
                "Estimated value",
                "Realised",
            ],
            [
                [
                    r.title,
                    count(r.matches),
                    count(r.open_cases),
                    count(r.closed),
                    count(r.confirmed),
                    pct(r.hit_rate),
                    money(r.estimated_total),
                    money(r.realised),
                ]
                for r in ordered
            ]
            + [
                [
                    "All rules",
                    count(facts.matches),
                    count(sum(r.open_cases for r in facts.rules)),
                    count(facts.closed),
                    count(facts.confirmed),
                    pct(facts.confirmed / facts.closed) if facts.closed else "-",
                    money(sum(r.estimated_total for r in facts.rules)),
                    money(facts.realised),
                ]
            ],
            numeric=(1, 2, 3, 4, 5, 6, 7),
        )
    )
    if facts.realised_by_month:
        months = doc.section("Realised by month")
        months.add(
            Table(
                ["Month", "Cases closed", "Confirmed", "Realised"],
                [
                    [month, count(closed), count(confirmed), money(amount)]
                    for month, closed, confirmed, amount in facts.realised_by_month
                ],
                numeric=(1, 2, 3),
            )
        )
    return doc
