"""Document numbers: a prefix, the year and a counter taken under a row lock, so two managers
saving at the same moment never get the same number."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from klientura.core.errors import ValidationFailed

from .models import DocumentCounter

PREFIXES = {"order": "ЗК", "invoice": "СЧ", "shipment": "РТ", "payment": "ПО", "deal": "СД"}


def next_number(kind: str, on: date) -> str:
    """The next number for a document of `kind` dated `on`, e.g. «ЗК26-000042»; call inside a transaction."""
    prefix = PREFIXES[kind]
    key = f"{kind}-{on.year}"
    with transaction.atomic():
        DocumentCounter.objects.get_or_create(key=key)
        counter = DocumentCounter.objects.select_for_update().get(key=key)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return f"{prefix}{on.year % 100:02d}-{counter.last_number:06d}"


def document_number(model, kind: str, number: str, on: date) -> str:
    """The number a user or an import gave (if it is free), else the next one of `kind`."""
    number = (number or "").strip()
    if not number:
        return next_number(kind, on)
    if model.objects.filter(number=number).exists():
        raise ValidationFailed(fields={"number": [_("The number %(number)s is taken.") % {"number": number}]})
    return number[:30]
