"""The static export's change detection (issue 14, past one machine): what a pass writes, what the
publication feed records, and how a follower on another machine catches up."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from issuer.models import PublicationChange, PublishedDocument
from issuer.public.static_origin import answer_headers, standard_profiles, tree_profiles
from issuer.workflow.awards.static_export import Follower, StaticTree, export_tree, follow

ORIGIN = "https://badges.test"


def headers(document):
    return answer_headers(document, https=True)


@pytest.fixture
def db(app):
    return app.extensions["issuer.services"].db


def revoke(client, award, admin):
    response = client.post(
        f"/api/v1/awards/{award['id']}/revoke",
        json={"reason": "Plagiarised evidence"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 200, response.get_json()


def feed(db):
    with db.session() as session:
        return [
            (row.seq, set(row.paths.split("\n")))
            for row in session.scalars(select(PublicationChange).order_by(PublicationChange.seq))
        ]


def path_of(url):
    return url.replace(ORIGIN, "")


def test_a_second_pass_with_nothing_changed_writes_nothing(db, award, tmp_path):
    first = export_tree(db, tmp_path, headers)
    second = export_tree(db, tmp_path, headers)
    assert first.written > 0 and first.left_to_app == 0
    assert second.written == 0 and second.unchanged == first.written


def test_each_exported_path_links_to_its_exact_bytes(db, award, tmp_path):
    export_tree(db, tmp_path, headers)
    tree = StaticTree(tmp_path)
    with db.session() as session:
        for row in session.scalars(select(PublishedDocument)):
            assert (tree.link(row.path) / "body").read_bytes() == row.body, row.path


def test_a_publishing_commit_records_every_path_it_wrote_in_one_feed_row(db, award):
    last_seq, last_paths = feed(db)[-1]
    with db.session() as session:
        query = select(PublishedDocument.path).where(PublishedDocument.award_id == award["id"])
        award_paths = set(session.scalars(query))
    assert path_of(award["ob2"]["assertion"]) in award_paths
    assert path_of(award["ob3"]["credential"]) in award_paths
    assert award_paths <= last_paths  # every format and baked image of the award, one row
    assert last_seq == max(seq for seq, _ in feed(db))


def test_a_rolled_back_transaction_records_nothing(db, award):
    before = feed(db)
    session = db.session(write=True)
    document = session.get(PublishedDocument, path_of(award["ob2"]["assertion"]))
    document.body = b"{}"
    session.flush()
    session.rollback()
    session.close()
    assert feed(db) == before


def test_a_revocation_rewrites_only_the_documents_it_changed(app, db, district, award, tmp_path):
    _, admin = district
    export_tree(db, tmp_path, headers)
    seq_before = feed(db)[-1][0]
    revoke(app.test_client(), award, admin)
    changed = set().union(*(paths for seq, paths in feed(db) if seq > seq_before))

    report = export_tree(db, tmp_path, headers)

    assert path_of(award["ob2"]["assertion"]) in changed
    assert 0 < report.written <= len(changed) and report.removed == 0


def test_a_document_whose_etag_is_not_its_hash_is_left_to_the_app(db, award, tmp_path):
    path = path_of(award["ob2"]["assertion"])
    with db.transaction() as session:
        session.get(PublishedDocument, path).body = b'{"changed": "without a new etag"}'

    report = export_tree(db, tmp_path, headers)

    assert report.left_to_app == 1
    assert StaticTree(tmp_path).current(path) is None


def test_a_path_gone_from_the_database_is_gone_from_the_tree(db, award, tmp_path):
    path = path_of(award["ob2"]["assertion"]) + ".svg"
    export_tree(db, tmp_path, headers)
    with db.transaction() as session:
        session.delete(session.get(PublishedDocument, path))

    report = export_tree(db, tmp_path, headers)

    assert report.removed == 1 and StaticTree(tmp_path).current(path) is None


def test_a_follower_on_another_machine_exports_a_revocation_made_through_this_one(
    app, district, award, second_worker, tmp_path
):
    _, admin = district
    other_db = second_worker.extensions["issuer.services"].db
    follower = Follower(other_db, tmp_path, headers)
    follower.start()
    path = path_of(award["ob2"]["assertion"])
    before = StaticTree(tmp_path).current(path)

    revoke(app.test_client(), award, admin)
    report = follower.poll()

    assert report.written >= 2 and StaticTree(tmp_path).current(path) != before
    assert b'"revoked": true' in (StaticTree(tmp_path).link(path) / "body").read_bytes()
    assert follower.poll().written == 0  # nothing handled twice


def test_a_change_committed_late_with_a_lower_number_is_still_exported(db, award, tmp_path):
    """Two machines: number N+2 commits first, N+1 (a longer transaction) after the follower
    passed N+2. The follower awaits N+1 and exports it when it appears."""
    follower = Follower(db, tmp_path, headers)
    follower.start()
    path = path_of(award["ob2"]["assertion"]) + ".png"
    top = feed(db)[-1][0]
    now = datetime.now(UTC)
    with db.engine.begin() as connection:  # the later transaction commits first
        connection.execute(
            PublicationChange.__table__.insert().values(
                seq=top + 2, paths="/ob2/none", recorded_at=now
            )
        )
    follower.poll()
    assert follower.cursor.wanted_gaps() == [top + 1]
    with db.session(write=True) as session:  # the document changes, its row numbered top + 1
        session.get(PublishedDocument, path).award_id = None
        session.flush()
        session.info.clear()
        session.execute(
            PublicationChange.__table__.insert().values(seq=top + 1, paths=path, recorded_at=now)
        )
        session.commit()
    before = StaticTree(tmp_path).current(path)

    report = follower.poll()

    assert report.written == 1 and StaticTree(tmp_path).current(path) != before
    assert follower.cursor.wanted_gaps() == []


def test_an_object_no_link_names_is_collected_only_after_the_grace(
    db, district, app, award, tmp_path
):
    _, admin = district
    export_tree(db, tmp_path, headers)
    tree = StaticTree(tmp_path)
    path = path_of(award["ob2"]["assertion"])
    old = tree.object_dir(tree.current(path))
    long_ago = time.time() - 3600
    os.utime(old, (long_ago, long_ago))  # written long ago
    revoke(app.test_client(), award, admin)
    export_tree(db, tmp_path, headers)

    tree.collect_garbage(grace_seconds=60)
    assert old.is_dir()  # the grace counts from when the link stopped naming it

    os.utime(old, (long_ago, long_ago))
    tree.collect_garbage(grace_seconds=60)
    assert not old.exists() and (tree.link(path) / "body").exists()


def test_follow_polls_until_told_to_stop_and_prunes_old_feed_rows(db, award, tmp_path):
    old = datetime(2020, 1, 1, tzinfo=UTC)
    with db.transaction() as session:
        session.add(PublicationChange(paths="/ob2/old", recorded_at=old))
    ticks = iter(range(0, 10_000, 700))
    follower = Follower(db, tmp_path, headers, clock=lambda: float(next(ticks)))
    polls = []

    follow(follower, 1.0, stop=lambda: len(polls) >= 2, sleep=polls.append)

    assert StaticTree(tmp_path).current(path_of(award["ob2"]["assertion"])) is not None
    assert "/ob2/old" not in set().union(*(paths for _seq, paths in feed(db)))


def test_a_configuration_rendered_before_any_export_knows_every_profile_it_writes(
    db, award, tmp_path
):
    report = export_tree(db, tmp_path, headers)
    assert report.new_profiles
    assert set(tree_profiles(tmp_path)) <= set(standard_profiles(https=True))
