"""Rejection reasons sales picks from, the default SLA (4 h to accept, 24 h to contact) and
default scoring settings, so a new installation works before anyone configures it."""

from django.db import migrations

REASONS = [
    ("not-icp", "Not in our ICP"),
    ("no-budget", "No budget"),
    ("wrong-contact", "Wrong contact person"),
    ("no-response", "No response after several attempts"),
    ("duplicate", "Duplicate of an existing lead"),
    ("student", "Student or job seeker"),
    ("competitor", "Competitor"),
    ("existing-customer", "Already a customer"),
    ("other", "Other (say why in the note)"),
]


def seed(apps, schema_editor):
    RejectionReason = apps.get_model("leads", "RejectionReason")
    for position, (code, label) in enumerate(REASONS):
        RejectionReason.objects.get_or_create(code=code, defaults={"label": label, "position": position})
    SlaPolicy = apps.get_model("leads", "SlaPolicy")
    if not SlaPolicy.objects.exists():
        SlaPolicy.objects.create(version=1, accept_within_hours=4, contact_within_hours=24, status="active")
    ScoringSettings = apps.get_model("leads", "ScoringSettings")
    if not ScoringSettings.objects.exists():
        ScoringSettings.objects.create(mql_threshold=60, engagement_half_life_days=14)


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
