"""Small builders for the segment tests: rules and segments made through the services."""

from klientura.segments import services_segments

CLIENTS = {
    "op": "and",
    "negate": False,
    "items": [{"indicator": "partner_kind", "operator": "in", "value": ["client"]}],
}
SUPPLIERS = {
    "op": "and",
    "negate": False,
    "items": [{"indicator": "partner_kind", "operator": "in", "value": ["supplier"]}],
}


def make_segment(actor, name="Клиенты", rules=None, **extra):
    data = {"name": name, "rules": rules or CLIENTS, **extra}
    return services_segments.segment_create(actor=actor, data=data)
