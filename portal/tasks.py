"""Celery tasks of the core: thin wrappers that load ids and call a service."""

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def deliver_notification_emails(self, notification_ids: list[int]) -> int:
    """Email each notification still pending; already-sent ones are skipped, so reruns are safe."""
    sent = 0
    failed: list[int] = []
    for notification_id in notification_ids:
        try:
            sent += services.deliver_notification_email(notification_id)
        except Exception:
            failed.append(notification_id)
    if failed:
        # Retry only the ones that failed, with exponential backoff. After the last retry
        # they stay pending and the sweeper publishes them again later.
        raise self.retry(args=(failed,), countdown=min(300, 5 * 2**self.request.retries))
    return sent


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=6)
def deliver_webhook(self, delivery_id: int) -> bool:
    """POST one webhook; on failure retry with exponential backoff (then the sweeper)."""
    try:
        return services.deliver_webhook(delivery_id)
    except services.WebhookError as error:
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries), exc=error) from error


@shared_task(acks_late=True)
def sweep_outbox() -> dict[str, int]:
    return services.sweep_outbox()
