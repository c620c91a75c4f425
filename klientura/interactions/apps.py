from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "klientura.interactions"
    label = "interactions"
    verbose_name = _("Interactions")

    def ready(self) -> None:
        from .card_tabs import register

        register()
