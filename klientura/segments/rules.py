"""Segment rules: the JSON the web form and the API send, its validation, and the indicator catalogue.

    group:     {"op": "and" | "or", "negate": false, "items": [node, ...]}
    condition: {"indicator": "<code>", "negate": false, "operator": "<op>", "value": ..., "params": {...}}

The root is a group; groups nest up to MAX_DEPTH levels and hold at most MAX_CONDITIONS conditions in
all. `rules_validate` returns the rules normalised (money as a decimal string, ints, ISO dates, every
key present; an indicator without an operator has operator and value null) or raises ValidationFailed
with one message per problem that says where it is ("Condition 2 of group 1.3: …", the groups
numbered from the root "1", a nested group by its position in its parent). What each indicator means
is described in `indicators.py`.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from klientura.core.errors import ValidationFailed
from klientura.parties.models import BusinessRegion, CustomField, Tag

from .indicators import CUSTOM_OPERATORS, INDICATORS, MAX_PERIOD_DAYS, OPERATOR_LABELS, VALUELESS, Indicator
from .models import Segment

MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_IDS = 1000
MAX_MONEY = Decimal("1e13")
MAX_INT = 1_000_000


class _Invalid(Exception):
    """One problem with a condition's part; the message is already translated."""


def rules_validate(rules: dict, *, segment_id: int | None = None) -> dict:
    """The rules normalised, or ValidationFailed(fields={"rules": [messages]}); nothing is saved."""
    checker = _Checker()
    normalised = checker.root(rules)
    if not checker.errors:
        checker.check_references(segment_id)
    if checker.errors:
        raise ValidationFailed(fields={"rules": checker.errors})
    return normalised


def segment_refs(rules) -> set[int]:
    """The ids of the segments a (stored, possibly malformed) rule set refers to."""
    found: set[int] = set()
    stack = [rules]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("items"), list):
            stack.extend(node["items"])
        elif node.get("indicator") == "segment" and isinstance(node.get("value"), list):
            found.update(v for v in node["value"] if isinstance(v, int) and not isinstance(v, bool))
    return found


def conditions_of(rules: dict) -> list[dict]:
    """The conditions of normalised rules in order of appearance (depth first)."""
    found = []

    def walk(node):
        if "items" in node:
            for item in node["items"]:
                walk(item)
        else:
            found.append(node)

    walk(rules)
    return found


class _Checker:
    def __init__(self):
        self.errors: list[str] = []
        self.conditions = 0
        self.refs: list[tuple[str, str, list]] = []  # (where, ids_of, ids) checked against the database
        self._custom_fields: dict | None = None

    def fail(self, where: str, problem: str) -> None:
        self.errors.append(gettext("%(where)s: %(problem)s") % {"where": where, "problem": problem})

    def root(self, rules) -> dict:
        if isinstance(rules, dict) and "indicator" in rules:
            rules = {"op": "and", "negate": False, "items": [rules]}  # one bare condition
        if not isinstance(rules, dict) or not rules.get("items"):
            self.errors.append(gettext("Add at least one condition."))
            return {}
        normalised = self.group(rules, "1", 1)
        if self.conditions > MAX_CONDITIONS:
            self.errors.append(
                gettext("Too many conditions: %(count)s (%(limit)s at most).")
                % {"count": self.conditions, "limit": MAX_CONDITIONS}
            )
        return normalised

    # --- Structure ---------------------------------------------------------------------------

    def group(self, node: dict, path: str, depth: int) -> dict:
        where = gettext("Group %(group)s") % {"group": path}
        if depth > MAX_DEPTH:
            self.fail(
                where,
                gettext("groups are nested too deeply (%(limit)s levels at most)") % {"limit": MAX_DEPTH},
            )
            return {}
        op = node.get("op", "and")
        if op not in ("and", "or"):
            self.fail(where, gettext("unknown combination «%(op)s» (use and / or)") % {"op": op})
        items = node.get("items")
        if not isinstance(items, list) or not items:
            self.fail(where, gettext("the group is empty"))
            items = []
        out_items = []
        for n, item in enumerate(items, start=1):
            if isinstance(item, dict) and "items" in item:
                out_items.append(self.group(item, f"{path}.{n}", depth + 1))
            else:
                out_items.append(self.condition(item, path, n))
        return {"op": op, "negate": self.negate(node, where), "items": out_items}

    def negate(self, node: dict, where: str) -> bool:
        negate = node.get("negate", False)
        if negate is None:
            return False
        if not isinstance(negate, bool):
            self.fail(where, gettext("“negate” must be true or false"))
            return False
        return negate

    def condition(self, node, group_path: str, n: int) -> dict:
        self.conditions += 1
        where = gettext("Condition %(n)s of group %(group)s") % {"n": n, "group": group_path}
        if not isinstance(node, dict):
            self.fail(where, gettext("a condition must be an object with an indicator"))
            return {}
        code = node.get("indicator")
        spec = INDICATORS.get(code) if isinstance(code, str) else None
        if spec is None:
            self.fail(
                where, gettext("unknown indicator «%(code)s»") % {"code": code if code is not None else ""}
            )
            return {}
        try:
            params = self.params(spec, node.get("params"), where)
            operator, value = self.operator_value(spec, node, params, where)
        except _Invalid as problem:
            self.fail(where, str(problem))
            return {}
        return {
            "indicator": spec.code,
            "negate": self.negate(node, where),
            "operator": operator,
            "value": value,
            "params": params,
        }

    # --- Params ------------------------------------------------------------------------------

    def params(self, spec: Indicator, raw, where: str) -> dict:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise _Invalid(gettext("the parameters must be an object"))
        if spec.period:
            return _period(raw)
        if spec.value_kind == "custom":
            code = raw.get("field")
            # A code with "__" would read as a path into the JSON: such a field cannot be tested.
            if not isinstance(code, str) or code not in self.custom_fields() or "__" in code:
                raise _Invalid(gettext("unknown additional field «%(code)s»") % {"code": code or ""})
            return {"field": code}
        return {}

    def custom_fields(self) -> dict:
        if self._custom_fields is None:
            rows = CustomField.objects.filter(is_active=True).values_list("code", "kind", "choices")
            self._custom_fields = {code: (kind, choices) for code, kind, choices in rows}
        return self._custom_fields

    # --- Operator and value ------------------------------------------------------------------

    def operator_value(self, spec: Indicator, node: dict, params: dict, where: str):
        if spec.value_kind == "none":
            return None, None
        operator = node.get("operator")
        if spec.value_kind == "custom":
            kind, choices = self.custom_fields()[params["field"]]
            allowed = CUSTOM_OPERATORS[kind]
        else:
            kind, choices, allowed = spec.value_kind, [c for c, _label in spec.choices], spec.operators
        if operator not in allowed:
            raise _Invalid(
                gettext("unknown operator «%(op)s» for «%(indicator)s» (possible: %(allowed)s)")
                % {"op": operator or "", "indicator": spec.label, "allowed": ", ".join(allowed)}
            )
        if operator in VALUELESS:
            return operator, None
        value = node.get("value")
        if spec.value_kind == "custom":
            return operator, _custom_value(kind, choices, value)
        if kind == "ids":
            value = _ids(value, allow_null=spec.allow_null)
            self.refs.append((where, spec.ids_of, value))
            return operator, value
        return operator, _VALUE_PARSERS[kind](value, choices)

    # --- References to other records --------------------------------------------------------

    def check_references(self, segment_id: int | None) -> None:
        for where, ids_of, ids in self.refs:
            wanted = {pk for pk in ids if pk is not None}
            missing = sorted(wanted - set(_existing(ids_of, wanted)))
            if missing:
                self.fail(where, _UNKNOWN_IDS[ids_of]() % {"ids": ", ".join(map(str, missing))})
        if segment_id is not None and not self.errors:
            referenced = {pk for _where, ids_of, ids in self.refs if ids_of == "segment" for pk in ids}
            cycle = _cycle(segment_id, referenced)
            if cycle:
                self.errors.append(
                    gettext("Segments must not refer to each other in a circle: %(path)s.") % {"path": cycle}
                )


_UNKNOWN_IDS = {
    "tag": lambda: gettext("unknown tags (ids %(ids)s)"),
    "region": lambda: gettext("unknown business regions (ids %(ids)s)"),
    "user": lambda: gettext("unknown managers (ids %(ids)s)"),
    "segment": lambda: gettext("unknown segments (ids %(ids)s)"),
}


def _existing(ids_of: str, ids: set[int]):
    model = {"tag": Tag, "region": BusinessRegion, "user": get_user_model(), "segment": Segment}[ids_of]
    return model.objects.filter(pk__in=ids).values_list("pk", flat=True)


def _cycle(segment_id: int, referenced: set[int]) -> str:
    """ "«A» → «B» → «A»" when following the stored rules of the referenced segments leads back to the
    segment being edited, else "". Breadth first, one query per level."""
    parent: dict[int, int] = {}
    found_from = segment_id if segment_id in referenced else None
    frontier = referenced - {segment_id}
    for pk in frontier:
        parent[pk] = segment_id
    while frontier and found_from is None:
        following = set()
        for pk, stored in Segment.objects.filter(pk__in=frontier).values_list("pk", "rules"):
            refs = segment_refs(stored)
            if segment_id in refs:
                found_from = pk
                break
            for ref in refs - parent.keys() - {segment_id}:
                parent[ref] = pk
                following.add(ref)
        frontier = following
    if found_from is None:
        return ""
    path = [segment_id]
    node = found_from
    while node != segment_id:
        path.append(node)
        node = parent[node]
    path = [segment_id, *reversed(path[1:]), segment_id]
    names = dict(Segment.objects.filter(pk__in=path).values_list("pk", "name"))
    return " → ".join(f"«{names.get(pk, f'#{pk}')}»" for pk in path)


# --- Values ----------------------------------------------------------------------------------


def _period(raw: dict) -> dict:
    days, date_from, date_to = raw.get("days"), raw.get("date_from"), raw.get("date_to")
    has_dates = date_from not in (None, "") or date_to not in (None, "")
    if days not in (None, ""):
        if has_dates:
            raise _Invalid(gettext("give either the number of days or the dates of the period, not both"))
        days = _int(days)
        if not 1 <= days <= MAX_PERIOD_DAYS:
            raise _Invalid(gettext("the number of days must be from 1 to %(max)s") % {"max": MAX_PERIOD_DAYS})
        return {"days": days}
    if not has_dates:
        raise _Invalid(gettext("set the period: the last N days, or the dates from and to"))
    first, last = _date(date_from, optional=True), _date(date_to, optional=True)
    if first and last and first > last:
        raise _Invalid(
            gettext("the period starts (%(start)s) after it ends (%(end)s)")
            % {"start": first.isoformat(), "end": last.isoformat()}
        )
    period = {}
    if first:
        period["date_from"] = first.isoformat()
    if last:
        period["date_to"] = last.isoformat()
    return period


def _int(raw, _choices=None) -> int:
    if isinstance(raw, bool):
        raise _Invalid(gettext("a whole number is required"))
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    else:
        raise _Invalid(gettext("a whole number is required, not «%(value)s»") % {"value": _shown(raw)})
    if not 0 <= value <= MAX_INT:
        raise _Invalid(gettext("the number must be from 0 to %(max)s") % {"max": MAX_INT})
    return value


def _decimal(raw) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise _Invalid(gettext("an amount is required, not «%(value)s»") % {"value": _shown(raw)})
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Invalid(gettext("an amount is required, not «%(value)s»") % {"value": _shown(raw)}) from None
    if not value.is_finite():
        raise _Invalid(gettext("an amount is required, not «%(value)s»") % {"value": _shown(raw)})
    return value


def _money(raw, _choices=None) -> str:
    value = _decimal(raw)
    if not Decimal(0) <= value < MAX_MONEY:
        raise _Invalid(gettext("the amount must not be negative or that large"))
    return str(value.quantize(Decimal("0.01")))


def _bool(raw, _choices=None) -> bool:
    if not isinstance(raw, bool):
        raise _Invalid(gettext("the value must be true or false"))
    return raw


def _choice_list(raw, choices) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise _Invalid(gettext("choose at least one value"))
    unknown = [str(v) for v in raw if v not in choices]
    if unknown:
        raise _Invalid(
            gettext("unknown values: %(values)s (possible: %(allowed)s)")
            % {"values": ", ".join(unknown), "allowed": ", ".join(choices)}
        )
    return list(dict.fromkeys(raw))


def _ids(raw, *, allow_null: bool) -> list:
    if not isinstance(raw, list) or not raw:
        raise _Invalid(gettext("choose at least one value"))
    if len(raw) > MAX_IDS:
        raise _Invalid(gettext("too many values (%(max)s at most)") % {"max": MAX_IDS})
    ids = []
    for item in raw:
        if item is None and allow_null:
            ids.append(None)
        elif isinstance(item, int) and not isinstance(item, bool) and item > 0:
            ids.append(item)
        elif isinstance(item, str) and item.strip().isdigit() and int(item) > 0:
            ids.append(int(item))
        else:
            raise _Invalid(gettext("«%(value)s» is not a record id") % {"value": _shown(item)})
    return list(dict.fromkeys(ids))


def _date(raw, *, optional: bool = False) -> date | None:
    if raw in (None, "") and optional:
        return None
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        pass
    raise _Invalid(gettext("«%(value)s» is not a date (YYYY-MM-DD)") % {"value": _shown(raw)})


def _custom_value(kind: str, choices: list, raw):
    if kind == "number":
        return str(_decimal(raw))
    if kind == "date":
        return _date(raw).isoformat()
    if kind == "choice":
        if raw not in choices:
            raise _Invalid(
                gettext("«%(value)s» is not one of the field's choices (%(allowed)s)")
                % {"value": _shown(raw), "allowed": ", ".join(map(str, choices))}
            )
        return raw
    if not isinstance(raw, str | int | float) or isinstance(raw, bool) or not str(raw).strip():
        raise _Invalid(gettext("enter the text to compare with"))
    return str(raw).strip()


def _shown(raw) -> str:
    return str(raw)[:50]


_VALUE_PARSERS = {"money": _money, "int": _int, "bool": _bool, "choices": _choice_list}


# --- The catalogue for the rule builder -------------------------------------------------------


def indicator_catalogue() -> list[dict]:
    """Every indicator with its translated label, operators, value kind and parameters, for the UI and
    the API; the additional-field indicator lists the active fields with their own operators."""
    return [_catalogue_entry(spec) for spec in INDICATORS.values()]


def _operators(codes) -> list[tuple[str, str]]:
    return [(code, str(OPERATOR_LABELS[code])) for code in codes]


def _catalogue_entry(spec: Indicator) -> dict:
    entry = {
        "code": spec.code,
        "label": str(spec.label),
        "section": spec.section,
        "help": str(spec.help),
        "operators": _operators(spec.operators),
        # "custom": the value depends on the field chosen; see the field's own value_kind.
        "value_kind": spec.value_kind,
        "params": [],
        "choices": [(code, str(label)) for code, label in spec.choices],
        "ids_of": spec.ids_of,
        "allow_null": spec.allow_null,
    }
    if spec.period:
        entry["params"] = [
            {"name": "days", "kind": "int", "label": gettext("in the last N days")},
            {"name": "date_from", "kind": "date", "label": gettext("from")},
            {"name": "date_to", "kind": "date", "label": gettext("to")},
        ]
    if spec.value_kind == "custom":
        entry["params"] = [{"name": "field", "kind": "custom_field", "label": gettext("field")}]
        entry["fields"] = _custom_field_entries()
    return entry


def _custom_field_entries() -> list[dict]:
    value_kinds = {"text": "text", "number": "number", "date": "date", "choice": "choice"}
    return [
        {
            "code": f.code,
            "label": f.name,
            "kind": f.kind,
            "value_kind": value_kinds.get(f.kind, "text"),
            "operators": _operators(CUSTOM_OPERATORS[f.kind]),
            "choices": [(c, c) for c in f.choices or []],
        }
        for f in CustomField.objects.filter(is_active=True).order_by("position", "name")
    ]
