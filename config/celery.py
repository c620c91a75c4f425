"""The Celery application. Workers and beat load Django settings from DJANGO_SETTINGS_MODULE."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("klientura")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
