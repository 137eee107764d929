"""Personas and ICP API (shared/API.md). PATCH needs If-Match and goes through the guarded save."""

import re

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from . import services
from .models import PERSONA_TEXT_FIELDS, IcpSegment, Persona, PersonaRevision, Seniority

ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = 'Send If-Match with the ETag you read (e.g. If-Match: "3"), so no one\'s edit is overwritten.'
    default_code = "precondition_required"


class PersonaSerializer(serializers.ModelSerializer):
    seniority = serializers.ChoiceField(choices=Seniority.choices, required=False, allow_blank=True)

    class Meta:
        model = Persona
        fields = ["id", *PERSONA_TEXT_FIELDS, "owner", "version", "updated_by", "updated_at"]
        read_only_fields = ["owner", "version", "updated_by", "updated_at"]


class RevisionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username")

    class Meta:
        model = PersonaRevision
        fields = [
            "version",
            "author",
            "team",
            "created_at",
            "changed_fields",
            "merged_fields",
            "restored_from",
        ]


class RevisionDetailSerializer(RevisionSerializer):
    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "snapshot", "base_version"]


ConflictSerializer = inline_serializer(
    "PersonaConflict",
    {
        "detail": serializers.CharField(),
        "conflicts": serializers.DictField(),
        "version": serializers.IntegerField(),
    },
)
MergedSerializer = inline_serializer(
    "PersonaSaved", {**{n: serializers.CharField() for n in PERSONA_TEXT_FIELDS}, "version": serializers.IntegerField(),
                     "merged_fields": serializers.ListField(child=serializers.CharField())},
)  # fmt: skip


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


class PersonaViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Personas, co-edited by marketing and sales. GET sends an ETag; PATCH needs If-Match."""

    serializer_class = PersonaSerializer
    queryset = Persona.objects.select_related("owner", "updated_by").order_by("name")
    rules = {"read": "view_portal", "write": "edit_personas"}

    def retrieve(self, request, *args, **kwargs):
        persona = self.get_object()
        return with_etag(Response(PersonaSerializer(persona).data), persona.version)

    def create(self, request, *args, **kwargs):
        serializer = PersonaSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        persona = services.create_persona(by=request.user, **serializer.validated_data)
        return with_etag(
            Response(PersonaSerializer(persona).data, status=status.HTTP_201_CREATED),
            persona.version,
        )

    @extend_schema(
        request=PersonaSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description='The ETag you read, e.g. "3"',
            )
        ],
        responses={
            200: MergedSerializer,
            409: OpenApiResponse(
                ConflictSerializer, description="Overlapping edits; nothing was written"
            ),
            412: OpenApiResponse(description="The If-Match version does not exist"),
            428: OpenApiResponse(description="If-Match is missing"),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        persona = self.get_object()
        header = request.headers.get("If-Match")
        if not header:
            raise PreconditionRequired()
        match = ETAG.match(header.split(",")[0])
        if not match:
            raise serializers.ValidationError({"If-Match": ['Use the ETag you read, e.g. "3".']})
        not_editable = sorted(set(request.data) - set(PERSONA_TEXT_FIELDS))
        if not_editable:
            raise serializers.ValidationError(
                {name: ["This field cannot be edited."] for name in not_editable}
            )
        serializer = PersonaSerializer(persona, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        result = services.save_persona(
            persona, changes=dict(request.data), base_version=int(match.group(1)), by=request.user
        )
        data = PersonaSerializer(result.persona).data | {"merged_fields": result.merged_fields}
        return with_etag(Response(data), result.version)

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        persona = self.get_object()
        revisions = (
            PersonaRevision.objects.filter(persona=persona)
            .select_related("author")
            .order_by("-version")
        )
        page = self.paginate_queryset(revisions)
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    @extend_schema(responses=RevisionDetailSerializer)
    @action(
        detail=True, methods=["get"], url_path=r"revisions/(?P<version>\d+)", url_name="revision"
    )
    def revision(self, request, pk=None, version=None):
        persona = self.get_object()
        revision = get_object_or_404(
            PersonaRevision.objects.select_related("author"), persona=persona, version=version
        )
        return Response(RevisionDetailSerializer(revision).data)

    @extend_schema(request=None, responses=MergedSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"revisions/(?P<version>\d+)/restore",
        url_name="restore",
    )
    def restore(self, request, pk=None, version=None):
        persona = self.get_object()
        get_object_or_404(PersonaRevision, persona=persona, version=version)
        result = services.restore_revision(persona, version=int(version), by=request.user)
        data = PersonaSerializer(result.persona).data | {"merged_fields": result.merged_fields}
        return with_etag(Response(data), result.version)


class IcpSegmentSerializer(serializers.ModelSerializer):
    industries = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    regions = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    technologies = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False
    )
    exclusions = serializers.ListField(child=serializers.CharField(max_length=100), required=False)

    class Meta:
        model = IcpSegment
        fields = [
            "id", "name", "description", "industries", "employees_min", "employees_max", "revenue_min",
            "revenue_max", "regions", "technologies", "exclusions", "is_active", "owner", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["owner", "updated_at"]
        validators = []  # uniqueness is reported by the service as a field error


class IcpSegmentViewSet(viewsets.ModelViewSet):
    """ICP segments; lead fit scoring reads the active ones."""

    serializer_class = IcpSegmentSerializer
    queryset = IcpSegment.objects.select_related("owner").order_by("name")
    rules = {"read": "view_portal", "write": "edit_personas"}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.save_segment(
            None, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_segment(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_segment(instance, by=self.request.user)
