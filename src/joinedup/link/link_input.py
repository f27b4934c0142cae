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

# Each record beside its address match, with the two fingerprints of what it was given.
_JOINED = """
SELECT r.*, a.status AS _match_status, a.uprn AS _matched_uprn,
       hash(*COLUMNS(r.* EXCLUDE (row_number))) AS record_hash,
       CASE WHEN a.record_id IS NOT NULL THEN hash(a) END AS address_hash
FROM records r LEFT JOIN address_matches a USING (record_id)
"""


def prepare_sql(joined: str = _JOINED, listing: str = f"({_LISTING})") -> str:
    """The SELECT of prepared records: every record, or the rows of `joined` (a selection
    from `_JOINED`'s rows with its columns)."""
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
            lower(j.email) AS email,
            j.phone,
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
           OR c.address_hash IS DISTINCT FROM j.address_hash;

        CREATE OR REPLACE TEMP TABLE _changed_rows AS
        SELECT record_id, _is_new AS is_new FROM _changed;

        CREATE OR REPLACE TEMP TABLE _prepared AS
        {prepare_sql("SELECT * FROM _changed", "_listing")};

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
        """
    )
    carry.adopt(con, "link_input")
    return True
