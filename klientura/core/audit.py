"""The audit trail: services call these inside their transaction, never signals."""

import datetime
import decimal
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from .context import request_ip
from .errors import validation_failed_from_django
from .models import AuditAction, AuditEntry


def display_value(instance: models.Model, field_name: str):
    """A JSON-safe, human-readable value of one field, as the History tab shows it."""
    field = instance._meta.get_field(field_name)
    if field.is_relation and field.many_to_one:
        related = getattr(instance, field_name)
        return str(related) if related is not None else None
    value = getattr(instance, field.attname)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value)) if value not in (None, "") else value
    if isinstance(value, datetime.datetime | datetime.date | decimal.Decimal):
        return str(value)
    return value


def _raw_value(instance: models.Model, field_name: str):
    return getattr(instance, instance._meta.get_field(field_name).attname)


def audit_log(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    changes: dict | None = None,
    comment: str = "",
    username: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        changes=changes or {},
        comment=str(comment)[:500],
        username=username[:150],
        ip=request_ip.get(),
    )
    if instance is not None:
        entry.content_type = ContentType.objects.get_for_model(instance, for_concrete_model=True)
        entry.object_id = str(instance.pk)
        entry.object_repr = str(instance)[:300]
    entry.save()
    return entry


def audit_created(*, actor, instance: models.Model, fields: Iterable[str]) -> AuditEntry:
    changes = {}
    for name in fields:
        value = display_value(instance, name)
        if value not in (None, "", [], {}):
            changes[name] = [None, value]
    return audit_log(actor=actor, action=AuditAction.CREATE, instance=instance, changes=changes)


@transaction.atomic
def model_update(*, actor, instance: models.Model, data: dict, fields: Iterable[str]) -> dict:
    """Apply `data` to the allowed `fields`, validate, save only what changed and record it.

    Returns the changes as {field: [old, new]}; an empty dict means nothing was saved. A value that
    does not pass the model's validation raises ValidationFailed and saves nothing.
    """
    allowed = set(fields)
    before = {}
    for name, value in data.items():
        if name not in allowed:
            continue
        field = instance._meta.get_field(name)
        if _raw_value(instance, name) == (value.pk if isinstance(value, models.Model) else value):
            continue
        before[field.name] = display_value(instance, field.name)
        # A relation may come as an object ("region") or as its id ("region_id"): set it the same way.
        setattr(instance, field.attname if name == field.attname else field.name, value)
    if not before:
        return {}
    try:
        instance.full_clean(exclude=[f.name for f in instance._meta.fields if f.name not in before])
    except ValidationError as exc:
        raise validation_failed_from_django(exc) from exc
    instance.save(update_fields=[*before, *_auto_now_fields(instance)])
    changes = {name: [old, display_value(instance, name)] for name, old in before.items()}
    audit_log(actor=actor, action=AuditAction.UPDATE, instance=instance, changes=changes)
    return changes


def _auto_now_fields(instance: models.Model) -> list[str]:
    return [f.name for f in instance._meta.fields if getattr(f, "auto_now", False)]


def audit_history(*, instance: models.Model):
    """The trail of one record, newest first. The caller has already checked the record is visible."""
    content_type = ContentType.objects.get_for_model(instance, for_concrete_model=True)
    return (
        AuditEntry.objects.filter(content_type=content_type, object_id=str(instance.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )
