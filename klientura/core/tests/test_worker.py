"""Background jobs: a real Celery worker runs the heartbeat, and the System page tells whether it lives."""

import datetime
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from klientura.accounts import roles
from klientura.core.models import Heartbeat
from klientura.core.tasks import heartbeat, heartbeat_purge

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/14"
SYSTEM = reverse("web:system")


def database_url_of_this_run() -> str:
    """The database this test run uses, as a URL another process can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    pytest.skip(f"no worker test for {connection.vendor}")


def wait_for(condition, *, timeout: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"nothing happened within {timeout} s; worker output:\n{log.read_text()}")
        time.sleep(0.1)


def delete_queue(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete(queue, f"_kombu.binding.{queue}")
    finally:
        client.close()


@pytest.mark.worker
def test_a_real_worker_runs_the_heartbeat_sent_through_the_broker(transactional_db, tmp_path, make_user):
    queue = f"klientura-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": database_url_of_this_run(),
    }
    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "WARNING"]
    command += [
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("w") as output:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    sender = Celery("klientura-test-sender", broker=REDIS_URL)
    try:
        assert not Heartbeat.objects.exists()
        sender.send_task("klientura.core.tasks.heartbeat", queue=queue)

        wait_for(Heartbeat.objects.exists, timeout=30, process=worker, log=log)

        beat = Heartbeat.objects.get()
        assert beat.worker == socket.gethostname()
        assert timezone.now() - beat.at < datetime.timedelta(seconds=60)
        admin = Client()
        admin.force_login(make_user(roles.ADMINISTRATOR, username="admin"))
        assert worker_status(admin.get(SYSTEM)) == "running"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        sender.close()
        delete_queue(queue)


def test_the_heartbeat_task_writes_a_beat(db):
    heartbeat.delay()

    assert Heartbeat.objects.get().worker == socket.gethostname()


def test_purge_keeps_a_day_of_beats(db):
    old = Heartbeat.objects.create(worker="old")
    recent = Heartbeat.objects.create(worker="recent")
    Heartbeat.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    Heartbeat.objects.filter(pk=recent.pk).update(at=timezone.now() - datetime.timedelta(hours=23))

    heartbeat_purge.delay()

    assert list(Heartbeat.objects.values_list("worker", flat=True)) == ["recent"]


def test_the_beat_schedule_runs_the_heartbeat_more_often_than_it_goes_stale():
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]

    assert entry["task"] == heartbeat.name
    assert entry["schedule"] * 2 <= settings.HEARTBEAT_STALE_AFTER_SECONDS


@pytest.fixture
def admin_browser(make_user):
    client = Client()
    client.force_login(make_user(roles.ADMINISTRATOR, username="admin"))
    return client


def worker_status(response) -> str:
    assert response.status_code == 200
    match = re.search(r'<p class="([^"]*)"[^>]*data-testid="worker-status"', response.content.decode())
    assert match, "the System page shows no worker status"
    return "running" if "text-success" in match.group(1) else "down"


def test_system_page_shows_a_fresh_heartbeat_as_running(admin_browser):
    Heartbeat.objects.create(worker="worker-1")

    response = admin_browser.get(SYSTEM)

    assert worker_status(response) == "running"
    assert "worker-1" in response.content.decode()


@override_settings(HEARTBEAT_STALE_AFTER_SECONDS=120)
@pytest.mark.parametrize(
    ("age", "status"), [(5, "running"), (110, "running"), (130, "down"), (86_000, "down")]
)
def test_system_page_shows_a_stale_heartbeat_as_down(admin_browser, age, status):
    beat = Heartbeat.objects.create(worker="worker-1")
    Heartbeat.objects.filter(pk=beat.pk).update(at=timezone.now() - datetime.timedelta(seconds=age))

    assert worker_status(admin_browser.get(SYSTEM)) == status


def test_system_page_without_any_heartbeat_shows_down(admin_browser):
    assert worker_status(admin_browser.get(SYSTEM)) == "down"


def test_the_newest_beat_counts(admin_browser):
    old = Heartbeat.objects.create(worker="gone")
    Heartbeat.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=2))
    Heartbeat.objects.create(worker="alive")

    assert worker_status(admin_browser.get(SYSTEM)) == "running"


@pytest.mark.parametrize(
    "role", [roles.SALES_MANAGER, roles.HEAD_OF_SALES, roles.MARKETER, roles.DIRECTOR, None]
)
def test_system_page_is_forbidden_to_everyone_but_the_administrator(make_user, role):
    client = Client()
    client.force_login(make_user(role, username="someone"))

    assert client.get(SYSTEM).status_code == 403


def test_system_page_sends_anonymous_to_login(db):
    response = Client().get(SYSTEM)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
