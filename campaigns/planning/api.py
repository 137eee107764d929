"""Campaign API (shared/API.md): thin serializers and a viewset calling campaigns.planning.services."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from personas.models import Persona
from portal.filters import ListFilterBackend

from ..models import (
    Campaign,
    CampaignComment,
    CampaignReview,
    CampaignTransition,
    Channel,
    ReviewDecision,
)
from . import selectors, services
from .filters import CampaignFilter


class CampaignSerializer(serializers.ModelSerializer):
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False
    )
    personas = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Persona.objects.all(), required=False
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "objective",
            "brief",
            "status",
            "owner",
            "channels",
            "starts_on",
            "ends_on",
            "launch_at",
            "launched_at",
            "budget",
            "target_leads",
            "target_mqls",
            "target_pipeline",
            "personas",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "owner", "launched_at", "created_at", "updated_at"]

    def validate(self, attrs):
        if "status" in self.initial_data:
            raise serializers.ValidationError(
                {
                    "status": [
                        "Status changes only through the actions: submit, reviews, schedule, launch."
                    ]
                }
            )
        return attrs


class ReviewSerializer(serializers.ModelSerializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    class Meta:
        model = CampaignReview
        fields = ["id", "decision", "comment", "reviewer", "created_at"]
        read_only_fields = ["reviewer", "created_at"]


class CommentSerializer(serializers.ModelSerializer):
    body = serializers.CharField(max_length=5000)

    class Meta:
        model = CampaignComment
        fields = ["id", "body", "author", "created_at"]
        read_only_fields = ["author", "created_at"]


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignTransition
        fields = ["from_status", "to_status", "by", "note", "created_at"]


ScheduleSerializer = inline_serializer(
    "CampaignSchedule", {"launch_at": serializers.DateTimeField()}
)
CancelSerializer = inline_serializer(
    "CampaignCancel", {"reason": serializers.CharField(required=False)}
)


class CampaignViewSet(viewsets.ModelViewSet):
    """Campaigns. Marketing creates and edits; status changes only through the actions."""

    serializer_class = CampaignSerializer
    queryset = Campaign.objects.none()
    filter_backends = [ListFilterBackend]
    filterset_class = CampaignFilter
    rules = {
        "read": "view_portal",
        "create": "plan_campaigns",
        "update": "plan_campaigns",
        "partial_update": "plan_campaigns",
        "destroy": "plan_campaigns",
        "submit": "plan_campaigns",
        "schedule": "plan_campaigns",
        "launch": "plan_campaigns",
        "complete": "plan_campaigns",
        "cancel": "plan_campaigns",
        "reviews.post": "review_campaigns",
        "comments.post": "comment_on_campaigns",
    }

    def get_queryset(self):
        if self.action == "list":
            return selectors.campaign_list()
        return Campaign.objects.select_related("owner").prefetch_related("personas")

    def perform_create(self, serializer):
        serializer.instance = services.create_campaign(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_campaign(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_campaign(instance, by=self.request.user)

    def _respond(self, campaign):
        campaign = Campaign.objects.prefetch_related("personas").get(pk=campaign.pk)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._respond(services.submit_for_review(self.get_object(), by=request.user))

    @extend_schema(request=ScheduleSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        field = serializers.DateTimeField()
        if "launch_at" not in request.data:
            raise serializers.ValidationError({"launch_at": ["This field is required."]})
        try:
            launch_at = field.to_internal_value(request.data["launch_at"])
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"launch_at": error.detail}) from error
        return self._respond(
            services.schedule_campaign(self.get_object(), by=request.user, launch_at=launch_at)
        )

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def launch(self, request, pk=None):
        return self._respond(services.launch_campaign(self.get_object(), by=request.user))

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._respond(services.complete_campaign(self.get_object(), by=request.user))

    @extend_schema(request=CancelSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        reason = str(request.data.get("reason", ""))
        return self._respond(
            services.cancel_campaign(self.get_object(), by=request.user, reason=reason)
        )

    @extend_schema(methods=["GET"], responses=ReviewSerializer(many=True))
    @extend_schema(methods=["POST"], request=ReviewSerializer, responses={201: ReviewSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def reviews(self, request, pk=None):
        campaign = self.get_object()
        if request.method == "GET":
            reviews = campaign.reviews.all()
            return Response(ReviewSerializer(reviews, many=True).data)
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_campaign(campaign, by=request.user, **serializer.validated_data)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def comments(self, request, pk=None):
        campaign = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(campaign.comments.all())
            return self.get_paginated_response(CommentSerializer(page, many=True).data)
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.add_comment(
            campaign, by=request.user, body=serializer.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=TransitionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def transitions(self, request, pk=None):
        campaign = get_object_or_404(Campaign, pk=pk)
        return Response(TransitionSerializer(campaign.transitions.all(), many=True).data)
