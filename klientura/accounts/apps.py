from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "klientura.accounts"
    label = "accounts"
    verbose_name = _("Users and access")

    def ready(self) -> None:
        from .roles import roles_sync_after_migrate

        # Groups need the permissions that only exist after every app has migrated.
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="klientura-roles-sync")
