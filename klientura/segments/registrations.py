"""What the segments app plugs into other apps at start-up (they must not import segments): the
client list's segment filter and the zone update when a partner is contacted."""


def _narrow_to_segments(queryset, segment_ids, partner_ref):
    from django.db.models import Exists, OuterRef

    from .models import SegmentMember

    members = SegmentMember.objects.filter(segment_id__in=segment_ids, partner_id=OuterRef(partner_ref))
    return queryset.filter(Exists(members))


def _segment_choices(*, actor):
    from .models import Segment

    if not actor.has_perm("segments.view_segment"):
        return []
    return list(Segment.objects.order_by("name").values_list("pk", "name"))


def _partners_contacted(*, partner_ids, on):
    from .services_zones import zones_touch

    zones_touch(partner_ids=partner_ids, on=on)


def _partners_given(*, partner_ids, manager_id):
    from .services_zones import exchange_given

    exchange_given(partner_ids=partner_ids, manager_id=manager_id)


def register_all() -> None:
    from klientura.parties import activity, list_filters

    list_filters.register("segment", _narrow_to_segments, _segment_choices)
    activity.on_partner_contacted(_partners_contacted)
    activity.on_partners_given(_partners_given)
