"""Database functions the ORM lacks, for PostgreSQL and for the embedded SQLite.

Aggregates stay in the database on both: `Median` is percentile_cont on PostgreSQL and
a small aggregate registered on each SQLite connection.
"""

import statistics

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, FloatField, Func


class HoursBetween(Func):
    """(end - start) in hours, as a float."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        start, end = (compiler.compile(e) for e in self.source_expressions)
        return f"(date_part('epoch', {end[0]} - {start[0]}) / 3600.0)", [*end[1], *start[1]]

    def as_sqlite(self, compiler, connection, **extra):
        start, end = (compiler.compile(e) for e in self.source_expressions)
        return f"((julianday({end[0]}) - julianday({start[0]})) * 24.0)", [*end[1], *start[1]]


class Median(Aggregate):
    function = "percentile_cont"
    name = "Median"
    output_field = FloatField()
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="tandem_median", **extra)


class _SqliteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("tandem_median", 1, _SqliteMedian)


connection_created.connect(register_sqlite_functions, dispatch_uid="tandem_sqlite_functions")
