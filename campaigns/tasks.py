from celery import shared_task

from . import services


@shared_task(acks_late=True)
def launch_due_campaigns() -> list[int]:
    """Every minute (beat): launch scheduled campaigns whose time has come."""
    return services.launch_due_campaigns()


@shared_task(acks_late=True)
def remind_asset_reviews() -> int:
    """Daily (beat): owners hear of collateral due for review within 14 days or overdue."""
    return services.remind_asset_reviews()
