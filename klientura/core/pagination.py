"""Keyset pagination: pages are found by the last row's sort values, never by OFFSET, so page 10,000
of a million clients costs what page 1 costs. Used by web lists and by the API's cursors."""

import base64
import datetime
import decimal
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return {"t": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"d": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL in a cursor")  # no stored text has it; PostgreSQL refuses to compare it
    if isinstance(value, dict) and "t" in value:
        text = value["t"]
        return datetime.datetime.fromisoformat(text) if "T" in text else datetime.date.fromisoformat(text)
    if isinstance(value, dict) and "d" in value:
        return decimal.Decimal(value["d"])
    return value


def encode_cursor(values: list) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(_("The page cursor is not valid."), fields={"cursor": [_("Invalid cursor.")]})


def decode_cursor(cursor: str, expected_len: int) -> list:
    try:
        parsed = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(parsed, list) or len(parsed) != expected_len:
            raise _invalid_cursor()
        return [_decode_value(v) for v in parsed]
    except (ValueError, TypeError, decimal.InvalidOperation) as exc:
        raise _invalid_cursor() from exc


def _after(ordering: list[str], values: list) -> Q:
    """(a, b, c) > (x, y, z) spelt out for mixed directions: a > x OR (a = x AND b > y) OR ..."""
    condition = Q()
    for i, term in enumerate(ordering):
        name = term.lstrip("-")
        op = "lt" if term.startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        for j in range(i):
            step &= Q(**{ordering[j].lstrip("-"): values[j]})
        condition |= step
    return condition


def keyset_page(queryset: QuerySet, *, ordering: list[str], cursor: str | None, limit: int) -> Page:
    """One page of `queryset` in `ordering` (which must end in a unique field, e.g. "id").

    Fields in `ordering` must be non-null: NULLs have no place in a keyset comparison.
    """
    try:
        limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(fields={"limit": [_("Enter a whole number.")]}) from exc
    qs = queryset.order_by(*ordering)
    if cursor:
        try:
            # A cursor is client input: values of the wrong type for their fields fail here.
            qs = qs.filter(_after(ordering, decode_cursor(cursor, len(ordering))))
        except (ValueError, TypeError, DjangoValidationError) as exc:
            raise _invalid_cursor() from exc
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_attr_path(last, term.lstrip("-")) for term in ordering])
    return Page(items=rows, next_cursor=next_cursor)


def _attr_path(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj
