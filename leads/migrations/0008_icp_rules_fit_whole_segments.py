"""ICP rules now score a lead that fits the whole segment (all its criteria together), not
each of its fields on its own. A segment that had several per-field rules (industry 20,
size 15) keeps one rule worth their sum for a full fit, so a lead that fitted every part
scores as before and one that fitted a part no longer scores as if it fitted."""

from django.db import migrations


def merge_icp_rules(apps, schema_editor):
    ScoringRule = apps.get_model("leads", "ScoringRule")
    ScoringChange = apps.get_model("leads", "ScoringChange")
    IcpSegment = apps.get_model("personas", "IcpSegment")
    by_segment: dict[str, list] = {}
    for rule in ScoringRule.objects.filter(operator="icp").order_by("pk"):
        by_segment.setdefault(str(rule.value), []).append(rule)
    for value, rules in by_segment.items():
        keep, extra = rules[0], rules[1:]
        segment = IcpSegment.objects.filter(pk=int(value)).first() if value.isdigit() else None
        before = [{"name": r.name, "field": r.field, "points": r.points} for r in rules]
        keep.points = sum(r.points for r in rules if r.active) or keep.points
        keep.field = ""
        keep.value = int(value) if value.isdigit() else keep.value
        if len(rules) > 1 and segment is not None:
            keep.name = f"Fits {segment.name}"[:120]
        keep.save(update_fields=["points", "field", "name", "value"])
        ScoringRule.objects.filter(pk__in=[r.pk for r in extra]).delete()
        ScoringChange.objects.create(
            summary=f"ICP rules now score a whole-segment fit: {len(rules)} rule(s) on "
            f"{segment.name if segment else 'a missing segment'} became “{keep.name}” ({keep.points:+d})"[:300],
            before=before,
            after={"name": keep.name, "points": keep.points},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0007_technologies_and_rescore_jobs"),
        ("personas", "0001_initial"),
    ]

    operations = [migrations.RunPython(merge_icp_rules, migrations.RunPython.noop)]
