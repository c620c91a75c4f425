"""Reminders fired by real Celery workers through Redis: two workers taking the same fire jobs at once, then
one of them stopped and a fresh one started — every reminder notifies and e-mails exactly once."""

import datetime
import email.policy
import os
import subprocess
import sys
import uuid
from email import message_from_bytes

import pytest
from celery import Celery
from django.utils import timezone

from klientura.core.tests import smtp_server as smtp
from klientura.core.tests.test_worker import REDIS_URL, ROOT, database_url_of_this_run, delete_queue, wait_for

from ..models import Notification, Reminder
from .factories import ReminderInput, client_with_contact, plan_call

FIRE = "klientura.interactions.tasks.reminders_fire"
EMAIL = "klientura.interactions.tasks.reminder_email"
smtp_server = smtp.smtp_server  # the fixture, visible to this module's tests


class Workers:
    """Celery worker processes on one private queue, writing to the test's database and SMTP server."""

    def __init__(self, queue: str, tmp_path, smtp_port: int):
        self.queue, self.tmp_path = queue, tmp_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_TASK_DEFAULT_QUEUE": queue,  # the e-mail jobs a worker enqueues come back to this queue
            "DATABASE_URL": database_url_of_this_run(),
            "KLIENTURA_TEST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": smtp.HOST,
            "EMAIL_PORT": str(smtp_port),
        }
        self.running: dict[str, subprocess.Popen] = {}
        self.stopped: dict[str, subprocess.Popen] = {}

    def log(self, name: str):
        return self.tmp_path / f"{name}.log"

    def start(self, name: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "WARNING"]
        command += ["-Q", self.queue, "-n", f"{self.queue}-{name}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with self.log(name).open("w") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        self.running[name] = process
        return process

    def stop(self, name: str) -> None:
        process = self.running.pop(name)
        process.terminate()  # a warm shutdown: the job in hand finishes, unacknowledged ones go back
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.stopped[name] = process

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def wait_until(self, condition, *, timeout: float = 90) -> None:
        """wait_for from the core's worker test, watching every running worker at once."""
        names = list(self.running)
        first = self.running[names[0]]

        def all_alive_and(condition=condition):
            for name in names[1:]:
                if self.running[name].poll() is not None:
                    pytest.fail(f"worker {name} exited:\n{self.log(name).read_text()}")
            return condition()

        wait_for(all_alive_and, timeout=timeout, process=first, log=self.log(names[0]))

    def errors(self) -> str:
        text = "".join(self.log(name).read_text() for name in [*self.running, *self.stopped])
        return "\n".join(line for line in text.splitlines() if "ERROR" in line or "Traceback" in line)


def queue_length(queue: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return client.llen(queue)
    finally:
        client.close()


def due_reminders(team, count: int, *, label: str) -> list[int]:
    """`count` planned calls whose reminders are due now; every second one also wants an e-mail."""
    ids = []
    for i in range(count):
        event = plan_call(
            actor=team.north_a,
            partner=team.partner,
            title=f"{label} {i}",
            start_in=datetime.timedelta(hours=2, minutes=i),
            reminder=ReminderInput(minutes_before=30, by_email=i % 2 == 0),
        )
        ids.append(Reminder.objects.get(event=event).pk)
    Reminder.objects.filter(pk__in=ids).update(remind_at=timezone.now() - datetime.timedelta(minutes=1))
    return ids


def letters_by_reminder(server) -> dict[str, int]:
    counts: dict[str, int] = {}
    for envelope in server.envelopes:
        reminder_id = message_from_bytes(envelope.content, policy=email.policy.default)[
            "X-Klientura-Reminder"
        ]
        counts[reminder_id] = counts.get(reminder_id, 0) + 1
    return counts


def settle(queue: str, workers: Workers, sender: Celery) -> None:
    """Waits until the queue is empty and every worker answers that it has no job in hand.

    A solo-pool worker answers the broadcast only between jobs, so a busy one simply stays silent
    and the wait goes on; only when all answer with nothing active could no duplicate still land.
    """

    def idle() -> bool:
        if queue_length(queue):
            return False
        replies = sender.control.inspect(timeout=1.0).active() or {}
        mine = {name: jobs for name, jobs in replies.items() if name.startswith(queue)}
        return len(mine) == len(workers.running) and not any(mine.values())

    workers.wait_until(idle)


@pytest.fixture
def team(departments):
    departments.partner, _contact = client_with_contact(manager=departments.north_a)
    return departments


@pytest.mark.worker
def test_two_workers_and_a_restart_fire_each_reminder_exactly_once(
    transactional_db, team, tmp_path, smtp_server
):
    queue = f"klientura-test-reminders-{uuid.uuid4().hex[:12]}"
    workers = Workers(queue, tmp_path, smtp_server.port)
    sender = Celery("klientura-test-sender", broker=REDIS_URL)
    try:
        first = due_reminders(team, 40, label="Звонок")
        by_email = set(Reminder.objects.filter(pk__in=first, by_email=True).values_list("pk", flat=True))
        workers.start("a")
        workers.start("b")
        for _ in range(30):
            sender.send_task(FIRE, queue=queue)
        for reminder_id in by_email:  # a redelivered e-mail job must not send a second letter
            sender.send_task(EMAIL, args=[reminder_id], queue=queue)

        workers.wait_until(lambda: len(letters_by_reminder(smtp_server)) == len(by_email))
        settle(queue, workers, sender)

        assert sorted(Notification.objects.values_list("reminder_id", flat=True)) == sorted(first)
        assert letters_by_reminder(smtp_server) == {str(pk): 1 for pk in by_email}
        fired_before = dict(Reminder.objects.filter(pk__in=first).values_list("pk", "fired_at"))
        pids = {str(workers.running[name].pid) for name in ("a", "b")}
        assert {by.split(":")[-1] for by in Reminder.objects.values_list("fired_by", flat=True)} <= pids

        workers.stop("b")
        second = due_reminders(team, 10, label="После перезапуска")
        second_by_email = set(
            Reminder.objects.filter(pk__in=second, by_email=True).values_list("pk", flat=True)
        )
        workers.start("c")
        for _ in range(15):
            sender.send_task(FIRE, queue=queue)
        for reminder_id in by_email:  # old letters asked for again: still never a second one
            sender.send_task(EMAIL, args=[reminder_id], queue=queue)

        expected_letters = len(by_email) + len(second_by_email)
        workers.wait_until(lambda: len(letters_by_reminder(smtp_server)) == expected_letters)
        settle(queue, workers, sender)

        assert Notification.objects.count() == 50
        assert sorted(Notification.objects.values_list("reminder_id", flat=True)) == sorted(first + second)
        assert letters_by_reminder(smtp_server) == {str(pk): 1 for pk in by_email | second_by_email}
        assert dict(Reminder.objects.filter(pk__in=first).values_list("pk", "fired_at")) == fired_before
        new_pids = {str(workers.running[name].pid) for name in ("a", "c")}
        assert {r.fired_by.split(":")[-1] for r in Reminder.objects.filter(pk__in=second)} <= new_pids
        assert not workers.errors()
    finally:
        workers.stop_all()
        sender.close()
        delete_queue(queue)
