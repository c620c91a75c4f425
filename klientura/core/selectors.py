import datetime

from django.conf import settings
from django.utils import timezone

from .models import Heartbeat


def heartbeat_status() -> dict:
    """When the worker last ran a periodic job, and whether that is recent enough to call it alive."""
    last = Heartbeat.objects.order_by("-at").first()
    stale_after = datetime.timedelta(seconds=settings.HEARTBEAT_STALE_AFTER_SECONDS)
    return {
        "last_at": last.at if last else None,
        "worker": last.worker if last else "",
        "alive": bool(last and timezone.now() - last.at <= stale_after),
    }
