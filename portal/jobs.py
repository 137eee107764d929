"""The one seam through which services start background work: tasks by name.

Services never import a `tasks` module (tasks import services, so that would be a
circle); they name the task here. Work whose truth is already in the database (an
outbox row, a job row) is published best-effort: if the broker is down the row stays
pending and a beat sweeper publishes it again, so a request that changed data never
fails because a message could not be sent.
"""

import logging

from django.db import transaction

from .celery import app

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args) -> bool:
    """Publish `task_name` (e.g. "leads.tasks.run_import") now; never raise."""
    try:
        app.send_task(task_name, args=args, retry=True)
    except Exception:  # kombu raises many kinds: OperationalError, OSError, timeouts
        logger.warning(
            "could not publish %s%r; the sweeper will retry", task_name, args, exc_info=True
        )
        return False
    return True


def enqueue_on_commit(task_name: str, *args) -> None:
    """Publish once the current transaction commits (never if it rolls back)."""
    transaction.on_commit(lambda: enqueue(task_name, *args))
