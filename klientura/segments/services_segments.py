"""Segments: create, change, delete, refresh the membership, and count the members of rules being edited.

Editing needs segments.add/change/delete_segment; refreshing needs segments.refresh_segment (the
scheduler refreshes with no actor). Segments are not access-scoped: who may edit them sees their
rules; the members each user is shown are narrowed by partner access in the selectors.

A refresh is set-based: the compiled rules run once inside an INSERT ... SELECT ... ON CONFLICT that
adds the new members and stamps the kept ones, and a few more statements record who joined and who
left and drop the leavers — the same number of statements for ten members or a million.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_created, audit_log, model_update
from klientura.core.errors import DomainError, NotFound, ValidationFailed, error_text
from klientura.core.models import AuditAction

from . import schedule as cron
from .models import RefreshMode, Segment, SegmentChange, SegmentMember

logger = logging.getLogger(__name__)

FIELDS = ("name", "description", "rules", "refresh_mode", "schedule")
STORED = (*FIELDS, "next_refresh_at")
NAME_MAX = 200
DESCRIPTION_MAX = 5000


@dataclass(frozen=True)
class RefreshResult:
    joined: int
    left: int
    member_count: int
    refreshed_at: object


# --- validation -----------------------------------------------------------------------------------------


def _check_name(data: dict, errors: dict, segment: Segment | None) -> None:
    name = str(data.get("name") or "").strip()
    data["name"] = name
    if not name:
        errors["name"] = [_("Enter a name.")]
        return
    if len(name) > NAME_MAX:
        errors["name"] = [_("The name is too long (200 characters at most).")]
        return
    others = Segment.objects.exclude(pk=getattr(segment, "pk", None))
    # SQLite's iexact folds only ASCII letters: compare in Python too (segments are a short list).
    if others.filter(name__iexact=name).exists() or any(
        existing.casefold() == name.casefold() for existing in others.values_list("name", flat=True)
    ):
        errors["name"] = [_("The name «%(name)s» is already used.") % {"name": name}]


def _check_rules(data: dict, errors: dict, segment: Segment | None) -> None:
    from .rules import rules_validate

    try:
        data["rules"] = rules_validate(data.get("rules"), segment_id=getattr(segment, "pk", None))
    except ValidationFailed as exc:
        errors["rules"] = exc.fields.get("rules") or [str(exc.message)]


def _check_refresh(data: dict, errors: dict) -> None:
    mode = data.get("refresh_mode") or RefreshMode.MANUAL
    data["refresh_mode"] = mode
    if mode not in RefreshMode.values:
        errors["refresh_mode"] = [_("Choose how the segment is refreshed.")]
        return
    text = str(data.get("schedule") or "").strip()
    data["schedule"] = text
    data["next_refresh_at"] = None
    if mode == RefreshMode.MANUAL and not text:
        return
    try:
        data["schedule"] = cron.schedule_normalize(text)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        return
    if mode == RefreshMode.SCHEDULED:
        data["next_refresh_at"] = cron.next_run(data["schedule"], after=timezone.now())


def _cleaned(data: dict, segment: Segment | None) -> dict:
    """All fields checked at once, so the user sees every mistake; nothing is saved on any error."""
    unknown = [name for name in data if name not in FIELDS]
    if unknown:
        raise ValidationFailed(fields={name: [_("This field cannot be changed.")] for name in unknown})
    merged = {name: getattr(segment, name) for name in FIELDS} if segment else {}
    merged.update(data)
    merged["description"] = str(merged.get("description") or "").strip()
    errors: dict = {}
    if len(merged["description"]) > DESCRIPTION_MAX:
        errors["description"] = [_("The description is too long (5000 characters at most).")]
    _check_name(merged, errors, segment)
    _check_rules(merged, errors, segment)
    _check_refresh(merged, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return merged


def _locked(segment_id) -> Segment:
    segment = Segment.objects.select_for_update().filter(pk=segment_id).first()
    if segment is None:
        raise NotFound()
    return segment


def _require(actor, perm: str) -> None:
    # Those who cannot even see segments get the same 404 as for a missing one.
    if not actor.has_perm("segments.view_segment"):
        raise NotFound()
    require_perm(actor, perm)


# --- writes ------------------------------------------------------------------------------------------------


@transaction.atomic
def segment_create(*, actor, data: dict) -> Segment:
    require_perm(actor, "segments.add_segment")
    cleaned = _cleaned(dict(data), None)
    segment = Segment(author=actor if getattr(actor, "pk", None) else None)
    for name in STORED:
        setattr(segment, name, cleaned[name])
    segment.save()
    audit_created(actor=actor, instance=segment, fields=FIELDS)
    return segment


@transaction.atomic
def segment_update(*, actor, segment_id: int, data: dict) -> Segment:
    _require(actor, "segments.change_segment")
    segment = _locked(segment_id)
    cleaned = _cleaned(dict(data), segment)
    changing = {name: cleaned[name] for name in STORED}
    if cleaned["refresh_mode"] == segment.refresh_mode and cleaned["schedule"] == segment.schedule:
        changing.pop("next_refresh_at")  # the same schedule keeps its planned run
    model_update(actor=actor, instance=segment, data=changing, fields=STORED)
    return segment


@transaction.atomic
def segment_delete(*, actor, segment_id: int) -> None:
    _require(actor, "segments.delete_segment")
    segment = _locked(segment_id)
    users = _referring(segment.pk)
    if users:
        names = ", ".join(sorted(users))
        raise ValidationFailed(
            _("Other segments use this one in their rules: %(names)s.") % {"names": names},
            fields={"segment": [_("Remove it from their rules first.")]},
        )
    audit_log(
        actor=actor, action=AuditAction.DELETE, instance=segment, changes={"name": [segment.name, None]}
    )
    segment.delete()


def _referring(segment_id: int) -> list[str]:
    """Names of the segments whose rules use this one: it cannot be deleted under them. Segments are
    a short list kept by marketers, so their rules are read here rather than indexed."""
    from .rules import segment_refs

    others = Segment.objects.exclude(pk=segment_id).values_list("name", "rules")
    return [name for name, rules in others if segment_id in segment_refs(rules)]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _membership_sql(rules: dict, *, today, now) -> tuple[str, tuple]:
    """The compiled rules as one SQL sub-select of distinct partner ids (column "pid"), not merged ones."""
    from django.db.models import F

    from .compiler import segment_partners

    queryset = (
        segment_partners(rules, today=today, now=now)
        .filter(merged_into__isnull=True)
        .order_by()
        .annotate(pid=F("pk"))
        .values("pid")
    )
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _apply_membership(segment_id: int, members_sql: str, members_params: tuple, now) -> tuple[int, int]:
    """Four statements whatever the size: upsert the members, record joins and leaves, drop leavers.

    New rows get joined_at = computed_at = now; kept rows get computed_at = now; rows left with an
    older computed_at are the partners who left. `now` is unique per segment (see segment_refresh).
    """
    member, change = _table(SegmentMember), _table(SegmentChange)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        # "WHERE 1 = 1": SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT (its grammar).
        cursor.execute(
            f"INSERT INTO {member} (segment_id, partner_id, joined_at, computed_at) "  # noqa: S608
            f"SELECT DISTINCT %s, n.pid, %s, %s FROM ({members_sql}) n WHERE 1 = 1 "
            "ON CONFLICT (segment_id, partner_id) DO UPDATE SET computed_at = excluded.computed_at",
            (segment_id, stamp, stamp, *members_params),
        )
        cursor.execute(
            f"INSERT INTO {change} (segment_id, partner_id, joined, at) "  # noqa: S608
            f"SELECT segment_id, partner_id, %s, %s FROM {member} WHERE segment_id = %s AND joined_at = %s",
            (True, stamp, segment_id, stamp),
        )
        joined = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {change} (segment_id, partner_id, joined, at) "  # noqa: S608
            f"SELECT segment_id, partner_id, %s, %s FROM {member} WHERE segment_id = %s AND computed_at <> %s",
            (False, stamp, segment_id, stamp),
        )
        left = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {member} WHERE segment_id = %s AND computed_at <> %s",  # noqa: S608
            (segment_id, stamp),
        )
    return joined, left


@transaction.atomic
def segment_refresh(*, actor, segment_id: int) -> RefreshResult:
    """Recompute the members now. Two refreshes of one segment at once queue on the segment's row lock,
    so each sees the other's result and joins and leaves are recorded once."""
    if actor is not None:
        _require(actor, "segments.refresh_segment")
    segment = _locked(segment_id)
    now = timezone.now()
    if segment.refreshed_at is not None and now <= segment.refreshed_at:
        # A coarse clock could repeat the last stamp; the stamp tells this refresh's rows apart.
        now = segment.refreshed_at + datetime.timedelta(microseconds=1)
    from .rules import rules_validate

    # Stored rules may have gone stale (a tag or region deleted since): say so rather than guess.
    rules = rules_validate(segment.rules, segment_id=segment.pk)
    sql, params = _membership_sql(rules, today=timezone.localdate(now), now=now)
    joined, left = _apply_membership(segment.pk, sql, params, now)
    count = SegmentMember.objects.filter(segment_id=segment.pk).count()
    Segment.objects.filter(pk=segment.pk).update(member_count=count, refreshed_at=now, refresh_error="")
    segment.member_count, segment.refreshed_at, segment.refresh_error = count, now, ""
    comment = _("Refreshed: %(count)s members, %(joined)s joined, %(left)s left.") % {
        "count": count,
        "joined": joined,
        "left": left,
    }
    audit_log(actor=actor, action=AuditAction.OTHER, instance=segment, comment=comment)
    return RefreshResult(joined=joined, left=left, member_count=count, refreshed_at=now)


def segment_preview_count(*, actor, rules, segment_id: int | None = None) -> int:
    """How many partners the rules being edited select now (validated, nothing saved)."""
    if not (actor.has_perm("segments.add_segment") or actor.has_perm("segments.change_segment")):
        require_perm(actor, "segments.change_segment")
    from .compiler import segment_partners
    from .rules import rules_validate

    normalized = rules_validate(rules, segment_id=segment_id)
    now = timezone.now()
    return (
        segment_partners(normalized, today=timezone.localdate(now), now=now)
        .filter(merged_into__isnull=True)
        .count()
    )


def _claim_due(now) -> Segment | None:
    """One due scheduled segment, locked; SKIP LOCKED lets several workers share the queue."""
    return (
        Segment.objects.select_for_update(skip_locked=True)
        .filter(refresh_mode=RefreshMode.SCHEDULED, next_refresh_at__lte=now)
        .order_by("next_refresh_at", "pk")
        .first()
    )


def _next_after(segment: Segment, now):
    try:
        return cron.next_run(cron.schedule_normalize(segment.schedule), after=now)
    except ValidationFailed:
        return None  # a schedule that no longer parses stops, with the error shown on the segment


def segments_refresh_due(*, now=None, limit: int = 100) -> list[int]:
    """Refresh every scheduled segment whose time has come, each in its own transaction, and plan its
    next run. A failing segment keeps its members and gets the error in refresh_error; the others go
    on. Run twice for the same moment, it refreshes each segment once (the next run is in the future).
    Returns the ids refreshed successfully."""
    now = now or timezone.now()
    refreshed: list[int] = []
    for _step in range(limit):
        with transaction.atomic():
            segment = _claim_due(now)
            if segment is None:
                break
            error = ""
            try:
                with transaction.atomic():
                    segment_refresh(actor=None, segment_id=segment.pk)
            except Exception as exc:  # any failure is the segment's, not the scheduler's
                logger.exception("Refreshing segment %s failed", segment.pk)
                error = (error_text(exc) if isinstance(exc, DomainError) else str(exc)) or type(exc).__name__
            next_at = _next_after(segment, now)
            if next_at is None and not error:
                error = _("The schedule «%(schedule)s» is not valid.") % {"schedule": segment.schedule}
            updates = {"next_refresh_at": next_at}
            if error:
                updates["refresh_error"] = error[:2000]
            else:
                refreshed.append(segment.pk)
            Segment.objects.filter(pk=segment.pk).update(**updates)
    return refreshed
