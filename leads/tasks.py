"""Thin Celery tasks: load ids, call a service."""

from celery import shared_task

from . import imports
from .services import scoring_rules, sla


@shared_task(acks_late=True)
def sweep_sla() -> dict[str, int]:
    """Every minute (beat): SLA warnings at 75%, escalation on breach."""
    return sla.sweep()


@shared_task(acks_late=True)
def rescore_all_leads(job_id: int) -> int:
    """After a scoring rule, setting or ICP segment changes (a RescoreJob)."""
    return scoring_rules.run_rescore_job(job_id).changed


@shared_task(acks_late=True)
def decay_scores() -> dict[str, int]:
    """Every hour (beat): engagement decays with time, so scores fall when nothing happens."""
    return scoring_rules.decay_sweep()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def run_import(self, job_id: int) -> None:
    """A CSV import; resumes where it stopped if the worker died (chunks commit one by one)."""
    imports.run(job_id)


@shared_task(acks_late=True)
def watch_imports() -> dict[str, int]:
    """Every 5 minutes (beat): restart, then fail, an import that stopped making progress."""
    return imports.watch()
