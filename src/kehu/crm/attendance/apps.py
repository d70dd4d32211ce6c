from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, FULL, VIEW, KehuAppConfig
from kehu.crm.choices import Role


class AttendanceConfig(KehuAppConfig):
    """Who comes to an event: participants, registration, booths, badges,
    check-in, follow-up and each event's results."""

    name = "kehu.crm.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    # the public pages (registration, badge) under /e/; the staff pages join the event's
    # own namespace, under /events/<id>/ (attendance sits above events, not beside it)
    url_prefix = "e/"
    extends_urls = {"events": "kehu.crm.attendance.urls.event_pages"}
    api_router = "kehu.crm.attendance.api.router"
    role_permissions = {
        Role.ADMIN: ALL,
        # marketing runs the events: participants, booths, the door
        Role.MARKETING: {
            "participant": FULL,
            "booth": FULL,
            # and what the event cost and gave, and its follow-up
            "eventcost": FULL,
            "surveyresponse": VIEW,
            "followup": ("view", "add"),
        },
        # a seller brings their customers and logs conversations at the booth
        Role.SALES: {"participant": ("view", "add"), "booth": VIEW},
        Role.SERVICE: {"participant": VIEW, "booth": VIEW},
        Role.ANALYST: {
            "participant": VIEW,
            "booth": VIEW,
            "eventcost": VIEW,
            "surveyresponse": VIEW,
            "followup": VIEW,
        },
    }
