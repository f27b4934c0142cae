"""The purposes a user may state, and an agreement may name: the hub's one vocabulary.

The NFI-style matching the hub does for fraud and error rests on Part 6 of the Local
Audit and Accountability Act 2014 (data matching for the prevention and detection of
fraud; e.g. the fair processing notice at
https://next.shropshire.gov.uk/privacy/the-national-fraud-initiative). Sharing to keep
children and adults at risk safe is what multi-agency agreements with the police and
health are usually for; for special category data the DPA 2018 Schedule 1 condition is
paragraph 18, "safeguarding of children and of individuals at risk" (ICO, "A 10 step
guide to sharing information to safeguard children", 2023; HM Government, "Information
sharing advice for safeguarding practitioners", 2018).
"""

from __future__ import annotations

PURPOSES: dict[str, str] = {
    "fraud_investigation": "Preventing and detecting fraud and error",
    "error_correction": "Putting right records that are wrong or out of date",
    "audit_oversight": "Checking that data is used lawfully (DPO, SIRO, auditors)",
    "safeguarding": "Keeping children and adults at risk safe from harm",
}
