"""Background jobs of interactions; each is a thin shell around a function that does the work."""

from celery import shared_task

from .reminders import ReminderEmailNotSent


@shared_task(name="klientura.interactions.tasks.reminders_fire", ignore_result=True)
def reminders_fire() -> int:
    """Run by beat every few seconds: fires the reminders that are due, each exactly once."""
    from .reminders import reminders_fire_due

    return reminders_fire_due()


@shared_task(
    name="klientura.interactions.tasks.reminder_email",
    ignore_result=True,
    # Raised only when the mail server surely did not take the letter (see reminder_email_send).
    autoretry_for=(ReminderEmailNotSent,),
    retry_backoff=60,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def reminder_email(reminder_id: int) -> None:
    from .reminders import reminder_email_send

    reminder_email_send(reminder_id=reminder_id)


@shared_task(name="klientura.interactions.tasks.mail_fetch", ignore_result=True)
def mail_fetch() -> None:
    """Run by beat: reads new messages from the configured IMAP mailbox."""
    from .mail_in import mailbox_fetch_configured

    mailbox_fetch_configured()
