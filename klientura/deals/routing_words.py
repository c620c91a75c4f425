"""Routing in words: a rule's conditions as a sentence, and a lead's routing trace as lines.

The trace is stored as structured facts (names kept as they were at the moment of routing) and put
into words only when shown, so a head of sales reads it in their own language.
"""

import datetime
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from klientura.catalog.models import ProductGroup
from klientura.parties.models import BusinessRegion, InformationSource

from .models_leads import LeadChannel, RoutingStrategy
from .routing_conditions import OPS, field_label, field_spec

_NAMED = {"region": BusinessRegion, "source": InformationSource, "group": ProductGroup}


def _names_for(conditions_lists) -> dict[str, dict[int, str]]:
    """{kind: {id: name}} for every region, source and group the conditions mention; a query per kind."""
    wanted: dict[str, set[int]] = {kind: set() for kind in _NAMED}
    for conditions in conditions_lists:
        for condition in conditions:
            spec = field_spec(condition.get("field", ""))
            if spec and spec.kind in _NAMED:
                value = condition.get("value")
                wanted[spec.kind].update(value if isinstance(value, list) else [value])
    return {
        kind: dict(_NAMED[kind].objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
        for kind, ids in wanted.items()
    }


def _money(value) -> str:
    return formats.number_format(Decimal(str(value)), decimal_pos=0, use_l10n=True, force_grouping=True)


def value_text(name: str, value, names: dict[str, dict[int, str]]) -> str:
    """A condition's value, or a lead's, as a person reads it."""
    spec = field_spec(name)
    if value is None or spec is None:
        return "—"
    items = value if isinstance(value, list) else [value]
    if spec.kind in _NAMED:
        texts = [names.get(spec.kind, {}).get(int(item), f"#{item}") for item in items]
    elif spec.kind == "channel":
        texts = [str(LeadChannel(item).label) if item in LeadChannel.values else str(item) for item in items]
    elif spec.kind == "amount":
        texts = [_money(item) for item in items]
    else:
        texts = [f"“{item}”" for item in items]
    return ", ".join(texts)


def condition_text(condition: dict, names: dict) -> str:
    op = OPS.get(condition.get("op"), condition.get("op"))
    value = value_text(condition.get("field", ""), condition.get("value"), names)
    return f"{field_label(condition.get('field', ''))} {op} {value}"


def rules_in_words(rules) -> dict[int, list[str]]:
    """rule id → its conditions as sentences (an empty list: the rule takes every lead)."""
    rules = list(rules)
    names = _names_for(rule.conditions for rule in rules)
    return {rule.pk: [condition_text(c, names) for c in rule.conditions] for rule in rules}


def condition_facts(condition: dict, lead_value, names: dict) -> dict:
    """The trace's record of one condition that held: what the rule asked, what the lead said."""
    return {
        "field": condition["field"],
        "op": condition["op"],
        "expected": value_text(condition["field"], condition["value"], names),
        "actual": value_text(condition["field"], lead_value, names),
    }


def names_for_lead(lead, conditions_lists) -> dict:
    """Names for the conditions' values and for the lead's own region, source and group."""
    extra = [
        {"field": "region", "value": lead.region_id},
        {"field": "source", "value": lead.source_id},
        {"field": "product_group", "value": lead.product_group_id},
    ]
    return _names_for([*conditions_lists, [c for c in extra if c["value"]]])


# --- The trace -----------------------------------------------------------------------------------


def _date(value) -> str:
    try:
        return formats.date_format(datetime.date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)


def _condition_line(item: dict) -> str:
    return _("%(field)s %(op)s %(expected)s — the lead says %(actual)s") % {
        "field": field_label(item["field"]),
        "op": OPS.get(item["op"], item["op"]),
        "expected": item["expected"],
        "actual": item["actual"],
    }


def _chosen_line(fact: dict) -> str:
    if fact.get("strategy") == RoutingStrategy.LEAST_OPEN:
        count = fact.get("open_deals", 0)
        text = ngettext(
            "%(manager)s has %(count)s open deal, the fewest among those available",
            "%(manager)s has %(count)s open deals, the fewest among those available",
            count,
        ) % {"manager": fact["manager"], "count": count}
        others = ", ".join(f"{o['manager']}: {o['open_deals']}" for o in fact.get("others", []))
        if fact.get("tie"):
            text += " " + _("(a tie, settled by fewer leads today: %(today)s)") % {
                "today": fact.get("leads_today", 0)
            }
        return text + (f" ({_('others')}: {others})" if others else "")
    if fact.get("previous"):
        return (
            _("In turn: the previous lead of this rule went to %(previous)s, so now it is %(manager)s") % fact
        )
    return _("In turn: %(manager)s is first in the rule's list") % fact


def fact_line(fact: dict) -> str:
    """One fact of the trace in the current language."""
    kind = fact.get("fact")
    if kind == "client_manager":
        return _("Existing client %(partner)s: goes to its lead manager %(manager)s") % fact
    if kind == "client_manager_absent":
        return _("The client's lead manager %(manager)s is away until %(until)s: routing rules decide") % {
            **fact,
            "until": _date(fact.get("until")),
        }
    if kind == "rule_not_matched":
        return _("Rule “%(rule)s” does not apply: %(condition)s") % {
            "rule": fact["rule"],
            "condition": _condition_line(fact["condition"]),
        }
    if kind == "rule_matched":
        if not fact.get("conditions"):
            return _("Rule “%(rule)s” applies (it takes every lead)") % fact
        return _("Rule “%(rule)s” applies") % fact
    if kind == "absent":
        return _("%(manager)s is skipped: away until %(until)s") % {**fact, "until": _date(fact.get("until"))}
    if kind == "not_eligible":
        return _("%(manager)s is skipped: inactive or without a sales role") % fact
    if kind == "rule_nobody_available":
        return _("Nobody of rule “%(rule)s” is available: the next rule is tried") % fact
    if kind == "chosen":
        return _chosen_line(fact)
    if kind == "no_rule":
        return _("No rule applies: the lead waits in the queue of the head of sales")
    if kind == "client_not_accessible":
        return (
            _(
                "The matched client %(partner)s has no lead manager who could hand it over: "
                "the lead waits in the queue"
            )
            % fact
        )
    if kind == "by_hand":
        return _("Assigned by hand by %(by)s to %(manager)s") % fact
    if kind == "rejected":
        return _("Rejected by %(by)s: %(reason)s") % fact
    if kind == "deal_refused":
        return _("The deal could not be created: %(reason)s") % fact
    if kind == "no_deal_kind":
        return _("No deal kind is marked as the default for leads: no deal was created")
    return str(fact)


def trace_lines(trace: list) -> list[dict]:
    """The trace for the card: each fact's line, and the matched conditions under the deciding rule."""
    lines = []
    for fact in trace or []:
        if not isinstance(fact, dict):
            continue
        lines.append(
            {
                "fact": fact.get("fact", ""),
                "text": fact_line(fact),
                "details": [_condition_line(c) for c in fact.get("conditions", [])],
            }
        )
    return lines
