"""Domain errors raised by services and selectors; the web and API layers turn them into responses."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, fields: Mapping[str, list] | None = None, code: str | None = None):
        self.message = message if message is not None else self.default_message
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}
        if code:
            self.code = code
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Missing and forbidden records look the same, so nobody can probe for what exists."""

    code = "not_found"
    status = 404
    default_message = _("Not found.")


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 422
    default_message = _("Please correct the errors below.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("The record was changed by someone else.")


class Forbidden(DomainError):
    """An action the user may not take on a record they can see."""

    code = "forbidden"
    status = 403
    default_message = _("You do not have permission to do this.")


def validation_failed_from_django(exc) -> ValidationFailed:
    """Turn a django.core.exceptions.ValidationError into our error, keeping the field messages."""
    if hasattr(exc, "error_dict"):
        fields = {name: [m for e in errs for m in e.messages] for name, errs in exc.error_dict.items()}
        return ValidationFailed(fields=fields)
    return ValidationFailed(message=" ".join(exc.messages))


def error_text(exc: DomainError) -> str:
    """The message and every field's messages in one line, for a flash message."""
    details = "; ".join(m for msgs in exc.fields.values() for m in msgs)
    return f"{exc.message} {details}".strip()
