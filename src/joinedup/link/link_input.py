"""`link_input`: every record prepared for person linking, for a whole run or, in an
incremental run, for the records that changed since the last one.

Each prepared record carries three fingerprints: `compare_hash` of the columns the model
compares (a change there means the record is scored afresh), `record_hash` of the whole
record (not its row number in the file) and `address_hash` of its address match (a change
in either means its person's per-person tables are rebuilt).
"""

from __future__ import annotations

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

_RECORD_HASH = "hash(*COLUMNS(r.* EXCLUDE (row_number)))"
_ADDRESS_HASH = "CASE WHEN a.record_id IS NOT NULL THEN hash(a) END"


def prepare_sql(scope: str | None = None, listing: str = f"({_LISTING})") -> str:
    """The SELECT of prepared records: all, or those whose ids `scope` selects."""
    only = f"WHERE record_id IN ({scope})" if scope else ""
    return f"""
    SELECT *, hash({", ".join(COMPARED_COLUMNS)}) AS compare_hash
    FROM (
        SELECT
            r.record_id AS unique_id,
            r.source AS source_dataset,
            lower(r.first_name) AS first_name,
            lower(r.surname) AS surname,
            lower(split_part(r.middle_names, ' ', 1)) AS middle_name,
            strftime(r.date_of_birth, '%Y-%m-%d') AS dob,
            r.postcode,
            CASE WHEN a.status = 'matched' THEN a.uprn ELSE NULL END AS uprn,
            lower(r.email) AS email,
            r.phone,
            r.nhs_number,
            r.ni_number,
            r.start_date,
            r.end_date,
            coalesce(s.listed_once, true) AS listed_once,
            {_RECORD_HASH} AS record_hash,
            {_ADDRESS_HASH} AS address_hash
        FROM (SELECT * FROM records {only}) r
        LEFT JOIN (SELECT * FROM address_matches {only}) a USING (record_id)
        LEFT JOIN {listing} s ON s.source = r.source
    )
    """


def prepare_all(con: duckdb.DuckDBPyConnection) -> None:
    """`link_input` for every record."""
    con.execute("CREATE OR REPLACE TABLE link_input AS " + prepare_sql())


def prepare_changes(con: duckdb.DuckDBPyConnection) -> bool:
    """Edit the carried `link_input` into this run's, preparing only the records that are
    new or changed (record or address match); returns False, touching nothing, when every
    record must be prepared (nothing carried, other columns, or a source's `listed_once`
    turned). Leaves `_changed_rows` (new or changed records), `_prepared` (their rows),
    `_gone` (records gone) and `_delta` (records whose compared columns are new or
    changed)."""
    carried = f"{carry.PREFIX}link_input"
    if not carry.has(con, "link_input"):
        return False
    expected = [r[0] for r in con.execute(f"DESCRIBE {prepare_sql()} LIMIT 0").fetchall()]
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
    # Each side is read once; the rarer differences (records gone, address matches gone)
    # are looked for only when the counts say there are some.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _changed_rows AS
        SELECT n.record_id, c.unique_id IS NULL AS is_new
        FROM (SELECT record_id, {_RECORD_HASH} AS h FROM records r) n
        LEFT JOIN {carried} c ON c.unique_id = n.record_id
        WHERE c.record_hash IS DISTINCT FROM n.h;

        CREATE OR REPLACE TEMP TABLE _address_changed AS
        SELECT n.record_id FROM (SELECT record_id, hash(a) AS h FROM address_matches a) n
        ANTI JOIN {carried} c ON c.unique_id = n.record_id AND c.address_hash = n.h;
        """
    )
    gone, addresses_gone = con.execute(
        f"""
        SELECT (SELECT count(*) FROM {carried})
               - (SELECT count(*) FROM records)
               + (SELECT count(*) FROM _changed_rows WHERE is_new),
               (SELECT count(*) FROM {carried} WHERE address_hash IS NOT NULL)
               - (SELECT count(*) FROM address_matches)
               + (SELECT count(*) FROM _address_changed)
        """
    ).fetchone()  # type: ignore[misc]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _gone AS "
        + (
            f"SELECT unique_id FROM {carried} c ANTI JOIN records r ON r.record_id = c.unique_id"
            if gone
            else "SELECT NULL::VARCHAR AS unique_id WHERE false"
        )
    )
    if addresses_gone:  # a record kept whose address match is gone
        con.execute(
            f"""
            INSERT INTO _address_changed
            SELECT c.unique_id FROM {carried} c
            ANTI JOIN address_matches a ON a.record_id = c.unique_id
            WHERE c.address_hash IS NOT NULL
              AND c.unique_id NOT IN (SELECT unique_id FROM _gone)
            """
        )
    scope = "SELECT record_id FROM _changed_rows"
    con.execute(
        f"""
        INSERT INTO _changed_rows
        SELECT DISTINCT record_id, false FROM _address_changed
        WHERE record_id NOT IN ({scope});

        CREATE OR REPLACE TEMP TABLE _prepared AS
        {prepare_sql(scope, "_listing")};

        CREATE OR REPLACE TEMP TABLE _delta AS
        SELECT unique_id FROM (
            SELECT unique_id, compare_hash FROM _prepared
            EXCEPT SELECT unique_id, compare_hash FROM {carried}
            WHERE unique_id IN ({scope}));

        DELETE FROM {carried} WHERE unique_id IN ({scope} UNION ALL SELECT unique_id FROM _gone);
        INSERT INTO {carried} SELECT * FROM _prepared;
        """
    )
    carry.adopt(con, "link_input")
    return True
