"""Settings come from the environment; a bad value stops the start naming the variable."""

from __future__ import annotations

import pytest

from issuer.config import ConfigError, Settings


def test_defaults_use_sqlite_in_the_instance_folder():
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "issuer.sqlite3"
    )


def test_postgresql_url_uses_psycopg_driver():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://u@db/x"})
    assert settings.database_url == "postgresql+psycopg://u@db/x"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BASE_URL", "ftp://example.org"),
        ("BASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://x"),
        ("VERIFY_ALLOW_PRIVATE", "perhaps"),
        ("PTSB_WEBHOOK_URL", "file:///etc/passwd"),
    ],
)
def test_bad_value_names_the_variable(variable, value):
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({variable: value})


def test_base_url_trailing_slash_is_dropped():
    assert (
        Settings.from_env(
            {"BASE_URL": "https://badges.example.org/", "SECRET_KEY": "a-real-secret"}
        ).base_url
        == "https://badges.example.org"
    )


def test_passphrase_and_flags_are_read():
    settings = Settings.from_env({"KEY_PASSPHRASE": "s3cret", "VERIFY_ALLOW_PRIVATE": "true"})
    assert settings.key_passphrase == b"s3cret" and settings.verify_allow_private


def test_ptsb_webhook_url_needs_its_secret():
    with pytest.raises(ConfigError, match="PTSB_WEBHOOK_SECRET"):
        Settings.from_env({"PTSB_WEBHOOK_URL": "https://license.example.org/hooks"})


def test_malformed_ptsb_webhook_secret_names_the_variable():
    with pytest.raises(ConfigError, match="PTSB_WEBHOOK_SECRET"):
        Settings.from_env(
            {"PTSB_WEBHOOK_URL": "https://l.example.org/h", "PTSB_WEBHOOK_SECRET": "hunter2"}
        )


def test_webhook_settings_are_read():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    settings = Settings.from_env(
        {
            "PTSB_WEBHOOK_URL": "https://l.example.org/h",
            "PTSB_WEBHOOK_SECRET": secret,
            "WEBHOOK_ALLOW_PRIVATE": "yes",
        }
    )
    assert settings.ptsb_webhook_secret == secret and settings.webhook_allow_private


def test_webhook_allow_private_must_be_a_flag():
    with pytest.raises(ConfigError, match="WEBHOOK_ALLOW_PRIVATE"):
        Settings.from_env({"WEBHOOK_ALLOW_PRIVATE": "maybe"})


def test_https_with_the_development_secret_key_refuses_to_start():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"BASE_URL": "https://badges.example.org"})


def test_https_with_an_empty_secret_key_refuses_to_start():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"BASE_URL": "https://badges.example.org", "SECRET_KEY": ""})


def test_http_development_start_keeps_the_development_key():
    assert Settings.from_env({}).secret_key == Settings().secret_key


def test_trusted_proxies_and_registration_limit_are_read():
    settings = Settings.from_env({"TRUSTED_PROXIES": "2", "OAUTH_REGISTRATIONS_PER_HOUR": "5"})
    assert (settings.trusted_proxies, settings.oauth_registrations_per_hour) == (2, 5)
    assert (Settings().trusted_proxies, Settings().oauth_registrations_per_hour) == (0, 20)


@pytest.mark.parametrize("variable", ["TRUSTED_PROXIES", "OAUTH_REGISTRATIONS_PER_HOUR"])
@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_counts_must_be_whole_numbers(variable, value):
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({variable: value})


def test_uploads_default_to_the_instance_folder_with_spec_limits(tmp_path):
    settings = Settings.from_env({"INSTANCE_DIR": str(tmp_path)})
    assert settings.uploads_dir == tmp_path / "uploads"
    assert settings.upload_max_file_bytes == 25 * 1024 * 1024
    assert settings.upload_max_submission_bytes == 100 * 1024 * 1024


def test_upload_settings_are_read_from_the_environment(tmp_path):
    env = {
        "UPLOADS_DIR": str(tmp_path / "files"),
        "UPLOAD_MAX_FILE_BYTES": "1000",
        "UPLOAD_MAX_SUBMISSION_BYTES": "5000",
        "UPLOAD_MAX_FILES": "3",
    }
    settings = Settings.from_env(env)
    assert (settings.uploads_dir, settings.upload_max_file_bytes) == (tmp_path / "files", 1000)
    assert (settings.upload_max_submission_bytes, settings.upload_max_files) == (5000, 3)


@pytest.mark.parametrize(
    "env",
    [
        {"UPLOAD_MAX_FILE_BYTES": "lots"},
        {"UPLOAD_MAX_FILES": "0"},
        {"UPLOAD_MAX_FILE_BYTES": "2000", "UPLOAD_MAX_SUBMISSION_BYTES": "1000"},
    ],
)
def test_unusable_upload_limits_stop_the_start(env):
    with pytest.raises(ConfigError, match="UPLOAD_MAX"):
        Settings.from_env(env)


def test_status_list_capacity_is_read_and_defaults_to_a_whole_list():
    assert Settings.from_env({}).status_list_capacity == 131072
    assert Settings.from_env({"STATUS_LIST_CAPACITY": "3"}).status_list_capacity == 3


@pytest.mark.parametrize("value", ["0", "131073", "many"])
def test_status_list_capacity_outside_one_list_refuses_to_start(value):
    with pytest.raises(ConfigError, match="STATUS_LIST_CAPACITY"):
        Settings.from_env({"STATUS_LIST_CAPACITY": value})


def test_public_cache_seconds_and_prometheus_directory_are_read(tmp_path):
    settings = Settings.from_env(
        {"PUBLIC_CACHE_SECONDS": "2.5", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    )
    assert (settings.public_cache_seconds, settings.prometheus_multiproc_dir) == (2.5, tmp_path)


@pytest.mark.parametrize("value", ["-1", "301", "nan", "soon"])
def test_a_public_cache_bound_outside_0_to_the_max_age_stops_the_start(value):
    with pytest.raises(ConfigError, match="PUBLIC_CACHE_SECONDS"):
        Settings.from_env({"PUBLIC_CACHE_SECONDS": value})


def test_a_prometheus_directory_that_does_not_exist_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        Settings.from_env({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")})
