"""The certificate an educator prints or files: name, achievement, issuer, date, credit hours, QR."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, fields, replace

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from issuer.certificates.qr import qr_png
from issuer.config import STATIC_DIR

FONTS = STATIC_DIR / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"

WIDTH, HEIGHT = 1650, 1275  # US Letter landscape at 150 dpi
INK, ACCENT = "#1b1b1b", "#1f4e79"
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class CertificateText:
    earner_name: str
    achievement: str
    issuer_name: str
    issued_on: str
    credit_hours: str
    verify_url: str
    status_note: str | None = None  # e.g. "Revoked: ..." printed in red


def printable(text: CertificateText) -> CertificateText:
    """The certificate's text without control characters, which no font draws.

    Both formats draw text, never parse it: fpdf2 encodes each string as glyphs of an embedded
    font and Pillow paints pixels, so quotes or tags in a name are printed as they are.
    """
    cleaned = {
        field.name: _UNPRINTABLE.sub("", value)
        for field in fields(text)
        if isinstance(value := getattr(text, field.name), str)
    }
    return replace(text, **cleaned)


def _lines(text: CertificateText) -> list[tuple[str, int, str]]:
    """(text, size in points at 150 dpi, colour) from top to bottom."""
    lines = [
        ("Certificate of Micro-credential", 64, ACCENT),
        ("This certifies that", 30, INK),
        (text.earner_name, 60, INK),
        ("has earned the micro-credential", 30, INK),
        (text.achievement, 48, ACCENT),
        (f"issued by {text.issuer_name} on {text.issued_on}", 30, INK),
        (f"{text.credit_hours} credit hours", 30, INK),
    ]
    if text.status_note:
        lines.append((text.status_note, 34, "#b71c1c"))
    return lines


def certificate_png(text: CertificateText) -> bytes:
    """The certificate as a PNG (US Letter landscape, 150 dpi)."""
    text = printable(text)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, WIDTH - 30, HEIGHT - 30), outline=ACCENT, width=12)
    y = 150
    for line, size, color in _lines(text):
        font = ImageFont.truetype(str(BOLD if size >= 48 else REGULAR), size)
        draw.text((WIDTH / 2, y), line, fill=color, anchor="mm", font=font)
        y += int(size * 2.1)
    qr = Image.open(io.BytesIO(qr_png(text.verify_url, box_size=6)))
    image.paste(qr, (WIDTH - qr.width - 80, HEIGHT - qr.height - 80))
    draw.text(
        (80, HEIGHT - 110),
        f"Verify: {text.verify_url}",
        fill=INK,
        font=ImageFont.truetype(str(REGULAR), 22),
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def certificate_pdf(text: CertificateText) -> bytes:
    """The certificate as a one-page PDF with the same content and a scannable QR code."""
    text = printable(text)
    pdf = FPDF(orientation="landscape", format="letter", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_title(f"{text.achievement}: {text.earner_name}")
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_draw_color(31, 78, 121)
    pdf.set_line_width(6)
    pdf.rect(18, 18, pdf.w - 36, pdf.h - 36)
    y = 70.0
    for line, size, color in _lines(text):
        pdf.set_text_color(*_rgb(color))
        pdf.set_font("DejaVu", "B" if size >= 48 else "", size * 0.5)
        pdf.set_xy(36, y)
        pdf.cell(pdf.w - 72, size * 0.6, line, align="C")
        y += size * 1.0
    pdf.image(io.BytesIO(qr_png(text.verify_url)), x=pdf.w - 150, y=pdf.h - 150, w=110, h=110)
    pdf.set_text_color(*_rgb(INK))
    pdf.set_font("DejaVu", "", 10)
    pdf.set_xy(40, pdf.h - 60)
    pdf.cell(400, 12, f"Verify: {text.verify_url}")
    return bytes(pdf.output())


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
