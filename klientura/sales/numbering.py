"""Document numbers: a prefix, the year and a counter taken under a row lock, so two managers
saving at the same moment never get the same number."""

from datetime import date

from django.db import transaction

from .models import DocumentCounter

PREFIXES = {"order": "ЗК", "invoice": "СЧ", "shipment": "РТ", "payment": "ПО"}


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
