"""Lead scoring: one computation, in SQL, for the stored score and its explanation.

Fit rules test lead fields, or whether a lead fits an ICP segment as a whole;
engagement rules give points per event, halved every `engagement_half_life_days`. Each
rule becomes a SQL condition once (`fit_test`). `rescore` writes every lead's score with
one UPDATE; `explain` asks the database which of the same conditions hold for one lead
and sums its events with the same expression, so the explanation's total is the stored
score computed at the same moment, never a second implementation that could drift.

Any stored rule is safe to apply: a rule that cannot apply (a number rule with a value
that is not a number, a segment that is gone) scores 0 for everyone and says why on the
scoring page; scoring never raises because of a rule.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.db.models import Case, F, FloatField, Func, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Power, Round
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
    "technologies",
}
NUMBER_FIELDS = {"employees", "annual_revenue"}
SCORABLE_FIELDS = TEXT_FIELDS | NUMBER_FIELDS
# The largest values the columns hold: a rule comparing beyond them can never match and
# would make PostgreSQL refuse the query (integer out of range).
NUMBER_LIMITS = {"employees": Decimal(2**31 - 1), "annual_revenue": Decimal("99999999999999.99")}
FIELD_LABELS = {
    "email_domain": "email domain",
    "company_domain": "company domain",
    "annual_revenue": "annual revenue",
}
EVENT_LABELS = dict(EventKind.choices)
NEVER = Q(pk__in=[])


def label(field_name: str) -> str:
    return FIELD_LABELS.get(field_name, field_name.replace("_", " "))


def shown(value) -> str:
    """A rule's value as people read it: 1,000,000 not 1000000."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,}"


class RuleProblem(ValueError):
    """Why a stored rule cannot apply to any lead (it then scores 0, and the page says so);
    `where` is the rule's field to blame when it is refused on save."""

    def __init__(self, message: str, where: str = "value"):
        super().__init__(message)
        self.where = where


def number(value, field_name: str) -> Decimal:
    """A rule value as a number the field can hold, or RuleProblem naming it."""
    if isinstance(value, bool):
        raise RuleProblem(f"{value!r} is not a number")
    try:
        result = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise RuleProblem(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise RuleProblem(f"{value!r} is not a number")
    if field_name == "employees" and result != result.to_integral_value():
        raise RuleProblem(f"{value!r} is not a whole number of employees")
    if abs(result) > NUMBER_LIMITS[field_name]:
        raise RuleProblem(f"{value!r} is beyond any {label(field_name)}")
    return result


def _text_values(values) -> list[str]:
    found = []
    for value in values if isinstance(values, list) else [values]:
        if isinstance(value, list | dict) or value is None:
            raise RuleProblem(f"{value!r} is not a word or a name")
        text = str(value).strip()
        if text:
            found.append(text)
    return found


def text_in(field_name: str, values: list[str]) -> Q:
    """The field equals one of the values, in any case."""
    q = NEVER
    for value in values:
        q |= Q(**{f"{field_name}__iexact": value})
    return q


def lists_any(field_name: str, values: list[str]) -> Q:
    """A comma-separated list field (technologies) holds one of the values, in any case."""
    q = NEVER
    for value in values:
        q |= Q(**{f"{field_name}__iregex": rf"(^|,)\s*{re.escape(value)}\s*(,|$)"})
    return q


def between(field_name: str, low, high) -> Q:
    q = Q(**{f"{field_name}__isnull": False})
    if low is not None:
        q &= Q(**{f"{field_name}__gte": low})
    if high is not None:
        q &= Q(**{f"{field_name}__lte": high})
    return q


@dataclass
class FitTest:
    """A fit rule as one SQL condition, what a match means in words, and, when the stored
    rule cannot apply, why (it then scores 0)."""

    q: Q
    describe: str
    problem: str = ""
    problem_field: str = "value"
    # Words on a lead that nearly matched (an ICP segment met only in part): shown, 0 points.
    near_miss: Callable[[Lead], str] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Criterion:
    name: str
    q: Q
    met: Callable[[Lead], bool]
    needs: str


def segment_test(segment: IcpSegment | None) -> FitTest:
    """A lead fits a segment when it meets all of the segment's criteria together, and no
    exclusion (industry, company or email domain) rules its company out."""
    if segment is None:
        return FitTest(NEVER, "fits an ICP segment that no longer exists", "the segment is gone")
    name = f"ICP segment “{segment.name}”"
    if not segment.is_active:
        return FitTest(NEVER, f"fits {name}", "the segment is inactive")
    criteria = _segment_criteria(segment)
    if not criteria:
        return FitTest(NEVER, f"fits {name}", "the segment has no criteria yet")
    exclusions = [e.strip() for e in segment.exclusions if e.strip()]
    excluded = NEVER
    for target in ("industry", "company_domain", "email_domain"):
        excluded |= text_in(target, exclusions)
    q = Q()
    for criterion in criteria:
        q &= criterion.q
    q &= ~excluded
    lowered = {e.lower() for e in exclusions}

    def near_miss(lead: Lead) -> str:
        hit = next(
            (getattr(lead, t) for t in ("industry", "company_domain", "email_domain")
             if (getattr(lead, t) or "").lower() in lowered),
            None,
        )  # fmt: skip
        if hit:
            return f"excluded from {name}: {hit}"
        met = [c for c in criteria if c.met(lead)]
        if not met or len(met) == len(criteria):
            return ""
        missing = "; ".join(c.needs for c in criteria if not c.met(lead))
        return f"partly fits {name} ({len(met)} of {len(criteria)}): needs {missing}"

    return FitTest(q, f"fits {name}", near_miss=near_miss)


def _equals_one_of(field_names: tuple[str, ...], values: list[str]) -> Callable[[Lead], bool]:
    wanted = {value.lower() for value in values}
    return lambda lead: any((getattr(lead, f) or "").lower() in wanted for f in field_names)


def _lists_one_of(field_name: str, values: list[str]) -> Callable[[Lead], bool]:
    wanted = {value.lower() for value in values}
    return lambda lead: bool(
        wanted & {item.strip().lower() for item in (getattr(lead, field_name) or "").split(",")}
    )


def _in_range(field_name: str, low, high) -> Callable[[Lead], bool]:
    def met(lead: Lead) -> bool:
        value = getattr(lead, field_name)
        return (
            value is not None and (low is None or value >= low) and (high is None or value <= high)
        )

    return met


def _segment_criteria(segment: IcpSegment) -> list[Criterion]:
    """The segment's criteria as SQL conditions (the score) and Python checks (the notes)."""
    criteria = []
    industries = [i.strip() for i in segment.industries if i.strip()]
    if industries:
        criteria.append(Criterion(
            "industry", text_in("industry", industries), _equals_one_of(("industry",), industries),
            f"industry {' or '.join(industries)}",
        ))  # fmt: skip
    for field_name, low, high in (
        ("employees", segment.employees_min, segment.employees_max),
        ("annual_revenue", segment.revenue_min, segment.revenue_max),
    ):
        if low is None and high is None:
            continue
        needs = (
            f"{label(field_name)} {shown(low)} to {shown(high)}" if low is not None and high is not None
            else f"{label(field_name)} at least {shown(low)}" if low is not None
            else f"{label(field_name)} at most {shown(high)}"
        )  # fmt: skip
        criteria.append(Criterion(
            field_name, between(field_name, low, high), _in_range(field_name, low, high), needs,
        ))  # fmt: skip
    regions = [r.strip() for r in segment.regions if r.strip()]
    if regions:
        criteria.append(Criterion(
            "region", text_in("region", regions) | text_in("country", regions),
            _equals_one_of(("region", "country"), regions), f"region {' or '.join(regions)}",
        ))  # fmt: skip
    technologies = [t.strip() for t in segment.technologies if t.strip()]
    if technologies:
        criteria.append(Criterion(
            "technologies", lists_any("technologies", technologies),
            _lists_one_of("technologies", technologies), f"uses {' or '.join(technologies)}",
        ))  # fmt: skip
    return criteria


def fit_test(rule: ScoringRule, segments: dict[int, IcpSegment]) -> FitTest:
    """The rule's SQL condition; a rule that cannot apply is a FitTest with a problem."""
    try:
        return _fit_test(rule, segments)
    except (RuleProblem, TypeError, ValueError, InvalidOperation) as problem:
        return FitTest(
            NEVER, f"{label(rule.field or 'rule')} ({rule.name})", str(problem),
            getattr(problem, "where", "value"),
        )  # fmt: skip


def _fit_test(rule: ScoringRule, segments: dict[int, IcpSegment]) -> FitTest:
    field_name, value, op = rule.field, rule.value, rule.operator
    if op == ScoringRule.Operator.ICP:
        segment_id = int(value) if str(value).isdigit() else None
        return segment_test(segments.get(segment_id))
    if field_name not in SCORABLE_FIELDS:
        raise RuleProblem(f"{field_name!r} is not a lead field scoring can read", "field")
    if op in (ScoringRule.Operator.EQ, ScoringRule.Operator.IN):
        values = value if isinstance(value, list) else [value]
        if field_name in NUMBER_FIELDS:
            numbers = [number(v, field_name) for v in values]
            q = Q(**{f"{field_name}__in": numbers}) if numbers else NEVER
            words = ", ".join(shown(n) for n in numbers)
        else:
            texts = _text_values(values)
            q = (
                lists_any(field_name, texts)
                if field_name == "technologies"
                else text_in(field_name, texts)
            )
            words = ", ".join(texts)
        verb = "is" if op == "eq" or len(values) == 1 else "is one of"
        return FitTest(q, f"{label(field_name)} {verb} {words}")
    if op == ScoringRule.Operator.CONTAINS:
        if field_name in NUMBER_FIELDS:
            raise RuleProblem(
                "contains compares text: use at least, at most or between for numbers", "operator"
            )
        [needle] = _text_values([value]) or [""]
        if not needle:
            raise RuleProblem("contains nothing")
        return FitTest(
            Q(**{f"{field_name}__icontains": needle}), f"{label(field_name)} contains “{needle}”"
        )
    if op in (ScoringRule.Operator.GTE, ScoringRule.Operator.LTE, ScoringRule.Operator.BETWEEN):
        if field_name not in NUMBER_FIELDS:
            raise RuleProblem("compare numbers only: employees or annual revenue", "operator")
        if op == ScoringRule.Operator.BETWEEN:
            if not (isinstance(value, list) and len(value) == 2):
                raise RuleProblem("“between” needs [low, high]")
            low, high = (number(v, field_name) for v in value)
            words = f"is between {shown(low)} and {shown(high)}"
        elif op == ScoringRule.Operator.GTE:
            low, high = number(value, field_name), None
            words = f"is at least {shown(low)}"
        else:
            low, high = None, number(value, field_name)
            words = f"is at most {shown(high)}"
        return FitTest(between(field_name, low, high), f"{label(field_name)} {words}")
    raise RuleProblem(f"unknown operator {op!r}", "operator")


def describe_rules(rules: list[ScoringRule]) -> dict[int, FitTest]:
    """Each fit rule's test, for the scoring page: what it means in words, and any problem."""
    wanted = {int(r.value) for r in rules if r.operator == "icp" and str(r.value).isdigit()}
    segments = IcpSegment.objects.in_bulk(wanted)
    return {r.pk: fit_test(r, segments) for r in rules if r.kind == ScoringRule.Kind.FIT}


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

    @property
    def problems(self) -> dict[int, str]:
        """Rule id -> why it cannot apply (it scores 0 until fixed)."""
        return {rule.pk: test.problem for rule, test in self.fit if test.problem}

    def decayed_points(self, now: datetime):
        """One event's points at `now`: the rule's points halved every half-life."""
        points = Case(
            *(When(kind=kind, then=Value(float(p))) for kind, p in self.event_points.items()),
            default=Value(0.0),
            output_field=FloatField(),
        )
        decay = Power(Value(0.5), AgeInDays(F("occurred_at"), now) / Value(self.half_life_days))
        return points * decay

    def events(self, leads, now: datetime):
        """The scored events of `leads`, each with its decayed points."""
        return (
            EngagementEvent.objects.filter(
                lead__in=leads.order_by().values("pk"), kind__in=list(self.event_points)
            )
            .order_by()
            .annotate(decayed=self.decayed_points(now))
        )

    def engagement_totals(self, leads, now: datetime):
        """Per lead: the rounded sum of its decayed event points (the stored engagement)."""
        return (
            self.events(leads, now)
            .values("lead_id")
            .annotate(total=Round(Sum("decayed", output_field=FloatField())))
        )


def current_model(
    *, rules: list[ScoringRule] | None = None, settings: ScoringSettings | None = None,
    segments: dict[int, IcpSegment] | None = None,
) -> Model:  # fmt: skip
    """The model in force, or (for a preview) with candidate rules, settings or segments."""
    settings = settings or ScoringSettings.current()
    rules = list(ScoringRule.objects.filter(active=True)) if rules is None else rules
    wanted = {int(r.value) for r in rules if r.operator == "icp" and str(r.value).isdigit()}
    found = IcpSegment.objects.in_bulk(wanted - set(segments or {}))
    segments = {**found, **(segments or {})}
    event_points: dict[str, int] = {}
    for rule in rules:
        if rule.kind == ScoringRule.Kind.ENGAGEMENT and rule.active:
            event_points[rule.event_kind] = event_points.get(rule.event_kind, 0) + rule.points
    return Model(
        fit=[
            (r, fit_test(r, segments)) for r in rules if r.kind == ScoringRule.Kind.FIT and r.active
        ],
        event_points=event_points,
        half_life_days=max(float(settings.engagement_half_life_days), 0.1),
        threshold=settings.mql_threshold,
    )


def _new_scores_sql(leads, model: Model, now: datetime) -> tuple[str, list]:
    """SELECT pk, new_fit, new_engagement for `leads` under `model` at `now`."""
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
        engagement_sql, engagement_params = model.engagement_totals(
            leads, now
        ).query.sql_with_params()
    # Only ORM-compiled SQL is interpolated; every value travels as a parameter.
    sql = (
        "SELECT f.pk, f.new_fit, COALESCE(CAST(e.total AS integer), 0) AS new_engagement "  # noqa: S608
        f"FROM ({fit_sql}) AS f LEFT JOIN ({engagement_sql}) AS e ON e.lead_id = f.pk"
    )
    return sql, [*fit_params, *engagement_params]


def rescore(leads, model: Model | None = None, now: datetime | None = None) -> int:
    """Score every lead in the queryset with one UPDATE statement; returns how many changed.

    The new scores come from one SELECT (the fit rules as a sum of CASEs over the lead's
    columns, LEFT JOINed to the decayed engagement points grouped by lead). Each row is
    written once, and only if a score changed; no index holds a score column, so
    PostgreSQL can update the rows in place (heap-only tuples).
    """
    model = model or current_model()
    now = now or timezone.now()
    select, params = _new_scores_sql(leads, model, now)
    table = connection.ops.quote_name(Lead._meta.db_table)
    sql = (
        f"UPDATE {table} SET fit_score = x.new_fit, engagement_score = x.new_engagement, "  # noqa: S608
        "score = x.new_fit + x.new_engagement, scored_at = %s "
        f"FROM ({select}) AS x "
        f"WHERE {table}.id = x.pk AND ({table}.fit_score <> x.new_fit "
        f"OR {table}.engagement_score <> x.new_engagement "
        f"OR {table}.score <> x.new_fit + x.new_engagement)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *params])
        return cursor.rowcount


@dataclass
class Impact:
    """What a scoring change would do, before it is made."""

    changed: int  # leads whose score would change
    new_mqls: int  # leads that would cross the threshold and go to sales


def impact(model: Model, *, now: datetime | None = None, leads=None) -> Impact:
    """How many leads `model` would rescore and hand off, counted in SQL without writing."""
    from .models import LEAD_FLOW

    now = now or timezone.now()
    leads = Lead.objects.all() if leads is None else leads
    select, params = _new_scores_sql(leads, model, now)
    table = connection.ops.quote_name(Lead._meta.db_table)
    qualifying = LEAD_FLOW.step("hand_off").sources
    marks = ", ".join(["%s"] * len(qualifying))
    sql = (
        "SELECT COALESCE(SUM(CASE WHEN l.score <> x.new_fit + x.new_engagement "  # noqa: S608
        "OR l.fit_score <> x.new_fit THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN l.stage IN ({marks}) AND x.new_fit + x.new_engagement >= %s "
        "THEN 1 ELSE 0 END), 0) "
        f"FROM ({select}) AS x JOIN {table} AS l ON l.id = x.pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*qualifying, model.threshold, *params])  # in the order they appear
        changed, new_mqls = cursor.fetchone()
    return Impact(int(changed), int(new_mqls))


@dataclass
class Line:
    points: int | float
    text: str
    counted: bool = True  # False: a note (a partial ICP fit), not part of the total


@dataclass
class Explanation:
    lines: list[Line]
    total: int
    fit: int
    engagement: int
    as_of: datetime


def explain(lead: Lead, model: Model | None = None, now: datetime | None = None) -> Explanation:
    """The lead's score line by line, asked of the database with the same conditions and
    the same event expression `rescore` uses, so the total is the score it would store."""
    model = model or current_model()
    now = now or timezone.now()
    one = Lead.objects.filter(pk=lead.pk)
    flags = (
        one.annotate(
            **{
                f"rule_{index}": Case(When(test.q, then=Value(1)), default=Value(0), output_field=IntegerField())
                for index, (_rule, test) in enumerate(model.fit)
            }
        )
        .values(*[f"rule_{index}" for index in range(len(model.fit))])
        .first()
        if model.fit
        else {}
    ) or {}  # fmt: skip
    lines, fit = [], 0
    for index, (rule, test) in enumerate(model.fit):
        if flags.get(f"rule_{index}"):
            lines.append(Line(rule.points, test.describe))
            fit += rule.points
        elif test.near_miss and (note := test.near_miss(lead)):
            lines.append(Line(0, note, counted=False))
    engagement = 0
    if model.event_points:
        for event in model.events(one, now).order_by("-occurred_at"):
            full = model.event_points[event.kind]
            age = (now - event.occurred_at).total_seconds() / 86400
            when = "today" if age < 1 else f"{int(age)} day{'s' if int(age) != 1 else ''} ago"
            text = f"{EVENT_LABELS[event.kind].lower()} {when}"
            if round(event.decayed) != full:
                text += f" (decayed from {full})"
            lines.append(Line(event.decayed, text))
        totals = list(model.engagement_totals(one, now))
        engagement = int(totals[0]["total"]) if totals else 0
    return Explanation(lines, fit + engagement, fit, engagement, now)
