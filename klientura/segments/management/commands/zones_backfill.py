"""`klientura zones_backfill`: draw the zone dashboard's trend of past weeks from the contact history,
e.g. right after importing a client base with its events and sales."""

from django.core.management.base import BaseCommand, CommandError

from klientura.segments.zone_history import MAX_WEEKS, zones_trend_backfill


class Command(BaseCommand):
    help = (
        "Write the zone snapshot of the Sunday of each of the last N finished weeks that has none, "
        "computed from the events, orders, shipments and exchange takes up to that day. Weeks the "
        "nightly zone job already covered are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=12, help=f"how many past weeks (1–{MAX_WEEKS}, default 12)")

    def handle(self, *args, weeks, **options):
        if not 1 <= weeks <= MAX_WEEKS:
            raise CommandError(f"--weeks must be between 1 and {MAX_WEEKS}.")
        written = zones_trend_backfill(weeks=weeks)
        if written:
            days = ", ".join(day.strftime("%d.%m.%Y") for day in written)
            self.stdout.write(f"Zone snapshots written for {len(written)} weeks: {days}.")
        else:
            self.stdout.write("Every one of these weeks already has its zone snapshot: nothing to do.")
