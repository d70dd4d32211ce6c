"""The confirmation email of a registration: the badge code, its QR code (a PNG sent
inside the message, since mail programs do not show SVG) and the link to the printable
badge page."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.crm.attendance.models import Participant
from kehu.crm.marketing.messages import site_url

QR_CID = "badge-qr"


def badge_url(participant: Participant) -> str:
    return site_url(
        reverse("attendance:badge", args=[participant.event.slug, participant.badge_code])
    )


def qr_png(code: str) -> bytes:
    """The QR code of ``code`` as PNG bytes (segno writes PNG without an image library)."""
    uri = segno.make(code, error="m", micro=False).png_data_uri(scale=8, border=2)
    return base64.b64decode(uri.split(",", 1)[1])


def send_confirmation(participant: Participant, request: HttpRequest | None = None) -> None:
    """Email ``participant`` their registration and badge (nothing without an email).
    Raises ``OSError`` (``smtplib.SMTPException`` is one) when the server refuses it."""
    if not participant.email:
        return
    context = {
        "participant": participant,
        "event": participant.event,
        "badge_url": badge_url(participant),
        "qr_cid": QR_CID,
    }
    subject = _("Your badge for %(event)s") % {"event": participant.event.name}
    text = render_to_string("attendance/email/confirmation.txt", context, request)
    html = render_to_string("attendance/email/confirmation.html", context, request)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [participant.email]
    )
    message.attach_alternative(html, "text/html")
    message.mixed_subtype = "related"
    from email.mime.image import MIMEImage

    image = MIMEImage(qr_png(participant.badge_code), "png")
    image.add_header("Content-ID", f"<{QR_CID}>")
    image.add_header("Content-Disposition", "inline", filename="badge.png")
    message.attach(image)
    message.send()
