import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal import services
from portal.models import Team, User


class Command(BaseCommand):
    help = "Create or update a team member."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--team", required=True, choices=Team.values)
        parser.add_argument(
            "--lead", action="store_true", help="Team lead (signs off, gets escalations)"
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Prompted for when omitted for a new member")
        parser.add_argument("--region", default="", help="Sales territory or segment")

    def handle(self, *args, username, team, lead, email, password, region, **options):
        exists = User.objects.filter(username__iexact=username).exists()
        if password is None and not exists:
            if not sys.stdin.isatty():
                raise CommandError(
                    "A new member needs a password: pass --password or run in a terminal."
                )
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The two passwords differ; nothing was changed.")
        try:
            user, created = services.add_member(
                username=username,
                team=team,
                is_lead=lead,
                email=email,
                password=password,
                region=region or None,  # not given: an existing member keeps theirs
            )
        except ValidationError as error:
            problems = "; ".join(
                f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items()
            )
            raise CommandError(f"Nothing was changed. {problems}") from error
        role = f"{user.get_team_display()}{' lead' if user.is_lead else ''}"
        self.stdout.write(
            self.style.SUCCESS(f"{'Created' if created else 'Updated'} {user.username} ({role}).")
        )
