"""A badge's QR code, drawn as inline SVG by segno (no image service, nothing leaves
the server): what the check-in page's camera reads back as the badge code."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(code: str, *, scale: int = 7, title: str = "") -> SafeString:
    """The QR code of ``code`` as an ``<svg>`` element to put in a page (segno escapes
    the title; the code is the badge alphabet's letters and digits)."""
    qr = segno.make(code, error="m", micro=False)
    svg = qr.svg_inline(scale=scale, border=2, title=title or None, svgclass="badge-qr")
    return mark_safe(svg)  # noqa: S308  (segno writes the markup; nothing of the user's)
