"""Issue 14: public reads kept in each worker for a stated bound. Two apps on one database stand
for two gunicorn workers; a test clock stands for time passing."""

from __future__ import annotations

import re

import pytest

from issuer import create_app
from issuer.config import ConfigError, Settings
from issuer.domain.caching import DEFAULT_PUBLIC_CACHE_SECONDS, MUTABLE_MAX_AGE

LD = "application/ld+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Headers that differ between any two answers, cached or not.
PER_ANSWER = {"x-request-id", "date"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def local(url: str) -> str:
    return url.replace("https://badges.test", "")


def read(client, url, accept=LD):
    return client.get(local(url), headers={"Accept": accept})


def revoke_through(app, api, award, admin, reason="Plagiarised evidence"):
    response = app.test_client().post(
        f"/api/v1/awards/{award['id']}/revoke",
        json={"reason": reason},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 200, response.get_json()


def status_list_url(client, award) -> str:
    credential = read(client, award["ob3"]["credential"]).get_json(force=True)
    return credential["credentialStatus"]["statusListCredential"]


def test_the_bound_is_a_few_seconds_and_never_more_than_the_published_max_age(app, client, award):
    cache_control = read(client, award["ob2"]["assertion"]).headers["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache_control)[1])
    bound = app.extensions["issuer.services"].reads.seconds
    assert bound == DEFAULT_PUBLIC_CACHE_SECONDS == 5
    assert bound <= max_age == MUTABLE_MAX_AGE


def test_a_bound_longer_than_the_published_max_age_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="PUBLIC_CACHE_SECONDS"):
        Settings.from_env({"INSTANCE_DIR": str(tmp_path), "PUBLIC_CACHE_SECONDS": "301"})


def test_a_revocation_through_another_worker_is_visible_within_the_bound(
    app, client, api, district, award, second_worker
):
    _, admin = district
    clock = Clock()
    reads = app.extensions["issuer.services"].reads
    reads.set_clock(clock)
    bound = reads.seconds
    status_list = status_list_url(client, award)
    before = {
        "assertion": read(client, award["ob2"]["assertion"]).get_json(force=True),
        "status_list": read(client, status_list).data,
        "page": read(client, award["verify_url"], BROWSER).data.decode(),
    }
    assert "revoked" not in before["assertion"] and "Revoked" not in before["page"]

    revoke_through(second_worker, api, award, admin)

    clock.now += bound - 0.001  # within the bound, worker A may still answer what it read
    assert read(client, award["ob2"]["assertion"]).get_json(force=True) == before["assertion"]
    clock.now += 0.001  # at the bound, every read of worker A sees the revocation
    assertion = read(client, award["ob2"]["assertion"]).get_json(force=True)
    assert assertion["revoked"] is True and assertion["revocationReason"] == "Plagiarised evidence"
    assert read(client, status_list).data != before["status_list"]
    assert (
        "Revoked: Plagiarised evidence" in read(client, award["verify_url"], BROWSER).data.decode()
    )


def test_a_revocation_through_the_same_worker_is_visible_at_once(app, client, api, district, award):
    _, admin = district
    clock = Clock()
    app.extensions["issuer.services"].reads.set_clock(clock)
    status_list = status_list_url(client, award)
    old_list = read(client, status_list).data
    assert "Valid" in read(client, award["verify_url"], BROWSER).data.decode()

    revoke_through(app, api, award, admin)  # the clock does not move

    assert read(client, award["ob2"]["assertion"]).get_json(force=True)["revoked"] is True
    assert read(client, status_list).data != old_list
    assert (
        "Revoked: Plagiarised evidence" in read(client, award["verify_url"], BROWSER).data.decode()
    )


def test_with_the_cache_off_another_worker_s_revocation_is_visible_at_once(
    settings, api, district, award, second_worker
):
    _, admin = district
    uncached = create_app(settings.with_changes(public_cache_seconds=0))
    try:
        reader = uncached.test_client()
        assert "revoked" not in read(reader, award["ob2"]["assertion"]).get_json(force=True)
        revoke_through(second_worker, api, award, admin)
        assert read(reader, award["ob2"]["assertion"]).get_json(force=True)["revoked"] is True
    finally:
        uncached.extensions["issuer.services"].db.dispose()


def comparable(response):
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() not in PER_ANSWER)
    return response.status_code, headers, response.data


@pytest.mark.parametrize(
    ("artifact", "accept"),
    [
        (("ob2", "assertion"), LD),
        (("ob2", "assertion"), "application/json"),
        (("ob2", "assertion"), BROWSER),
        (("ob3", "credential"), LD),
        (("ob3", "credential"), None),
        (("ob3", "credential"), BROWSER),
        (("ob2", "svg"), "*/*"),
        (("ob2", "png"), "*/*"),
        (("ob3", "jwt"), "*/*"),
    ],
)
def test_an_answer_from_the_cache_is_the_answer_flask_gave(app, client, award, artifact, accept):
    url = local(award[artifact[0]][artifact[1]])
    headers = {"Accept": accept} if accept else {}
    first = client.get(url, headers=headers)  # read from the database by the Flask view
    assert first.status_code == 200
    assert url in app.extensions["issuer.services"].reads.documents._entries
    again = client.get(url, headers=headers)  # answered from the cache before Flask
    assert comparable(again) == comparable(first)


def test_a_conditional_read_of_a_cached_document_answers_304(client, award):
    first = read(client, award["ob2"]["assertion"])
    again = client.get(
        local(award["ob2"]["assertion"]),
        headers={"Accept": LD, "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]


def test_head_of_a_cached_document_has_the_get_headers_and_no_body(client, award):
    got = read(client, award["ob3"]["credential"])
    head = client.head(local(award["ob3"]["credential"]), headers={"Accept": LD})
    assert head.data == b"" and comparable(head)[1] == comparable(got)[1]
