"""Tabs of the client card filled by other apps (documents, finance, events, deals, claims).

Apps depend one way (sales → parties), so the card cannot import them: an app registers a provider
for a tab in its AppConfig.ready(). A provider gets the request and the partner (already checked
for access) and returns the template to include and its context.
"""

from collections.abc import Callable

TabProvider = Callable[..., tuple[str, dict]]

_providers: dict[str, TabProvider] = {}


def register(tab: str, provider: TabProvider) -> None:
    _providers[tab] = provider


def tab_content(tab: str, *, request, partner) -> dict:
    """{"tab_template": ..., **context} for a registered tab, else {} (the tab shows its empty state)."""
    provider = _providers.get(tab)
    if provider is None:
        return {}
    template, context = provider(request=request, partner=partner)
    return {"tab_template": template, **context}
