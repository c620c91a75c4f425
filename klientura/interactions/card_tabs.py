"""The client card's Events tab, registered with klientura.parties.card_tabs."""

from klientura.parties import card_tabs


def events_tab(*, request, partner):
    from .selectors import partner_threads
    from .subjects import describe_subjects

    if not request.user.has_perm("interactions.view_event"):
        return "interactions/_tab_events.html", {"threads": []}
    threads = partner_threads(actor=request.user, partner=partner)
    describe_subjects(actor=request.user, events=[thread["events"][0] for thread in threads])
    return "interactions/_tab_events.html", {"threads": threads}


def register() -> None:
    card_tabs.register("events", events_tab)
