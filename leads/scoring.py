"""Lead scoring, set-based: one UPDATE scores any number of leads.

Fit rules test lead fields (or an ICP segment's criteria); engagement rules give points
per event, halved every `engagement_half_life_days`. Each operator is defined once with
its SQL condition (for rescoring) and its Python test (for the explanation on the lead
page), and a test checks that both give the same total.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Power
from django.utils import timezone

from personas.models import IcpSegment

from .models import EngagementEvent, EventKind, Lead, ScoringRule, ScoringSettings

TEXT_FIELDS = {
    "industry",
    "title",
    "country",
    "region",
    "company",
    "company_domain",
    "email_domain",
}
NUMBER_FIELDS = {"employees", "annual_revenue"}
SCORABLE_FIELDS = TEXT_FIELDS | NUMBER_FIELDS
ICP_FIELDS = {"industry", "employees", "annual_revenue", "country", "region"}
FIELD_LABELS = {
    "email_domain": "email domain",
    "company_domain": "company domain",
    "annual_revenue": "annual revenue",
}
EVENT_LABELS = dict(EventKind.choices)


def label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " "))


def _number(value):
    return Decimal(str(value)) if value is not None else None


@dataclass
class FitTest:
    """A fit rule as a SQL condition and the same test in Python."""

    q: Q
    matches: callable
    describe: str


NEVER = Q(pk__in=[])


def _text_in(field: str, values: list[str]) -> FitTest:
    wanted = {str(v).strip().lower() for v in values if str(v).strip()}
    q = NEVER
    for value in wanted:
        q |= Q(**{f"{field}__iexact": value})
    return FitTest(q, lambda lead: (getattr(lead, field) or "").strip().lower() in wanted, "")


def _number_between(field: str, low, high) -> FitTest:
    q = Q(**{f"{field}__isnull": False})
    if low is not None:
        q &= Q(**{f"{field}__gte": low})
    if high is not None:
        q &= Q(**{f"{field}__lte": high})

    def matches(lead):
        value = getattr(lead, field)
        if value is None:
            return False
        value = _number(value)
        return (low is None or value >= _number(low)) and (high is None or value <= _number(high))

    return FitTest(q, matches, "")


def fit_test(rule: ScoringRule, segments: dict[int, IcpSegment]) -> FitTest:
    field, value, op = rule.field, rule.value, rule.operator
    if op == ScoringRule.Operator.ICP:
        segment = segments.get(int(value)) if str(value).isdigit() else None
        if segment is None or not segment.is_active:
            return FitTest(
                NEVER, lambda lead: False, f"{label(field)} matches an inactive ICP segment"
            )
        if field == "industry":
            test = _text_in("industry", segment.industries)
        elif field == "employees":
            test = _number_between("employees", segment.employees_min, segment.employees_max)
        elif field == "annual_revenue":
            test = _number_between("annual_revenue", segment.revenue_min, segment.revenue_max)
        else:  # country or region, against the segment's regions
            test = _text_in(field, segment.regions)
        test.describe = f"{label(field)} matches ICP '{segment.name}'"
        return test
    if op in (ScoringRule.Operator.EQ, ScoringRule.Operator.IN):
        values = value if isinstance(value, list) else [value]
        if field in NUMBER_FIELDS:
            numbers = [_number(v) for v in values]
            test = FitTest(
                Q(**{f"{field}__in": numbers}),
                lambda lead: _number(getattr(lead, field)) in numbers,
                "",
            )
        else:
            test = _text_in(field, values)
        shown = ", ".join(str(v) for v in values)
        test.describe = (
            f"{label(field)} is {shown}" if op == "eq" else f"{label(field)} is one of {shown}"
        )
        return test
    if op == ScoringRule.Operator.CONTAINS:
        needle = str(value).strip().lower()
        return FitTest(
            Q(**{f"{field}__icontains": needle}),
            lambda lead: needle in (getattr(lead, field) or "").lower(),
            f"{label(field)} contains '{value}'",
        )
    if op == ScoringRule.Operator.GTE:
        test = _number_between(field, value, None)
        test.describe = f"{label(field)} is at least {value}"
        return test
    if op == ScoringRule.Operator.LTE:
        test = _number_between(field, None, value)
        test.describe = f"{label(field)} is at most {value}"
        return test
    if op == ScoringRule.Operator.BETWEEN:
        low, high = value
        test = _number_between(field, low, high)
        test.describe = f"{label(field)} is between {low} and {high}"
        return test
    raise ValueError(f"unknown operator {op}")


class AgeInDays(Func):
    """Days between an event and `now`, as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def __init__(self, expression, now: datetime):
        super().__init__(expression)
        self.now = now

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # date_part is double precision; EXTRACT returns numeric, which is far slower to power().
        return f"(date_part('epoch', %s::timestamptz - {sql}) / 86400.0)", [self.now, *params]

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(julianday(%s) - julianday({sql}))", [self.now.isoformat(), *params]


@dataclass
class Model:
    """The scoring model in force: fit tests, points per event kind, decay, threshold."""

    fit: list[tuple[ScoringRule, FitTest]]
    event_points: dict[str, int]
    half_life_days: float
    threshold: int


def current_model() -> Model:
    settings = ScoringSettings.current()
    rules = list(ScoringRule.objects.filter(active=True))
    segment_ids = {int(r.value) for r in rules if r.operator == "icp" and str(r.value).isdigit()}
    segments = IcpSegment.objects.in_bulk(segment_ids)
    event_points: dict[str, int] = {}
    for rule in rules:
        if rule.kind == ScoringRule.Kind.ENGAGEMENT:
            event_points[rule.event_kind] = event_points.get(rule.event_kind, 0) + rule.points
    return Model(
        fit=[(r, fit_test(r, segments)) for r in rules if r.kind == ScoringRule.Kind.FIT],
        event_points=event_points,
        half_life_days=max(float(settings.engagement_half_life_days), 0.1),
        threshold=settings.mql_threshold,
    )


def rescore(leads, model: Model | None = None, now: datetime | None = None) -> int:
    """Score every lead in the queryset with one UPDATE statement; returns how many changed.

    The new scores come from one SELECT: the fit rules as a sum of CASEs over the lead's
    columns, LEFT JOINed to the decayed engagement points grouped by lead. Each row is
    written once, and only if a score changed; no index holds a score column, so
    PostgreSQL can update the rows in place (heap-only tuples).
    """
    model = model or current_model()
    now = now or timezone.now()
    fit = sum(
        (Case(When(test.q, then=Value(rule.points)), default=Value(0)) for rule, test in model.fit),
        Value(0),
    )
    fit_sql, fit_params = (
        leads.order_by().annotate(new_fit=fit).values("pk", "new_fit").query.sql_with_params()
    )
    engagement_sql, engagement_params = (
        "SELECT CAST(NULL AS bigint) AS lead_id, 0.0 AS total WHERE 1 = 0",
        (),
    )
    if model.event_points:
        points = Case(
            *(When(kind=kind, then=Value(float(p))) for kind, p in model.event_points.items()),
            default=Value(0.0),
            output_field=FloatField(),
        )
        decay = Power(Value(0.5), AgeInDays(F("occurred_at"), now) / Value(model.half_life_days))
        engagement_sql, engagement_params = (
            EngagementEvent.objects.filter(
                lead__in=leads.order_by().values("pk"), kind__in=list(model.event_points)
            )
            .order_by()
            .values("lead_id")
            .annotate(total=Sum(points * decay, output_field=FloatField()))
            .query.sql_with_params()
        )
    table = connection.ops.quote_name(Lead._meta.db_table)
    new_engagement = "COALESCE(CAST(ROUND(e.total) AS integer), 0)"
    # Only ORM-compiled SQL is interpolated; every value travels as a parameter.
    sql = (
        f"UPDATE {table} SET fit_score = x.new_fit, engagement_score = x.new_engagement, "  # noqa: S608
        "score = x.new_fit + x.new_engagement, scored_at = %s "
        f"FROM (SELECT f.pk, f.new_fit, {new_engagement} AS new_engagement "
        f"      FROM ({fit_sql}) AS f LEFT JOIN ({engagement_sql}) AS e ON e.lead_id = f.pk) AS x "
        f"WHERE {table}.id = x.pk AND ({table}.fit_score <> x.new_fit "
        f"OR {table}.engagement_score <> x.new_engagement "
        f"OR {table}.score <> x.new_fit + x.new_engagement)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *fit_params, *engagement_params])
        return cursor.rowcount


@dataclass
class Line:
    points: int | float
    text: str


def explain(lead: Lead, model: Model | None = None, now: datetime | None = None) -> list[Line]:
    """The lead's score line by line, from the same rules the UPDATE uses."""
    model = model or current_model()
    now = now or timezone.now()
    lines = [Line(rule.points, test.describe) for rule, test in model.fit if test.matches(lead)]
    for event in lead.events.filter(kind__in=list(model.event_points)).order_by("-occurred_at"):
        full = model.event_points[event.kind]
        age = (now - event.occurred_at).total_seconds() / 86400
        decayed = full * 0.5 ** (age / model.half_life_days)
        when = "today" if age < 1 else f"{int(age)} day{'s' if int(age) != 1 else ''} ago"
        text = f"{EVENT_LABELS[event.kind].lower()} {when}"
        if round(decayed) != full:
            text += f" (decayed from {full})"
        lines.append(Line(decayed, text))
    return lines


def round_half_away(value: float) -> int:
    """SQL's ROUND (halves away from zero), not Python's banker's rounding."""
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


def explained_total(lines: list[Line]) -> int:
    fit = sum(line.points for line in lines if isinstance(line.points, int))
    engagement = round_half_away(
        sum(line.points for line in lines if isinstance(line.points, float))
    )
    return fit + engagement
