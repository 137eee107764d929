from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.demo import logins_text


class Command(BaseCommand):
    help = "Create demo users for every role and demo content for every app. Safe to run again."

    def handle(self, *args, **options):
        context: dict = {}
        with transaction.atomic():
            # INSTALLED_APPS order is the dependency order: portal, personas, campaigns, leads.
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if config.name.startswith("django") or find_spec(config.name) is None:
                    continue
                if find_spec(module_name) is None:
                    continue
                import_module(module_name).seed(context)
                if options["verbosity"] >= 1:
                    self.stdout.write(f"seeded {config.label}")
        if options["verbosity"] >= 1:  # `make run` prints the logins itself, once
            self.stdout.write(self.style.SUCCESS(logins_text()))
