"""QR codes: for verification URLs (cached: they never change) and for one-time links such as a
wallet offer (drawn each time and never kept: the link is a bearer secret)."""

from __future__ import annotations

import base64
import io
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def _draw(url: str, box_size: int) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=2)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


@lru_cache(maxsize=1024)
def qr_png(url: str, box_size: int = 8) -> bytes:
    """A PNG QR code of ``url`` (medium error correction survives a crumpled printout).

    Drawing one takes tens of milliseconds and it depends on the URL alone (a verification URL
    never changes), so each process keeps the last 1024 it drew (about 1 KB each)."""
    return _draw(url, box_size)


@lru_cache(maxsize=1024)
def qr_data_url(url: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode()


def one_time_qr_data_url(url: str) -> str:
    """A QR code of a secret, short-lived link (a wallet offer), not kept in any cache."""
    return "data:image/png;base64," + base64.b64encode(_draw(url, 8)).decode()
