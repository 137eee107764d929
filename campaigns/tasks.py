from celery import shared_task

from .messaging import services as messaging
from .planning import services as planning


@shared_task(acks_late=True)
def launch_due_campaigns() -> list[int]:
    """Every minute (beat): launch scheduled campaigns whose time has come."""
    return planning.launch_due_campaigns()


@shared_task(acks_late=True)
def remind_asset_reviews() -> int:
    """Daily (beat): owners hear of collateral due for review within 14 days or overdue."""
    return messaging.remind_asset_reviews()
