"""GIN index for collateral full-text search, on PostgreSQL only (SQLite searches by words)."""

from django.db import migrations

INDEX = "campaigns_asset_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON campaigns_asset USING gin (search_document)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0002_messaging")]

    operations = [migrations.RunPython(create_index, drop_index)]
