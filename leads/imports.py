"""CSV lead import: check the file, map its columns, then import in chunks (a Celery job).

Each chunk of rows and the job's progress counters commit in one transaction, so a
worker that dies mid-import resumes at the first unfinished chunk with exact counts,
and the upsert makes a replay harmless. Bad rows are reported with their line number;
good rows are never lost because of them. Importing the same file again creates
nothing new.
"""

import csv
import hashlib
import io
import logging
import re
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal import jobs
from portal.models import User
from portal.permissions import require
from portal.spreadsheets import safe_cell

from .models import ImportJob, Lead, LeadStage
from .services.assignment import SpreadRow, preview_spread
from .services.handoff import tell_new_owners
from .services.ingest import INGEST_FIELDS, ingest_leads
from .services.sla import active_policy

CHUNK = 500
logger = logging.getLogger(__name__)
ALIASES = {
    "email": ["email", "emailaddress", "e-mail", "mail", "workemail", "workmail"],
    "first_name": ["firstname", "first", "givenname", "forename"],
    "last_name": ["lastname", "last", "surname", "familyname"],
    "title": ["title", "jobtitle", "position", "role"],
    "phone": ["phone", "phonenumber", "telephone", "mobile"],
    "company": ["company", "companyname", "organization", "organisation", "account", "accountname"],
    "company_domain": ["companydomain", "domain", "website", "web"],
    "industry": ["industry", "sector", "vertical"],
    "employees": ["employees", "numberofemployees", "companysize", "headcount", "employeecount"],
    "annual_revenue": ["annualrevenue", "revenue", "turnover"],
    "country": ["country", "countrycode"],
    "region": ["region", "territory"],
    "external_id": ["externalid", "crmid", "leadid", "id"],
}
IMPORTABLE = [name for name in INGEST_FIELDS if name not in {"source_campaign", "persona"}]


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def suggest_mapping(header: list[str]) -> dict[str, str]:
    """CSV column -> lead field, guessed from the column names ('' when not imported)."""
    mapping, used = {}, set()
    for column in header:
        key = _key(column)
        field = next((f for f, names in ALIASES.items() if key in names and f not in used), "")
        mapping[column] = field
        if field:
            used.add(field)
    return mapping


def decode(data: bytes) -> str:
    if not data.strip():
        raise ValidationError({"file": ["The file is empty."]})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            {
                "file": [
                    "The file is not UTF-8 text. In Excel, save it as 'CSV UTF-8 (comma delimited)' and upload it again."
                ]
            }
        ) from None


def parse(text: str) -> tuple[list[str], Iterator[list[str]]]:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise ValidationError({"file": ["The file has no header row (column names)."]})
    return [cell.strip() for cell in header], reader


def read_rows(reader) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line, cells, "") for each non-blank data row, or (line, None, why) for a row the csv
    module cannot read (a cell over its field limit): a row error, never a crash."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, None, f"This row cannot be read ({error})."
            continue
        if any(cell.strip() for cell in row):
            yield reader.line_num, row, ""


def check_mapping(mapping: dict[str, str], header: list[str]) -> dict[str, str]:
    errors = []
    unknown_columns = set(mapping) - set(header)
    if unknown_columns:
        errors.append(f"Unknown columns: {', '.join(sorted(unknown_columns))}.")
    targets = [field for field in mapping.values() if field]
    if any(field not in IMPORTABLE for field in targets):
        errors.append("Map columns to lead fields only.")
    if len(targets) != len(set(targets)):
        errors.append("Two columns are mapped to the same field.")
    if "email" not in targets:
        errors.append("Which column holds the email address? It is required.")
    if errors:
        raise ValidationError({"mapping": errors})
    return {column: field for column, field in mapping.items() if field}


SPREAD_PREVIEW_ROWS = 100_000


def assignment_spread(job: ImportJob) -> list[SpreadRow]:
    """Who would get the file's rows if every one became an MQL now (the assignment rules,
    by each row's region or country under the job's mapping); nothing is written."""
    header, rows = parse(decode(job.file.open("rb").read()))
    column = {field: header.index(name) for name, field in job.mapping.items() if name in header}
    leads = []
    for number, (_, cells, _) in enumerate(read_rows(rows), start=1):
        if number > SPREAD_PREVIEW_ROWS:
            break
        if cells is None:  # a row the import would refuse
            continue
        value = {
            field: cells[index].strip() if index < len(cells) else ""
            for field, index in column.items()
            if field in ("country", "region")
        }
        leads.append(
            Lead(
                pk=number,
                country=value.get("country", "").upper()[:2],
                region=value.get("region", "")[:60],
            )
        )
    return preview_spread(leads) if leads else []


def create_job(
    *, upload, by: User, source_campaign=None, mapping: dict | None = None, start: bool = False
) -> ImportJob:
    """Check an uploaded CSV and store it as an import job (started now, or after the preview)."""
    require(by, "ingest_leads")
    if upload is None:
        raise ValidationError({"file": ["Choose a CSV file."]})
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            {"file": [f"The file is larger than {settings.UPLOAD_MAX_BYTES // 1_048_576} MB."]}
        )
    data = upload.read()
    header, rows = parse(decode(data))
    total = sum(1 for _ in read_rows(rows))
    if total == 0:
        raise ValidationError({"file": ["The file has a header but no rows."]})
    mapping = mapping or suggest_mapping(header)
    if start:
        check_mapping(mapping, header)
    job = ImportJob(
        filename=(upload.name or "leads.csv")[:200], sha256=hashlib.sha256(data).hexdigest(), mapping=mapping,
        source_campaign=source_campaign, created_by=by, total=total,
        status=ImportJob.Status.QUEUED if start else ImportJob.Status.PREVIEW,
    )  # fmt: skip
    job.file.save(f"leads-{job.sha256[:12]}.csv", ContentFile(data), save=False)
    job.save()
    if start:
        _enqueue(job)
    return job


def start_job(job: ImportJob, *, by: User, mapping: dict[str, str]) -> ImportJob:
    require(by, "ingest_leads")
    header, _ = parse(decode(job.file.open("rb").read()))
    check_mapping(mapping, header)
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEW).update(
            mapping=mapping, status=ImportJob.Status.QUEUED
        )
        if updated:
            job.refresh_from_db()
            _enqueue(job)
    return job


def _enqueue(job: ImportJob) -> None:
    jobs.enqueue_on_commit("leads.tasks.run_import", job.pk)


def run(job_id: int) -> None:
    """Import the rows not done yet, chunk by chunk. Whatever stops it, the job ends as
    "failed" with the reason, and the chunks already committed stay imported."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED, ImportJob.Status.PREVIEW):
        return
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=job.started_at or now, heartbeat_at=now
    )
    job.refresh_from_db()
    try:
        _run(job)
    except ValidationError as error:
        _fail(job, " ".join(error.messages))
    except Exception as error:
        logger.exception("import %s stopped", job.pk)
        _fail(job, f"The import stopped: {type(error).__name__}: {error}"[:1000])


def _fail(job: ImportJob, reason: str) -> None:
    job.refresh_from_db()
    kept = f" The first {job.processed} rows were imported." if job.processed else ""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, failure=reason + kept, finished_at=timezone.now()
    )


def _run(job: ImportJob) -> None:
    header, rows = parse(decode(job.file.open("rb").read()))
    mapping = check_mapping(job.mapping, header)
    columns = [(header.index(column), field) for column, field in mapping.items()]
    touched: list[int] = []
    chunk: list[tuple[int, dict | list]] = []
    for position, (line, row, problem) in enumerate(read_rows(rows), start=1):
        if position <= job.processed:
            continue  # done in an earlier run
        if row is None:
            chunk.append((line, [problem]))
        else:
            values = {f: row[index].strip() if index < len(row) else "" for index, f in columns}
            if job.source_campaign_id and not values.get("source_campaign"):
                values["source_campaign"] = job.source_campaign_id
            chunk.append((line, values, row))
        if len(chunk) == CHUNK:
            touched += _import_chunk(job, chunk)
            chunk = []
    if chunk:
        touched += _import_chunk(job, chunk)
    new_mqls = list(
        Lead.objects.filter(
            pk__in=touched, stage=LeadStage.MQL, assigned_at__gte=job.started_at
        ).select_related("owner")
    )
    tell_new_owners(new_mqls, active_policy())  # one digest per owner for the whole import
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now()
    )


def _import_chunk(job: ImportJob, chunk: list[tuple]) -> list[int]:
    """One transaction: the chunk's rows and the job's counters (exact after a resume).
    A chunk item is (line, values, cells) for a row, or (line, [problem]) for an unreadable one."""
    readable = [item for item in chunk if len(item) == 3]
    with transaction.atomic():
        results = ingest_leads([values for _, values, _ in readable], by=None, notify_owners=False)
        errors = [
            {"line": line, "email": "", "message": problem, "row": []}
            for line, (problem,), *_ in (item for item in chunk if len(item) == 2)
        ]
        for (line, values, cells), result in zip(readable, results, strict=True):
            if result.status == "error":
                message = "; ".join(
                    f"{field}: {' '.join(msgs)}" for field, msgs in result.errors.items()
                )
                errors.append(
                    {"line": line, "email": _storable(values.get("email", "")), "message": message,
                     "row": [_storable(cell) for cell in cells]}
                )  # fmt: skip
        errors.sort(key=lambda error: error["line"])
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job.processed += len(chunk)
        # A lead two rows of the file describe is created once (the later row updates it).
        job.created += len({r.id for r in results if r.status == "created"})
        job.updated += len(
            {r.id for r in results if r.status == "updated"}
            - {r.id for r in results if r.status == "created"}
        )
        job.errors = job.errors + errors
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["processed", "created", "updated", "errors", "heartbeat_at"])
    return [r.id for r in results if r.id]


def _storable(text: str) -> str:
    """A cell kept for the error report: PostgreSQL's JSON cannot hold a NUL character."""
    return str(text).replace("\x00", "\ufffd")


def watch(now=None) -> dict[str, int]:
    """Beat: an import that made no progress past the task time limit (its worker died, the
    message was lost) is started again, where it stopped; the second time it is marked
    failed, with how far it got."""
    now = now or timezone.now()
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    stuck = ImportJob.objects.filter(
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING],
        heartbeat_at__lt=now - limit,
    )
    resumed = failed = 0
    for job in stuck:
        if job.attempts >= 1:
            _fail(job, "The import stopped responding twice.")
            failed += 1
        else:
            ImportJob.objects.filter(pk=job.pk).update(
                attempts=job.attempts + 1, heartbeat_at=now, status=ImportJob.Status.QUEUED
            )
            _enqueue(job)
            resumed += 1
    return {"resumed": resumed, "failed": failed}


def error_report(job: ImportJob) -> str:
    """The rejected rows: line, problem, then the row as it was in the file (same columns),
    so the importer can fix them and import the report's rows again."""
    header, _ = parse(decode(job.file.open("rb").read()))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "problem", *header])
    for error in job.errors:
        cells = error.get("row") or []
        writer.writerow(
            [error["line"], safe_cell(error["message"]), *(safe_cell(cell) for cell in cells)]
        )
    return out.getvalue()
