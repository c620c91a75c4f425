"""Start the whole embedded demo: web server, Celery worker and beat, all on this machine."""

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from klientura.accounts.models import User


class Command(BaseCommand):
    help = "Migrate, load demo data if the database is empty, and run web + worker + beat."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--clients", type=int, default=300, help="demo clients on first start")
        parser.add_argument("--no-worker", action="store_true", help="run the web server only")

    def handle(self, *args, addr, clients, no_worker, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not User.objects.exists():
            call_command("seed", clients=clients, leads=True, stdout=self.stdout)
        else:
            self.stdout.write(
                "Demo data already loaded; users were printed on the first start "
                "(password for every demo user: see README)."
            )
        children = [] if no_worker else [self._start_worker()]
        self.stdout.write(
            self.style.SUCCESS(f"Klientura is running on http://{addr}/  (Ctrl+C stops everything)")
        )
        web = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", addr, "--noreload"], env=os.environ.copy()
        )
        children.append(web)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _start_worker(self) -> subprocess.Popen:
        # One process with an embedded beat: the SQLite-file broker serves one machine anyway.
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=WARNING",
        ]
        return subprocess.Popen(command, env=os.environ.copy())
