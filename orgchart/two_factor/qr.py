"""The set-up page's QR code, drawn on the server as SVG (nothing is loaded
from elsewhere: the content security policy allows only the application)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str) -> SafeString:
    """An inline ``<svg>`` of ``text``, black on white, scaling with its box."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        box_size=8,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    start = svg.find("<svg")
    # Built by the library from our own URI: no markup of the person's reaches it.
    return mark_safe(svg[start:])  # noqa: S308
