from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "klientura.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from .card_tabs import register

        register()
