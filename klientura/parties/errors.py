from django.utils.translation import gettext_lazy as _

from klientura.core.errors import Conflict


class DuplicatesFound(Conflict):
    """Registration stopped: possible duplicates the user has not confirmed."""

    code = "duplicates_found"
    default_message = _("Possible duplicates found. Open one of them, or confirm that this is a new client.")

    def __init__(self, candidates):
        self.candidates = candidates
        super().__init__()
