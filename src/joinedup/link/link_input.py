"""`link_input`: every record prepared for person linking, for a whole run or, in an
incremental run, for the records that changed since the last one.

An email or phone number given for many different people (a team's inbox, a care home's
phone, a placeholder the checks at loading did not know) says nothing about who a record
is, yet would count as strong evidence and pair everyone who has it. Such shared values,
held by records with `shared_contact_first_names` or more different first names, are left
out of `link_input` (as missing) and listed in `link_shared_contacts`.

Each prepared record carries three fingerprints: `compare_hash` of the columns the model
compares (a change there means the record is scored afresh), `record_hash` of the whole
record (not its row number in the file) and `address_hash` of its address match (a change
in either means its person's per-person tables are rebuilt).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from joinedup.link import carry

# The columns the model compares, built from `records` and the resolved UPRNs.
COMPARED_COLUMNS = (
    "source_dataset",
    "first_name",
    "surname",
    "middle_name",
    "dob",
    "postcode",
    "uprn",
    "email",
    "phone",
    "nhs_number",
    "ni_number",
    "start_date",
    "end_date",
    "listed_once",
)

# `listed_once`: a register (electoral register, council tax) lists a person once per
# address, so two of its current records there are two people. A source whose records
# often repeat one another exactly (name, date of birth, postcode: 0.5% or more) is an
# extract holding duplicates instead, and that rule must not part them.
_LISTING = """
SELECT source, coalesce(sum(n) FILTER (WHERE n > 1), 0) / sum(n) < 0.005 AS listed_once
FROM (
    SELECT source, count(*) AS n
    FROM records
    WHERE first_name IS NOT NULL AND surname IS NOT NULL AND date_of_birth IS NOT NULL
    GROUP BY source, lower(first_name), lower(surname), date_of_birth, postcode
)
GROUP BY 1
"""

SHARED_CONTACTS = "link_shared_contacts"
# The records' contact columns as `link_input` compares them (`phone` is already in one form).
_CONTACTS: dict[str, Callable[[str], str]] = {
    "email": lambda column: f"lower({column})",
    "phone": lambda column: column,
}

_NONE_SHARED = "(SELECT NULL::VARCHAR AS field, NULL::VARCHAR AS value WHERE false)"


def _shared_contacts_sql(min_first_names: int) -> str:
    """(field, value) of each contact value given in records with `min_first_names` or
    more different first names."""
    return " UNION ALL ".join(
        f"SELECT '{field}' AS field, {form(field)} AS value FROM records "
        f"WHERE {field} IS NOT NULL GROUP BY {form(field)} "
        f"HAVING count(DISTINCT lower(first_name)) >= {int(min_first_names)}"
        for field, form in _CONTACTS.items()
    )


def _contact(field: str, shared: str) -> str:
    """The prepared `field` of `_JOINED`'s row `j`: missing when `shared` lists it."""
    expr = _CONTACTS[field](f"j.{field}")
    return (
        f"CASE WHEN {expr} IN (SELECT value FROM {shared} WHERE field = '{field}') "
        f"THEN NULL ELSE {expr} END"
    )


# Each record beside its address match, with the two fingerprints of what it was given.
_JOINED = """
SELECT r.*, a.status AS _match_status, a.uprn AS _matched_uprn,
       hash(*COLUMNS(r.* EXCLUDE (row_number))) AS record_hash,
       CASE WHEN a.record_id IS NOT NULL THEN hash(a) END AS address_hash
FROM records r LEFT JOIN address_matches a USING (record_id)
"""


def prepare_sql(
    joined: str = _JOINED, listing: str = f"({_LISTING})", shared: str = SHARED_CONTACTS
) -> str:
    """The SELECT of prepared records: every record, or the rows of `joined` (a selection
    from `_JOINED`'s rows with its columns); contact values listed in `shared` left out."""
    return f"""
    SELECT *, hash({", ".join(COMPARED_COLUMNS)}) AS compare_hash
    FROM (
        SELECT
            j.record_id AS unique_id,
            j.source AS source_dataset,
            lower(j.first_name) AS first_name,
            lower(j.surname) AS surname,
            lower(split_part(j.middle_names, ' ', 1)) AS middle_name,
            strftime(j.date_of_birth, '%Y-%m-%d') AS dob,
            j.postcode,
            CASE WHEN j._match_status = 'matched' THEN j._matched_uprn ELSE NULL END AS uprn,
            {_contact("email", shared)} AS email,
            {_contact("phone", shared)} AS phone,
            j.nhs_number,
            j.ni_number,
            j.start_date,
            j.end_date,
            coalesce(s.listed_once, true) AS listed_once,
            j.record_hash,
            j.address_hash
        FROM ({joined}) j
        LEFT JOIN {listing} s ON s.source = j.source
    )
    """


def prepare_all(con: duckdb.DuckDBPyConnection, shared_first_names: int) -> None:
    """`link_input` for every record, and the contact values it leaves out as shared."""
    con.execute(
        f"CREATE OR REPLACE TABLE {SHARED_CONTACTS} AS {_shared_contacts_sql(shared_first_names)}"
    )
    con.execute("CREATE OR REPLACE TABLE link_input AS " + prepare_sql())


def prepare_changes(con: duckdb.DuckDBPyConnection, shared_first_names: int) -> bool:
    """Edit the carried `link_input` into this run's, preparing only the records that are
    new or changed (record or address match); returns False, touching nothing, when every
    record must be prepared (nothing carried, other columns, or a source's `listed_once`
    turned). Leaves `_changed_rows` (new or changed records), `_prepared` (their rows),
    `_gone` (records gone) and `_delta` (records whose compared columns are new or
    changed)."""
    carried = f"{carry.PREFIX}link_input"
    if not carry.has(con, "link_input"):
        return False
    expected = [
        r[0] for r in con.execute(f"DESCRIBE {prepare_sql(shared=_NONE_SHARED)} LIMIT 0").fetchall()
    ]
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {carried}").fetchall()]
    if columns != expected:
        return False
    con.execute(f"CREATE OR REPLACE TEMP TABLE _listing AS {_LISTING}")
    turned = con.execute(
        f"""
        SELECT 1 FROM (SELECT DISTINCT source_dataset AS source, listed_once FROM {carried}) o
        JOIN _listing n USING (source) WHERE n.listed_once <> o.listed_once LIMIT 1
        """
    ).fetchone()
    if turned:
        return False
    # A contact value that became shared, or stopped being, changes the prepared rows of
    # every record holding it, changed or not: those are prepared again too.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _shared AS {_shared_contacts_sql(shared_first_names)}"
    )
    before = f"{carry.PREFIX}{SHARED_CONTACTS}" if carry.has(con, SHARED_CONTACTS) else _NONE_SHARED
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _shared_turned AS "
        f"(SELECT * FROM _shared EXCEPT SELECT * FROM {before}) "
        f"UNION ALL (SELECT * FROM {before} EXCEPT SELECT * FROM _shared)"
    )
    turned_contacts = "".join(
        f" OR {form(f'j.{field}')} IN (SELECT value FROM _shared_turned WHERE field = '{field}')"
        for field, form in _CONTACTS.items()
    )
    # One pass over the records, their address matches and the carried rows: a record
    # whose fingerprints differ from its carried row's (or that has none, or whose address
    # match came or went) is kept whole, with what its carried row compared; only those
    # are prepared.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _changed AS
        SELECT j.*, c.unique_id IS NULL AS _is_new, c.compare_hash AS _carried_compare_hash
        FROM ({_JOINED}) j LEFT JOIN {carried} c ON c.unique_id = j.record_id
        WHERE c.record_hash IS DISTINCT FROM j.record_hash
           OR c.address_hash IS DISTINCT FROM j.address_hash{turned_contacts};

        CREATE OR REPLACE TEMP TABLE _changed_rows AS
        SELECT record_id, _is_new AS is_new FROM _changed;

        CREATE OR REPLACE TEMP TABLE _prepared AS
        {prepare_sql("SELECT * FROM _changed", "_listing", "_shared")};

        CREATE OR REPLACE TEMP TABLE _delta AS
        SELECT p.unique_id FROM _prepared p JOIN _changed c ON c.record_id = p.unique_id
        WHERE c._carried_compare_hash IS DISTINCT FROM p.compare_hash;
        """
    )
    # Records gone are looked for only when the counts say there are some.
    gone = con.execute(
        f"""
        SELECT (SELECT count(*) FROM {carried}) - (SELECT count(*) FROM records)
               + (SELECT count(*) FROM _changed_rows WHERE is_new)
        """
    ).fetchone()[0]  # type: ignore[index]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _gone AS "
        + (
            f"SELECT unique_id FROM {carried} c ANTI JOIN records r ON r.record_id = c.unique_id"
            if gone
            else "SELECT NULL::VARCHAR AS unique_id WHERE false"
        )
    )
    con.execute(
        f"""
        DELETE FROM {carried} WHERE unique_id IN (
            SELECT record_id FROM _changed_rows UNION ALL SELECT unique_id FROM _gone);
        INSERT INTO {carried} SELECT * FROM _prepared;
        DROP TABLE _changed;
        CREATE OR REPLACE TABLE {SHARED_CONTACTS} AS SELECT * FROM _shared;
        """
    )
    carry.adopt(con, "link_input")
    carry.drop(con, SHARED_CONTACTS)
    return True
