"""The conditions of routing rules: which lead fields they test, with which operators, and how.

A condition is {"field": ..., "op": ..., "value": ...}. The fields and operators are fixed here, and
`conditions_clean` refuses anything else when a rule is saved, so a stored rule always evaluates.
Evaluation is done in Python on one lead: a lead is one row and rules are few, so nothing is gained
by SQL, and the same code explains *why* a condition held (the routing trace).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klientura.catalog.models import ProductGroup
from klientura.core.errors import ValidationFailed
from klientura.parties.models import BusinessRegion, InformationSource

from .models_leads import LeadChannel

MAX_CONDITIONS = 20
MAX_LIST = 50
MAX_TEXT = 200
CUSTOM_PREFIX = "custom."
_CUSTOM_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,50}")

OPS = {
    "eq": pgettext_lazy("routing condition", "is"),
    "in": pgettext_lazy("routing condition", "is one of"),
    "gte": pgettext_lazy("routing condition", "is at least"),
    "lte": pgettext_lazy("routing condition", "is at most"),
    "contains": pgettext_lazy("routing condition", "contains"),
    "within": pgettext_lazy("routing condition", "is, or lies inside,"),
}


@dataclass(frozen=True)
class FieldSpec:
    label: object
    ops: tuple[str, ...]
    kind: str  # "region", "source", "channel", "amount", "group", "text"


FIELDS = {
    "region": FieldSpec(_("Region"), ("eq", "in"), "region"),
    "channel": FieldSpec(_("Channel"), ("eq", "in"), "channel"),
    "source": FieldSpec(_("Information source"), ("eq", "in"), "source"),
    "amount": FieldSpec(_("Expected amount"), ("gte", "lte", "eq"), "amount"),
    "product_group": FieldSpec(_("Product group"), ("within",), "group"),
    "company": FieldSpec(_("Company name"), ("eq", "contains"), "text"),
    "email_domain": FieldSpec(_("E-mail domain"), ("eq", "contains"), "text"),
}
CUSTOM_SPEC = FieldSpec(_("Custom field"), ("eq", "contains", "in"), "text")
_MODELS = {"region": BusinessRegion, "source": InformationSource, "group": ProductGroup}


def field_spec(name: str) -> FieldSpec | None:
    if name.startswith(CUSTOM_PREFIX):
        return CUSTOM_SPEC if _CUSTOM_KEY_RE.fullmatch(name[len(CUSTOM_PREFIX) :]) else None
    return FIELDS.get(name)


def field_label(name: str) -> str:
    if name.startswith(CUSTOM_PREFIX):
        return str(_("Custom field “%(key)s”") % {"key": name[len(CUSTOM_PREFIX) :]})
    spec = FIELDS.get(name)
    return str(spec.label) if spec else name


# --- Saving: what a rule may say ----------------------------------------------------------------


class _Errors:
    def __init__(self):
        self.fields: dict[str, list] = {}

    def add(self, index: int, part: str, message) -> None:
        self.fields.setdefault(f"conditions.{index}.{part}", []).append(message)


def _ids(value) -> list[int] | None:
    items = value if isinstance(value, list | tuple) else [value]
    try:
        ids = [int(item) for item in items if str(item).strip() != ""]
    except (TypeError, ValueError):
        return None
    return ids if ids and all(0 < i < 2**63 for i in ids) else None


def _clean_reference(kind: str, op: str, value, errors: _Errors, index: int):
    ids = _ids(value)
    if ids is None or (op != "in" and len(ids) != 1) or len(ids) > MAX_LIST:
        errors.add(index, "value", _("Choose one value.") if op != "in" else _("Choose at least one value."))
        return None
    found = set(_MODELS[kind].objects.filter(pk__in=ids).values_list("pk", flat=True))
    if found != set(ids):
        errors.add(index, "value", _("One of the chosen values no longer exists."))
        return None
    return sorted(set(ids)) if op == "in" else ids[0]


def _clean_channel(op: str, value, errors: _Errors, index: int):
    items = value if isinstance(value, list | tuple) else [value]
    items = [str(item).strip() for item in items if str(item).strip()]
    if not items or (op != "in" and len(items) != 1) or any(i not in LeadChannel.values for i in items):
        errors.add(index, "value", _("Choose a channel: web form, API, e-mail or entered by hand."))
        return None
    return sorted(set(items)) if op == "in" else items[0]


def _clean_amount(value, errors: _Errors, index: int):
    try:
        amount = Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e13"):
        errors.add(index, "value", _("Enter an amount, for example 100000."))
        return None
    return str(amount.quantize(Decimal("0.01")))


def _clean_text(op: str, value, errors: _Errors, index: int):
    if op == "in":
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        items = [" ".join(str(i).split()) for i in items if str(i).strip()]
        if not items or len(items) > MAX_LIST or any(len(i) > MAX_TEXT for i in items):
            errors.add(index, "value", _("List the values, separated by commas."))
            return None
        return items
    text = " ".join(str(value if value is not None else "").split())
    if not text or len(text) > MAX_TEXT or isinstance(value, list | dict):
        errors.add(index, "value", _("Enter the text to compare with (200 characters at most)."))
        return None
    return text


def _clean_value(spec: FieldSpec, op: str, value, errors: _Errors, index: int):
    if spec.kind in _MODELS:
        return _clean_reference(spec.kind, op, value, errors, index)
    if spec.kind == "channel":
        return _clean_channel(op, value, errors, index)
    if spec.kind == "amount":
        return _clean_amount(value, errors, index)
    return _clean_text(op, value, errors, index)


def conditions_clean(conditions) -> list[dict]:
    """The conditions as stored, or ValidationFailed naming each bad part ("conditions.0.op")."""
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list) or len(conditions) > MAX_CONDITIONS:
        raise ValidationFailed(
            fields={"conditions": [_("At most %(count)s conditions, as a list.") % {"count": MAX_CONDITIONS}]}
        )
    errors, cleaned = _Errors(), []
    for index, condition in enumerate(conditions):
        if not isinstance(condition, dict):
            errors.add(index, "field", _("A condition needs a field, an operator and a value."))
            continue
        name = str(condition.get("field") or "").strip()
        op = str(condition.get("op") or "").strip()
        spec = field_spec(name)
        if spec is None:
            errors.add(index, "field", _("Unknown field “%(field)s”.") % {"field": name[:60]})
            continue
        if op not in spec.ops:
            allowed = ", ".join(f"{key} ({OPS[key]})" for key in spec.ops)
            errors.add(
                index,
                "op",
                _("“%(op)s” cannot be used with %(field)s; use one of: %(ops)s.")
                % {"op": op[:30], "field": field_label(name), "ops": allowed},
            )
            continue
        value = _clean_value(spec, op, condition.get("value"), errors, index)
        if value is not None:
            cleaned.append({"field": name, "op": op, "value": value})
    if errors.fields:
        raise ValidationFailed(fields=errors.fields)
    return cleaned


# --- Evaluating: does a lead meet a condition ---------------------------------------------------


class LeadFacts:
    """The lead's values as conditions read them; the product group's ancestors are read once."""

    def __init__(self, lead):
        self.lead = lead
        self._groups: set[int] | None = None

    def product_groups(self) -> set[int]:
        """The lead's product group and every group above it (a small tree, walked upwards)."""
        if self._groups is None:
            groups, current = set(), self.lead.product_group_id
            while current and current not in groups:
                groups.add(current)
                current = ProductGroup.objects.filter(pk=current).values_list("parent_id", flat=True).first()
            self._groups = groups
        return self._groups

    def value(self, name: str):
        lead = self.lead
        if name.startswith(CUSTOM_PREFIX):
            raw = (lead.custom or {}).get(name[len(CUSTOM_PREFIX) :])
            return None if raw in (None, "") else str(raw)
        if name == "email_domain":
            return lead.email.rsplit("@", 1)[1] if "@" in (lead.email or "") else None
        if name == "company":
            return lead.company or None
        return {
            "region": lead.region_id,
            "channel": lead.channel,
            "source": lead.source_id,
            "amount": lead.amount,
        }.get(name)


def _fold(text) -> str:
    return " ".join(str(text).split()).casefold()


def condition_holds(condition: dict, facts: LeadFacts) -> bool:
    name, op, expected = condition["field"], condition["op"], condition["value"]
    if name == "product_group":
        return int(expected) in facts.product_groups()
    actual = facts.value(name)
    if actual is None:
        return False  # a lead that does not say the value meets no condition on it
    if name == "amount":
        limit = Decimal(str(expected))
        return {"gte": actual >= limit, "lte": actual <= limit, "eq": actual == limit}[op]
    if op == "in":
        if field_spec(name).kind == "text":
            return _fold(actual) in {_fold(item) for item in expected}
        return actual in expected
    if op == "contains":
        return _fold(expected) in _fold(actual)
    if field_spec(name).kind == "text":
        return _fold(actual) == _fold(expected)
    return actual == expected
