"""What the deals app plugs into other apps at start-up (they must not import deals): the deal as a
subject of events (предмет взаимодействия), and the client card's Deals tab."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

PARTNER_TAB_LIMIT = 50


def _deals_visible(*, actor):
    from .selectors import deals_visible

    return deals_visible(actor=actor)


def _title(deal) -> str:
    return f"{deal.number} {deal.title}"


def partner_tab(*, request, partner):
    """The client card's Deals tab: the client's deals the user may see, open ones first."""
    from .selectors import partner_deals

    deals = []
    if request.user.has_perm("deals.view_deal"):
        deals = partner_deals(actor=request.user, partner=partner, limit=PARTNER_TAB_LIMIT + 1)
    return "deals/_partner_tab.html", {
        "partner_deals": deals[:PARTNER_TAB_LIMIT],
        "partner_deals_more": len(deals) > PARTNER_TAB_LIMIT,
    }


def register_all() -> None:
    from klientura.interactions import subjects
    from klientura.parties import card_tabs

    subjects.register(
        subjects.SubjectKind(
            label="deals.deal",
            name=_("Deal"),
            visible=_deals_visible,
            url=lambda pk: reverse("deals:deal_card", args=[pk]),
            title=_title,
        )
    )
    card_tabs.register("deals", partner_tab)
