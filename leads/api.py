"""Leads API (shared/API.md). Thin: every write goes through a leads.services module."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from portal.api_rows import ValuesRows
from portal.models import User

from . import imports, selectors
from .forms import LeadFilterForm
from .models import (
    AwayPeriod,
    EventKind,
    ImportJob,
    Lead,
    LeadNote,
    RejectionReason,
    ScoringRule,
    ScoringSettings,
    SlaPolicy,
    Transition,
)
from .services import assignment, availability, handoff, ingest, scoring_rules, sla, stages

SlaClockSerializer = inline_serializer(
    "SlaClock",
    {
        "due_at": serializers.DateTimeField(),
        "working_seconds_left": serializers.IntegerField(help_text="Negative: overdue by that much working time."),
        "overdue": serializers.BooleanField(),
        "paused_until": serializers.DateTimeField(allow_null=True, help_text="Outside working hours: when the clock resumes."),
        "text": serializers.CharField(help_text="As the pages say it: 'due in 2h 5m · paused until Mon 09:00'."),
    },
    allow_null=True,
)  # fmt: skip


def sla_clock_data(lead: Lead) -> dict | None:
    """A lead's SLA clock as the API shows it (times in the viewer's zone, like the rest)."""
    reading = sla.clock(lead)
    return SlaClockSerializer.to_representation(reading.as_dict()) if reading else None


class LeadSerializer(serializers.ModelSerializer):
    rejection_reason = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    sla_clock = serializers.SerializerMethodField(
        help_text="The next SLA deadline's clock, counted in working hours; null when none runs."
    )

    @extend_schema_field(SlaClockSerializer)
    def get_sla_clock(self, lead) -> dict | None:
        return sla_clock_data(lead)

    class Meta:
        model = Lead
        fields = [
            "id", "email", "first_name", "last_name", "title", "phone", "company", "company_domain", "industry",
            "employees", "annual_revenue", "country", "region", "source_campaign", "persona", "fit_score",
            "engagement_score", "score", "stage", "owner", "accept_due_at", "contact_due_at", "accepted_at",
            "contacted_at", "rejection_reason", "rejection_note", "amount", "external_id", "created_at",
            "technologies", "sla_clock",
        ]  # fmt: skip
        read_only_fields = fields


class ScoreLineSerializer(serializers.Serializer):
    points = serializers.FloatField()
    text = serializers.CharField()
    counted = serializers.BooleanField(help_text="False: a note (a partial ICP fit), 0 points")


class LeadDetailSerializer(LeadSerializer):
    """One lead, with why it scores what it scores: the same computation as the stored score."""

    score_explanation = serializers.SerializerMethodField()
    score_as_of = serializers.SerializerMethodField()

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "score_explanation", "score_as_of"]
        read_only_fields = fields

    @extend_schema_field(ScoreLineSerializer(many=True))
    def get_score_explanation(self, lead) -> list[dict]:
        lines = self.context["explanation"].lines
        return [
            {"points": line.points, "text": line.text, "counted": line.counted} for line in lines
        ]

    def get_score_as_of(self, lead) -> datetime:
        return self.context["explanation"].as_of


# GET /api/leads/ reads LeadSerializer's fields straight from values() (constant queries,
# no model instances, no per-field serializer calls): most of a list request's time.
def _sla_clocks(ids: list[int]) -> dict[int, dict | None]:
    """The SLA clock of each lead of a list page (one query: the clock needs the owner and
    the policy version the lead was handed over on)."""
    leads = Lead.objects.filter(pk__in=ids).select_related("owner", "sla_policy")
    return {lead.pk: sla_clock_data(lead) for lead in leads}


LEAD_ROWS = ValuesRows(LeadSerializer, computed={"sla_clock": _sla_clocks})


class LeadInputSerializer(serializers.Serializer):
    """The documented shape of one lead to ingest (ingest.clean_lead_row validates it)."""

    locals().update(
        {name: serializers.CharField(required=name == "email") for name in ingest.INGEST_FIELDS}
    )


RowResults = inline_serializer(
    "BulkRowResult",
    {"row": serializers.IntegerField(), "status": serializers.CharField(), "id": serializers.IntegerField(allow_null=True),
     "errors": serializers.DictField()},
    many=True,
)  # fmt: skip


class LeadNoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LeadNote
        fields = ["id", "lead", "author", "body", "created_at"]


class LeadTransitionSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Transition
        fields = ["from_stage", "to_stage", "by", "reason", "created_at"]


@extend_schema(
    parameters=[
        OpenApiParameter("stage", str), OpenApiParameter("owner", str, description="A user id, or me"),
        OpenApiParameter("source_campaign", int), OpenApiParameter("min_score", int), OpenApiParameter("q", str),
    ]
)  # fmt: skip
class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Leads. POST upserts by external_id, else email (any case): 201 created, 200 updated."""

    json_array_actions = {"bulk"}  # rows are validated one by one (portal.api_input.JSONParser)
    serializer_class = LeadSerializer
    queryset = Lead.objects.none()
    rules = {
        "read": "view_portal", "create": "ingest_leads", "partial_update": "ingest_leads", "bulk": "ingest_leads",
        "accept": "work_leads", "reject": "work_leads", "contacted": "work_leads", "convert": "work_leads",
        "assign": "assign_leads", "recycle": "recycle_leads", "notes": "note_on_leads",
    }  # fmt: skip

    def get_queryset(self):
        if self.action == "list":
            filters = LeadFilterForm(self.request.query_params, user=self.request.user)
            if not filters.is_valid():
                raise serializers.ValidationError(filters.errors)
            data = filters.cleaned_data
            return selectors.lead_list(
                stage=data["stage"], owner=data["owner"], campaign=data["source_campaign"], min_score=data["min_score"],
                q=data["q"], breached=data["breached"],
            )  # fmt: skip
        return Lead.objects.select_related("rejection_reason", "owner", "sla_policy")

    @extend_schema(responses=LeadDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        lead = self.get_object()
        explanation = scoring_rules.refresh_score(lead)  # the score and its lines, one moment
        lead.refresh_from_db()
        return Response(LeadDetailSerializer(lead, context={"explanation": explanation}).data)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(LEAD_ROWS.values(self.get_queryset()))
        return self.get_paginated_response(LEAD_ROWS.represent(page))

    @extend_schema(
        request=LeadInputSerializer, responses={200: LeadSerializer, 201: LeadSerializer}
    )
    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send one lead as an object."]})
        lead, created = ingest.upsert_lead(dict(request.data), by=request.user)
        return Response(
            LeadSerializer(lead).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=LeadInputSerializer, responses=LeadSerializer)
    def partial_update(self, request, *args, **kwargs):
        lead = self.get_object()
        data = {**dict(request.data), "email": request.data.get("email", lead.email)}
        if lead.external_id and "external_id" not in data:
            data["external_id"] = lead.external_id
        [result] = ingest.ingest_leads([data], by=request.user)
        if result.status == "error":
            raise serializers.ValidationError(result.errors)
        if result.id != lead.pk:
            raise serializers.ValidationError({"email": ["That address belongs to another lead."]})
        return Response(LeadSerializer(Lead.objects.get(pk=lead.pk)).data)

    @extend_schema(request=LeadInputSerializer(many=True), responses=RowResults)
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def bulk(self, request):
        if not isinstance(request.data, list):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON list of leads."]})
        results = ingest.ingest_leads(request.data, by=request.user)
        return Response(
            [{"row": r.row, "status": r.status, "id": r.id, "errors": r.errors} for r in results]
        )

    def _respond(self, lead):
        return Response(
            LeadSerializer(
                Lead.objects.select_related("rejection_reason", "owner", "sla_policy").get(
                    pk=lead.pk
                )
            ).data
        )

    @extend_schema(request=None, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._respond(stages.accept_lead(self.get_object(), by=request.user))

    @extend_schema(request=inline_serializer("Reject", {"reason": serializers.CharField(), "note": serializers.CharField()}),
                   responses=LeadSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        lead = stages.reject_lead(
            self.get_object(),
            by=request.user,
            reason=str(request.data.get("reason", "")),
            note=str(request.data.get("note", "")),
        )
        return self._respond(lead)

    @extend_schema(request=None, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def contacted(self, request, pk=None):
        return self._respond(stages.mark_contacted(self.get_object(), by=request.user))

    @extend_schema(request=inline_serializer("Convert", {"stage": serializers.CharField(), "amount": serializers.DecimalField(14, 2, required=False)}),
                   responses=LeadSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = stages.convert_lead(
            self.get_object(),
            by=request.user,
            stage=str(request.data.get("stage", "")),
            amount=request.data.get("amount"),
        )
        return self._respond(lead)

    @extend_schema(
        request=inline_serializer("Assign", {"owner": serializers.IntegerField()}),
        responses=LeadSerializer,
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        owner = User.objects.filter(
            pk=request.data.get("owner") if str(request.data.get("owner", "")).isdigit() else None
        ).first()
        if owner is None:
            raise serializers.ValidationError({"owner": ["A user id."]})
        return self._respond(handoff.reassign(self.get_object(), owner=owner, by=request.user))

    @extend_schema(
        request=inline_serializer("Recycle", {"reason": serializers.CharField(required=False)}),
        responses=LeadSerializer,
    )
    @action(detail=True, methods=["post"])
    def recycle(self, request, pk=None):
        lead = stages.recycle_lead(
            self.get_object(), by=request.user, reason=str(request.data.get("reason", ""))
        )
        return self._respond(lead)

    @extend_schema(
        request=inline_serializer("NoteBody", {"body": serializers.CharField()}),
        responses={201: LeadNoteSerializer},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        note = stages.add_note(
            self.get_object(), by=request.user, body=str(request.data.get("body", ""))
        )
        return Response(LeadNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=LeadTransitionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def transitions(self, request, pk=None):
        lead = self.get_object()
        return Response(
            LeadTransitionSerializer(lead.transitions.select_related("by"), many=True).data
        )


class LeadEventSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.all(), required=False)
    email = serializers.EmailField(required=False)
    kind = serializers.ChoiceField(choices=EventKind.choices)
    occurred_at = serializers.DateTimeField(required=False)
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )


class LeadEventView(APIView):
    """POST an engagement event; the lead is rescored and handed off if it crosses the threshold."""

    rules = {"write": "ingest_leads"}

    @extend_schema(request=LeadEventSerializer, responses={201: inline_serializer("EventRecorded", {
        "id": serializers.IntegerField(), "lead": serializers.IntegerField(), "score": serializers.IntegerField(),
        "stage": serializers.CharField()})})  # fmt: skip
    def post(self, request):
        serializer = LeadEventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = ingest.record_event(
            by=request.user, kind=data["kind"], occurred_at=data.get("occurred_at"), lead=data.get("lead"),
            email=data.get("email", ""), campaign=data.get("campaign"),
        )  # fmt: skip
        lead = Lead.objects.get(pk=event.lead_id)
        return Response(
            {"id": event.pk, "lead": lead.pk, "score": lead.score, "stage": lead.stage}, status=201
        )


class CampaignLeadQualityView(APIView):
    """What sales made of a campaign's leads: the same figures as the campaign page's panel."""

    rules = {"read": "view_portal"}

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        campaign = get_object_or_404(Campaign, pk=pk)
        quality = selectors.campaign_quality(campaign)
        return Response({
            "campaign": campaign.pk, "leads": quality.leads, "mqls": quality.mqls, "accepted": quality.accepted,
            "rejected": quality.rejected, "acceptance_rate": quality.acceptance_rate,
            "median_hours_to_accept": quality.median_hours_to_accept,
            "rejection_reasons": [{"reason": label, "count": count} for label, count in quality.reasons],
            "latest_rejections": [
                {"lead": lead.pk, "reason": lead.rejection_reason.code if lead.rejection_reason else None,
                 "note": lead.rejection_note, "owner": lead.owner_id, "rejected_at": lead.closed_at}
                for lead in selectors.recent_rejections(campaign)
            ],
        })  # fmt: skip


class RejectionReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = RejectionReason
        fields = ["code", "label"]


class RejectionReasonList(generics.ListAPIView):
    serializer_class = RejectionReasonSerializer
    queryset = RejectionReason.objects.filter(active=True)
    pagination_class = None
    rules = {"read": "view_portal"}


class ScoringRuleSerializer(serializers.ModelSerializer):
    value = serializers.JSONField(required=False, allow_null=True)

    class Meta:
        model = ScoringRule
        fields = [
            "id",
            "name",
            "kind",
            "field",
            "operator",
            "value",
            "event_kind",
            "points",
            "active",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = ["updated_by", "updated_at"]


class ScoringRuleViewSet(viewsets.ModelViewSet):
    """Scoring rules; each change is recorded and all leads are rescored in the background."""

    serializer_class = ScoringRuleSerializer
    queryset = ScoringRule.objects.select_related("updated_by")
    rules = {"read": "view_portal", "write": "edit_scoring"}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = scoring_rules.save_rule(
            None, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = scoring_rules.save_rule(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        scoring_rules.delete_rule(instance, by=self.request.user)


class ScoringSettingsSerializer(serializers.Serializer):
    mql_threshold = serializers.IntegerField(min_value=1, max_value=10_000)
    engagement_half_life_days = serializers.IntegerField(min_value=1, max_value=365)


class ScoringSettingsView(APIView):
    rules = {"read": "view_portal", "write": "edit_scoring"}

    @extend_schema(responses=ScoringSettingsSerializer)
    def get(self, request):
        return Response(ScoringSettingsSerializer(ScoringSettings.current()).data)

    @extend_schema(request=ScoringSettingsSerializer, responses=ScoringSettingsSerializer)
    def put(self, request):
        serializer = ScoringSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            ScoringSettingsSerializer(
                scoring_rules.update_scoring_settings(by=request.user, **serializer.validated_data)
            ).data
        )


class WorkingHoursSerializer(serializers.Serializer):
    region = serializers.CharField(
        allow_blank=True, required=False, help_text="A sales region; empty: every other region."
    )
    days = serializers.ListField(
        child=serializers.CharField(),
        help_text='Working days, e.g. ["Mon", "Tue", "Wed", "Thu", "Fri"].',
    )
    start = serializers.CharField(help_text="HH:MM in the owner's time zone, e.g. 09:00.")
    end = serializers.CharField(help_text="HH:MM, after start, e.g. 17:00.")


class HolidaySerializer(serializers.Serializer):
    date = serializers.CharField(help_text="YYYY-MM-DD.")
    region = serializers.CharField(
        allow_blank=True, required=False, help_text="A sales region; empty: all."
    )
    name = serializers.CharField(allow_blank=True, required=False)


class SlaSerializer(serializers.Serializer):
    """Hours are working hours when `working_hours` is given; without it, around the clock."""

    accept_within_hours = serializers.IntegerField(min_value=1, max_value=720)
    contact_within_hours = serializers.IntegerField(min_value=1, max_value=720)
    # Shapes here; values checked by sla.clean_calendar (the same messages as the page's form).
    working_hours = WorkingHoursSerializer(
        many=True,
        required=False,
        default=list,
        help_text=(
            "Working hours the clocks count, per region, in each owner's time zone. Empty: around the clock."
        ),
    )
    holidays = HolidaySerializer(
        many=True, required=False, default=list, help_text=("Public holidays, when no clock runs.")
    )


def _policy(policy: SlaPolicy | None) -> dict | None:
    if policy is None:
        return None
    return {
        "version": policy.version, "status": policy.status, "accept_within_hours": policy.accept_within_hours,
        "contact_within_hours": policy.contact_within_hours,
        "marketing_approved_by": getattr(policy.marketing_approved_by, "username", None),
        "marketing_approved_at": policy.marketing_approved_at, "sales_approved_by": getattr(policy.sales_approved_by, "username", None),
        "sales_approved_at": policy.sales_approved_at, "working_hours": policy.working_hours, "holidays": policy.holidays,
    }  # fmt: skip


class SlaPolicyView(APIView):
    """GET the SLA in force (and any proposal); PUT proposes a new version (a lead's approval counts)."""

    rules = {"read": "view_portal", "write": "approve_agreements"}

    def _body(self):
        active = sla.active_policy()
        proposed = SlaPolicy.objects.filter(status=SlaPolicy.Status.PROPOSED).first()
        return {**SlaSerializer(active).data, "version": active.version, "active": _policy(active if active.pk else None),
                "proposed": _policy(proposed)}  # fmt: skip

    @extend_schema(responses=SlaSerializer)
    def get(self, request):
        return Response(self._body())

    @extend_schema(request=SlaSerializer, responses={202: SlaSerializer})
    def put(self, request):
        serializer = SlaSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sla.propose_sla(by=request.user, **serializer.validated_data)
        return Response(self._body(), status=status.HTTP_202_ACCEPTED)


class SlaApproveView(APIView):
    """Approve the proposed SLA for your team (marketing lead or sales lead)."""

    rules = {"write": "approve_agreements"}

    @extend_schema(
        request=None,
        responses={200: SlaSerializer, 404: OpenApiResponse(description="Nothing to approve")},
    )
    def post(self, request):
        proposed = SlaPolicy.objects.filter(status=SlaPolicy.Status.PROPOSED).first()
        if proposed is None:
            return Response({"detail": "There is no proposed SLA to approve."}, status=404)
        policy = sla.approve_sla(proposed, by=request.user)
        return Response(_policy(policy))


class ImportJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "total",
            "processed",
            "created",
            "updated",
            "errors",
            "failure",
            "filename",
            "created_at",
            "finished_at",
        ]


class LeadImportViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """POST a CSV (multipart `file`, optional `source_campaign`): 202 with the job id; GET its progress."""

    serializer_class = ImportJobSerializer
    queryset = ImportJob.objects.all()
    rules = {"read": "view_portal", "create": "ingest_leads"}

    @extend_schema(request={"multipart/form-data": inline_serializer("LeadImportUpload", {
        "file": serializers.FileField(), "source_campaign": serializers.IntegerField(required=False)})},
        responses={202: inline_serializer("LeadImportStarted", {"id": serializers.IntegerField()})})  # fmt: skip
    def create(self, request, *args, **kwargs):
        campaign = None
        if request.data.get("source_campaign"):
            campaign = (
                Campaign.objects.filter(pk=request.data["source_campaign"]).first()
                if str(request.data["source_campaign"]).isdigit()
                else None
            )
            if campaign is None:
                raise serializers.ValidationError({"source_campaign": ["Unknown campaign."]})
        job = imports.create_job(
            upload=request.FILES.get("file"), by=request.user, source_campaign=campaign, start=True
        )
        return Response({"id": job.pk}, status=status.HTTP_202_ACCEPTED)


# --- Availability: out of office, capacity, weight; the spread of would-be MQLs ------------
class AwayPeriodSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.sales(),
        required=False,
        help_text="A sales person's id; default: you.",
    )
    set_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AwayPeriod
        fields = ["id", "user", "starts_at", "ends_at", "note", "set_by", "created_at"]
        read_only_fields = ["id", "set_by", "created_at"]
        extra_kwargs = {"starts_at": {"help_text": "Out of office from (ISO 8601)."},
                        "ends_at": {"help_text": "Back at (ISO 8601), after starts_at."}}  # fmt: skip


class AvailabilitySerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.__str__")
    region = serializers.CharField(source="user.region")
    is_lead = serializers.BooleanField(source="user.is_lead")
    status = serializers.CharField(help_text="available, at capacity, or away until …")
    away_now = AwayPeriodSerializer(allow_null=True)
    upcoming = AwayPeriodSerializer(many=True)
    capacity = serializers.IntegerField(
        allow_null=True, help_text="Open MQLs at most; null: no limit."
    )
    weight = serializers.IntegerField()
    open_mqls = serializers.IntegerField()
    waiting = serializers.IntegerField(help_text="Leads waiting on them (MQL or accepted).")


class LoadSerializer(serializers.Serializer):
    capacity = serializers.IntegerField(allow_null=True, required=False, default=None)
    weight = serializers.IntegerField(required=False, default=1)


class AvailabilityView(APIView):
    """GET every sales person's availability: away now or later, capacity, weight, load."""

    rules = {"read": "view_portal"}

    @extend_schema(responses=AvailabilitySerializer(many=True))
    def get(self, request):
        return Response(AvailabilitySerializer(availability.team_availability(), many=True).data)


class AwayPeriodCreateView(APIView):
    """POST an out-of-office period (yours, or anyone's as a sales lead): no new leads then."""

    rules = {"write": "set_availability"}

    @extend_schema(request=AwayPeriodSerializer, responses={201: AwayPeriodSerializer})
    def post(self, request):
        serializer = AwayPeriodSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        period = availability.set_away(
            data.get("user") or request.user, by=request.user, starts_at=data["starts_at"],
            ends_at=data["ends_at"], note=data.get("note", ""),
        )  # fmt: skip
        return Response(AwayPeriodSerializer(period).data, status=status.HTTP_201_CREATED)


class AwayPeriodDetailView(APIView):
    """DELETE ends an out-of-office period now (or removes it, if it has not started)."""

    rules = {"write": "set_availability"}

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        availability.end_away(get_object_or_404(AwayPeriod, pk=pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RepLoadView(APIView):
    """PUT a sales person's capacity (open MQLs at most, null: no limit) and weight (1-10)."""

    rules = {"write": "set_availability"}

    @extend_schema(request=LoadSerializer, responses=LoadSerializer)
    def put(self, request, user_pk: int):
        person = get_object_or_404(User.objects.sales(), pk=user_pk)
        serializer = LoadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        load = availability.set_load(person, by=request.user, **serializer.validated_data)
        return Response({"capacity": load.capacity, "weight": load.weight})


class AwayReassignView(APIView):
    """POST: the leads waiting on someone away go to available colleagues (round-robin)."""

    rules = {"write": "assign_leads"}

    @extend_schema(
        request=None,
        responses=inline_serializer("AwayReassigned", {"moved": serializers.DictField(
            child=serializers.IntegerField(), help_text="New owner's username -> leads")}),
    )  # fmt: skip
    def post(self, request, user_pk: int):
        person = get_object_or_404(User.objects.sales(), pk=user_pk)
        moved = availability.reassign_while_away(person, by=request.user)
        return Response({"moved": {owner.username: count for owner, count in moved.items()}})


PREVIEW_LIMIT = 100_000


class SpreadRowSerializer(serializers.Serializer):
    owner = serializers.CharField(source="owner.username")
    name = serializers.CharField(source="owner.__str__")
    new = serializers.IntegerField(help_text="Leads of this set they would get.")
    open_before = serializers.IntegerField(help_text="Open MQLs they hold now.")
    capacity = serializers.IntegerField(allow_null=True)
    weight = serializers.IntegerField()
    fallback = serializers.BooleanField(help_text="A sales lead taking leads nobody else could.")
    accept_due_at = serializers.DateTimeField(
        help_text="When a lead given now would be due (working hours)."
    )


class AssignmentPreviewView(APIView):
    """POST {"leads": [{"country": "DE"} or {"region": "EMEA"}, …]}, would-be MQLs in arrival
    order: who would get how many by the assignment rules now, with their load. Writes nothing."""

    rules = {"write": "view_portal"}  # a read that takes a body; it changes nothing

    @extend_schema(
        request=inline_serializer("AssignmentPreview", {"leads": inline_serializer(
            "WouldBeMql", {"country": serializers.CharField(required=False),
                           "region": serializers.CharField(required=False)}, many=True)}),
        responses=SpreadRowSerializer(many=True),
    )  # fmt: skip
    def post(self, request):
        rows = request.data.get("leads")
        if not isinstance(rows, list) or not rows:
            raise serializers.ValidationError(
                {"leads": ["A list of leads, each with a country or a region."]}
            )
        if len(rows) > PREVIEW_LIMIT:
            raise serializers.ValidationError(
                {"leads": [f"Preview at most {PREVIEW_LIMIT:,} leads at a time."]}
            )
        leads = []
        for index, row in enumerate(rows, start=1):
            if not isinstance(row, dict) or set(row) - {"country", "region"}:
                raise serializers.ValidationError(
                    {"leads": [f"Lead {index}: an object with a country and/or a region."]}
                )
            leads.append(Lead(pk=index, country=str(row.get("country") or "").upper()[:2],
                              region=str(row.get("region") or "")[:60]))  # fmt: skip
        return Response(SpreadRowSerializer(assignment.preview_spread(leads), many=True).data)
