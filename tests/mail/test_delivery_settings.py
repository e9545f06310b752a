"""Issue 11: the SMTP settings of SPEC §9 are read from the environment and checked at start."""

from __future__ import annotations

import pytest

from issuer.config import ConfigError, Settings


def test_defaults_are_starttls_on_587_from_badges_at_the_base_url_host():
    settings = Settings.from_env({"BASE_URL": "http://badges.example.org:8000"})
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == (None, 587, "starttls")
    assert settings.mail_from == "badges@badges.example.org"


def test_the_smtp_environment_is_read():
    settings = Settings.from_env(
        {
            "SMTP_HOST": "smtp.example.net",
            "SMTP_PORT": "465",
            "SMTP_TLS": "SSL",
            "SMTP_USERNAME": "u",
            "SMTP_PASSWORD": "p",
            "SMTP_TIMEOUT": "2.5",
            "MAIL_FROM": "pd@district.example.org",
        }
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == (
        "smtp.example.net",
        465,
        "ssl",
    )
    assert (settings.smtp_username, settings.smtp_password) == ("u", "p")
    assert settings.smtp_timeout == 2.5 and settings.mail_from == "pd@district.example.org"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SMTP_TLS": "maybe"}, "SMTP_TLS"),
        ({"SMTP_PORT": "70000"}, "SMTP_PORT"),
        ({"SMTP_PORT": "x"}, "SMTP_PORT"),
        ({"MAIL_FROM": "Badges <b@x.org>"}, "MAIL_FROM"),
        ({"MAIL_FROM": "b@x.org\r\nBcc: y@z.org"}, "MAIL_FROM"),
        ({"SMTP_PASSWORD": "p"}, "SMTP_PASSWORD"),
        ({"SMTP_USERNAME": "u"}, "SMTP_USERNAME"),
        ({"SMTP_TIMEOUT": "soon"}, "SMTP_TIMEOUT"),
        ({"SMTP_CA_FILE": "/nonexistent/ca.pem"}, "SMTP_CA_FILE"),
    ],
)
def test_a_bad_mail_setting_stops_the_start_naming_it(environ, named):
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(environ)
