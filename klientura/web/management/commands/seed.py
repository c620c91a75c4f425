"""`klientura seed`: load the demo's users, classifiers, clients and sales, then print who can log in."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from klientura.web.seeding.report import speed_report, users_table
from klientura.web.seeding.run import DEFAULT_BATCH_SIZE, demo_seed
from klientura.web.seeding.staff import DEFAULT_PASSWORD


class Command(BaseCommand):
    help = (
        "Create demo users (admin, director, marketer, head1-2, manager1-5), classifiers, "
        "N realistic clients, a furniture catalog with agreements, and a year of orders, shipments "
        "and payments for some of the clients. Does nothing if the demo users exist, unless "
        "--append is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=300, help="how many clients (default 300)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: same seed, same data")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of every demo user")
        parser.add_argument("--append", action="store_true", help="add clients even if the demo exists")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="clients per batch")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--leads",
            action="store_true",
            help="also send a few leads through the real lead services and build the demo segments "
            "(both register through the services and write the audit trail, as real work does)",
        )

    def handle(self, *args, clients, seed, password, append, batch_size, no_progress, leads=False, **options):
        if clients < 0 or batch_size < 1:
            raise CommandError("--clients must be 0 or more and --batch-size 1 or more.")
        if not password:
            raise CommandError("--password must not be empty.")
        hidden = no_progress or not sys.stderr.isatty()
        with tqdm(total=clients, unit=" clients", file=sys.stderr, disable=hidden) as bar:
            result = demo_seed(
                clients=clients,
                seed=seed,
                password=password,
                append=append,
                batch_size=batch_size,
                leads=leads,
                on_batch=bar.update,
                on_stage=bar.set_postfix_str,
            )
        if result.skipped:
            self.stdout.write(
                "The demo users exist already: nothing was added. "
                "Use --append to add more clients to the same demo."
            )
            return
        self.stdout.write(speed_report(result, clients))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo users (log in with these):"))
        self.stdout.write(users_table(result.staff.lines))
