from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "klientura.segments"
    label = "segments"
    verbose_name = _("Segments and zones")

    def ready(self) -> None:
        from . import registrations

        registrations.register_all()
