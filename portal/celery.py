"""The Celery app. Tasks are thin: they take ids, load rows and call a service."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> bool:
    """Publish a task now; never raise.

    Used for work whose truth is already in the database (an outbox row). If the broker
    is down the row stays pending and a periodic sweeper publishes it again, so a
    request that changed data must not fail because a message could not be sent.
    """
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=True)
    except Exception:  # kombu raises many kinds: OperationalError, OSError, timeouts
        logger.warning(
            "could not publish %s%r; the sweeper will retry", task.name, args, exc_info=True
        )
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Publish a task once the current transaction commits (never if it rolls back)."""
    from django.db import transaction

    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
