"""Background jobs of segments; each is a thin shell around a function that does the work."""

from celery import shared_task


@shared_task(name="klientura.segments.tasks.segments_refresh_due", ignore_result=True)
def segments_refresh_due() -> int:
    """Run by beat every minute: refresh the scheduled segments that are due and plan their next run."""
    from .services_segments import segments_refresh_due as refresh_due

    return len(refresh_due())
