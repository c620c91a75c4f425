"""Lead routing: which manager a new lead goes to, and the trace of why.

First a built-in rule: a lead from an existing client goes to the client's lead manager, unless that
manager is away. Then the active rules, by position: the first rule whose conditions all hold and
that has an available manager decides; a rule whose managers are all away (or not in a sales role)
is recorded and the next one is tried. Nothing applies: the lead goes to the queue.

The strategies pick among the rule's available managers:
- round-robin: the next one after the rule's `last_assigned`, in a stable order (by id);
- least open: the one with the fewest deals in progress (ties: fewer leads assigned today, then id).
The rule's row is locked (SELECT ... FOR UPDATE) while choosing and until the lead's transaction
commits, so two leads routed at once by the same rule take turns: the second sees the first's
pointer and the first's new deal.
"""

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from klientura.accounts.models import User
from klientura.accounts.roles import HEAD_OF_SALES, SALES_MANAGER
from klientura.accounts.selectors_absences import absences_until

from .models import Deal, DealStatus
from .models_leads import Lead, RoutingRule, RoutingStrategy
from .routing_conditions import LeadFacts, condition_holds
from .routing_words import condition_facts, names_for_lead

SALES_ROLES = (SALES_MANAGER, HEAD_OF_SALES)
MAX_TRACE = 60  # facts kept per lead: a long list of rules that did not apply is cut


@dataclass
class Decision:
    manager: User | None
    rule: RoutingRule | None
    trace: list[dict] = field(default_factory=list)
    by_client_manager: bool = False


def sales_user_ids(user_ids) -> set[int]:
    """Of these users, the active ones holding a sales role (only they can be given leads)."""
    return set(
        User.objects.filter(pk__in=list(user_ids), is_active=True, groups__name__in=SALES_ROLES).values_list(
            "pk", flat=True
        )
    )


def _note(trace: list, fact: dict) -> None:
    if len(trace) < MAX_TRACE:
        trace.append(fact)


def route(lead: Lead, *, on=None) -> Decision:
    """Decide the manager of `lead` (its partner, if matched, must be set). Call inside a transaction."""
    day = on or timezone.localdate()
    trace: list[dict] = []
    decision = _client_manager(lead, day, trace)
    if decision is not None:
        return decision
    rules = list(RoutingRule.objects.filter(is_active=True).order_by("position", "id"))
    facts = LeadFacts(lead)
    names = names_for_lead(lead, [rule.conditions for rule in rules])
    for rule in rules:
        failed = next((c for c in rule.conditions if not condition_holds(c, facts)), None)
        if failed is not None:
            _note(trace, _not_matched(rule, failed, facts, names))
            continue
        _note(
            trace,
            {
                "fact": "rule_matched",
                "rule_id": rule.pk,
                "rule": rule.name,
                "conditions": [condition_facts(c, _lead_value(c, facts), names) for c in rule.conditions],
            },
        )
        manager = _choose(rule, day, trace)
        if manager is not None:
            return Decision(manager=manager, rule=rule, trace=trace)
    trace.append({"fact": "no_rule"})
    return Decision(manager=None, rule=None, trace=trace)


def _lead_value(condition: dict, facts: LeadFacts):
    if condition["field"] == "product_group":
        return facts.lead.product_group_id
    return facts.value(condition["field"])


def _not_matched(rule: RoutingRule, condition: dict, facts: LeadFacts, names: dict) -> dict:
    return {
        "fact": "rule_not_matched",
        "rule_id": rule.pk,
        "rule": rule.name,
        "condition": condition_facts(condition, _lead_value(condition, facts), names),
    }


def _client_manager(lead: Lead, day, trace: list) -> Decision | None:
    """The built-in first rule: an existing client's lead manager takes the lead, unless away."""
    partner = lead.partner if lead.partner_matched else None
    manager = partner.manager if partner is not None else None
    if manager is None:
        return None
    if manager.pk not in sales_user_ids([manager.pk]):
        trace.append({"fact": "not_eligible", "manager_id": manager.pk, "manager": str(manager)})
        return None
    away = absences_until(on=day, user_ids=[manager.pk])
    if manager.pk in away:
        trace.append(
            {
                "fact": "client_manager_absent",
                "manager_id": manager.pk,
                "manager": str(manager),
                "until": away[manager.pk].isoformat(),
            }
        )
        return None
    trace.append(
        {"fact": "client_manager", "manager_id": manager.pk, "manager": str(manager), "partner": partner.name}
    )
    return Decision(manager=manager, rule=None, trace=trace, by_client_manager=True)


def _choose(rule: RoutingRule, day, trace: list) -> User | None:
    locked = (
        RoutingRule.objects.select_for_update(of=("self",)).select_related("last_assigned").get(pk=rule.pk)
    )
    members = list(locked.managers.order_by("pk"))
    allowed = sales_user_ids(m.pk for m in members)
    away = absences_until(on=day, user_ids=allowed)
    eligible = []
    for member in members:
        if member.pk not in allowed:
            _note(trace, {"fact": "not_eligible", "manager_id": member.pk, "manager": str(member)})
        elif member.pk in away:
            fact = {"fact": "absent", "manager_id": member.pk, "manager": str(member)}
            _note(trace, {**fact, "until": away[member.pk].isoformat(), "rule": rule.name})
        else:
            eligible.append(member)
    if not eligible:
        _note(trace, {"fact": "rule_nobody_available", "rule_id": rule.pk, "rule": rule.name})
        return None
    if locked.strategy == RoutingStrategy.LEAST_OPEN:
        return _least_open(eligible, trace)
    return _round_robin(locked, eligible, trace)


def _round_robin(rule: RoutingRule, eligible: list[User], trace: list) -> User:
    after = rule.last_assigned_id
    chosen = next((m for m in eligible if after is not None and m.pk > after), eligible[0])
    trace.append(
        {
            "fact": "chosen",
            "strategy": RoutingStrategy.ROUND_ROBIN.value,
            "manager_id": chosen.pk,
            "manager": str(chosen),
            "previous": str(rule.last_assigned) if rule.last_assigned_id else "",
        }
    )
    rule.last_assigned = chosen
    rule.save(update_fields=["last_assigned", "updated_at"])
    return chosen


def workload(user_ids) -> dict[int, tuple[int, int]]:
    """user id → (deals in progress, leads assigned today), in one query."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    open_deals = (
        Deal.objects.filter(manager=OuterRef("pk"), status=DealStatus.IN_PROGRESS)
        .order_by()
        .values("manager")
        .annotate(n=Count("pk"))
        .values("n")
    )
    leads_today = (
        Lead.objects.filter(assigned_to=OuterRef("pk"), assigned_at__gte=start)
        .order_by()
        .values("assigned_to")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        User.objects.filter(pk__in=list(user_ids))
        .annotate(open=Coalesce(Subquery(open_deals), 0), today=Coalesce(Subquery(leads_today), 0))
        .values_list("pk", "open", "today")
    )
    return {pk: (open_count, today) for pk, open_count, today in rows}


def _least_open(eligible: list[User], trace: list) -> User:
    load = workload(m.pk for m in eligible)
    ranked = sorted(eligible, key=lambda m: (*load.get(m.pk, (0, 0)), m.pk))
    chosen = ranked[0]
    open_count, today = load.get(chosen.pk, (0, 0))
    trace.append(
        {
            "fact": "chosen",
            "strategy": RoutingStrategy.LEAST_OPEN.value,
            "manager_id": chosen.pk,
            "manager": str(chosen),
            "open_deals": open_count,
            "leads_today": today,
            "tie": len(ranked) > 1 and load.get(ranked[1].pk, (0, 0))[0] == open_count,
            "others": [{"manager": str(m), "open_deals": load.get(m.pk, (0, 0))[0]} for m in ranked[1:10]],
        }
    )
    return chosen
