"""Conditions a deal must meet to enter a stage or to be won (stage `conditions`, kind `win_conditions`).

Each condition has a code (stored in the classifiers), a label (shown where an administrator picks
conditions) and a "missing" phrase that completes the refusal: «Stage «Proposal» cannot be entered:
the deal needs a quote linked to it.» Checks are small exists() queries against the database, so a
quote linked a second ago counts; fields of the deal itself are read from the (locked) instance.

Strict kinds enforce stage conditions; manual kinds only show them as warnings (see
`selectors.stage_warnings`); every kind enforces its win conditions.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from klientura.interactions.models import Event, EventStatus
from klientura.parties.models import Counterparty, Partner, PartnerKind
from klientura.sales.models import OrderStatus

from .models import Deal

# A quote counts until it is cancelled; an order counts once the client confirmed it.
CONFIRMED_ORDER_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.IN_FULFILMENT, OrderStatus.CLOSED)


@dataclass(frozen=True)
class Condition:
    code: str
    label: str
    missing: str
    check: Callable[[Deal], bool]

    # The contract hands out (label, check) pairs: unpacking a condition gives exactly those.
    def __iter__(self):
        return iter((self.label, self.check))


def _partner_is_client(deal: Deal) -> bool:
    return Partner.objects.filter(pk=deal.partner_id, kind=PartnerKind.CLIENT).exists()


def _partner_has_counterparty(deal: Deal) -> bool:
    return Counterparty.objects.filter(partners=deal.partner_id).exists()


def _has_contact(deal: Deal) -> bool:
    return deal.contact_id is not None or deal.participants.filter(contact__isnull=False).exists()


def _has_amount(deal: Deal) -> bool:
    return deal.amount is not None and deal.amount > 0


def _has_close_date(deal: Deal) -> bool:
    return deal.expected_close_date is not None


def _has_quote(deal: Deal) -> bool:
    return deal.order_links.exclude(order__status=OrderStatus.CANCELLED).exists()


def _has_confirmed_order(deal: Deal) -> bool:
    return deal.order_links.filter(order__status__in=CONFIRMED_ORDER_STATUSES).exists()


def _has_done_event(deal: Deal) -> bool:
    deal_type = ContentType.objects.get_for_model(Deal)
    return Event.objects.filter(subject_type=deal_type, subject_id=deal.pk, status=EventStatus.DONE).exists()


def _has_demand(deal: Deal) -> bool:
    return deal.demand_lines.exists()


_ALL = (
    Condition(
        "partner_is_client",
        _("The partner is a client (not a prospect)"),
        _("the partner must be classified as a client, not a prospect"),
        _partner_is_client,
    ),
    Condition(
        "partner_has_counterparty",
        _("The client has a counterparty with requisites"),
        _("the client needs a counterparty (requisites for documents)"),
        _partner_has_counterparty,
    ),
    Condition(
        "has_contact", _("A contact person is set"), _("the deal needs a contact person"), _has_contact
    ),
    Condition(
        "has_amount",
        _("The expected amount is set"),
        _("the deal needs an expected amount above zero"),
        _has_amount,
    ),
    Condition(
        "has_close_date",
        _("The expected close date is set"),
        _("the deal needs an expected close date"),
        _has_close_date,
    ),
    Condition("has_quote", _("A quote is linked"), _("the deal needs a quote linked to it"), _has_quote),
    Condition(
        "has_confirmed_order",
        _("A confirmed order is linked"),
        _("the deal needs a confirmed order linked to it"),
        _has_confirmed_order,
    ),
    Condition(
        "has_done_event",
        _("An interaction on the deal is done"),
        _("the deal needs a completed event (a call, a meeting) about it"),
        _has_done_event,
    ),
    Condition(
        "has_demand",
        _("The client's demand is recorded"),
        _("the deal needs at least one line of the client's demand"),
        _has_demand,
    ),
)

CONDITIONS: dict[str, Condition] = {c.code: c for c in _ALL}


def choices() -> list[tuple[str, str]]:
    """For forms: (code, label) in the order above."""
    return [(c.code, c.label) for c in _ALL]


def unknown(codes) -> list[str]:
    return [code for code in codes or () if code not in CONDITIONS]


def unmet(deal: Deal, codes, cache: dict | None = None) -> list[Condition]:
    """The conditions among `codes` the deal does not meet. Codes no longer known are skipped (the
    services refuse to store them). `cache` shares results between several checks of one deal."""
    cache = {} if cache is None else cache
    result = []
    for code in codes or ():
        condition = CONDITIONS.get(code)
        if condition is None:
            continue
        if code not in cache:
            cache[code] = condition.check(deal)
        if not cache[code]:
            result.append(condition)
    return result


def missing(deal: Deal, codes) -> list[str]:
    """Labels of the unmet conditions among `codes`."""
    return [str(c.label) for c in unmet(deal, codes)]
