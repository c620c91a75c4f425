"""Contact with a partner, announced by the apps that record it (events, orders, shipments).

The coloured zones (segments app) must turn a partner green the moment a manager talks to it or
sells to it, but interactions and sales may not import segments (apps depend one way). So they call
`partner_contacted` here, and segments registers a listener in its AppConfig.ready(). Listeners run
inside the caller's transaction: the contact and its effect on the zone commit or roll back together.
"""

import datetime
from collections.abc import Callable, Iterable

ContactListener = Callable[..., None]

_listeners: list[ContactListener] = []


def on_partner_contacted(listener: ContactListener) -> None:
    """Register `listener(partner_ids=set[int], on=date)`; registering the same one twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)


def partner_contacted(*, partner_ids: Iterable[int | None], on: datetime.date) -> None:
    """Tell the listeners that these partners were in contact with us on `on` (a past or today's date)."""
    ids = {pk for pk in partner_ids if pk}
    if not ids:
        return
    for listener in _listeners:
        listener(partner_ids=ids, on=on)


GivenListener = Callable[..., None]

_given_listeners: list[GivenListener] = []


def on_partners_given(listener: GivenListener) -> None:
    """Register `listener(partner_ids=set[int], manager_id=int)`, told when partners on the client
    exchange are given to a manager by hand (a bulk change of the lead manager)."""
    if listener not in _given_listeners:
        _given_listeners.append(listener)


def partners_given(*, partner_ids: Iterable[int], manager_id: int) -> None:
    ids = {pk for pk in partner_ids if pk}
    if not ids:
        return
    for listener in _given_listeners:
        listener(partner_ids=ids, manager_id=manager_id)
