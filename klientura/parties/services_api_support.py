"""Small reads and input checks the API needs on top of selectors.py and services.py.

Purely additive: nothing here writes. Candidates to fold into selectors.py / inputs.py later.
"""

import re

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .inputs import FieldErrors, custom_values_clean
from .models import BusinessRegion, CustomField, InformationSource, Partner, PartnerKind
from .selectors import contacts_visible, counterparties_visible, partners_visible


def partner_changes_clean(*, partner: Partner, data: dict) -> dict:
    """Check a partial change of a card the way registration checks a new one.

    `data` holds only the fields the client sent. `custom` is merged into the partner's values
    (a code set to None removes it). Raises ValidationFailed with every bad field at once.
    """
    errors = FieldErrors()
    cleaned = dict(data)
    if "kind" in cleaned and cleaned["kind"] not in PartnerKind.values:
        errors.add("kind", _("Unknown partner kind."))
    if "notes" in cleaned:
        cleaned["notes"] = (cleaned["notes"] or "").strip()
    if "name" in cleaned and cleaned["name"] is None:
        cleaned["name"] = ""
    references = (
        ("region_id", BusinessRegion, _("No such business region.")),
        ("source_id", InformationSource, _("No such information source.")),
    )
    for name, model, message in references:
        value = cleaned.get(name)
        if value is not None and not model.objects.filter(pk=value).exists():
            errors.add(name, message)
    if cleaned.get("custom") is not None:
        given = cleaned["custom"]
        values = custom_values_clean({k: v for k, v in given.items() if v not in (None, "")}, errors)
        merged = {k: v for k, v in (partner.custom or {}).items() if k not in given}
        cleaned["custom"] = {**merged, **values}
    elif "custom" in cleaned:
        cleaned["custom"] = {}
    errors.raise_if_any()
    return cleaned


def custom_field_values(*, partner: Partner) -> list[dict]:
    """The active custom fields with this partner's values, in the administrator's order."""
    return [
        {"code": f.code, "name": f.name, "kind": f.kind, "value": (partner.custom or {}).get(f.code)}
        for f in CustomField.objects.filter(is_active=True)
    ]


def _visible_partners_prefetch(actor) -> Prefetch:
    queryset = partners_visible(actor=actor).only("id", "name").order_by("name", "id")
    return Prefetch("partners", queryset=queryset, to_attr="visible_partners")


def _digits_only(text: str) -> bool:
    return bool(re.fullmatch(r"\d+", text))


def counterparties_search(*, actor, q: str = "") -> QuerySet:
    """Counterparties the actor may see, by the start of the INN or a part of the name."""
    qs = counterparties_visible(actor=actor)
    q = q.strip()
    if q:
        if _digits_only(q):
            qs = qs.filter(inn__startswith=q)
        else:
            qs = qs.filter(Q(short_name__icontains=q) | Q(full_name__icontains=q))
    return qs.prefetch_related("bank_accounts", _visible_partners_prefetch(actor))


def contacts_search(*, actor, q: str = "") -> QuerySet:
    """Contact persons the actor may see, by a part of the full name."""
    qs = contacts_visible(actor=actor)
    q = q.strip()
    if q:
        qs = qs.filter(full_name__icontains=q)
    return qs.prefetch_related("contact_infos", _visible_partners_prefetch(actor))
