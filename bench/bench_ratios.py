"""Tandem beside the machine's limit, row by row, measured side by side in one run.

Each row is one Tandem endpoint and its bare counterpart (bench/bare.py: a Django view
on the same database answering the same rows with one raw SQL query, plus a COUNT where
Tandem counts). Both are served by the same web server, started as production starts it
(portal.server's command: uvicorn on portal.asgi, 2 worker processes, DEBUG off,
CONN_MAX_AGE as configured), so the two sides share everything but Tandem's own work.
Each row runs in alternated rounds (Tandem then bare, bare then Tandem, ...); the
headline is the median over rounds of the ratio of the two sides measured back to back,
which holds on a busy machine where the absolute figures do not.

Load generator: wrk (Debian's `wrk` package; `apt-get install wrk`), a C client that
costs the 2-core machine far less CPU than a Python client would, so what it measures is
the server. Throughput rows use 2 threads and 4 connections; latency rows one client.
The bulk ingest rows post the API's 1,000-row bodies from this process, one after the
other as a script does, and run the CSV import job in this process as a worker runs it.

Sizes (full / --quick): leads for the list 10,000 / 2,000; assets 10,000 / 2,000;
ingest 20,000 / 2,000 rows per side per round; dashboard 1,000,000 / 100,000 leads.
"""

import csv
import http.client
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from common import ROOT

HERE = Path(__file__).resolve().parent
ROUNDS = 3
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK {\\"requests\\": %d, \\"seconds\\": %.6f, \\"errors\\": %d, \\"non2xx\\": %d, " ..
    "\\"p50_ms\\": %.3f, \\"p95_ms\\": %.3f}\\n",
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench_ratios needs wrk (Debian: apt-get install wrk)")
    return found


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p95_ms: float
    requests: int


def wrk(url: str, cookie: str, *, clients: int, seconds: float) -> Sample:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    try:
        threads = min(clients, 2)
        output = subprocess.run(
            [wrk_binary(), "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s",
             "--timeout", "60s", "-s", script.name, "-H", f"Cookie: {cookie}", url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    report = json.loads(re.search(r"^WRK (.*)$", output, re.MULTILINE).group(1))
    if report["errors"] or report["non2xx"] or not report["requests"]:
        raise SystemExit(f"{url}: {report} (the answers must all be 200)\n{output}")
    return Sample(
        report["requests"] / report["seconds"],
        report["p50_ms"],
        report["p95_ms"],
        report["requests"],
    )


def fetch(base: str, path: str, cookie: str) -> tuple[int, bytes]:
    host, port = base.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


@dataclass
class Row:
    """One line of the table: Tandem's path and the bare one, for one signed-in person."""

    label: str
    tandem: str
    bare: str
    cookie: str
    clients: int  # 4: throughput (requests/s); 1: one client's latency
    goal: str
    same_count: bool = True  # both answer JSON with the same "count"
    tandem_samples: list[Sample] = field(default_factory=list)
    bare_samples: list[Sample] = field(default_factory=list)

    def ratio(self, tandem: Sample, bare: Sample) -> float:
        """Tandem's speed as a share of the bare view's (1.0: as fast as raw SQL)."""
        if self.clients > 1:
            return tandem.rps / bare.rps
        return bare.p50_ms / tandem.p50_ms


def check(base: str, row: Row) -> None:
    """Both sides answer 200 (a redirect to the login page would be fast and wrong) and,
    where both are JSON lists, the same number of rows in all."""
    answers = []
    for path in (row.tandem, row.bare):
        status, body = fetch(base, path, row.cookie)
        if status != 200:
            raise SystemExit(f"{path}: {status} {body[:300]!r}")
        answers.append(body)
    if row.same_count:
        counts = [json.loads(body).get("count") for body in answers]
        if counts[0] != counts[1]:
            raise SystemExit(f"{row.label}: Tandem counts {counts[0]}, the bare view {counts[1]}")


def measure(base: str, rows: list[Row], seconds: float) -> None:
    for row in rows:
        for _ in range(2):  # checks both, and warms caches and plans before any round
            check(base, row)
        for number in range(ROUNDS):
            sides = [("tandem", row.tandem), ("bare", row.bare)]
            for side, path in sides if number % 2 == 0 else reversed(sides):
                sample = wrk(
                    f"http://{base}{path}", row.cookie, clients=row.clients, seconds=seconds
                )
                (row.tandem_samples if side == "tandem" else row.bare_samples).append(sample)
        print(f"  measured: {describe(row)}", flush=True)


def describe(row: Row) -> str:
    ratios = [row.ratio(t, b) for t, b in zip(row.tandem_samples, row.bare_samples, strict=True)]
    return f"{row.label}: {statistics.median(ratios):.2f}x"


def side_text(samples: list[Sample], clients: int) -> str:
    p50 = statistics.median(s.p50_ms for s in samples)
    p95 = statistics.median(s.p95_ms for s in samples)
    if clients > 1:
        low, high = min(s.rps for s in samples), max(s.rps for s in samples)
        return f"{low:,.1f}-{high:,.1f} req/s, p50 {p50:,.0f} ms"
    return f"p50 {p50:,.0f} ms, p95 {p95:,.0f} ms"


# --- Data ---------------------------------------------------------------------------------
def lead_rows(count: int) -> None:
    """`count` leads across stages, owners, campaigns and rejection reasons (one INSERT)."""
    from bench_leads import insert_leads

    insert_leads(
        count,
        stage="(ARRAY['new','new','mql','accepted','rejected','sql'])[1 + g % 6]",
        score="(g * 31 % 120) - 10",
        owner_id="CASE WHEN g % 6 > 1 THEN (SELECT id FROM portal_user WHERE username = 'bench-rep' || (g % 6)) END",
        source_campaign_id="(SELECT min(id) FROM campaigns_campaign) + g % 40",
        rejection_reason_id="CASE WHEN g % 6 = 4 THEN (SELECT min(id) FROM leads_rejectionreason) END",
        accept_due_at="CASE WHEN g % 6 = 2 THEN now() + (g % 48) * interval '1 hour' END",
    )  # fmt: skip


def ingest_batch(first: int, count: int, prefix: str) -> list[dict]:
    import random

    from bench_leads import row

    rng = random.Random(first)
    rows = [row(rng, n) for n in range(first, first + count)]
    for item in rows:
        item["email"] = f"{prefix}-{item['email']}"
    return rows


def post_json(base: str, path: str, body, headers: dict) -> None:
    host, port = base.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=600)
    connection.request(
        "POST", path, json.dumps(body), {**headers, "Content-Type": "application/json"}
    )
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"POST {path}: {response.status} {answer[:300]!r}")


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def run_import(text: str, marketer) -> None:
    """The CSV import job, run here as the worker runs it (leads.tasks.run_import)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from leads import imports
    from leads.models import ImportJob

    upload = SimpleUploadedFile("bench.csv", text.encode(), content_type="text/csv")
    job = imports.create_job(upload=upload, by=marketer)  # a preview: nothing enqueued
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    imports.run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created == job.total, (
        job.status,
        job.failure,
    )


@dataclass
class IngestRow:
    label: str
    tandem: list[float] = field(default_factory=list)  # rows/s
    bare: list[float] = field(default_factory=list)


def measure_ingest(base: str, per_round: int, token: str, cookie: str, marketer) -> list[IngestRow]:
    from bare import copy_rows

    api, job = (
        IngestRow("bulk ingest, API 1,000-row posts"),
        IngestRow("bulk ingest, CSV import job"),
    )
    batch = 1000
    start = 0

    def rate(work, rows: int) -> float:
        began = time.perf_counter()
        work()
        return rows / (time.perf_counter() - began)

    def api_posts(prefix):
        rows = ingest_batch(start, per_round, prefix)
        headers = {"Authorization": f"Token {token}"} if prefix == "api" else {"Cookie": cookie}
        path = "/api/leads/bulk/" if prefix == "api" else "/bare/leads/copy/"
        return lambda: [
            post_json(base, path, rows[i : i + batch], headers) for i in range(0, len(rows), batch)
        ]

    def csv_job(prefix):
        text = csv_text(ingest_batch(start, per_round, prefix))
        if prefix == "csv":
            return lambda: run_import(text, marketer)
        return lambda: copy_rows(list(csv.DictReader(io.StringIO(text))))

    for number in range(ROUNDS):
        sides = [
            ("tandem", api_posts("api"), csv_job("csv")),
            ("bare", api_posts("copy"), csv_job("copycsv")),
        ]
        for side, post, import_job in sides if number % 2 == 0 else reversed(sides):
            getattr(api, side).append(rate(post, per_round))
            getattr(job, side).append(rate(import_job, per_round))
        start += per_round
        print(f"  ingest round {number + 1}: API {api.tandem[-1]:,.0f} rows/s vs COPY {api.bare[-1]:,.0f}; "
              f"CSV job {job.tandem[-1]:,.0f} vs COPY {job.bare[-1]:,.0f}", flush=True)  # fmt: skip
    return [api, job]


# --- The run ------------------------------------------------------------------------------
def run(args) -> None:
    from bench_dashboard import generate as generate_funnel
    from bench_leads import clear_leads, people, scoring_model
    from bench_library import generate as generate_assets
    from django.conf import settings
    from django.db import connection
    from live import Servers, session_cookies

    from portal.models import Team, User
    from portal.periods import Period
    from portal.services import api_token_for

    assert connection.vendor == "postgresql", "bench_ratios needs PostgreSQL (DATABASE_URL)"
    wrk_binary()
    quick = args.quick
    seconds = 3 if quick else 10
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="tandem-bench-media-")

    marketer, reps = people()
    scoring_model(marketer)
    generate_assets(2000 if quick else 10_000)
    lead_rows(2000 if quick else 10_000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    rep = reps[0]
    marketer_cookie, rep_cookie = session_cookies([marketer, rep])

    env = {"DJANGO_SETTINGS_MODULE": "bare_settings", "PYTHONPATH": f"{HERE}:{ROOT}"}
    servers = Servers(1, workers=2, **env)
    base = servers.urls[0]
    table = []
    try:
        words, phrase = "pricing%20roi", "%22warehouse%20picking%22"
        rows = [
            Row("lead list API, 50 rows", "/api/leads/", "/bare/leads/", marketer_cookie, 4, ">= 0.5x"),
            Row("lead list page, 50 rows", "/leads/?view=all", "/bare/leads/", marketer_cookie, 4,
                "(page)", same_count=False),
            Row("collateral search API, words", f"/api/assets/?q={words}", f"/bare/assets/?q={words}",
                rep_cookie, 4, ">= 0.6x"),
            Row("collateral search API, phrase", f"/api/assets/?q={phrase}", f"/bare/assets/?q={phrase}",
                rep_cookie, 4, ">= 0.6x"),
            Row("collateral library page, words", f"/collateral/?q={words}", f"/bare/assets/?q={words}&limit=24",
                rep_cookie, 4, ">= 0.6x", same_count=False),
            Row("collateral search API, words, one client", f"/api/assets/?q={words}",
                f"/bare/assets/?q={words}", rep_cookie, 1, "p95 <= 100 ms"),
        ]  # fmt: skip
        measure(base, rows, seconds)
        table += rows

        per_round = 2000 if quick else 20_000
        token = api_token_for(marketer).key
        ingest = measure_ingest(base, per_round, token, marketer_cookie, marketer)

        clear_leads()
        lead_count = 100_000 if quick else 1_000_000
        boss = generate_funnel(lead_count, 200 if not quick else 50)
        abroad = User.objects.create(username="bench-boss-ny", team=Team.LEADERSHIP,
                                     timezone="America/New_York")  # fmt: skip
        boss_cookie, abroad_cookie = session_cookies([boss, abroad])
        quarter = Period.quarter_of(date.today()).previous().key
        year = "from=2025-12-01&to=2026-11-30"
        size = f"{lead_count:,} leads"
        rows = [
            Row(f"dashboard page, a quarter, {size}", f"/dashboard/?period={quarter}",
                f"/bare/funnel/?period={quarter}", boss_cookie, 1, "< 300 ms", same_count=False),
            Row(f"dashboard page, a year, {size}", f"/dashboard/?{year}", f"/bare/funnel/?{year}",
                boss_cookie, 1, "< 1 s", same_count=False),
            Row(f"dashboard page, a quarter, viewer in New York, {size}", f"/dashboard/?period={quarter}",
                f"/bare/funnel/?period={quarter}", abroad_cookie, 1, "< 300 ms", same_count=False),
            Row(f"dashboard funnel API, a quarter, {size}", f"/api/dashboard/funnel/?period={quarter}",
                f"/bare/funnel/?period={quarter}", boss_cookie, 1, "keep", same_count=False),
        ]  # fmt: skip
        measure(base, rows, seconds)
        table += rows
    finally:
        servers.stop()

    print(f"\n== Tandem beside the bare view, {ROUNDS} alternated rounds (postgresql) ==")
    print(
        f"uvicorn portal.asgi, 2 workers; wrk {seconds} s a side a round; load now: {os.getloadavg()[0]:.1f}"
    )
    header = ("work", "Tandem", "bare view / raw limit", "ratio", "goal")
    lines = []
    for row in table:
        ratios = [
            row.ratio(t, b) for t, b in zip(row.tandem_samples, row.bare_samples, strict=True)
        ]
        lines.append((row.label, side_text(row.tandem_samples, row.clients),
                      side_text(row.bare_samples, row.clients), f"{statistics.median(ratios):.2f}x", row.goal))  # fmt: skip
    for item in ingest:
        ratios = [t / b for t, b in zip(item.tandem, item.bare, strict=True)]
        lines.append((f"{item.label}, {per_round:,} rows a round",
                      f"{min(item.tandem):,.0f}-{max(item.tandem):,.0f} rows/s",
                      f"COPY {min(item.bare):,.0f}-{max(item.bare):,.0f} rows/s",
                      f"{statistics.median(ratios):.2f}x", ">= 0.15x, >= 2,000 rows/s"))  # fmt: skip
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, *lines]:
        print(
            "  "
            + " | ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        )
    print(
        "  ratio: Tandem's requests/s over the bare view's (4 clients), or the bare view's p50 over"
    )
    print("  Tandem's (one client); the median of the rounds' ratios.")
