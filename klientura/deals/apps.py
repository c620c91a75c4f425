from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "klientura.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        from . import registrations

        registrations.register_all()
