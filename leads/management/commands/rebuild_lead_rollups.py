"""Recount the dashboard's per-day rollups from the lead table (leads.rollups)."""

from django.core.management.base import BaseCommand

from leads import rollups


class Command(BaseCommand):
    help = (
        "Recount the dashboard's per-day lead rollups from the lead table. Writes to leads "
        "wait until it is done (seconds for a million leads). With --check, only compare."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare the rollups with a recount; exit 1 if they differ, change nothing.",
        )

    def handle(self, *args, check: bool = False, **options):
        if check:
            held, counted = rollups.totals(), rollups.recount()
            wrong = {
                table: len(set(held[table].items()) ^ set(counted[table].items())) for table in held
            }
            if any(wrong.values()):
                self.stderr.write(f"The rollups differ from a recount (keys per table): {wrong}")
                raise SystemExit(1)
            self.stdout.write("The rollups match a recount of the leads.")
            return
        rollups.rebuild()
        self.stdout.write("Rebuilt the dashboard's lead rollups from the lead table.")
