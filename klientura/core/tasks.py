import datetime
import socket

from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="klientura.core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    Heartbeat.objects.create(worker=f"{socket.gethostname()}")


@shared_task(name="klientura.core.tasks.heartbeat_purge", ignore_result=True)
def heartbeat_purge() -> None:
    """Keep a day of beats: enough to see when a worker stopped, small enough to never matter."""
    Heartbeat.objects.filter(at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
