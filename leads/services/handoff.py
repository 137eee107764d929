"""Hand-off and reassignment: who works a lead from when, and telling them.

A lead whose score crosses the MQL threshold becomes an MQL (LEAD_FLOW's system step
"hand_off"), goes to a rep (`assignment`) with the SLA's due times (`sla`), and the
rep is told once. A sales lead may give a lead to another rep; their SLA clock starts
again.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal import services as core
from portal.models import Team, User
from portal.permissions import require

from ..models import LEAD_FLOW, Assignment, Lead, ScoringSettings, SlaPolicy, Transition
from . import sla
from .assignment import choose_owners


def hand_off(lead_ids, *, notify: bool = True, because: str = "") -> list[int]:
    """Leads that crossed the MQL threshold become MQLs, each assigned to a rep with SLA due times.

    Owners get one notification each (a digest when several leads arrive at once).
    `because` says in their history why their score moved ("rescored after ICP change by
    Maria"). Returns the ids handed off.
    """
    step = LEAD_FLOW.step("hand_off")
    threshold = ScoringSettings.current().mql_threshold
    with transaction.atomic():
        leads = list(
            Lead.objects.select_for_update()
            .filter(pk__in=list(lead_ids), stage__in=step.sources, score__gte=threshold)
            .order_by("pk")
        )
        if not leads:
            return []
        plan = choose_owners(leads)
        owners = plan.owners
        now = timezone.now()
        policy = sla.active_policy()
        transitions, assignments = [], []
        # All leads share the stage and time; due times depend on the owner's working hours
        # and time zone, so one UPDATE per owner (a few reps) instead of a CASE over every
        # lead. Without a rep to take it, a lead keeps what it had (no owner, no due times).
        by_owner: dict[int | None, list[int]] = {}
        due_of_owner: dict[int, dict] = {}
        for lead in leads:
            transitions.append(
                Transition(
                    lead=lead,
                    from_stage=lead.stage,
                    to_stage=step.target,
                    created_at=now,
                    reason=f"Score {lead.score} reached the MQL threshold ({threshold})"
                    + (f": {because}." if because else "."),
                )
            )
            lead.stage, lead.mql_at = step.target, now
            owner = owners.get(lead.pk)
            by_owner.setdefault(owner.pk if owner else None, []).append(lead.pk)
            if owner is not None:
                lead.owner = owner
                if owner.pk not in due_of_owner:
                    due_of_owner[owner.pk] = sla.due_times(now, policy, owner)
                for name, value in due_of_owner[owner.pk].items():
                    setattr(lead, name, value)
                assignments.append(
                    Assignment(lead=lead, owner=owner, reason="Round-robin", created_at=now)
                )
        for owner_id, ids in by_owner.items():
            assigned = {"owner_id": owner_id, **due_of_owner[owner_id]} if owner_id else {}
            Lead.objects.filter(pk__in=ids).update(stage=step.target, mql_at=now, **assigned)
        Transition.objects.bulk_create(transitions)
        Assignment.objects.bulk_create(assignments)
        if notify:
            tell_new_owners(leads, policy)
        tell_fallbacks(plan, leads)
    return [lead.pk for lead in leads]


def tell_fallbacks(plan, leads: list[Lead]) -> None:
    """A sales lead who took leads because nobody in the region was available hears why."""
    by_id = {lead.pk: lead for lead in leads}
    messages = []
    for region, ids in plan.fallbacks.items():
        owner = plan.owners[ids[0]]
        where = region or "any region"
        count = len(ids)
        messages.append(
            core.Message(
                recipient=owner,
                kind="assignment_fallback",
                title=f"Nobody in {where} could take {count} new MQL{'s' if count > 1 else ''}: "
                f"{'they are' if count > 1 else 'it is'} yours",
                body="Every rep there is out of office or at capacity. "
                + ", ".join(str(by_id[i]) for i in ids[:10])
                + (f" and {count - 10} more." if count > 10 else "."),
                url=reverse("leads:availability"),
                dedupe_key=f"assignment_fallback:{region}:{ids[0]}:{count}",
            )
        )
    core.notify_each(messages)


def tell_new_owners(leads: list[Lead], policy: SlaPolicy) -> None:
    """One notification per owner of these new MQLs: the lead, or a digest of several."""
    by_owner: dict[int, list[Lead]] = {}
    for lead in leads:
        if lead.owner_id:
            by_owner.setdefault(lead.owner_id, []).append(lead)
    messages = []
    hours = (
        f"{policy.accept_within_hours} working hours"
        if policy.working_hours
        else (f"{policy.accept_within_hours} hours")
    )
    for owner_leads in by_owner.values():
        owner = owner_leads[0].owner
        if len(owner_leads) == 1:
            lead = owner_leads[0]
            messages.append(
                core.Message(
                    recipient=owner,
                    kind="lead_assigned",
                    title=f"New MQL: {lead} ({lead.company or lead.email_domain})",
                    body=f"Score {lead.score}. Accept or reject it within {hours}.",
                    url=lead.get_absolute_url(),
                    dedupe_key=f"lead_assigned:{lead.pk}:{lead.assigned_at.isoformat()}",
                )
            )
        else:
            first = min(lead.pk for lead in owner_leads)
            lines = [
                f"{lead} ({lead.company or lead.email_domain}), score {lead.score}"
                for lead in owner_leads[:20]
            ]
            messages.append(
                core.Message(
                    recipient=owner,
                    kind="lead_assigned",
                    title=f"{len(owner_leads)} new MQLs for you",
                    body="\n".join(lines) + f"\n\nAccept or reject each within {hours}.",
                    url=reverse("leads:index"),
                    dedupe_key=f"lead_assigned_digest:{owner.pk}:{first}:{len(owner_leads)}",
                )
            )
    core.notify_each(messages)


def reassign(lead: Lead, *, owner: User, by: User, reason: str = "") -> Lead:
    """A sales lead gives a lead to another rep; the SLA clock starts again for them."""
    require(by, "assign_leads")
    if owner.team != Team.SALES or not owner.is_active:
        raise ValidationError({"owner": ["Assign leads to an active member of the sales team."]})
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        LEAD_FLOW.check("reassign", lead)
        if lead.owner_id == owner.pk:
            return lead
        previous = lead.owner
        now = timezone.now()
        lead.owner = owner
        sla.restart_clocks(lead, now)
        lead.save()
        Assignment.objects.create(
            lead=lead, owner=owner, by=by, reason=reason or f"Reassigned from {previous}"
        )
        core.notify(
            [owner],
            kind="lead_assigned",
            title=f"{by} gave you a lead: {lead}",
            body=reason,
            url=lead.get_absolute_url(),
            dedupe_key=f"lead_reassigned:{lead.pk}:{now.isoformat()}",
        )
    return lead
