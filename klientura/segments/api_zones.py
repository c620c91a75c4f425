"""The API of the coloured zones and the client exchange: take a partner from the exchange, read and
change the administrator's thresholds, recompute the zones now.

Each endpoint calls one service (the same ones the web pages call). Errors come in the API's one format:
a partner someone else took a moment earlier answers 409 "already_taken" with a message naming who; a
partner that is not on the exchange (or not visible) answers 404; thresholds out of order answer 422
with a message per field.
"""

import datetime

from ninja import Path, Router, Schema

from klientura.accounts.access import require_perm
from klientura.core.api import error_responses as _errors
from klientura.parties.schemas import MAX_ID, StrictIn, UserRefOut

from . import services_zones
from .zone_rules import zone_settings_get

router = Router(tags=["zones"])

PartnerId = Path(..., ge=1, le=MAX_ID, description="The partner's id.")


class TakenPartnerOut(Schema):
    id: int
    name: str
    manager: UserRefOut | None
    on_exchange: bool
    zone: str
    zone_since: datetime.date | None
    last_contact_on: datetime.date | None


class ZoneSettingsOut(Schema):
    yellow_after_months: int
    red_after_months: int
    exchange_after_months: int
    warn_days: int


class ZoneSettingsIn(StrictIn):
    """Whole numbers; the service checks the order (1 ≤ yellow < red ≤ exchange ≤ 36) and 0–60 days."""

    yellow_after_months: int
    red_after_months: int
    exchange_after_months: int
    warn_days: int


class RecomputeOut(Schema):
    last_contact: int
    changed: int
    released: int
    snapshot: int


@router.post(
    "/exchange/{int:id}/take",
    response={200: TakenPartnerOut, **_errors(403, 404, 409)},
    summary="Take a partner from the client exchange",
)
def exchange_take(request, id: int = PartnerId):
    """The partner becomes yours, green from today. When another manager was quicker: 409
    "already_taken" with their name."""
    return services_zones.exchange_take(actor=request.auth, partner_id=id)


@router.get("/zones/settings", response={200: ZoneSettingsOut, **_errors(403)}, summary="Zone thresholds")
def zone_settings(request):
    """For the administrator and for those who watch the zone dashboard."""
    actor = request.auth
    if not actor.has_perm("segments.view_zone_dashboard"):
        require_perm(actor, "segments.view_zonesettings")
    return zone_settings_get()


@router.put(
    "/zones/settings", response={200: ZoneSettingsOut, **_errors(403)}, summary="Change the zone thresholds"
)
def zone_settings_change(request, payload: ZoneSettingsIn):
    """Administrators only. The zones are recomputed with the new thresholds once saved."""
    return services_zones.zone_settings_update(actor=request.auth, **payload.model_dump())


@router.post(
    "/zones/recompute", response={200: RecomputeOut, **_errors(403)}, summary="Recompute the zones now"
)
def zones_recompute(request):
    """Administrators only: what the nightly job does first (last contacts, zones, releases to the
    exchange, today's snapshot), now. Returns how many rows each step changed."""
    require_perm(request.auth, services_zones.SETTINGS_PERM)
    return services_zones.zones_recompute()
