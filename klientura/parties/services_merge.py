"""Merging two partners: every record linked to the merged one moves to the survivor, atomically.

Links are found generically from the model graph, so records of apps that land later (events,
deals, documents) move too without this module knowing them. Tables with a uniqueness rule on the
partner (shares, relations, many-to-many links) are de-duplicated first.
"""

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_log
from klientura.core.errors import ValidationFailed
from klientura.core.models import AuditAction

from .models import Partner, PartnerRelation, PartnerShare
from .selectors import partner_get


def _m2m_link_fields(m2m) -> tuple[type[models.Model], str, str]:
    """(through model, the column naming the partner, the column naming the other side)."""
    if m2m.concrete:  # declared on Partner, e.g. tags
        return m2m.remote_field.through, m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
    field = m2m.field  # declared on the other model, e.g. Counterparty.partners
    return field.remote_field.through, field.m2m_reverse_field_name(), field.m2m_field_name()


def _move_many_to_many(survivor: Partner, merged: Partner) -> None:
    for m2m in (f for f in Partner._meta.get_fields() if f.many_to_many):
        through, own, other = _m2m_link_fields(m2m)
        existing = through.objects.filter(**{own: survivor}).values(f"{other}_id")
        through.objects.filter(**{own: merged}).exclude(**{f"{other}_id__in": existing}).update(
            **{own: survivor}
        )
        through.objects.filter(**{own: merged}).delete()


def _move_foreign_keys(survivor: Partner, merged: Partner) -> list[str]:
    moved = []
    for rel in Partner._meta.related_objects:
        if not rel.one_to_many or rel.related_model is Partner:
            continue
        count = rel.related_model._base_manager.filter(**{rel.field.name: merged}).update(
            **{rel.field.name: survivor}
        )
        if count:
            moved.append(f"{rel.related_model._meta.verbose_name_plural}: {count}")
    return moved


def _drop_conflicting_rows(survivor: Partner, merged: Partner) -> None:
    shared_users = PartnerShare.objects.filter(partner=survivor).values("user_id")
    PartnerShare.objects.filter(partner=merged, user_id__in=shared_users).delete()
    PartnerShare.objects.filter(partner=merged, user_id=survivor.manager_id).delete()
    PartnerRelation.objects.filter(
        models.Q(from_partner=merged, to_partner=survivor)
        | models.Q(from_partner=survivor, to_partner=merged)
    ).delete()
    for row in PartnerRelation.objects.filter(from_partner=merged):
        if PartnerRelation.objects.filter(
            from_partner=survivor, to_partner=row.to_partner, kind=row.kind
        ).exists():
            row.delete()
    for row in PartnerRelation.objects.filter(to_partner=merged):
        if PartnerRelation.objects.filter(
            from_partner=row.from_partner, to_partner=survivor, kind=row.kind
        ).exists():
            row.delete()


def _merge_fields(survivor: Partner, merged: Partner) -> dict:
    changes = {}
    for name in ("region_id", "source_id", "main_phone", "main_email"):
        if not getattr(survivor, name) and getattr(merged, name):
            changes[name] = [getattr(survivor, name), getattr(merged, name)]
            setattr(survivor, name, getattr(merged, name))
    for code, value in merged.custom.items():
        survivor.custom.setdefault(code, value)
    if merged.notes.strip():
        survivor.notes = (survivor.notes + "\n\n" + merged.notes).strip()
    survivor.save()
    return changes


@transaction.atomic
def partner_merge(*, actor, survivor_id: int, merged_id: int) -> Partner:
    require_perm(actor, "parties.merge_partner")
    if int(survivor_id) == int(merged_id):
        raise ValidationFailed(fields={"merged_id": [_("Choose two different partners.")]})
    # Lock both rows in id order, so two merges of the same pair cannot deadlock.
    first, second = sorted([int(survivor_id), int(merged_id)])
    locked = {pid: partner_get(actor=actor, partner_id=pid, for_update=True) for pid in (first, second)}
    survivor, merged = locked[int(survivor_id)], locked[int(merged_id)]
    _drop_conflicting_rows(survivor, merged)
    moved = _move_foreign_keys(survivor, merged)
    _move_many_to_many(survivor, merged)
    changes = _merge_fields(survivor, merged)
    merged.merged_into = survivor
    merged.manager = None
    merged.save(update_fields=["merged_into", "manager", "updated_at"])
    comment = str(_("Merged %(merged)s (#%(id)s) into this partner. Moved: %(moved)s")) % {
        "merged": merged.name,
        "id": merged.pk,
        "moved": "; ".join(moved) or "-",
    }
    audit_log(actor=actor, action=AuditAction.MERGE, instance=survivor, changes=changes, comment=comment)
    audit_log(
        actor=actor,
        action=AuditAction.MERGE,
        instance=merged,
        comment=str(_("Merged into %(name)s (#%(id)s)")) % {"name": survivor.name, "id": survivor.pk},
    )
    return survivor
