from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    from kehu.crm.accounts.roles import sync_role_groups

    sync_role_groups()


class AccountsConfig(AppConfig):
    name = "kehu.crm.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Permissions exist only after migrate has created them, app by app, so the
        # role groups are (re)built after every app's migration, not in a data migration.
        post_migrate.connect(_sync_roles, dispatch_uid="kehu_sync_roles")
