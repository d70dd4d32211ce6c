from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    from kehu.crm.accounts.roles import sync_role_groups

    sync_role_groups()


class AccountsConfig(KehuAppConfig):
    name = "kehu.crm.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    url_prefix = "accounts/"
    # the Django admin site: users, groups and every record, for administrators
    nav = (NavEntry(_("Administration"), "admin:index", 90, roles=(Role.ADMIN,)),)
    role_permissions = {Role.ADMIN: ALL}

    def ready(self) -> None:
        # Permissions exist only after migrate has created them, app by app, so the
        # role groups are (re)built after every app's migration, not in a data migration.
        post_migrate.connect(_sync_roles, dispatch_uid="kehu_sync_roles")
