"""Every rate the synthetic council is built with, in one place.

Two kinds of number live here. `WorldRates` shape what is *true* in the district (how many
people move, die or claim a discount they should not); `RecordingErrors` shape how each
source system *records* that truth (typos, nicknames, stale values). Keeping them apart lets
a test or a benchmark turn the errors up or down without changing who lives where, and lets
the truth files stay a statement about the world rather than about a source.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorldRates:
    """What happens in the district; none of this is a recording error."""

    people_per_dwelling: float = 2.2
    recent_window_years: int = 5  # moves and marriages happen in this window
    deaths_window_years: int = 3  # deaths.csv covers this window
    # Share of recent-moving households whose previous home is a dwelling in the district.
    in_district_move_share: float = 0.15
    # Previous occupants of a dwelling whose household moved in recently.
    previous_occupant_none: float = 0.10  # new build, or empty a long while
    previous_occupant_died: float = 0.15  # else they moved away
    widowed_share_single_older: float = 0.22
    widowed_share_single_young: float = 0.02
    dead_member_share_multi_adult: float = 0.04
    recent_marriage_share: float = 0.12  # of couples where the partner took the surname
    partner_takes_surname: float = 0.72
    twins_share: float = 0.04  # of households with two or more children
    junior_share: float = 0.18  # adult sons named after their father
    lone_parent_teen_share: float = 0.30  # lone parents whose eldest is 16 or 17
    # Council tax behaviour.
    spd_claim_rate: float = 0.97  # single adults who claim the single person discount
    spd_fraud_share: float = 0.05  # of SPD accounts: another adult really lives there
    decoy_moved_out_planted_share: float = 0.01  # extra to the moves that make them anyway
    disregard_share: float = 0.015  # multi-adult households with a 'DISREG' discount
    # Electoral registration behaviour.
    register_adult: float = 0.88
    register_attainer: float = 0.85
    register_stale_after_move: float = 0.06  # registered at the old address instead
    register_dead_stale: float = 0.15  # a dead person not yet removed
    register_dead_partner_stale: float = 0.40  # ... when the partner lives on there
    # Contact details and identifiers held about people.
    has_email: float = 0.62
    has_phone: float = 0.75
    has_nhs_number: float = 0.96
    has_ni_number_adult: float = 0.70


@dataclass(frozen=True)
class RecordingErrors:
    """How one source system records people and places; rates are per row unless noted."""

    name_typo: float = 0.0  # a letter swapped, dropped, doubled or mistyped
    nickname: float = 0.0  # Bill for William
    names_swapped: float = 0.0  # first name and surname swapped
    dob_transposed: float = 0.0  # day and month swapped (only where both are <= 12)
    all_caps: float = 0.0
    extra_whitespace: float = 0.0
    postcode_no_space: float = 0.0
    postcode_lowercase: float = 0.0
    postcode_wrong_letter: float = 0.0
    street_abbreviated: float = 0.0  # ROAD -> RD, STREET -> ST, ...
    # Address slips (errors.address_slips), moderate: councils' addresses are messy but
    # mostly usable.
    address_typo: float = 0.0  # a letter dropped, doubled or swapped in one word
    street_type_dropped: float = 0.0  # '12 Church, Millbridge' for 12 Church Lane
    flat_reworded: float = 0.0  # of flats: 'Apartment 2', 'Apt 2', 'Flat2', '2/12 High St'
    house_name_added: float = 0.0  # a name before a numbered house ('Rose Cottage, 12 ...')
    flat_number_dropped: float = 0.0  # of flats: '12 High St' or 'Flat, 12 High St'
    house_number_slip: float = 0.0  # '21' or '14' for 12 (another real address)
    postcode_transposed: float = 0.0  # the inward letters swapped ('JD1 2BA')
    stale_surname_after_marriage: float = 0.0  # of records made before a recent marriage
    missing: dict[str, float] = field(default_factory=dict)  # column -> share left blank
    duplicate_rows: float = 0.0  # exact repeats of a row (same key twice)
    # Planted rows the ingest must quarantine; counts, not rates.
    blank_key_rows: int = 0
    short_rows: int = 0
    bad_required_date_rows: int = 0
    bad_optional_date_rows: int = 0  # a real record whose optional date cannot parse


# How each source records people and places: one row an error (a `RecordingErrors` rate),
# one column a source, so the sources can be compared side by side; 0: never.
_SOURCES = (
    "council_tax",
    "electoral_register",
    "deaths",  # registrars copy names from documents; the same death can be notified twice
    "blue_badges",
    "housing_benefit",
    "payroll",
    "adult_social_care",
    "taxi_licences",  # identity documents checked; addresses as the applicant wrote them
    "police_incidents",  # names typed from what people say at the scene
)
_RATES: dict[str, tuple[float, ...]] = {
    #                               ctax   voters deaths badges hb     payrl  care   taxi   police
    "name_typo":                    (0.015, 0.01,  0.005, 0.01,  0.01,  0.005, 0.01,  0.005, 0.02),
    "nickname":                     (0.02,  0.015, 0,     0.01,  0.02,  0.03,  0.02,  0.01,  0.04),
    "names_swapped":                (0.004, 0.002, 0,     0,     0.002, 0,     0,     0,     0),
    "dob_transposed":               (0.01,  0,     0.003, 0.005, 0.005, 0.003, 0.005, 0,     0),
    "all_caps":                     (0.05,  0.02,  0,     0,     0.3,   0,     0,     0.3,   0),
    "extra_whitespace":             (0.01,  0.01,  0,     0,     0,     0,     0,     0.01,  0),
    "postcode_no_space":            (0.05,  0.02,  0.01,  0.03,  0.02,  0.02,  0.03,  0.05,  0),
    "postcode_lowercase":           (0.01,  0.005, 0,     0,     0,     0,     0,     0,     0),
    "postcode_wrong_letter":        (0.004, 0.003, 0,     0,     0,     0,     0,     0,     0),
    "street_abbreviated":           (0.6,   0.05,  0.1,   0.3,   0.5,   0.4,   0.4,   0.2,   0),
    "address_typo":                 (0.02,  0,     0.01,  0.03,  0.03,  0.03,  0.04,  0,     0),
    "street_type_dropped":          (0.01,  0,     0.01,  0.02,  0.02,  0.02,  0.03,  0,     0),
    "flat_reworded":                (0.3,   0,     0.2,   0.3,   0.4,   0.4,   0.4,   0,     0),
    "house_name_added":             (0.01,  0,     0,     0.01,  0.01,  0.01,  0.02,  0,     0),
    "flat_number_dropped":          (0.02,  0,     0.02,  0.04,  0.04,  0.05,  0.05,  0,     0),
    "house_number_slip":            (0.001, 0,     0.001, 0.003, 0.003, 0.003, 0.004, 0,     0),
    "postcode_transposed":          (0.003, 0,     0.003, 0.005, 0.005, 0.005, 0.01,  0,     0),
    "stale_surname_after_marriage": (0.6,   0.3,   0,     0,     0,     0,     0,     0,     0),
    "duplicate_rows":               (0.001, 0,     0.01,  0,     0,     0,     0,     0,     0),
}
# Columns a source leaves blank, and the share of its rows they are blank in.
_MISSING: dict[str, dict[str, float]] = {
    "council_tax": {
        "Postcode": 0.005, "Liable DOB": 0.6, "Property Ref": 0.10, "Email": 0.55, "Phone": 0.45
    },
    "electoral_register": {"Middle Names": 0.3, "Email": 0.92, "Phone": 0.94},
    "deaths": {"NHS Number": 0.12, "Date of Birth": 0.01, "Postcode": 0.01},
    "blue_badges": {"Postcode": 0.02, "Date of Birth": 0.01},
    "housing_benefit": {"Postcode": 0.02, "NI Number": 0.05},
    "payroll": {"Postcode": 0.03, "NI Number": 0.02},
    "adult_social_care": {"Postcode": 0.05, "NHS Number": 0.3},
}
# Planted rows the ingest must quarantine (counts, not rates).
_PLANTED_ROWS: dict[str, dict[str, int]] = {
    "council_tax": {
        "blank_key_rows": 2,
        "short_rows": 2,
        "bad_required_date_rows": 1,
        "bad_optional_date_rows": 1,
    },
}

# Source name -> its recording errors.
ERRORS: dict[str, RecordingErrors] = {
    source: RecordingErrors(
        **{error: float(rates[column]) for error, rates in _RATES.items()},
        missing=_MISSING.get(source, {}),
        **_PLANTED_ROWS.get(source, {}),
    )
    for column, source in enumerate(_SOURCES)
}


@dataclass(frozen=True)
class RuleRates:
    """How often the new sources' cases and their look-alikes happen."""

    # Blue badges (a badge lasts up to three years: Disabled Persons (Badges for Motor
    # Vehicles) (England) Regulations 2000, reg. 6).
    badge_share_65_plus: float = 0.12
    badge_share_adult: float = 0.015
    badge_share_dead: float = 0.40  # of adults who died: held a badge when they died
    badge_cancelled_after_death: float = 0.55
    # Housing benefit and payroll.
    hb_claim_share: float = 0.08  # of current households
    payroll_share: float = 0.04  # of working-age adult residents
    hb_on_payroll_extra: float = 0.08  # of working-age HB people: also employed by the council
    hb_undeclared: float = 0.55  # of HB people on payroll: earnings under-declared
    payroll_leaver_share: float = 0.15
    # Adult social care packages.
    care_share_65_plus: float = 0.05
    care_share_adult: float = 0.005
    care_share_dead: float = 0.30  # of adults who died: had a care package
    care_ended_at_death: float = 0.70  # the package was stopped within a few days
    # Houses in multiple occupation: sharers' homes with 3+ adults that hold a licence.
    hmo_licensed_share: float = 0.55
    # Creditor payments.
    payments_per_person: float = 0.5
    suppliers_per_person: float = 0.025
    contract_supplier_share: float = 0.12
    duplicate_payment_share: float = 0.006
    duplicate_supplier_record_share: float = 0.4  # duplicate paid to a second supplier record


RULE_RATES = RuleRates()
WORLD = WorldRates()
