"""Background jobs of deals; each is a thin shell around a function that does the work."""

from celery import shared_task


@shared_task(name="klientura.deals.tasks.lead_mail_fetch", ignore_result=True)
def lead_mail_fetch() -> None:
    """Run by beat: each new letter of the lead mailbox (LEADS_IMAP_URL) becomes a lead, once."""
    from .lead_mail import lead_mailbox_fetch_configured

    lead_mailbox_fetch_configured()
