"""Link records about the same person across sources with Splink, trained without labels.

Splink runs in its own in-memory DuckDB so its working tables never reach the run's
store; only the scored links, the clusters and the model come back.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from joinedup.config import LinkConfig
from joinedup.link import carry, reuse, scoring
from joinedup.link.clusters import split_conflicting_clusters, write_cluster_quality
from joinedup.link.entity_ids import assign_stable_ids
from joinedup.link.link_input import prepare_all
from joinedup.link.nicknames import forename_variant_lists
from joinedup.link.review import LinkReview, decide_labelled_pairs, train_with_labels

logger = logging.getLogger(__name__)


# Scored pairs below this match probability are not kept (explanations and review need
# the near misses, not the millions of plainly different pairs).
KEEP_FROM = 0.01

# Random pairs almost never have each other's names the wrong way round, so random sampling
# finds none and leaves u unset (weight 0); fixed at roughly one pair in 100,000.
_SWAPPED_U = 1e-5


@dataclass
class PeopleLinkSummary:
    records: int
    pairs_scored: int
    links: int
    entities: int
    model_json: str
    clusters_split: int = 0
    id_events: dict[str, int] = field(default_factory=dict)
    # Why a link asked to be incremental linked everything afresh (None: it did not).
    afresh_because: str | None = None


# Personal identifiers only: a household often shares a phone or an email, so for those
# the exact chance of random agreement overstates the evidence (measured: pairwise
# precision fell from 0.994 to 0.986 at 100k records); they keep Splink's sampled u.
_IDENTIFIERS = ("nhs_number", "ni_number")


def identifier_agreement_u(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """P(two random records with the identifier share it), computed exactly from counts.

    Identifiers are nearly unique, so random sampling of a few million pairs finds no pair
    that shares one and leaves u unset, and Splink then gives a shared NHS number no weight
    at all. The chance is sum c(c-1) / n(n-1) over values with c records, n records holding
    one (at least one pair's worth, so the weight stays finite).
    """
    parts = " UNION ALL ".join(
        f"SELECT '{c}' AS col, count(*) AS c FROM link_input WHERE {c} IS NOT NULL GROUP BY {c}"
        for c in _IDENTIFIERS
    )
    rows = con.execute(
        f"SELECT col, sum(c * (c - 1)), sum(c) FROM ({parts}) GROUP BY col"
    ).fetchall()
    out = {}
    for column, same, n in rows:
        pairs = float(n) * (float(n) - 1)
        if pairs > 0:
            out[column] = max(float(same), 1.0) / pairs
    return out


def _settings(identifier_u: dict[str, float] | None = None):  # type: ignore[no-untyped-def]
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    first_name = cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name").configure(tf_adjustment_column="first_name"),
            cll.CustomLevel(
                "list_has_any(first_name_variants_l, first_name_variants_r)",
                "a known nickname or variant of the same name",
            ),
            cll.JaroWinklerLevel("first_name", 0.92),
            cll.CustomLevel(
                "first_name_l = surname_r AND surname_l = first_name_r",
                "first name and surname swapped",
            ).configure(u_probability=_SWAPPED_U, fix_u_probability=True),
            cll.JaroWinklerLevel("first_name", 0.8),
            # Sessions blocked on email or the name see no true pair with two unrelated
            # first names, so without a phone column EM leaves this level untrained (no
            # evidence), and twins at one address merge. Fixed at about how often one
            # person's first name is recorded as another (a middle name used): an estimate.
            cll.ElseLevel().configure(m_probability=0.01, fix_m_probability=True),
        ],
        comparison_description="first name",
    )
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname").configure(tf_adjustment_column="surname"),
            cll.JaroWinklerLevel("surname", 0.92),
            cll.CustomLevel(
                "first_name_l = surname_r AND surname_l = first_name_r",
                "surname and first name swapped",
            ).configure(u_probability=_SWAPPED_U, fix_u_probability=True),
            cll.CustomLevel(
                "contains(surname_l, surname_r) OR contains(surname_r, surname_l)",
                "one surname contains the other (double-barrelled)",
            ),
            cll.JaroWinklerLevel("surname", 0.8),
            # EM never sees a true pair with two different surnames in sessions blocked on
            # the name, so it learns "impossible" (-127); but people change surname on
            # marriage. Fixed at about the share of adults whose surname differs between
            # two records of them (an estimate: ~2% of records, not learned).
            cll.ElseLevel().configure(m_probability=0.02, fix_m_probability=True),
        ],
        comparison_description="surname",
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel(
                "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = "
                "substr(dob_r, 9, 2) AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                "day and month transposed",
            ),
            # EM can drive m to zero for a level its sessions rarely see, turning one mistyped
            # digit into proof of two people; fixed at a plausible keying-error rate instead.
            cll.DamerauLevenshteinLevel("dob", 1).configure(
                m_probability=0.01, fix_m_probability=True
            ),
            cll.ElseLevel(),
        ],
        comparison_description="date of birth",
    )
    place = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            {
                "sql_condition": "(uprn_l IS NULL OR uprn_r IS NULL) AND "
                "(postcode_l IS NULL OR postcode_r IS NULL)",
                "label_for_charts": "address missing",
                "is_null_level": True,
            },
            cll.CustomLevel("uprn_l = uprn_r", "same property (UPRN)"),
            cll.CustomLevel("postcode_l = postcode_r", "same postcode"),
            cll.CustomLevel(
                "split_part(postcode_l, ' ', 1) = split_part(postcode_r, ' ', 1)",
                "same postcode district",
            ),
            cll.ElseLevel(),
        ],
        comparison_description="address",
    )

    # How the two records' periods relate. A record that ends as another begins at a new
    # address is how a move looks (the commonest way one person gets two addresses), and two
    # current records of one source with the same name are two people (a father and son on
    # the electoral register), not a duplicate. Neither record ending says nothing.
    moved = "NOT coalesce(uprn_l = uprn_r OR postcode_l = postcode_r, false)"
    ended_l = f"end_date_l IS NOT NULL AND end_date_r IS NULL AND {moved}"
    ended_r = f"end_date_r IS NOT NULL AND end_date_l IS NULL AND {moved}"
    tenure = cl.CustomComparison(
        output_column_name="tenure",
        comparison_levels=[
            {
                "sql_condition": "end_date_l IS NULL AND end_date_r IS NULL "
                "AND (source_dataset_l <> source_dataset_r OR NOT listed_once_l)",
                "label_for_charts": "no move recorded",
                "is_null_level": True,
            },
            cll.CustomLevel(
                f"({ended_l} AND abs(datediff('day', end_date_l, start_date_r)) <= 3) OR "
                f"({ended_r} AND abs(datediff('day', end_date_r, start_date_l)) <= 3)",
                "one record ends as the other begins (a move)",
            ),
            cll.CustomLevel(
                f"({ended_l} AND abs(datediff('day', end_date_l, start_date_r)) <= 31) OR "
                f"({ended_r} AND abs(datediff('day', end_date_r, start_date_l)) <= 31)",
                "one record ends within a month of the other beginning",
            ),
            cll.CustomLevel(
                f"({ended_l}) OR ({ended_r})", "one record ended, the other is current"
            ),
            cll.CustomLevel(
                "end_date_l IS NULL AND end_date_r IS NULL", "both current in the same source"
            ),
            cll.ElseLevel(),
        ],
        comparison_description="tenure",
    )

    def exact(column: str, description: str, differs_m: float | None = None):  # type: ignore[no-untyped-def]
        agree, differ = cll.ExactMatchLevel(column), cll.ElseLevel()
        if differs_m is not None:
            # Identifiers are rare in most sources, so EM sessions may hold no pair that
            # shares one and leave the level untrained; a valid identifier is nearly always
            # recorded the same for one person, so m is fixed rather than learned.
            agree = agree.configure(m_probability=1 - differs_m, fix_m_probability=True)
            differ = differ.configure(m_probability=differs_m, fix_m_probability=True)
        u = (identifier_u or {}).get(column)
        if u is not None:
            agree = agree.configure(u_probability=u, fix_u_probability=True)
            differ = differ.configure(u_probability=1 - u, fix_u_probability=True)
        return cl.CustomComparison(
            output_column_name=column,
            comparison_levels=[cll.NullLevel(column), agree, differ],
            comparison_description=description,
        )

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            first_name,
            surname,
            dob,
            place,
            exact("email", "email"),
            exact("phone", "phone"),
            # NHS numbers carry a modulus 11 check digit, so a mistyped number rarely
            # passes validation; NI numbers have no check digit, so a typo can.
            exact("nhs_number", "NHS number", differs_m=0.01),
            exact("ni_number", "National Insurance number", differs_m=0.03),
            tenure,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("uprn"),
            block_on("postcode", "first_name"),
            block_on("postcode", "surname"),
            block_on("email"),
            block_on("phone"),
            block_on("nhs_number"),
            block_on("ni_number"),
            # first name and surname recorded the wrong way round
            "l.first_name = r.surname AND l.surname = r.first_name",
        ],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        additional_columns_to_retain=["source_dataset"],
    )


def link_people(
    con: duckdb.DuckDBPyConnection,
    settings: LinkConfig,
    progress: Callable[[str], None] | None = None,
    *,
    previous_store: Path | None = None,
    run_id: str = "run",
    review: LinkReview | None = None,
) -> PeopleLinkSummary:
    """Score pairs, cluster at the threshold, split conflicting clusters, give entities
    stable ids (against `previous_store`, the last published run), and write links,
    clusters, their quality and the model."""
    from splink import DuckDBAPI, Linker

    say = progress or (lambda _msg: None)
    _quieten_splink()
    # Only an incremental link may leave people to copy from the last run (reuse.py) or
    # edit the last run's tables (carry.py).
    con.execute(f"DROP TABLE IF EXISTS {reuse.REDO}")
    if carry.drop(con):
        # A store started from the last one's file, linked afresh after all: written out
        # now, so that this run's tables reuse the dropped ones' space (without it the
        # store after such a run was 1.7 GB against 0.5 GB, at a million records).
        con.execute("CHECKPOINT")
    prepare_all(con, settings.shared_contact_first_names)
    names = write_name_variants(con)
    frame = con.execute("SELECT * FROM link_input").to_arrow_table()

    work = duckdb.connect()
    work.register("link_input_arrow", frame)
    work.register("name_variants", names)
    work.execute(
        "CREATE TABLE link_input AS SELECT l.*, CAST(v.first_name_variants AS VARCHAR[]) "
        "AS first_name_variants FROM link_input_arrow l "
        "LEFT JOIN name_variants v USING (first_name)"
    )
    work.unregister("link_input_arrow")
    work.unregister("name_variants")
    # -- clerical review hook (link/review.py, link/models.py) --------------------------
    if review is not None and review.model_json:  # a saved model version: score, do not train
        linker = Linker("link_input", json.loads(review.model_json), db_api=DuckDBAPI(work))
    else:
        model = _settings(identifier_agreement_u(con))
        linker = Linker("link_input", model, db_api=DuckDBAPI(work))
        _train(linker, settings, say, _em_sampling(con))
        if review is not None:
            train_with_labels(linker, work, review)
    # -- end of hook ----------------------------------------------------------------------
    say("scoring candidate pairs")
    predictions = linker.inference.predict(threshold_match_probability=KEEP_FROM)
    if review is not None:  # clerical review hook: reviewers' labels decide their pairs
        predictions = decide_labelled_pairs(con, work, linker, predictions, review)
    say("clustering linked records into people")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=settings.threshold_probability
    )
    model_json = json.dumps(linker.misc.save_model_to_json(), default=str)

    pairs_scored = _copy_links(con, work, predictions.physical_name, model_json)
    scoring.keep_scoring_sql(con, model_json)  # for the incremental runs that follow
    # Arrow, not pandas: the tables move between the two DuckDB connections without
    # a per-row conversion, which at a million records is seconds.
    con.register(
        "_clusters",
        work.execute(
            f"SELECT unique_id, CAST(cluster_id AS VARCHAR) AS cluster_id "
            f"FROM {clusters.physical_name}"
        ).to_arrow_table(),
    )
    con.execute(
        "CREATE OR REPLACE TABLE person_clusters AS "
        "SELECT unique_id AS record_id, cluster_id FROM _clusters"
    )
    con.unregister("_clusters")
    work.close()
    say("splitting clusters whose records cannot be one person")
    split = split_conflicting_clusters(con, settings.threshold_probability)
    ids = assign_stable_ids(con, previous_store, run_id)
    write_cluster_quality(con, settings.threshold_probability)
    entities = con.execute("SELECT count(DISTINCT entity_id) FROM person_clusters").fetchone()[0]  # type: ignore[index]
    links = con.execute(
        "SELECT count(*) FROM person_links WHERE match_probability >= ?",
        [settings.threshold_probability],
    ).fetchone()
    return PeopleLinkSummary(
        records=frame.num_rows,
        pairs_scored=pairs_scored,
        links=int(links[0]) if links else 0,
        entities=int(entities),
        model_json=model_json,
        clusters_split=split,
        id_events=ids,
    )


def write_name_variants(con: duckdb.DuckDBPyConnection):  # type: ignore[no-untyped-def]
    """Every first name in `link_input` with its known variants, as a frame and as
    `person_name_variants` (kept for real-time lookup, which compares a query's names the
    way the model does, and for cluster splitting)."""
    names = con.execute(
        "SELECT DISTINCT first_name FROM link_input WHERE first_name IS NOT NULL"
    ).df()
    names["first_name_variants"] = forename_variant_lists(names["first_name"])
    con.register("_name_variants", names)
    con.execute(
        "CREATE OR REPLACE TABLE person_name_variants AS SELECT first_name, "
        "CAST(first_name_variants AS VARCHAR[]) AS first_name_variants FROM _name_variants"
    )
    con.unregister("_name_variants")
    return names


def write_model(con: duckdb.DuckDBPyConnection, model_json: str) -> None:
    """`link_model`: the model the run scored with."""
    con.execute("CREATE OR REPLACE TABLE link_model (model_json VARCHAR)")
    con.execute("INSERT INTO link_model VALUES (?)", [model_json])


def kept_link_columns(columns: list[str]) -> list[str]:
    """Of a scored pair's columns, those `person_links` keeps beside the two record ids:
    the weight, the probability and each comparison's level and Bayes factor."""
    keep = ["match_weight", "match_probability"]
    keep += [c for c in columns if c.startswith("gamma_")]
    keep += [c for c in columns if c.startswith("bf_")]
    return keep


# EM learns m from the share of each agreement pattern, which a sample of a session's pairs
# estimates as well as all of them; common names make the name session grow with the square
# of the records (14 million pairs at a million records), so each session is sampled down.
_EM_MAX_PAIRS = 2_000_000
_EM_SESSIONS = (("email",), ("phone",), ("first_name", "surname"))


def _em_sampling(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, ...], int]:
    """Per EM session (its blocking columns), keep one pair in n: n from its pair count."""
    out = {}
    for columns in _EM_SESSIONS:
        keys = ", ".join(columns)
        not_null = " AND ".join(f"{c} IS NOT NULL" for c in columns)
        row = con.execute(
            f"SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM link_input "
            f"WHERE {not_null} GROUP BY {keys})"
        ).fetchone()
        pairs = float(row[0] or 0) if row else 0.0
        out[columns] = max(1, math.ceil(pairs / _EM_MAX_PAIRS))
    return out


def _em_rule(columns: tuple[str, ...], one_in: int) -> object:
    from splink import block_on

    if one_in <= 1:
        return block_on(*columns)
    # A pair is kept when its left record falls in the sample, so about 1/n of the pairs.
    equal = " AND ".join(f"l.{c} = r.{c}" for c in columns)
    return f"{equal} AND hash(l.unique_id) % {one_in} = 0"


def _train(  # type: ignore[no-untyped-def]
    linker,
    settings: LinkConfig,
    say: Callable[[str], None],
    em_sampling: dict[tuple[str, ...], int] | None = None,
) -> None:
    """Train without labels: u by random sampling, m by expectation maximisation."""
    from splink import block_on

    say("estimating how often records agree by chance")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("email"), block_on("nhs_number")],
        recall=0.6,
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=settings.max_pairs_for_u, seed=settings.seed
    )
    say("learning how often true matches agree (expectation maximisation)")
    # Each session trains the comparisons that do not use its blocking columns. Blocking on
    # the property or on a date of birth alone would teach EM that "same household" is a
    # match, so sessions block on contact details (nearly always the same person) and on
    # the whole name (trains date of birth and address).
    for columns in _EM_SESSIONS:
        rule = _em_rule(columns, (em_sampling or {}).get(columns, 1))
        try:
            # Iterating on agreement-pattern counts, not on every pair, makes each EM step
            # cost the number of distinct patterns; term frequencies only adjust exact
            # name matches at scoring time, so m learned without them changes little.
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception as exc:  # a session with no pairs cannot train; the others still can
            logger.warning("an EM training session was skipped: %s", type(exc).__name__)


def _quieten_splink() -> None:
    """Splink narrates training at INFO and warns about levels absent from small data; the
    hub reports progress itself, so only Splink's errors reach the console by default."""
    if logging.getLogger().isEnabledFor(logging.INFO):
        return
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("splink"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _copy_links(
    con: duckdb.DuckDBPyConnection, work: duckdb.DuckDBPyConnection, table: str, model_json: str
) -> int:
    """Keep each scored pair with its per-comparison level and weight, for explanations;
    returns the number of pairs."""
    keep = kept_link_columns([r[0] for r in work.execute(f"DESCRIBE {table}").fetchall()])
    con.register(
        "_links",
        work.execute(
            f"SELECT unique_id_l AS record_id_l, unique_id_r AS record_id_r, {', '.join(keep)} "
            f"FROM {table}"
        ).to_arrow_table(),
    )
    con.execute("CREATE OR REPLACE TABLE person_links AS SELECT * FROM _links")
    con.unregister("_links")
    write_model(con, model_json)
    count = con.execute("SELECT count(*) FROM person_links").fetchone()
    return int(count[0]) if count else 0
