"""Discovery: what data a council has, how good it is, and how far it links, with no config.

`discover(paths)` reads every data file it is pointed at with the ingest readers (which
cope with odd encodings, Excel title rows and footer rows), profiles each table
(`profile.py`), then compares the tables with each other: which identifiers they share,
how many people and addresses appear in more than one (an estimate from simple keys, not
the hub's linking), and the quick wins those overlaps already show. Everything it cannot
read is listed with the reason, never skipped silently.

The result holds counts only; `discovery_document` turns it into the report.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from joinedup.config import FORMAT_BY_SUFFIX, ReadOptions
from joinedup.ingest.readers import ReaderError, ReadResult, read_source, sheet_names
from joinedup.reports.document import (
    BarChart,
    Bullets,
    Document,
    Paragraph,
    Table,
    count,
    pct,
)
from joinedup.reports.profile import (
    OBSOLETE_YEARS,
    SPECIAL_CRIME,
    SPECIAL_HEALTH,
    STALE_MONTHS,
    TableProfile,
    profile_table,
)

ADULT_AGE = 18
# Identifiers worth comparing across tables, strongest first.
_SHARED = ["UPRN", "NHS number", "National Insurance number", "date of birth", "name", "postcode"]
_SKIP_NAMES = (".", "~$")


@dataclass
class Unreadable:
    file: str
    reason: str


@dataclass
class Overlap:
    """Two tables and how many people or addresses they share (estimated)."""

    left: str
    right: str
    what: str  # people or addresses
    key: str  # plain English: what was compared
    left_count: int
    right_count: int
    shared: int

    @property
    def share_of_left(self) -> float:
        return self.shared / self.left_count if self.left_count else 0.0

    @property
    def share_of_right(self) -> float:
        return self.shared / self.right_count if self.right_count else 0.0


@dataclass
class QuickWin:
    title: str
    count: int
    detail: str
    tables: list[str]


@dataclass
class Discovery:
    as_of: date
    paths: list[str]
    tables: list[TableProfile] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    shared_identifiers: list[tuple[str, str, list[str]]] = field(default_factory=list)
    quick_wins: list[QuickWin] = field(default_factory=list)


# --- finding and reading files ----------------------------------------------------------


def data_files(paths: list[Path]) -> tuple[list[Path], list[Unreadable]]:
    """The data files under `paths` (folders are searched one level deep), and the rest."""
    files: list[Path] = []
    skipped: list[Unreadable] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.iterdir() if p.is_file())
        elif path.is_file():
            candidates = [path]
        else:
            skipped.append(Unreadable(str(path), "no such file or folder"))
            continue
        for candidate in candidates:
            if candidate.name.startswith(_SKIP_NAMES) or candidate.name == "joinedup.yaml":
                continue
            if candidate.suffix.lower() in FORMAT_BY_SUFFIX:
                files.append(candidate)
            else:
                skipped.append(
                    Unreadable(
                        candidate.name,
                        f"not a data file JoinedUp reads ({candidate.suffix or 'no extension'}); "
                        "export it as CSV or Excel",
                    )
                )
    return files, skipped


def _tables(path: Path, max_rows: int | None):  # type: ignore[no-untyped-def]
    fmt = FORMAT_BY_SUFFIX[path.suffix.lower()]
    sheets: list[str | None] = list(sheet_names(path)) if fmt == "xlsx" else [None]
    for sheet in sheets:
        result = read_source(path, fmt, ReadOptions(sheet=sheet), max_rows=max_rows)
        yield fmt, sheet, len(sheets), result


def is_database_url(path: str | Path) -> bool:
    return isinstance(path, str) and "://" in path


def _database_tables(url: str, max_rows: int | None):  # type: ignore[no-untyped-def]
    """Each table of a database (any SQLAlchemy URL) as a ReadResult of text-like cells."""
    from sqlalchemy import create_engine, inspect, select, table

    engine = create_engine(url)
    try:
        names = inspect(engine).get_table_names()
        with engine.connect() as connection:
            for name in names:
                query = select("*").select_from(table(name))
                if max_rows is not None:
                    query = query.limit(max_rows)
                frame = pd.read_sql_query(query, connection)
                frame = frame.astype(object).where(frame.notna(), None)
                numbers = pd.Series(range(1, len(frame) + 1), dtype="int64")
                yield name, ReadResult(frame=frame, row_numbers=numbers)
    finally:
        engine.dispose()


def _safe_url(url: str) -> str:
    """The URL without its password, fit for a report."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL is reported by its scheme only
        return url.split("://", 1)[0] + "://..."


def discover(
    paths: list[str | Path], *, as_of: date | None = None, max_rows: int | None = None
) -> Discovery:
    """Profile every table in `paths`: files, folders of files, or database URLs."""
    as_of = as_of or date.today()
    urls = [str(p) for p in paths if is_database_url(p)]
    files, unreadable = data_files([Path(p) for p in paths if not is_database_url(p)])
    shown = [_safe_url(p) if is_database_url(p) else str(p) for p in paths]
    found = Discovery(as_of=as_of, paths=shown, unreadable=unreadable)
    taken: set[str] = set()
    for url in urls:
        source = _safe_url(url)
        try:
            for name, result in _database_tables(url, max_rows):
                if result.frame.shape[1] < 2 or result.frame.empty:
                    found.unreadable.append(Unreadable(f"{source} {name}", _no_table(result)))
                    continue
                table_name = _table_name(Path(name), None, taken)
                found.tables.append(
                    profile_table(table_name, f"{source} {name}", "sql", result, as_of)
                )
        except Exception as exc:  # the message may carry the URL and its password
            found.unreadable.append(
                Unreadable(source, f"could not read the database ({type(exc).__name__})")
            )
    for path in files:
        try:
            for fmt, sheet, n_sheets, result in _tables(path, max_rows):
                if result.frame.shape[1] < 2 or result.frame.empty:
                    where = f" (sheet {sheet!r})" if sheet else ""
                    found.unreadable.append(Unreadable(path.name + where, _no_table(result)))
                    continue
                name = _table_name(path, sheet if n_sheets > 1 else None, taken)
                found.tables.append(profile_table(name, path.name, fmt, result, as_of))
        except ReaderError as exc:
            found.unreadable.append(Unreadable(path.name, str(exc)))
        except Exception as exc:  # one odd file must not stop discovery of the rest
            found.unreadable.append(
                Unreadable(path.name, f"could not be read ({type(exc).__name__})")
            )
    _compare(found)
    return found


def _no_table(result: ReadResult) -> str:
    if result.frame.shape[1] < 2:
        return "fewer than two columns: not a table JoinedUp can profile"
    return "no rows of data under the header"


def _table_name(path: Path, sheet: str | None, taken: set[str]) -> str:
    stem = f"{path.stem} {sheet}" if sheet else path.stem
    name = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") or "table"
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


# --- across tables ----------------------------------------------------------------------


def _filled_share(keys: pd.DataFrame, column: str) -> float:
    return float(keys[column].notna().mean()) if len(keys) else 0.0


def _person_key(a: TableProfile, b: TableProfile) -> tuple[str, str] | None:
    if _filled_share(a.keys, "person_dob") >= 0.5 and _filled_share(b.keys, "person_dob") >= 0.5:
        return "person_dob", "surname, first initial and date of birth"
    if _filled_share(a.keys, "person_pc") >= 0.5 and _filled_share(b.keys, "person_pc") >= 0.5:
        return "person_pc", "surname, first initial and postcode"
    return None


def _place_key(a: TableProfile, b: TableProfile) -> tuple[str, str] | None:
    if _filled_share(a.keys, "uprn") >= 0.5 and _filled_share(b.keys, "uprn") >= 0.5:
        return "uprn", "UPRN"
    if _filled_share(a.keys, "place") >= 0.5 and _filled_share(b.keys, "place") >= 0.5:
        return "place", "postcode and house or flat number"
    return None


def _compare(found: Discovery) -> None:
    people = [t for t in found.tables if t.kind in ("person", "deaths")]
    places = [t for t in found.tables if t.kind in ("person", "deaths", "place")]
    for a, b in itertools.combinations(found.tables, 2):
        shared = [c for c in _SHARED if c in a.categories and c in b.categories]
        if shared:
            found.shared_identifiers.append((a.name, b.name, shared))
    for a, b in itertools.combinations(people, 2):
        chosen = _person_key(a, b)
        if chosen:
            found.overlaps.append(_overlap(a, b, "people", *chosen))
    for a, b in itertools.combinations(places, 2):
        chosen = _place_key(a, b)
        if chosen:
            found.overlaps.append(_overlap(a, b, "addresses", *chosen))
    found.quick_wins += _spd_wins(found)
    found.quick_wins += _death_wins(found)


def _overlap(a: TableProfile, b: TableProfile, what: str, column: str, key: str) -> Overlap:
    left = set(a.keys[column].dropna())
    right = set(b.keys[column].dropna())
    return Overlap(a.name, b.name, what, key, len(left), len(right), len(left & right))


def _current(keys: pd.DataFrame, as_of: date) -> pd.Series:
    return keys["end_date"].isna() | (keys["end_date"] >= pd.Timestamp(as_of))


def _dead_keys(found: Discovery) -> tuple[set[str], set[str]]:
    dob: set[str] = set()
    postcode: set[str] = set()
    for table in found.tables:
        if table.kind == "deaths":
            dob |= set(table.keys["person_dob"].dropna())
            postcode |= set(table.keys["person_pc"].dropna())
    return dob, postcode


def _spd_wins(found: Discovery) -> list[QuickWin]:
    """Single person discount accounts at an address where another adult appears.

    The same question the National Fraud Initiative asks of council tax and the electoral
    register; here from simple keys, so a count to size the work, not a list of cases.
    """
    wins = []
    dead_dob, dead_pc = _dead_keys(found)
    adult_born_by = pd.Timestamp(found.as_of) - pd.DateOffset(years=ADULT_AGE)
    for table in found.tables:
        keys = table.keys
        accounts = keys[keys["spd"] & _current(keys, found.as_of)]
        if accounts.empty:
            continue
        others = []
        tables: list[str] = []
        for other in found.tables:
            if other is table or other.kind != "person":
                continue
            chosen = _place_key(table, other)
            if chosen is None:
                continue
            column = chosen[0]
            residents = other.keys[_current(other.keys, found.as_of)]
            adult = residents["dob"].isna() | (residents["dob"] <= adult_born_by)
            alive = ~(residents["person_dob"].isin(dead_dob) | residents["person_pc"].isin(dead_pc))
            residents = residents[adult & alive & residents[column].notna()]
            pairs = (
                accounts[[column, "surname", "initial"]]
                .reset_index()
                .merge(
                    residents[[column, "surname", "initial"]], on=column, suffixes=("", "_other")
                )
            )
            # Someone with the holder's surname and initial is likely the holder themself.
            different = (pairs["surname"] != pairs["surname_other"]) | (
                pairs["initial"] != pairs["initial_other"]
            )
            others.append(pairs.loc[different, "index"])
            tables.append(other.name)
        if not others:
            continue
        flagged = pd.concat(others).nunique()
        wins.append(
            QuickWin(
                title="Single person discount with another adult at the address",
                count=int(flagged),
                detail=(
                    f"{flagged:,} of {len(accounts):,} current single person discount accounts "
                    f"in {table.name} are at an address where another adult, not recorded "
                    "as dead, appears in another file. Each is worth a review: the discount "
                    "is 25% of the bill and only applies when one adult lives there."
                ),
                tables=[table.name, *tables],
            )
        )
    return wins


def _death_wins(found: Discovery) -> list[QuickWin]:
    """People in a deaths register who still have current records elsewhere."""
    wins = []
    for deaths in (t for t in found.tables if t.kind == "deaths"):
        for other in (t for t in found.tables if t.kind == "person"):
            chosen = _person_key(deaths, other)
            if chosen is None:
                continue
            column = chosen[0]
            live = other.keys[_current(other.keys, found.as_of)][column].dropna()
            dead = set(deaths.keys[column].dropna())
            still = len(dead & set(live))
            if still:
                wins.append(
                    QuickWin(
                        title=f"People recorded as dead who are still current in {other.name}",
                        count=still,
                        detail=(
                            f"{still:,} people in {deaths.name} match a current record in "
                            f"{other.name} on {chosen[1]}. Updating the record stops bills, "
                            "letters or services going to someone who has died."
                        ),
                        tables=[deaths.name, other.name],
                    )
                )
    return wins


# --- the starter config -----------------------------------------------------------------


def starter_config(paths: list[str | Path], out_dir: Path) -> str:
    """The `joinedup init` starter for the files discovered, with paths relative to out_dir.

    The starter writer reads one folder, so files from several places are linked into a
    temporary folder first and their paths put back afterwards. Database tables are left
    out: a hub source is a file extract.
    """
    from joinedup.ingest.starter import write_starter_config

    paths = [Path(p) for p in paths if not is_database_url(p)]
    files, _ = data_files(paths)
    dirs = [p for p in paths if p.is_dir()]
    if len(dirs) == len(paths) == 1:
        text = write_starter_config(dirs[0])
        real = {f.name: f for f in files}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            real = {}
            for f in files:
                name = f.name if f.name not in real else f"{f.parent.name}_{f.name}"
                os.symlink(f.resolve(), Path(tmp) / name)
                real[name] = f
            text = write_starter_config(Path(tmp))
    from joinedup.ingest.starter import scalar

    def relink(match: re.Match[str]) -> str:
        name = match.group(2).strip('"')
        if name not in real:
            return match.group(0)
        relative = os.path.relpath(real[name].resolve(), out_dir.resolve())
        return f"{match.group(1)}{scalar(relative)}{match.group(3)}"

    return re.sub(r"(?m)^(    file: )(.+?)(  # the extract.*)$", relink, text)


# --- the report -------------------------------------------------------------------------


def discovery_document(found: Discovery) -> Document:
    tables = found.tables
    rows = sum(t.rows for t in tables)
    # A gazetteer's UPRNs and postcodes describe properties, not people.
    personal = [t for t in tables if set(t.categories) - {"UPRN", "postcode", "address"}]
    special = [t for t in tables if SPECIAL_HEALTH in t.categories or SPECIAL_CRIME in t.categories]
    doc = Document(
        title="Data discovery report",
        subtitle=(
            f"What the data is, how good it is and how far it links, as of {found.as_of:%d %B %Y}"
        ),
        footer=(
            "Written by JoinedUp `joinedup discover` from the files themselves. Counts only: "
            "the report holds no personal data. Overlaps are estimates from simple keys; the "
            "hub's own linking is more thorough."
        ),
    )
    doc.summary = [
        f"{len(tables)} table(s) read, {count(rows)} rows in all; "
        f"{len(found.unreadable)} file(s) or sheet(s) could not be used.",
        f"{len(personal)} table(s) hold personal data; {len(special)} may hold special "
        "category or criminal offence data.",
    ]
    doc.summary += [f"{w.title}: {w.count:,}." for w in found.quick_wins]
    best = max(
        (o for o in found.overlaps if o.what == "people"), key=lambda o: o.shared, default=None
    )
    if best:
        doc.summary.append(
            f"Most linkable people: {best.left} and {best.right} share about "
            f"{best.shared:,} people ({pct(best.share_of_left)} of {best.left})."
        )

    overview = doc.section("What was found")
    overview.add(
        Paragraph(
            "One row per table. A table is a CSV file or one sheet of a workbook. "
            "Completeness is the share of cells with a value, over all columns."
        ),
        Table(
            ["Table", "File", "Rows", "Columns", "Personal data", "Completeness"],
            [
                [
                    t.name,
                    t.file,
                    count(t.rows),
                    str(len(t.columns)),
                    ", ".join(t.categories) or "none found",
                    pct(_completeness(t)),
                ]
                for t in tables
            ],
            numeric=(2, 3, 5),
        ),
        BarChart("Completeness by table", [(t.name, _completeness(t)) for t in tables], 1.0, True),
    )
    unread = doc.section("What could not be read")
    if found.unreadable:
        unread.add(
            Table(["File", "Why"], [[u.file, u.reason] for u in found.unreadable]),
        )
    else:
        unread.add(Paragraph("Every file was read."))

    privacy = doc.section("Personal data")
    privacy.add(
        Paragraph(
            "Columns holding personal data, found from column names and from the values "
            "themselves (for example, numbers that pass the NHS number check digit). Health "
            "and crime terms are flagged for a person to look at: such data needs an extra "
            "legal condition (UK GDPR Articles 9 and 10)."
        ),
        Table(
            ["Table", "Column", "Personal data", "Why we think so"],
            [
                [t.name, c.name, ", ".join(c.categories), c.why or "words in the name or values"]
                for t in tables
                for c in t.columns
                if c.categories
            ],
        ),
    )
    if special:
        privacy.add(
            Paragraph(
                "Tables that may hold special category or criminal offence data: "
                + ", ".join(t.name for t in special)
                + ". A data protection impact assessment should cover them."
            )
        )

    for table in tables:
        doc.sections.append(_table_section(table, found.as_of))

    rot = doc.section("Redundant, obsolete and trivial data")
    rot.add(
        Paragraph(
            "Data that costs effort to keep and adds risk without use: empty or one-value "
            "columns, exact duplicate rows, the same id used twice, records that ended more "
            f"than {OBSOLETE_YEARS} years ago, and files with no activity in the last "
            f"{STALE_MONTHS} months."
        ),
        Table(
            [
                "Table",
                "Empty or one-value columns",
                "Duplicate rows",
                "Repeated ids",
                "Same person twice",
                f"Ended over {OBSOLETE_YEARS} years ago",
                "Latest activity",
            ],
            [
                [
                    t.name,
                    str(sum(1 for c in t.columns if c.trivial)),
                    count(t.duplicate_rows),
                    count(t.duplicate_keys) if t.key_column else "no id column",
                    count(t.duplicate_people),
                    count(t.obsolete_rows),
                    _activity(t, found.as_of),
                ]
                for t in tables
            ],
            numeric=(1, 2, 3, 4, 5),
        ),
    )
    trivial = [f"{t.name}: {c.name} ({c.trivial})" for t in tables for c in t.columns if c.trivial]
    if trivial:
        rot.add(Bullets(trivial))

    links = doc.section("How the tables link")
    if found.shared_identifiers:
        links.add(
            Paragraph("Identifiers that appear in both tables of a pair:"),
            Table(
                ["Table", "Table", "Shared identifiers", "How linkable"],
                [[a, b, ", ".join(s), _linkability(s)] for a, b, s in found.shared_identifiers],
            ),
        )
    else:
        links.add(Paragraph("No identifiers are shared between the tables."))
    if found.overlaps:
        links.add(
            Paragraph(
                "Estimated overlap: distinct people or addresses found in both tables, "
                "compared on the key shown. Typing differences hide some real overlap, so "
                "these are lower bounds; the hub's linking finds more."
            ),
            Table(
                [
                    "What",
                    "Table A",
                    "Table B",
                    "Compared on",
                    "In A",
                    "In B",
                    "In both",
                    "Share of A",
                    "Share of B",
                ],
                [
                    [
                        o.what,
                        o.left,
                        o.right,
                        o.key,
                        count(o.left_count),
                        count(o.right_count),
                        count(o.shared),
                        pct(o.share_of_left),
                        pct(o.share_of_right),
                    ]
                    for o in found.overlaps
                ],
                numeric=(4, 5, 6, 7, 8),
            ),
            BarChart(
                "Share of each table's people found in another table",
                [
                    (f"{o.left} in {o.right}", o.share_of_left)
                    for o in found.overlaps
                    if o.what == "people"
                ],
                1.0,
                True,
            ),
        )
    wins = doc.section("Quick wins")
    if found.quick_wins:
        wins.add(Bullets([f"{w.title}: {w.count:,}. {w.detail}" for w in found.quick_wins]))
    else:
        wins.add(Paragraph("No quick wins could be sized from these files alone."))
    wins.add(
        Paragraph(
            "Next step: check the starter joinedup.yaml written beside this report, name an "
            "owner for each source, and run the hub to turn these estimates into reviewed "
            "matches."
        )
    )
    return doc


def _completeness(table: TableProfile) -> float:
    cells = table.rows * len(table.columns)
    return sum(c.filled for c in table.columns) / cells if cells else 0.0


def _activity(table: TableProfile, as_of: date) -> str:
    if table.newest_activity is None:
        return "no dates"
    months = (
        (as_of.year - table.newest_activity.year) * 12 + as_of.month - table.newest_activity.month
    )
    stale = " (stale)" if months > STALE_MONTHS else ""
    return f"{table.newest_activity:%d %b %Y}{stale}"


def _linkability(shared: list[str]) -> str:
    if {"UPRN", "NHS number", "National Insurance number"} & set(shared):
        return "strong: a shared reference number"
    if {"name", "date of birth"} <= set(shared):
        return "good: name and date of birth"
    if {"name", "postcode"} <= set(shared):
        return "fair: name and postcode"
    return "weak"


def _table_section(table: TableProfile, as_of: date):  # type: ignore[no-untyped-def]
    from joinedup.reports.document import Section

    section = Section(f"Table: {table.name}")
    how = [f"File {table.file} ({table.fmt}); {count(table.rows)} rows of data."]
    if table.encoding and table.encoding not in ("utf-8", "utf-8-sig"):
        how.append(f"Text encoding {table.encoding}, not UTF-8.")
    how += table.read_notes
    if table.bad_rows:
        how.append(f"{table.bad_rows:,} row(s) could not be read (for example a field too many).")
    section.add(Bullets(how))
    section.add(
        Table(
            ["Column", "Type", "Filled", "Distinct", "Valid", "Guessed as", "Personal data"],
            [
                [
                    c.name,
                    c.kind,
                    pct(c.completeness),
                    pct(c.uniqueness),
                    pct(c.validity),
                    c.field or "-",
                    ", ".join(c.categories) or "-",
                ]
                for c in table.columns
            ],
            caption=(
                "Filled: share of rows with a value. Distinct: share of the values that are "
                "different. Valid: share of the values in the right form (for example a "
                "real postcode), where a form can be checked."
            ),
            numeric=(2, 3, 4),
        )
    )
    checked = [(c.name, c.validity) for c in table.columns if c.validity is not None]
    if checked:
        section.add(BarChart(f"Valid values in {table.name}", checked, 1.0, True))
    return section
