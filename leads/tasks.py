"""Thin Celery tasks: load ids, call a service."""

from celery import shared_task

from . import imports, rollups
from .services import scoring_rules, sla


@shared_task(acks_late=True)
def sweep_sla() -> dict[str, int]:
    """Every minute (beat): SLA warnings at 75%, escalation on breach."""
    return sla.sweep()


@shared_task(acks_late=True)
def compact_rollups() -> int:
    """Every minute (beat): fold the dashboard rollups' appended rows, one per key."""
    return rollups.compact()


@shared_task(acks_late=True)
def rescore_all_leads() -> dict[str, int]:
    """After a scoring rule or setting changes."""
    return scoring_rules.rescore_all()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def run_import(self, job_id: int) -> None:
    """A CSV import; resumes where it stopped if the worker died (chunks commit one by one)."""
    imports.run(job_id)
