"""Background jobs of the coloured zones; each is a thin shell around the services."""

from celery import shared_task


@shared_task(name="klientura.segments.tasks_zones.zones_nightly", ignore_result=True)
def zones_nightly() -> dict:
    """Run by beat at night: recompute last contacts and zones (releasing the long-silent partners to
    the exchange, writing today's snapshot), then warn managers. Idempotent: a second run the same day
    changes nothing, warns nobody again and mails nothing twice."""
    from .services_zones import zone_warnings_send, zones_recompute

    counts = zones_recompute()
    counts["warnings"] = zone_warnings_send()
    return counts


@shared_task(name="klientura.segments.tasks_zones.zones_recompute_now", ignore_result=True)
def zones_recompute_now() -> dict:
    """After the administrator changed the thresholds: the zones follow at once, not at night."""
    from .services_zones import zones_recompute

    return zones_recompute()
