"""What the rule builder page needs in the browser: the indicators with their operators and value kinds
(rules.indicator_catalogue), the options of the pick lists (tags, regions, managers, other segments) and the
page's words in the user's language."""

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from klientura.accounts.selectors import sales_users
from klientura.parties.models import BusinessRegion, Tag

from .models import Segment


def plain(value):
    """Lazy translations and tuples as JSON wants them."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Promise):
        return str(value)
    return value


def _words() -> dict:
    return {
        "and": _("All of (AND)"),
        "or": _("Any of (OR)"),
        "not": _("NOT"),
        "add_condition": _("Add a condition"),
        "add_group": _("Add a group"),
        "remove": _("Remove"),
        "choose": _("Choose an indicator"),
        "last_days": _("in the last N days"),
        "period": _("in a period"),
        "days": _("days"),
        "from": _("from"),
        "to": _("to"),
        "yes": _("yes"),
        "no": _("no"),
        "no_manager": _("No manager"),
        "empty": _("No conditions yet: the segment holds every partner. Add a condition."),
        "field": _("Field"),
        "operator": _("Operator"),
        "value": _("Value"),
    }


def builder_data(*, actor, segment: Segment | None) -> dict:
    from .rules import indicator_catalogue

    managers = sales_users().order_by("last_name", "first_name")
    others = Segment.objects.exclude(pk=getattr(segment, "pk", None)).order_by("name")
    return {
        "indicators": plain(indicator_catalogue()),
        "options": {
            "tag": [[t.pk, t.name] for t in Tag.objects.order_by("name")],
            "region": [[r.pk, r.name] for r in BusinessRegion.objects.order_by("name")],
            "user": [[u.pk, u.get_full_name() or u.username] for u in managers],
            "segment": [[s.pk, s.name] for s in others],
        },
        "words": _words(),
    }
