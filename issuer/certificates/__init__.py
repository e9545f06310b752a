"""Printable certificates (PDF and PNG) and QR codes pointing at an award's verification page."""

from issuer.certificates.qr import one_time_qr_data_url, qr_data_url, qr_png
from issuer.certificates.render import CertificateText, certificate_pdf, certificate_png

__all__ = [
    "CertificateText",
    "certificate_pdf",
    "certificate_png",
    "one_time_qr_data_url",
    "qr_data_url",
    "qr_png",
]
