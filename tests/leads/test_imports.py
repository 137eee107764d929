"""CSV import: partial failure with line numbers, re-import, formats, resume, the error report."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from leads import imports
from leads.models import ImportJob, Lead, ScoringRule
from portal.models import Notification
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def csv_file(text: str, name="leads.csv", encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def run_import(text: str, by, **kwargs) -> ImportJob:
    job = imports.create_job(upload=csv_file(text), by=by, start=True, **kwargs)
    imports.run(job.pk)
    job.refresh_from_db()
    return job


def rows(count: int, bad_every: int = 0) -> str:
    lines = ["Email,First Name,Company,Employees"]
    for i in range(count):
        if bad_every and i % bad_every == 0:
            lines.append(f"broken-address-{i},Bad,Row,12")
        else:
            lines.append(f"person{i}@acme.example,Person{i},Acme,{100 + i}")
    return "\n".join(lines) + "\n"


def test_a_thousand_rows_with_bad_ones_imports_every_good_row(marketer):
    job = run_import(rows(1000, bad_every=27), marketer)
    bad = [i for i in range(1000) if i % 27 == 0]
    assert job.status == "done" and job.total == 1000 and job.processed == 1000
    assert (job.created, len(job.errors)) == (1000 - len(bad), len(bad))
    assert Lead.objects.count() == 1000 - len(bad)
    assert [e["line"] for e in job.errors] == [i + 2 for i in bad]  # line 1 is the header
    assert "is not a valid email address" in job.errors[0]["message"]


def test_importing_the_same_file_again_creates_nothing_new(marketer):
    first = run_import(rows(120), marketer)
    second = run_import(rows(120), marketer)
    assert (first.created, second.created, second.updated) == (120, 0, 120)
    assert Lead.objects.count() == 120


def test_case_and_whitespace_variants_are_one_lead(marketer):
    run_import("email,company\nAnna@Acme.example,Acme\n  anna@acme.EXAMPLE  ,Acme GmbH\n", marketer)
    assert Lead.objects.count() == 1 and Lead.objects.get().company == "Acme GmbH"


def test_bom_semicolons_and_crlf(marketer):
    text = "\ufeffE-Mail;Company;Country\r\nona@firma.example;Firma;DE\r\nola@firma.example;Firma;AT\r\n"
    job = run_import(text, marketer)
    assert job.created == 2 and not job.errors
    assert Lead.objects.get(email="ona@firma.example").region == "EMEA"


def test_file_problems_get_clear_messages(marketer):
    with pytest.raises(ValidationError, match="The file is empty"):
        imports.create_job(upload=csv_file(""), by=marketer)
    with pytest.raises(ValidationError, match="no rows"):
        imports.create_job(upload=csv_file("email,company\n"), by=marketer)
    with pytest.raises(ValidationError, match="not UTF-8"):
        imports.create_job(
            upload=csv_file("email,company\nzoë@x.example,Zoë\n", encoding="latin-1"), by=marketer
        )
    with pytest.raises(ValidationError, match="Which column holds the email"):
        imports.create_job(upload=csv_file("name,company\nAnna,Acme\n"), by=marketer, start=True)
    assert not ImportJob.objects.exists() and not Lead.objects.exists()


def test_unknown_columns_are_ignored_and_mapping_can_be_chosen(marketer):
    job = imports.create_job(
        upload=csv_file("Work mail,Shoe size,Org\nanna@acme.example,42,Acme\n"), by=marketer
    )
    assert job.status == "preview" and job.mapping == {
        "Work mail": "email",
        "Shoe size": "",
        "Org": "",
    }
    with pytest.raises(ValidationError, match="same field"):
        imports.start_job(
            job,
            by=marketer,
            mapping={"Work mail": "email", "Shoe size": "company", "Org": "company"},
        )
    imports.start_job(
        job, by=marketer, mapping={"Work mail": "email", "Shoe size": "", "Org": "company"}
    )
    imports.run(job.pk)
    assert Lead.objects.get().company == "Acme"


def test_wrong_types_are_row_errors(marketer):
    job = run_import(
        "email,employees,country\na@x.example,lots,DE\nb@x.example,10,Germany\nc@x.example,5,FR\n",
        marketer,
    )
    assert [(e["line"], e["message"].split(":")[0]) for e in job.errors] == [
        (2, "employees"),
        (3, "country"),
    ]
    assert job.created == 1


class WorkerKilled(BaseException):
    """What a killed worker process looks like from inside: nothing gets to handle it."""


def test_a_job_resumes_after_a_crash_without_double_counting(marketer, monkeypatch):
    job = imports.create_job(upload=csv_file(rows(1200)), by=marketer, start=True)
    calls = {"n": 0}
    real = imports._import_chunk

    def crash_on_second_chunk(job_arg, chunk):
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerKilled
        return real(job_arg, chunk)

    monkeypatch.setattr(imports, "_import_chunk", crash_on_second_chunk)
    with pytest.raises(WorkerKilled):
        imports.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed, job.created) == (
        "running",
        500,
        500,
    )  # chunk 1 committed, chunk 2 rolled back
    monkeypatch.setattr(imports, "_import_chunk", real)
    imports.run(job.pk)  # the redelivered task
    job.refresh_from_db()
    assert (job.status, job.processed, job.created, job.updated) == ("done", 1200, 1200, 0)
    assert Lead.objects.count() == 1200


def test_one_digest_per_owner_for_the_whole_import(marketer, sales_rep):
    other_rep = make_user("sales_rep")
    ScoringRule.objects.create(
        name="Big", kind="fit", field="employees", operator="gte", value=100, points=80
    )
    run_import(rows(30), marketer)
    for rep in (sales_rep, other_rep):
        [digest] = Notification.objects.filter(recipient=rep, kind="lead_assigned")
        assert digest.title == "15 new MQLs for you"  # round-robin: half each, one message each


def test_the_error_report_escapes_formulas(marketer):
    job = run_import('email,company\n=HYPERLINK("http://evil"),Acme\n+1234,Acme\n', marketer)
    report = imports.error_report(job)
    assert "'=HYPERLINK" in report and "'+1234" in report
    assert report.splitlines()[0] == "line,problem,email,company"  # the file's own columns


def test_sales_cannot_import(users):
    with pytest.raises(PermissionDenied):
        imports.create_job(upload=csv_file(rows(2)), by=users["sales_rep"])


def test_values_beyond_the_columns_are_row_errors_and_the_good_rows_land(marketer):
    """Issue 19: one out-of-range cell used to fail the whole job with a DataError."""
    text = (
        "email,employees,annual revenue,company\n"
        "ok1@acme.example,50,1000,Acme\n"
        "big@acme.example,99999999999999999999,,Acme\n"
        "rich@acme.example,,1e30,Acme\n"
        "nul@acme.example,,,Ac\x00me\n"
        "ok2@acme.example,60,2000,Acme\n"
    )
    job = run_import(text, marketer)
    assert (job.status, job.created, job.processed) == ("done", 2, 5)
    problems = {e["line"]: e["message"] for e in job.errors}
    assert set(problems) == {3, 4, 5}
    assert "employees" in problems[3] and "annual_revenue" in problems[4]
    assert "NUL" in problems[5]
    assert sorted(Lead.objects.values_list("email", flat=True)) == [
        "ok1@acme.example", "ok2@acme.example"
    ]  # fmt: skip


def test_a_cell_over_the_csv_field_limit_is_a_row_error(marketer):
    huge = "x" * 200_000
    text = f"email,company\nok1@acme.example,Acme\ntoo@acme.example,{huge}\nok2@acme.example,Acme\n"
    job = run_import(text, marketer)
    assert (job.status, job.created) == ("done", 2)
    [error] = job.errors
    assert error["line"] == 3 and "cannot be read" in error["message"]


def test_a_job_that_fails_for_any_reason_says_why_and_keeps_what_it_committed(
    marketer, monkeypatch
):
    job = imports.create_job(upload=csv_file(rows(1200)), by=marketer, start=True)
    calls = {"n": 0}
    real = imports._import_chunk

    def fail_on_third_chunk(job_arg, chunk):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(job_arg, chunk)

    monkeypatch.setattr(imports, "_import_chunk", fail_on_third_chunk)
    imports.run(job.pk)  # never raises: the job records the failure
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "disk full" in job.failure and "first 1000 rows were imported" in job.failure
    assert Lead.objects.count() == 1000


def test_the_watchdog_restarts_a_silent_import_then_fails_it(marketer, settings):
    from datetime import timedelta

    from django.utils import timezone

    job = imports.create_job(upload=csv_file(rows(3)), by=marketer, start=True)
    ImportJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=timezone.now())
    assert imports.watch() == {"resumed": 0, "failed": 0}  # still within its time limit
    later = timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    assert imports.watch(later) == {"resumed": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("queued", 1)
    assert imports.watch(later + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)) == {
        "resumed": 0, "failed": 1
    }  # fmt: skip
    job.refresh_from_db()
    assert job.status == "failed" and "stopped responding" in job.failure


def test_the_error_report_carries_the_whole_row(marketer):
    job = run_import("email,company,title\nnope,Acme,CEO\nok@acme.example,Acme,CTO\n", marketer)
    report = imports.error_report(job).splitlines()
    assert report == [
        "line,problem,email,company,title",
        "2,email: 'nope' is not a valid email address.,nope,Acme,CEO",
    ]


def test_in_file_duplicates_count_once(marketer):
    """Issue 19: five leads in six rows used to report six created."""
    text = "email,company\n" + "".join(f"p{i}@acme.example,Acme\n" for i in range(5))
    text += "P0@ACME.example,Acme Ltd\n"
    job = run_import(text, marketer)
    assert (job.created, job.updated, Lead.objects.count()) == (5, 0, 5)
