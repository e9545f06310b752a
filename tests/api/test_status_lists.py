"""An issuer outgrows one Bitstring Status List: the next list opens at its own URL, published and
signed like the first, and issuing goes on; revocation sets the bit in the award's own list.

The lists here hold 3 credentials (STATUS_LIST_CAPACITY, test-only) so the rollover takes a few
awards; the published bitstring is 131,072 bits whatever the capacity."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from issuer.models import Award, StatusList
from issuer.openbadges.v3.status import LIST_LENGTH, decode_status_list, is_set
from issuer.workflow.awards import ob3_status
from tests.api.test_ob3_publishing import BASE, doc, get, revoke, verified
from tests.conftest import Api

CAPACITY = 3


@pytest.fixture
def settings(settings):
    return settings.with_changes(status_list_capacity=CAPACITY)


@pytest.fixture
def program(api, district):
    issuer_id, admin = district
    return api.approved_program(admin, issuer_id)


def issue(api, district, program, count):
    issuer_id, admin = district
    awards = []
    for _ in range(count):
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
        awards.append(api.complete(admin, enrollment_id))
    return awards


def entry(client, award):
    return doc(client, award["ob3"]["credential"])["credentialStatus"]


def test_the_next_list_opens_when_one_is_full_and_issuing_goes_on(api, client, district, program):
    issuer_id, _ = district
    awards = issue(api, district, program, 2 * CAPACITY + 1)
    first = f"{BASE}/ob3/issuers/{issuer_id}/status"
    lists = [entry(client, award)["statusListCredential"] for award in awards]
    assert lists == [first] * CAPACITY + [f"{first}/2"] * CAPACITY + [f"{first}/3"]
    for url in set(lists):
        status_list = doc(client, url)
        bits = decode_status_list(status_list["credentialSubject"]["encodedList"])
        assert status_list["id"] == url and len(bits) * 8 == LIST_LENGTH
        assert not any(bits) and verified(client, status_list)


def test_each_list_hands_out_every_index_below_its_capacity_once(api, client, district, program):
    awards = issue(api, district, program, 2 * CAPACITY)
    by_list: dict[str, list[int]] = {}
    for award in awards:
        status = entry(client, award)
        by_list.setdefault(status["statusListCredential"], []).append(
            int(status["statusListIndex"])
        )
        assert status["id"] == f"{status['statusListCredential']}#{status['statusListIndex']}"
    assert [sorted(indexes) for indexes in by_list.values()] == [[0, 1, 2], [0, 1, 2]]


def test_revocation_sets_the_bit_in_the_awards_own_list_only(api, client, district, program):
    awards = issue(api, district, program, CAPACITY + 1)
    first_list = entry(client, awards[0])["statusListCredential"]
    before = get(client, first_list).data
    status = entry(client, awards[CAPACITY])
    revoke(api, district, awards[CAPACITY])
    second = doc(client, status["statusListCredential"])
    bits = decode_status_list(second["credentialSubject"]["encodedList"])
    assert is_set(bits, int(status["statusListIndex"])) and sum(map(int.bit_count, bits)) == 1
    assert verified(client, second)
    assert get(client, first_list).data == before


def test_credentials_issued_before_the_rollover_keep_their_status(api, client, district, program):
    awards = issue(api, district, program, CAPACITY)
    stored = [get(client, award["ob3"]["credential"]).data for award in awards]
    issue(api, district, program, CAPACITY + 1)
    assert [get(client, award["ob3"]["credential"]).data for award in awards] == stored
    revoke(api, district, awards[0])
    status = json.loads(stored[0])["credentialStatus"]
    bits = decode_status_list(
        doc(client, status["statusListCredential"])["credentialSubject"]["encodedList"]
    )
    assert is_set(bits, int(status["statusListIndex"]))


def test_concurrent_completions_across_the_rollover_share_no_index(app, api, district, program):
    issuer_id, admin = district
    enrollments = [api.passed_enrollment(admin, issuer_id, program)[0] for _ in range(10)]
    failures: list[BaseException] = []

    def complete(worker: Api, mine: list[int]) -> None:
        try:
            for enrollment_id in mine:
                worker.complete(admin, enrollment_id)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    workers = [Api(app.test_client(), app.test_cli_runner()) for _ in range(4)]
    threads = [
        threading.Thread(target=complete, args=(worker, enrollments[i::4]))
        for i, worker in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    services = app.extensions["issuer.services"]
    with services.db.session() as session:
        held = session.execute(
            select(Award.status_list, Award.status_index).where(Award.issuer_id == issuer_id)
        ).all()
        allocated = session.scalars(
            select(StatusList.allocated).where(StatusList.issuer_id == issuer_id)
        ).all()
    assert len(held) == 10 and len(set(held)) == 10
    assert all(count <= CAPACITY for count in Counter(n for n, _ in held).values())
    assert all(0 <= index < CAPACITY for _, index in held)
    assert sum(allocated) == 10


def test_a_legacy_list_skips_indexes_drawn_before_the_lists_existed(app, api, district, program):
    """List 1 of an issuer upgraded by migration 0012 holds randomly drawn indexes: a permuted
    index one of them holds is passed over."""
    issuer_id, _ = district
    first = issue(api, district, program, 1)[0]
    services = app.extensions["issuer.services"]
    with services.db.transaction() as session:
        row = session.scalar(select(StatusList).where(StatusList.issuer_id == issuer_id))
        row.legacy = True
        next_index = ob3_status.permuted_index(row.allocated, row.capacity, row.permutation_key)
        session.get(Award, first["id"]).status_index = next_index
    second = issue(api, district, program, 1)[0]
    with services.db.session() as session:
        award = session.get(Award, second["id"])
        assert (award.status_list, award.status_index) != (1, next_index)
        assert award.status_list == 1


@pytest.mark.parametrize("capacity", [1, 2, 3, 5, 8, 1000, 4097])
def test_the_permutation_hands_out_each_index_once(capacity):
    key = "ab" * 32
    indexes = [ob3_status.permuted_index(p, capacity, key) for p in range(capacity)]
    assert sorted(indexes) == list(range(capacity))


def test_the_permutation_does_not_follow_issuance_order():
    key = "5e" * 32
    indexes = [ob3_status.permuted_index(p, 131072, key) for p in range(20)]
    assert indexes != sorted(indexes) and max(indexes) - min(indexes) > 10000
    other = [ob3_status.permuted_index(p, 131072, "07" * 32) for p in range(20)]
    assert other != indexes
