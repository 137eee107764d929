"""Messaging API (shared/API.md): talking points, assets, field insights. Thin over services."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from personas.models import Persona
from portal.filters import ListFilterBackend

from ..models import (
    Asset,
    AssetKind,
    AssetStatus,
    AssetVersion,
    Campaign,
    FieldInsight,
    FunnelStage,
    InsightKind,
    TalkingPoint,
    TalkingPointKind,
    UsageAction,
)
from . import selectors, services
from .filters import AssetFilter, FieldInsightFilter, TalkingPointFilter
from .views import file_response


class TalkingPointSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=TalkingPointKind.choices)
    stage = serializers.ChoiceField(choices=FunnelStage.choices, required=False, allow_blank=True)

    class Meta:
        model = TalkingPoint
        fields = [
            "id",
            "campaign",
            "persona",
            "stage",
            "kind",
            "title",
            "body",
            "response",
            "position",
            "updated_at",
        ]
        read_only_fields = ["position", "updated_at"]


class TalkingPointViewSet(viewsets.ModelViewSet):
    """Key messages, value propositions, proof points and objections with answers."""

    serializer_class = TalkingPointSerializer
    queryset = TalkingPoint.objects.none()
    filter_backends = [ListFilterBackend]
    filterset_class = TalkingPointFilter
    rules = {"read": "view_portal", "write": "publish_collateral"}

    def get_queryset(self):
        return selectors.talking_points()

    def perform_create(self, serializer):
        serializer.instance = services.create_talking_point(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_talking_point(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_talking_point(instance, by=self.request.user)


class DownloadFileField(serializers.FileField):
    """Written as an upload; read as the URL that downloads the current version."""

    def get_attribute(self, instance):
        return instance

    def to_representation(self, asset):
        return reverse("api:asset-download", args=[asset.pk]) if asset.version else None


class DownloadFileFieldSchema(OpenApiSerializerFieldExtension):
    """Documents both directions: an upload in, a relative download URL (or null) out."""

    target_class = DownloadFileField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "string", "format": "binary"}
        return {"type": "string", "format": "uri-reference", "nullable": True}


class TagListField(serializers.ListField):
    """Tag names in and out (stored as AssetTag rows)."""

    def to_representation(self, tags):
        return [tag.name for tag in tags.all()]


class AssetSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=AssetKind.choices)
    stage = serializers.ChoiceField(choices=FunnelStage.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=AssetStatus.choices, required=False)
    file = DownloadFileField(
        required=False,
        allow_null=True,
        allow_empty_file=True,
        help_text="Upload (multipart); read back as its download URL.",
    )
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=300)
    personas = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Persona.objects.all(), required=False
    )
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    tags = TagListField(child=serializers.CharField(max_length=40), required=False)
    is_stale = serializers.BooleanField(read_only=True)
    rating = serializers.DecimalField(
        source="rating_avg", max_digits=3, decimal_places=2, read_only=True, allow_null=True
    )
    outdated_flags = serializers.IntegerField(source="open_flags", read_only=True)

    class Meta:
        model = Asset
        fields = [
            "id",
            "title",
            "kind",
            "description",
            "url",
            "file",
            "note",
            "status",
            "owner",
            "campaign",
            "personas",
            "stage",
            "tags",
            "review_by",
            "is_stale",
            "version",
            "rating",
            "outdated_flags",
            "use_count",
            "published_at",
            "updated_at",
        ]
        read_only_fields = ["owner", "version", "use_count", "published_at", "updated_at"]


class VersionSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True, allow_empty_file=True)

    class Meta:
        model = AssetVersion
        fields = [
            "number",
            "file",
            "filename",
            "content_type",
            "size",
            "note",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = [
            "number",
            "filename",
            "content_type",
            "size",
            "uploaded_by",
            "created_at",
        ]


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    outdated = serializers.BooleanField(required=False, default=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AssetViewSet(viewsets.ModelViewSet):
    """Collateral. Sales sees only published assets, and only current ones unless include_stale=1."""

    serializer_class = AssetSerializer
    queryset = Asset.objects.none()
    filter_backends = [ListFilterBackend]
    filterset_class = AssetFilter
    rules = {
        "read": "view_portal",
        "write": "publish_collateral",
        "feedback": "give_collateral_feedback",
    }

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            return selectors.library(user).prefetch_related("personas")
        return selectors.visible_assets(user).prefetch_related("tags", "personas")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("status", None)
        serializer.instance = services.create_asset(by=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "file" in data or "note" in data:
            raise serializers.ValidationError(
                {"file": ["Upload new files to /versions/, which keeps the history."]}
            )
        serializer.instance = services.update_asset(
            serializer.instance, by=self.request.user, **data
        )

    def perform_destroy(self, instance):
        services.delete_asset(instance, by=self.request.user)

    @extend_schema(methods=["GET"], responses=VersionSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": VersionSerializer},
        responses={201: VersionSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def versions(self, request, pk=None):
        asset = self.get_object()
        if request.method == "GET":
            return Response(VersionSerializer(asset.versions.all(), many=True).data)
        serializer = VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.add_asset_version(
            asset,
            by=request.user,
            file=serializer.validated_data["file"],
            note=serializer.validated_data.get("note", ""),
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FeedbackSerializer, responses=AssetSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        asset = self.get_object()
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.give_feedback(asset, by=request.user, **serializer.validated_data)
        return Response(AssetSerializer(self.get_queryset().get(pk=asset.pk)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("version", int, description="A version number; default: current")
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        asset = self.get_object()
        versions = asset.versions.all()
        number = request.query_params.get("version")
        if number and not str(number).isdigit():
            raise serializers.ValidationError({"version": ["A version number."]})
        version = get_object_or_404(versions, number=number) if number else versions.first()
        if version is None:
            raise Http404
        services.record_usage(asset, user=request.user, action=UsageAction.DOWNLOAD)
        return file_response(version)


class FieldInsightSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=InsightKind.choices)

    class Meta:
        model = FieldInsight
        fields = [
            "id",
            "kind",
            "text",
            "persona",
            "campaign",
            "competitor",
            "author",
            "created_at",
            "answer",
            "answered_at",
        ]
        read_only_fields = ["author", "created_at", "answer", "answered_at"]


AnswerSerializer = inline_serializer(
    "InsightAnswer",
    {
        "talking_point": serializers.IntegerField(required=False),
        "title": serializers.CharField(required=False),
        "response": serializers.CharField(required=False),
    },
)


class FieldInsightViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """What reps hear on calls. Sales records; marketing answers with a talking point."""

    serializer_class = FieldInsightSerializer
    queryset = FieldInsight.objects.none()
    filter_backends = [ListFilterBackend]
    filterset_class = FieldInsightFilter
    rules = {
        "read": "view_portal",
        "create": "record_field_insights",
        "answer": "answer_field_insights",
    }

    def get_queryset(self):
        return FieldInsight.objects.select_related("author").order_by("-created_at")

    def perform_create(self, serializer):
        serializer.instance = services.record_insight(
            by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=AnswerSerializer, responses=TalkingPointSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        insight = self.get_object()
        point_id = request.data.get("talking_point")
        if point_id not in (None, ""):
            try:
                point = TalkingPoint.objects.get(pk=int(point_id))
            except (TalkingPoint.DoesNotExist, ValueError, TypeError):
                raise serializers.ValidationError(
                    {"talking_point": ["Unknown talking point."]}
                ) from None
            result = services.answer_insight(insight, by=request.user, talking_point=point)
        else:
            title = str(request.data.get("title", "")).strip()
            if not title:
                raise serializers.ValidationError(
                    {"title": ["Give a talking point id, or a title for a new one."]}
                )
            result = services.answer_insight(
                insight,
                by=request.user,
                title=title,
                response=str(request.data.get("response", "")),
            )
        return Response(TalkingPointSerializer(result).data)
