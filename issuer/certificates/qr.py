"""QR codes for verification URLs."""

from __future__ import annotations

import base64
import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(url: str, box_size: int = 8) -> bytes:
    """A PNG QR code of ``url`` (medium error correction survives a crumpled printout)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=2)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def qr_data_url(url: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode()
