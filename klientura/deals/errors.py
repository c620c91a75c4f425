"""Errors of the deals app, on top of klientura.core.errors."""

from django.utils.translation import gettext_lazy as _

from klientura.core.errors import ValidationFailed


class StageMoveRefused(ValidationFailed):
    """A move, a win or a reopening the deal kind's rules forbid; the message names the rule or the
    missing condition. The board shows it on the card that was dragged, the API answers 422."""

    code = "stage_move_refused"
    default_message = _("The deal cannot be moved there.")
