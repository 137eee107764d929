"""Per-day rollups of the lead table, so the dashboard reads thousands of rows, not millions.

Four small tables (leads.models: FunnelDay, RejectionDay, ScoreDay, SlaDay) hold per UTC
day what the dashboard's figures add up: the funnel by source campaign (each stage on the
day its date says it was reached), rejections by campaign and reason, the leads created
each day by score band (and how far they got), and the leads assigned each day by owner
with their SLA outcomes. leads.metrics reads them for the whole days of a period and
the lead table itself for the hours at either end (a viewer outside UTC).

They are kept by the database itself. Triggers on the lead table turn each change of a
lead into signed rows (-1 under what the lead counted for before, +1 under what it counts
for now; a change that moves no figure writes nothing), appended in the same
transaction as the change. Triggers rather than a call in each service, because every
path that writes a lead is then covered at once and none can forget it: stage moves
(portal.workflow.Machine.move), the set-based hand-off, rescoring (one UPDATE for many
leads), ingest (bulk, COPY, upserts), the SLA sweep, a campaign or user deleted under
its leads, and plain ORM writes in tests and the shell. Appended rows rather than one
updated row per day and key, so writers never wait on each other (one "today" row would
serialise every hand-off and every ingest, and could deadlock them).

- `compact()` folds the appended rows into one row per key (beat, every minute);
- `rebuild()` (the `rebuild_lead_rollups` command) recounts everything from the leads;
- `recount()` and `totals()` give both sides for a comparison (tests, the command).

PostgreSQL: one statement-level trigger per kind of change reading the statement's
transition tables, so a statement that writes 100,000 leads costs one INSERT ... SELECT
per rollup, not 100,000. SQLite: row-level triggers with the same arithmetic (slower
writes; the embedded default holds little).

The triggers are generated from the declarations below and installed after every
`migrate` (`install`, from post_migrate). Their names carry a fingerprint of the SQL: a
changed declaration replaces them and recounts the rollups once. (SQLite drops a
table's triggers when a migration rebuilds the table; the next install finds them
missing, puts them back and recounts.)
"""

# Every statement here is built from this module's declarations (table and column names),
# never from input; values travel as parameters.
# ruff: noqa: S608

import hashlib
from dataclasses import dataclass, field

from django.db import connection, transaction

from .metrics import FUNNEL, SCORE_BANDS
from .models import FunnelDay, Lead, RejectionDay, RollupRow, ScoreDay, SlaDay

LEADS = Lead._meta.db_table
PREFIX = "leads_rollup_"
LOCK = 151_515  # pg_advisory_xact_lock key: one compaction or rebuild at a time


@dataclass(frozen=True)
class Fact:
    """What one lead adds to a rollup: on the UTC day of its `day` column (when that is
    set and `when` holds), under `keys`, the `values` (SQL over the lead, as `l`)."""

    day: str
    values: dict[str, str]
    keys: dict[str, str] = field(default_factory=dict)
    when: str = ""


@dataclass(frozen=True)
class Rollup:
    model: type[RollupRow]
    keys: tuple[str, ...]  # the key columns after `day`
    facts: tuple[Fact, ...]

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def measures(self) -> list[str]:
        fixed = {"id", "day", "compact", *self.keys}
        return [f.column for f in self.model._meta.concrete_fields if f.column not in fixed]

    @property
    def key_columns(self) -> list[str]:
        return ["day", *self.keys]


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


CAMPAIGN = "COALESCE(l.source_campaign_id, 0)"
BAND = (
    "CASE "
    + " ".join(
        f"WHEN l.score < {high} THEN {index}"
        for index, (_, high) in enumerate(SCORE_BANDS)
        if high is not None
    )
    + f" ELSE {len(SCORE_BANDS) - 1} END"
)
AMOUNT = "COALESCE(l.amount, 0)"

ROLLUPS = (
    Rollup(
        FunnelDay,
        ("campaign_id",),
        (
            *(
                Fact(date, {key: "1"}, {"campaign_id": CAMPAIGN})
                for key, _, date in FUNNEL
                if key not in ("opportunity", "won")
            ),
            Fact("opportunity_at", {"opportunity": "1", "pipeline": AMOUNT}, {"campaign_id": CAMPAIGN}),
            Fact("won_at", {"won": "1", "won_amount": AMOUNT}, {"campaign_id": CAMPAIGN}),
            Fact("closed_at", {"closed": "1", "rejected": _flag("l.stage = 'rejected'")},
                 {"campaign_id": CAMPAIGN}),
        ),
    ),
    Rollup(
        RejectionDay,
        ("campaign_id", "reason_id"),
        (
            Fact("closed_at", {"rejected": "1"},
                 {"campaign_id": CAMPAIGN, "reason_id": "COALESCE(l.rejection_reason_id, 0)"},
                 when="l.stage = 'rejected'"),
        ),
    ),
    Rollup(
        ScoreDay,
        ("band",),
        (
            Fact("created_at", {"leads": "1", "mqls": _flag("l.mql_at IS NOT NULL"),
                                "sqls": _flag("l.sql_at IS NOT NULL"), "won": _flag("l.won_at IS NOT NULL")},
                 {"band": BAND}),
        ),
    ),
    Rollup(
        SlaDay,
        ("owner_id",),
        (
            Fact("assigned_at", {
                "assigned": "1",
                "accepted": _flag("l.accepted_at IS NOT NULL"),
                "accepted_within": _flag("l.accepted_at <= l.accept_due_at"),
                "contacted_within": _flag("l.contacted_at <= l.contact_due_at"),
                "breached": _flag("l.accept_breached_at IS NOT NULL OR l.contact_breached_at IS NOT NULL"),
            }, {"owner_id": "COALESCE(l.owner_id, 0)"}),
        ),
    ),
)  # fmt: skip

# The lead columns the facts read: all a trigger copies out of a changed row.
COLUMNS = (
    "created_at", "mql_at", "accepted_at", "sql_at", "opportunity_at", "won_at", "closed_at",
    "assigned_at", "accept_due_at", "contact_due_at", "contacted_at", "accept_breached_at",
    "contact_breached_at", "stage", "score", "amount", "source_campaign_id", "rejection_reason_id",
    "owner_id",
)  # fmt: skip


# --- SQL ----------------------------------------------------------------------------------
def _day(column: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"(l.{column} AT TIME ZONE 'UTC')::date"
    return f"date(l.{column})"  # SQLite stores UTC text


def _rows(source: str, signs: list[tuple[str, str]], vendor: str) -> str:
    """The lead rows a statement touched, each with its sign, as one row source `l`."""
    if vendor == "postgresql":
        columns = ", ".join(COLUMNS)
        return " UNION ALL ".join(
            f"SELECT {columns}, {sign} AS sign FROM {rows}" for rows, sign in signs
        )
    # SQLite trigger: OLD.x / NEW.x of the one row (or, for a rebuild, the whole table).
    if source:
        return f"SELECT {', '.join(COLUMNS)}, 1 AS sign FROM {source}"
    return " UNION ALL ".join(
        "SELECT " + ", ".join(f"{rows}.{c} AS {c}" for c in COLUMNS) + f", {sign} AS sign"
        for rows, sign in signs
    )


def _sums_by_key(rollup: Rollup, rows: str, vendor: str) -> str:
    """SELECT the key columns and the signed sums of the measures per key over `rows`
    (keys whose sums are all 0 left out)."""
    measures, keys = rollup.measures, rollup.keys
    expanded = []
    for fact in rollup.facts:
        day = _day(fact.day, vendor)
        if fact.when:
            day = f"CASE WHEN {fact.when} THEN {day} END"
        cells = [day, *(fact.keys[k] for k in keys)]
        cells += [f"l.sign * ({fact.values[m]})" if m in fact.values else "0" for m in measures]
        expanded.append(cells)
    names = ["day", *keys, *measures]
    if vendor == "postgresql":
        values = ", ".join("(" + ", ".join(cells) + ")" for cells in expanded)
        source = (
            f"FROM ({rows}) AS l CROSS JOIN LATERAL (VALUES {values}) AS f({', '.join(names)}) "
            "WHERE f.day IS NOT NULL"
        )
    else:  # no LATERAL: one SELECT per fact
        selects = " UNION ALL ".join(
            "SELECT "
            + ", ".join(f"{cell} AS {name}" for cell, name in zip(cells, names, strict=True))
            + f" FROM ({rows}) AS l"
            for cells in expanded
        )
        source = f"FROM ({selects}) AS f WHERE f.day IS NOT NULL"
    group = ", ".join(f"f.{name}" for name in ["day", *keys])
    sums = ", ".join(f"SUM(f.{m})" for m in measures)
    nonzero = " OR ".join(f"SUM(f.{m}) <> 0" for m in measures)
    return f"SELECT {group}, {sums} {source} GROUP BY {group} HAVING {nonzero}"


def _delta(rollup: Rollup, rows: str, vendor: str, *, compact: bool) -> str:
    """INSERT `rows`' signed sums per key into the rollup."""
    names = ", ".join([*rollup.key_columns, *rollup.measures])
    select = _sums_by_key(rollup, rows, vendor)
    flag = ("TRUE" if compact else "FALSE") if vendor == "postgresql" else str(int(compact))
    return f"INSERT INTO {rollup.table} ({names}, compact) SELECT *, {flag} FROM ({select}) AS d"


def _postgresql_objects(name: str) -> list[str]:
    table_rows = {
        "INSERT": [("new_rows", "1")],
        "UPDATE": [("new_rows", "1"), ("old_rows", "-1")],
        "DELETE": [("old_rows", "-1")],
    }
    branches = []
    for operation, signs in table_rows.items():
        statements = "\n    ".join(
            _delta(rollup, _rows("", signs, "postgresql"), "postgresql", compact=False) + ";"
            for rollup in ROLLUPS
        )
        branches.append(f"IF TG_OP = '{operation}' THEN\n    {statements}")
    emptied = "\n    ".join(f"DELETE FROM {rollup.table};" for rollup in ROLLUPS)
    function = (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  "
        + "\n  ELS".join(branches)
        + f"\n  ELSE\n    {emptied}\n  END IF;\n  RETURN NULL;\nEND\n$$"
    )
    referencing = {
        "INSERT": "REFERENCING NEW TABLE AS new_rows",
        "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "REFERENCING OLD TABLE AS old_rows",
        "TRUNCATE": "",
    }
    return [function] + [
        f"CREATE TRIGGER {name}_{operation.lower()} AFTER {operation} ON {LEADS} {clause} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        for operation, clause in referencing.items()
    ]


def _sqlite_objects(name: str) -> list[str]:
    table_rows = {
        "INSERT": [("NEW", "1")],
        "UPDATE": [("NEW", "1"), ("OLD", "-1")],
        "DELETE": [("OLD", "-1")],
    }
    triggers = []
    for operation, signs in table_rows.items():
        statements = [
            _delta(rollup, _rows("", signs, "sqlite"), "sqlite", compact=False)
            for rollup in ROLLUPS
        ]
        if operation == "DELETE":
            # With the last lead gone the rollups are empty too (as TRUNCATE makes them on
            # PostgreSQL), so a database flushed table by table, in any order, starts clean.
            statements += [
                f"DELETE FROM {rollup.table} WHERE NOT EXISTS (SELECT 1 FROM {LEADS})"
                for rollup in ROLLUPS
            ]
        triggers.append(
            f"CREATE TRIGGER {name}_{operation.lower()} AFTER {operation} ON {LEADS} "
            f"FOR EACH ROW BEGIN {'; '.join(statements)}; END"
        )
    return triggers


def _objects(vendor: str) -> tuple[str, list[str]]:
    """The trigger name (with the SQL's fingerprint) and the statements that create them."""
    build = _postgresql_objects if vendor == "postgresql" else _sqlite_objects
    fingerprint = hashlib.sha256("\n".join(build(PREFIX)).encode()).hexdigest()[:10]
    name = f"{PREFIX}{fingerprint}"
    return name, build(name)


def _installed(cursor, vendor: str) -> set[str]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [LEADS],
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [LEADS]
        )
    return {name for (name,) in cursor.fetchall() if name.startswith(PREFIX)}


# --- Keeping them -------------------------------------------------------------------------
def install(using: str = "default") -> bool:
    """Create the triggers unless the current ones are in place; recount after a change.
    Returns True when it (re)installed them."""
    from django.db import connections

    db = connections[using]
    vendor = db.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"lead rollups on {vendor}")
    name, statements = _objects(vendor)
    operations = ("insert", "update", "delete", "truncate")[: 4 if vendor == "postgresql" else 3]
    expected = {f"{name}_{operation}" for operation in operations}
    tables = set(db.introspection.table_names())
    if not {LEADS, *(rollup.table for rollup in ROLLUPS)} <= tables:
        return False  # migrated only part of the way
    with transaction.atomic(using=using), db.cursor() as cursor:
        installed = _installed(cursor, vendor)
        if installed == expected:
            return False
        for trigger in installed:
            cursor.execute(
                f"DROP TRIGGER {trigger} ON {LEADS}"
                if vendor == "postgresql"
                else f"DROP TRIGGER {trigger}"
            )
        if vendor == "postgresql":
            cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE %s", [PREFIX + "%"])
            for (function,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        for statement in statements:
            cursor.execute(statement)
        _recount_into_tables(cursor, vendor)
    return True


def _recount_into_tables(cursor, vendor: str) -> None:
    if vendor == "postgresql":
        # No lead may change while the tables are recounted (it would be counted twice).
        cursor.execute(f"LOCK TABLE {LEADS} IN SHARE MODE")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
    for rollup in ROLLUPS:
        cursor.execute(f"DELETE FROM {rollup.table}")
        cursor.execute(_delta(rollup, _rows(LEADS, [(LEADS, "1")], vendor), vendor, compact=True))


def rebuild() -> None:
    """Recount every rollup from the lead table (writers to leads wait meanwhile)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _recount_into_tables(cursor, connection.vendor)


def compact() -> int:
    """Fold the appended rows into one row per key; returns how many keys were folded."""
    folded = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
            if not cursor.fetchone()[0]:
                return 0  # another compaction (or a rebuild) is at it
        for rollup in ROLLUPS:
            folded += _compact(cursor, rollup)
    return folded


def _compact(cursor, rollup: Rollup) -> int:
    table, keys, measures = rollup.table, ", ".join(rollup.key_columns), rollup.measures
    sums = ", ".join(f"SUM({m})" for m in measures)
    nonzero = " OR ".join(f"SUM({m}) <> 0" for m in measures)
    columns = f"{keys}, {', '.join(measures)}, compact"
    if connection.vendor == "postgresql":
        # One statement, one snapshot: exactly the rows it deletes are summed back in; rows
        # appended meanwhile by other transactions stay for the next compaction.
        cursor.execute(
            f"WITH moved AS (DELETE FROM {table} WHERE ({keys}) IN "
            f"(SELECT {keys} FROM {table} WHERE NOT compact) RETURNING {keys}, {', '.join(measures)}), "
            f"folded AS (INSERT INTO {table} ({columns}) SELECT {keys}, {sums}, TRUE FROM moved "
            f"GROUP BY {keys} HAVING {nonzero} RETURNING 1) "
            f"SELECT (SELECT count(*) FROM (SELECT DISTINCT {keys} FROM moved) AS k)"
        )
        return cursor.fetchone()[0]
    # SQLite: one writer at a time (the transaction holds the write lock), so plain steps.
    cursor.execute(f"SELECT max(id) FROM {table}")
    top = cursor.fetchone()[0] or 0
    changed = f"SELECT {keys} FROM {table} WHERE NOT compact AND id <= %s"
    cursor.execute(f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {table} WHERE NOT compact)")
    count = cursor.fetchone()[0]
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {keys}, {sums}, 1 FROM {table} "
        f"WHERE id <= %s AND ({keys}) IN ({changed}) GROUP BY {keys} HAVING {nonzero}",
        [top, top],
    )
    cursor.execute(
        f"DELETE FROM {table} WHERE id <= %s AND ({keys}) IN ({changed})",
        [top, top],
    )
    return count


# --- Checking them ------------------------------------------------------------------------
def totals() -> dict[str, dict[tuple, tuple]]:
    """What the rollups hold now: per table, key -> summed measures (keys that sum to 0
    left out)."""
    return {rollup.table: _sums(rollup, rollup.table) for rollup in ROLLUPS}


def recount() -> dict[str, dict[tuple, tuple]]:
    """What the rollups should hold, counted from the lead table now (as `totals`)."""
    found = {}
    with connection.cursor() as cursor:
        for rollup in ROLLUPS:
            rows = _rows(LEADS, [(LEADS, "1")], connection.vendor)
            cursor.execute(_sums_by_key(rollup, rows, connection.vendor))
            width = len(rollup.key_columns)
            found[rollup.table] = {
                tuple(str(k) for k in row[:width]): _numbers(row[width:])
                for row in cursor.fetchall()
            }
    return found


def _sums(rollup: Rollup, table: str) -> dict[tuple, tuple]:
    keys = ", ".join(rollup.key_columns)
    sums = ", ".join(f"SUM({m})" for m in rollup.measures)
    nonzero = " OR ".join(f"SUM({m}) <> 0" for m in rollup.measures)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {keys}, {sums} FROM {table} GROUP BY {keys} HAVING {nonzero}")
        width = len(rollup.key_columns)
        return {
            tuple(str(k) for k in row[:width]): _numbers(row[width:]) for row in cursor.fetchall()
        }


def _numbers(values) -> tuple:
    return tuple(round(float(v), 2) for v in values)
