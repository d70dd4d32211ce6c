from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig, NavEntry


class PerformanceConfig(KehuAppConfig):
    """Staff performance (:mod:`kehu.crm.performance.queries`): pages over several
    domains, beside the screens. No models: teams live in accounts, targets in sales.
    Who sees whose figures is decided by the teams, not by a model permission: each
    person their own, a manager their team's, an administrator everyone's."""

    name = "kehu.crm.performance"
    label = "performance"
    verbose_name = _("Performance")
    url_prefix = "performance/"
    nav = (NavEntry(_("Performance"), "performance:overview", 23),)
