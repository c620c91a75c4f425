"""The sections of the navigation frame. A section whose app has not landed yet shows what will be
there (SECTION_PLANS); when it lands, its entry points at the app's own view."""

from django.utils.translation import gettext_lazy as _

SECTIONS = [
    # key, label, icon, url name (None: the placeholder page)
    ("clients", _("Clients"), "people", "parties:partner_list"),
    ("events", _("Events"), "chat-dots", "interactions:event_list"),
    ("calendar", _("Calendar"), "calendar3", "interactions:my_calendar"),
    ("deals", _("Deals"), "kanban", "deals:board"),
    ("sales", _("Sales"), "receipt", "sales:order_list"),
    ("segments", _("Segments"), "diagram-3", "segments:segment_list"),
    ("mailings", _("Mailings"), "envelope", None),
    ("claims", _("Claims"), "exclamation-octagon", None),
    ("reports", _("Reports"), "bar-chart", None),
    ("settings", _("Settings"), "gear", "accounts:profile"),
]

SECTION_PLANS = {
    "mailings": _("Mass e-mail and SMS to segments and tags, with consent and one-click unsubscribe."),
    "claims": _("Client claims with reasons, action plans, results and statistics."),
    "reports": _("Manager scorecards, contact and source effectiveness, the sales desktop."),
}
