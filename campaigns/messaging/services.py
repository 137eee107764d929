"""Messaging writes: talking points, collateral and its versions, feedback, usage, field insights.

Sales must always find the current material: an asset is stale when its review date
has passed or a rep flagged it outdated since its last version; a new version clears
the flags. Feedback and usage flow back to marketing.
"""

import re
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Count, F
from django.urls import reverse
from django.utils import timezone

from portal import services as core
from portal.models import User
from portal.periods import day_label
from portal.permissions import require

from ..models import (
    ASSET_FLOW,
    Asset,
    AssetKind,
    AssetRating,
    AssetStatus,
    AssetTag,
    AssetUsage,
    AssetVersion,
    FieldInsight,
    InsightKind,
    OutdatedFlag,
    TalkingPoint,
    TalkingPointKind,
)
from .uploads import check_upload

REVIEW_AFTER_DAYS = 180
# What a person may set on an asset and on a talking point; the forms show them in this order.
ASSET_FIELDS = (
    "title",
    "kind",
    "description",
    "url",
    "campaign",
    "personas",
    "stage",
    "tags",
    "review_by",
)
TALKING_POINT_FIELDS = ("kind", "title", "body", "response", "campaign", "persona", "stage")


# --- Talking points ---------------------------------------------------------------------
def _clean_talking_point(point: TalkingPoint) -> None:
    errors: dict[str, list[str]] = {}
    try:
        point.full_clean(exclude=["updated_by", "position"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if point.kind == TalkingPointKind.OBJECTION and not point.response.strip():
        errors.setdefault("response", []).append("Give reps the answer to this objection.")
    if errors:
        raise ValidationError(errors)


def create_talking_point(*, by: User, **fields: Any) -> TalkingPoint:
    require(by, "publish_collateral")
    unknown = set(fields).difference(TALKING_POINT_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be set here."] for name in unknown})
    point = TalkingPoint(updated_by=by, **fields)
    _clean_talking_point(point)
    with transaction.atomic():
        last = TalkingPoint.objects.filter(campaign=point.campaign, persona=point.persona).order_by(
            "-position"
        )
        point.position = (last.values_list("position", flat=True).first() or 0) + 1
        point.save()
    return point


def update_talking_point(point: TalkingPoint, *, by: User, **changes: Any) -> TalkingPoint:
    require(by, "publish_collateral")
    unknown = set(changes).difference(TALKING_POINT_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be set here."] for name in unknown})
    for name, value in changes.items():
        setattr(point, name, value)
    point.updated_by = by
    _clean_talking_point(point)
    point.save()
    return point


def delete_talking_point(point: TalkingPoint, *, by: User) -> None:
    require(by, "publish_collateral")
    point.delete()


def move_talking_point(point: TalkingPoint, *, by: User, direction: str) -> None:
    """Swap with the neighbour above or below among points of the same campaign and persona."""
    require(by, "publish_collateral")
    if direction not in {"up", "down"}:
        raise ValidationError({"direction": ["Move up or down."]})
    with transaction.atomic():
        siblings = TalkingPoint.objects.select_for_update().filter(
            campaign=point.campaign_id, persona=point.persona_id
        )
        neighbour = (
            siblings.filter(position__lt=point.position).order_by("-position", "-id")
            if direction == "up"
            else siblings.filter(position__gt=point.position).order_by("position", "id")
        ).first()
        if neighbour is None:
            return
        point_position, neighbour_position = point.position, neighbour.position
        TalkingPoint.objects.filter(pk=point.pk).update(position=neighbour_position)
        TalkingPoint.objects.filter(pk=neighbour.pk).update(position=point_position)


# --- Collateral ---------------------------------------------------------------------------
def _tags(names) -> list[AssetTag]:
    cleaned = sorted(
        {re.sub(r"\s+", " ", str(n)).strip().lower()[:40] for n in names or [] if str(n).strip()}
    )
    existing = {tag.name: tag for tag in AssetTag.objects.filter(name__in=cleaned)}
    missing = [AssetTag(name=n) for n in cleaned if n not in existing]
    AssetTag.objects.bulk_create(missing, ignore_conflicts=True)
    return list(AssetTag.objects.filter(name__in=cleaned))


def refresh_search(asset_ids) -> None:
    """Rebuild the full-text documents of these assets (PostgreSQL; SQLite searches by words)."""
    if connection.vendor != "postgresql":
        return
    from django.contrib.postgres.search import SearchVector

    Asset.objects.filter(pk__in=asset_ids).update(
        search_document=SearchVector("title", weight="A", config="english")
        + SearchVector("tags_text", weight="B", config="english")
        + SearchVector("description", weight="C", config="english")
    )


def _validate_asset(asset: Asset, *, has_file: bool) -> None:
    errors: dict[str, list[str]] = {}
    try:
        asset.full_clean(exclude=["owner", "personas", "tags", "campaign"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if asset.kind == AssetKind.LINK and not asset.url:
        errors.setdefault("url", []).append("A link needs its URL.")
    if not has_file and not asset.url and "url" not in errors:
        errors.setdefault("file", []).append("Upload a file or give a link.")
    if has_file and asset.url:
        errors.setdefault("url", []).append("Give either a file or a link, not both.")
    if errors:
        raise ValidationError(errors)


def create_asset(*, by: User, file=None, note: str = "", **fields: Any) -> Asset:
    """A marketer adds collateral as a draft: an uploaded file (version 1) or a link."""
    require(by, "publish_collateral")
    unknown = set(fields).difference(ASSET_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be set here."] for name in unknown})
    personas = fields.pop("personas", None)
    tag_names = fields.pop("tags", None) or []
    asset = Asset(owner=by, status=AssetStatus.DRAFT, **fields)
    _validate_asset(asset, has_file=file is not None)
    checked = check_upload(file) if file is not None else None
    with transaction.atomic():
        tags = _tags(tag_names)
        asset.tags_text = " ".join(t.name for t in tags)
        asset.save()
        asset.tags.set(tags)
        if personas is not None:
            asset.personas.set(personas)
        if checked:
            _store_version(asset, file, checked, by=by, note=note)
        refresh_search([asset.pk])
    asset.refresh_from_db()
    return asset


def update_asset(asset: Asset, *, by: User, **changes: Any) -> Asset:
    require(by, "publish_collateral")
    status = changes.pop("status", None)
    unknown = set(changes).difference(ASSET_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be set here."] for name in unknown})
    personas = changes.pop("personas", None)
    tag_names = changes.pop("tags", None)
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        ASSET_FLOW.check("edit", asset)
        for name, value in changes.items():
            setattr(asset, name, value)
        _validate_asset(asset, has_file=asset.version > 0)
        if tag_names is not None:
            tags = _tags(tag_names)
            asset.tags.set(tags)
            asset.tags_text = " ".join(t.name for t in tags)
        asset.save()
        if personas is not None:
            asset.personas.set(personas)
        refresh_search([asset.pk])
        if status is not None and status != asset.status:
            asset = set_asset_status(asset, by=by, status=status)
    return asset


# Each status is reached by one step of ASSET_FLOW: published by "publish", retired by
# "retire", draft by "withdraw". The page and the API both ask for a status.
STEP_FOR_STATUS = {step.target: step.action for step in ASSET_FLOW.steps if step.target}


def set_asset_status(asset: Asset, *, by: User, status: str) -> Asset:
    """Publish (sales can see it; review in 180 days unless set), retire, or withdraw to draft.

    Which status may follow which is ASSET_FLOW's (campaigns.models); a refused change is a
    409 naming the statuses needed.
    """
    require(by, "publish_collateral")
    if status not in STEP_FOR_STATUS:
        raise ValidationError({"status": [f"Choose one of: {', '.join(AssetStatus.values)}."]})
    action = STEP_FOR_STATUS[status]
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        ASSET_FLOW.check(action, asset)
        stamps = {}
        if action == "publish":
            if not asset.version and not asset.url:
                raise ValidationError({"file": ["Upload the file before publishing."]})
            today = timezone.localdate()
            stamps["published_at"] = timezone.now()
            if asset.review_by is None or asset.review_by < today:
                stamps["review_by"] = today + timedelta(days=REVIEW_AFTER_DAYS)
        return ASSET_FLOW.move(asset, action, by=by, **stamps)


def _store_version(asset: Asset, upload, checked, *, by: User, note: str) -> AssetVersion:
    number = asset.version + 1
    version = AssetVersion(
        asset=asset,
        number=number,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        note=note[:300],
        uploaded_by=by,
    )
    version.file.save(checked.filename, upload, save=False)
    version.save()
    Asset.objects.filter(pk=asset.pk).update(version=number, url="")
    asset.version = number
    return version


def add_asset_version(asset: Asset, *, by: User, file, note: str = "") -> AssetVersion:
    """A new upload becomes current; open outdated flags are resolved and their reps told."""
    require(by, "publish_collateral")
    if file is None:
        raise ValidationError({"file": ["Choose the new file."]})
    checked = check_upload(file)
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        ASSET_FLOW.check("add_version", asset)
        version = _store_version(asset, file, checked, by=by, note=note)
        flaggers = list(
            User.objects.filter(
                pk__in=asset.outdated_flags.filter(resolved_at__isnull=True).values("user")
            )
        )
        asset.outdated_flags.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        fields = {"flagged_outdated_at": None, "open_flags": 0}
        if asset.status == AssetStatus.PUBLISHED:
            fields["review_by"] = timezone.localdate() + timedelta(days=REVIEW_AFTER_DAYS)
        Asset.objects.filter(pk=asset.pk).update(**fields)
        core.notify(
            [u for u in flaggers if u.pk != by.pk],
            kind="asset_updated",
            title=f"New version of {asset.title}",
            body=f"Version {version.number} replaces the one you flagged as outdated. {note}".strip(),
            url=asset.get_absolute_url(),
            dedupe_key=f"asset_updated:{asset.pk}:{version.number}",
        )
    return version


def delete_asset(asset: Asset, *, by: User) -> None:
    """Drafts can be deleted; published material is retired instead, so its history stays."""
    require(by, "publish_collateral")
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        ASSET_FLOW.check("delete", asset)
        files = [v.file for v in asset.versions.all()]
        asset.delete()
        transaction.on_commit(lambda: [f.delete(save=False) for f in files])


# --- Feedback and usage -------------------------------------------------------------------
def give_feedback(
    asset: Asset, *, by: User, rating: int | None = None, outdated: bool = False, comment: str = ""
) -> None:
    """A rating (one per person, 1-5) and/or an "outdated" flag with a reason (owner told at once)."""
    require(by, "give_collateral_feedback")
    comment = (comment or "").strip()
    if rating is None and not outdated:
        raise ValidationError({"__all__": ["Give a rating, flag it outdated, or both."]})
    if rating is not None and not (isinstance(rating, int) and 1 <= rating <= 5):
        raise ValidationError({"rating": ["Rate from 1 to 5."]})
    if outdated and not comment:
        raise ValidationError({"comment": ["Say what is out of date, so marketing can fix it."]})
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        ASSET_FLOW.check("give_feedback", asset)
        if rating is not None:
            AssetRating.objects.update_or_create(
                asset=asset,
                user=by,
                defaults={"rating": rating, "comment": comment if not outdated else ""},
            )
            summary = asset.ratings.aggregate(avg=Avg("rating"), count=Count("id"))
            Asset.objects.filter(pk=asset.pk).update(
                rating_avg=summary["avg"], rating_count=summary["count"]
            )
        already = (
            outdated
            and OutdatedFlag.objects.filter(
                asset=asset, user=by, version=asset.version, resolved_at__isnull=True
            ).update(reason=comment)
        )
        if outdated and not already:  # flagging again only updates the reason: no new alert
            flag = OutdatedFlag.objects.create(
                asset=asset, user=by, reason=comment, version=asset.version
            )
            Asset.objects.filter(pk=asset.pk, flagged_outdated_at__isnull=True).update(
                flagged_outdated_at=flag.created_at
            )
            Asset.objects.filter(pk=asset.pk).update(open_flags=F("open_flags") + 1)
            core.notify(
                [asset.owner],
                kind="asset_flagged_outdated",
                title=f"{by} flagged {asset.title} as outdated",
                body=comment,
                url=asset.get_absolute_url(),
                dedupe_key=f"asset_flagged_outdated:{flag.pk}",
            )


def record_usage(asset: Asset, *, user: User, action: str) -> None:
    """Every view and download, per person, for marketing's usage figures."""
    AssetUsage.objects.create(asset=asset, user=user, action=action, version=asset.version)
    Asset.objects.filter(pk=asset.pk).update(use_count=F("use_count") + 1)


def remind_asset_reviews(today: date | None = None) -> int:
    """Daily: each owner gets one digest of their published assets due within 14 days or overdue.

    The dedupe key holds the date, so an asset is in at most one reminder a day however
    often the task runs. Returns how many owners were reminded.
    """
    today = today or timezone.localdate()
    due = (
        Asset.objects.filter(
            status=AssetStatus.PUBLISHED, review_by__lte=today + timedelta(days=14)
        )
        .select_related("owner")
        .order_by("owner_id", "review_by")
    )
    by_owner: dict[int, list[Asset]] = {}
    owners: dict[int, User] = {}
    for asset in due:
        by_owner.setdefault(asset.owner_id, []).append(asset)
        owners[asset.owner_id] = asset.owner
    reminded = 0
    with transaction.atomic():
        for owner_id, assets in by_owner.items():
            overdue = [a for a in assets if a.review_by < today]
            soon = [a for a in assets if a.review_by >= today]
            lines = [
                f"Overdue since {day_label(a.review_by, year=False)}: {a.title}" for a in overdue
            ]
            lines += [f"Due {day_label(a.review_by, year=False)}: {a.title}" for a in soon]
            title = (
                f"{len(overdue)} collateral item(s) overdue for review"
                if overdue
                else f"{len(soon)} collateral item(s) due for review soon"
            )
            reminded += core.notify(
                [owners[owner_id]],
                kind="asset_review_due",
                title=title,
                body="\n".join(lines)
                + "\n\nUpload a new version, or confirm and move its review date.",
                url=reverse("collateral:index") + "?mine=1&include_stale=1",
                dedupe_key=f"asset_review_due:{owner_id}:{today.isoformat()}",
            )
    return reminded


# --- Field insights -------------------------------------------------------------------------
def _group_key(kind: str, persona_id: int, text: str) -> str:
    words = re.sub(r"[^\w\s]", "", text.lower())
    return f"{kind}:{persona_id}:{' '.join(words.split())}"[:600]


def record_insight(
    *, by: User, kind: str, text: str, persona, campaign=None, competitor: str = ""
) -> FieldInsight:
    """A rep records what they heard on a call; identical reports are counted together."""
    require(by, "record_field_insights")
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in InsightKind.values:
        errors["kind"] = [f"Choose one of: {', '.join(InsightKind.values)}."]
    if not text:
        errors["text"] = ["Write what you heard."]
    if persona is None:
        errors["persona"] = ["Which persona said it?"]
    if kind == InsightKind.COMPETITOR and not competitor.strip():
        errors["competitor"] = ["Which competitor?"]
    if errors:
        raise ValidationError(errors)
    return FieldInsight.objects.create(
        author=by,
        kind=kind,
        text=text[:500],
        group_key=_group_key(kind, persona.pk, text),
        persona=persona,
        campaign=campaign,
        competitor=competitor.strip()[:100],
    )


def answer_insight(
    insight: FieldInsight, *, by: User, talking_point: TalkingPoint | None = None, **new_point: Any
) -> TalkingPoint:
    """Marketing answers a group of identical insights with an existing or a new talking point;
    every rep who reported it is told."""
    require(by, "answer_field_insights")
    with transaction.atomic():
        if talking_point is None:
            if not new_point:
                raise ValidationError(
                    {"talking_point": ["Pick a talking point or write a new one."]}
                )
            # Objections and competitor mentions are answered with an objection and its response.
            answered_as = (
                TalkingPointKind.OBJECTION
                if insight.kind in {InsightKind.OBJECTION, InsightKind.COMPETITOR}
                else TalkingPointKind.KEY_MESSAGE
            )
            new_point.setdefault("kind", answered_as)
            new_point.setdefault("persona", insight.persona)
            new_point.setdefault("campaign", insight.campaign)
            talking_point = create_talking_point(by=by, **new_point)
        group = FieldInsight.objects.filter(group_key=insight.group_key, answer__isnull=True)
        reporters = list(User.objects.filter(pk__in=group.values("author")).distinct())
        now = timezone.now()
        group.update(answer=talking_point, answered_by=by, answered_at=now)
        core.notify(
            reporters,
            kind="insight_answered",
            title=f"Marketing answered: {insight.text[:80]}",
            body=f"{talking_point.title}\n\n{talking_point.response or talking_point.body}".strip(),
            url=reverse("collateral:insights") + f"#insight-{insight.pk}",
            dedupe_key=f"insight_answered:{insight.group_key[:120]}:{talking_point.pk}",
        )
    return talking_point
