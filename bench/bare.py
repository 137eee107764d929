"""The bare counterparts that bench_ratios.py measures beside Tandem's own endpoints.

Each view answers what one Tandem endpoint answers (the same rows) with one raw SQL query,
plus a COUNT where Tandem counts, and nothing else: no forms, serializers, rules table or
templates. They are served by the same server processes as Tandem (bare_settings adds
these URLs after Tandem's own and changes nothing else), through the same middleware
(session, login, CSRF), so the ratio of the two is what Tandem's own work costs over
the machine's limit for the same answer.

Never part of the product: only the benchmark's server loads this URLconf.
"""

import json
from datetime import date

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from portal.periods import Period

# Every field GET /api/leads/ returns, in its order (API.md); rejection_reason is its code.
LEAD_COLUMNS = [
    "id", "email", "first_name", "last_name", "title", "phone", "company", "company_domain", "industry",
    "employees", "annual_revenue", "country", "region", "source_campaign_id", "persona_id", "fit_score",
    "engagement_score", "score", "stage", "owner_id", "accept_due_at", "contact_due_at", "accepted_at",
    "contacted_at", "rejection_note", "amount", "external_id", "created_at",
]  # fmt: skip
LEAD_PAGE_SQL = f"""
SELECT {", ".join(f"l.{c}" for c in LEAD_COLUMNS)}, r.code
FROM leads_lead l LEFT JOIN leads_rejectionreason r ON r.id = l.rejection_reason_id
ORDER BY l.created_at DESC, l.id DESC LIMIT %s OFFSET %s
"""  # noqa: S608 (constant text)
LEAD_NAMES = [c.removesuffix("_id") for c in LEAD_COLUMNS] + ["rejection_reason"]


def _json(body) -> HttpResponse:
    return HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), content_type="application/json")


def lead_list(request):
    """GET /api/leads/ (a page of 50, newest first, with the total)."""
    size = min(int(request.GET.get("page_size", 50)), 200)
    offset = (int(request.GET.get("page", 1)) - 1) * size
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_lead")
        (count,) = cursor.fetchone()
        cursor.execute(LEAD_PAGE_SQL, [size, offset])
        rows = [dict(zip(LEAD_NAMES, row, strict=True)) for row in cursor.fetchall()]
    return _json({"count": count, "next": None, "previous": None, "results": rows})


# What a sales rep may find (published, not stale), matching the words, best first.
ASSET_MATCH = """
FROM campaigns_asset a, websearch_to_tsquery('english', %(q)s) query
WHERE a.search_document @@ query AND a.status = 'published'
  AND (a.review_by IS NULL OR a.review_by >= %(today)s) AND a.flagged_outdated_at IS NULL
"""
ASSET_PAGE_SQL = f"""
SELECT a.id, a.title, a.kind, a.description, a.url, a.status, a.owner_id, a.campaign_id, a.stage,
       a.review_by, a.version, a.rating_avg, a.open_flags, a.updated_at,
       ARRAY(SELECT t.name FROM campaigns_asset_tags x JOIN campaigns_assettag t ON t.id = x.assettag_id
             WHERE x.asset_id = a.id ORDER BY t.name) AS tags,
       ARRAY(SELECT p.persona_id FROM campaigns_asset_personas p WHERE p.asset_id = a.id) AS personas,
       ts_rank(a.search_document, query) AS rank
{ASSET_MATCH}
ORDER BY rank DESC, a.published_at DESC, a.id DESC LIMIT %(limit)s
"""  # noqa: S608 (constant text)
ASSET_NAMES = [
    "id", "title", "kind", "description", "url", "status", "owner", "campaign", "stage", "review_by",
    "version", "rating", "outdated_flags", "updated_at", "tags", "personas", "rank",
]  # fmt: skip


def asset_search(request):
    """GET /api/assets/?q= (page of 50) or /collateral/?q= (24) as a sales rep sees them."""
    params = {
        "q": request.GET.get("q", ""),
        "today": timezone.localdate(),
        "limit": min(int(request.GET.get("limit", 50)), 200),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {ASSET_MATCH}", params)
        (count,) = cursor.fetchone()
        cursor.execute(ASSET_PAGE_SQL, params)
        rows = [dict(zip(ASSET_NAMES, row, strict=True)) for row in cursor.fetchall()]
    return _json({"count": count, "next": None, "previous": None, "results": rows})


FUNNEL_SQL = """
SELECT source_campaign_id,
       count(*) FILTER (WHERE created_at >= %(start)s AND created_at < %(end)s) AS new,
       count(*) FILTER (WHERE mql_at >= %(start)s AND mql_at < %(end)s) AS mql,
       count(*) FILTER (WHERE accepted_at >= %(start)s AND accepted_at < %(end)s) AS accepted,
       count(*) FILTER (WHERE sql_at >= %(start)s AND sql_at < %(end)s) AS sql,
       count(*) FILTER (WHERE opportunity_at >= %(start)s AND opportunity_at < %(end)s) AS opportunity,
       count(*) FILTER (WHERE won_at >= %(start)s AND won_at < %(end)s) AS won,
       count(*) FILTER (WHERE stage = 'rejected' AND closed_at >= %(start)s AND closed_at < %(end)s) AS rejected,
       coalesce(sum(amount) FILTER (WHERE opportunity_at >= %(start)s AND opportunity_at < %(end)s), 0) AS pipeline,
       coalesce(sum(amount) FILTER (WHERE won_at >= %(start)s AND won_at < %(end)s), 0) AS won_amount
FROM leads_lead
WHERE (created_at >= %(start)s AND created_at < %(end)s) OR (mql_at >= %(start)s AND mql_at < %(end)s)
   OR (accepted_at >= %(start)s AND accepted_at < %(end)s) OR (sql_at >= %(start)s AND sql_at < %(end)s)
   OR (opportunity_at >= %(start)s AND opportunity_at < %(end)s) OR (won_at >= %(start)s AND won_at < %(end)s)
   OR (closed_at >= %(start)s AND closed_at < %(end)s)
GROUP BY source_campaign_id
"""


def funnel(request):
    """The funnel per source campaign for a period (the dashboard's main figure), from the
    lead table in one query: what the page and GET /api/dashboard/funnel/ count."""
    if "period" in request.GET:
        period = Period.from_key(request.GET["period"])
    else:
        period = Period(
            date.fromisoformat(request.GET["from"]), date.fromisoformat(request.GET["to"])
        )
    span = period.span()
    with connection.cursor() as cursor:
        cursor.execute(FUNNEL_SQL, {"start": span.start, "end": span.end})
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return _json({"from": period.start, "to": period.end, "campaigns": rows})


# The columns a lead cannot be stored without (the model's defaults, spelled out for COPY).
COPY_COLUMNS = [
    "email", "email_domain", "first_name", "last_name", "title", "phone", "company", "company_domain",
    "industry", "employees", "country", "region", "fit_score", "engagement_score", "score", "stage",
    "rejection_note", "created_at", "updated_at", "technologies",
]  # fmt: skip


def copy_rows(rows: list[dict]) -> int:
    """COPY these lead rows (the ingest API's shape) into the lead table, as they are."""
    now = timezone.now()
    statement = f"COPY leads_lead ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            email = row["email"]
            copy.write_row((
                email, email.rsplit("@", 1)[-1], row.get("first_name", ""), row.get("last_name", ""),
                row.get("title", ""), "", row.get("company", ""), "", row.get("industry", ""),
                int(row["employees"]) if row.get("employees") else None, row.get("country", ""), "",
                0, 0, 0, "new", "", now, now, row.get("technologies") or "",
            ))  # fmt: skip
    return len(rows)


@csrf_exempt
def copy_leads(request):
    """POST /api/leads/bulk/'s body (a JSON list of leads), COPYed into the lead table."""
    return _json({"copied": copy_rows(json.loads(request.body))})


urlpatterns = [
    path("", include("portal.urls")),
    path("bare/leads/", lead_list),
    path("bare/assets/", asset_search),
    path("bare/funnel/", funnel),
    path("bare/leads/copy/", copy_leads),
]
