from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig


class AttendanceConfig(KehuAppConfig):
    """Who comes to an event: participants, registration, booths, badges,
    check-in, follow-up and each event's results."""

    name = "kehu.crm.attendance"
    label = "attendance"
    verbose_name = _("Attendance")
