"""OB 3.0 Data Integrity issuance per second on one core, against the Node.js VC stack signing
the same credentials in the same run.

Run: ``.venv/bin/python bench/bench_ob3_signing.py`` (``--count 200 --rounds 5`` by default).

The credentials are what the service issues (``issuer.openbadges.v3`` builders): an award of an
approved micro-credential with its rubric, an alignment, evidence, a Bitstring status entry and
PTSB's signed EndorsementCredential embedded in the Achievement; each has its own id, salt,
recipient hash, status index and dates. Timed per credential, pinned to one CPU:

- ``ours``: the whole issuance: build the credential, canonicalize and sign (eddsa-rdfc-2022,
  ``CachedSigner``: expansion templates per document shape), serialise, bake PNG and SVG, and
  store the three documents (SQLite in memory);
- ``plain``: the same with ``sign_data_integrity`` (pyld with a static-tagged loader, no template);
- ``node``: ``@digitalbazaar/vc`` ``issue`` with DataIntegrityProof + eddsa-rdfc-2022, timed
  inside the Node process (start-up excluded), the same unsigned credentials, key and date;
- ``verify``: our cached verification of the credentials we signed.

Before timing, the proofs of all three signers are checked byte-identical (same key, same date).
Rounds take turns (ours, plain, node, verify) so a busy moment on the machine hits all of them;
each figure is the best round, in wall time and in CPU time (the process's user + system
time, which other processes on a shared machine change much less; the verdict uses it).
Targets: ours at least 15x node (issue 14; issue 4 asked 2x); verify no slower than issuance.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from issuer.baking import Keyword, bake_png, bake_svg  # noqa: E402
from issuer.openbadges.artwork import generated_png, generated_svg  # noqa: E402
from issuer.openbadges.contexts import ContextLoader  # noqa: E402
from issuer.openbadges.v3 import documents as v3  # noqa: E402
from issuer.openbadges.v3 import status  # noqa: E402
from issuer.signing.data_integrity import sign_data_integrity  # noqa: E402
from issuer.signing.keys import ED25519_PRIV_PREFIX, generate_key, multikey_multibase  # noqa: E402
from issuer.signing.multibase import encode_base58btc  # noqa: E402
from issuer.signing.proof_cache import CachedSigner  # noqa: E402
from issuer.workflow.awards.documents import json_bytes  # noqa: E402
from tests.interop import harness  # noqa: E402

BASE = "https://badges.bench"
METHOD = f"{BASE}/ob3/keys/issuer2-ed25519-bench"
CREATED = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
NODE_SCRIPT = Path(__file__).with_name("ob3_node_sign.mjs")
CONTEXTS = ROOT / "schemas" / "contexts"
CPU = 0
BOARD = v3.ProfileInfo(
    id=f"{BASE}/ob3/issuers/1",
    name="Professional Teaching Standards Board",
    url="https://ptsb.example.org",
    email="credentials@ptsb.example.org",
)
ISSUER = v3.ProfileInfo(
    id=f"{BASE}/ob3/issuers/2",
    name="Riverside Unified School District",
    url="https://riverside.example.org",
    email="pd@riverside.example.org",
    description="Professional learning for Riverside educators.",
    image=f"{BASE}/ob3/issuers/2/image",
    parent=BOARD,
)
ACHIEVEMENT_URL = f"{BASE}/ob3/programs/3/v1"


def achievement(endorsement: dict[str, Any]) -> dict[str, Any]:
    return v3.build_achievement(
        v3.AchievementInfo(
            id=ACHIEVEMENT_URL,
            name="Formative Assessment",
            description="Uses formative assessment to adjust instruction.",
            criteria="Submit a lesson analysis scored 3 or higher on the rubric.",
            achievement_type="MicroCredential",
            credits_available=0.5,
            creator=ISSUER,
            image=f"{ACHIEVEMENT_URL}/image.png",
            version="1",
            tags=("Designs checks for understanding",),
            alignments=(
                v3.AlignmentInfo(
                    "Standard 5: Assessment", "https://standards.example.org/5", "PTSB"
                ),
            ),
            rubric=v3.RubricInfo(
                "Performance task rubric",
                ((1, "Beginning"), (2, "Developing"), (3, "Proficient"), (4, "Exemplary")),
                3,
            ),
            endorsements=(endorsement,),
        )
    )


def endorsement(board_key: Any, loader: ContextLoader) -> dict[str, Any]:
    unsigned = v3.build_endorsement(
        f"{BASE}/ob3/endorsements/programs/3/v1",
        BOARD,
        ACHIEVEMENT_URL,
        "Approved by the Professional Teaching Standards Board as a micro-credential",
        CREATED,
        "PTSB approval of Formative Assessment",
    )
    method = f"{BASE}/ob3/keys/ptsb-ed25519-bench"
    return sign_data_integrity(unsigned, board_key, method, loader, CREATED, proof_as_list=True)


def credential_info(number: int, achieved: dict[str, Any]) -> v3.CredentialInfo:
    """The award ``number``: its own id, salt, hash, status index and dates."""
    issued = CREATED + timedelta(minutes=number)
    salt = f"{number * 7919:032x}"
    return v3.CredentialInfo(
        id=f"{BASE}/ob3/credentials/00000000-0000-4000-8000-{number:012d}",
        name="Formative Assessment",
        issuer=ISSUER,
        achievement=achieved,
        subject=v3.SubjectInfo(f"sha256${number * 104729:064x}", salt, 0.5, 3 + number % 2),
        valid_from=issued,
        valid_until=issued + timedelta(days=365),
        evidence=v3.EvidenceInfo(
            "My lesson analysis, attempt 1.", (f"https://ev.example.org/{number}",)
        ),
        status=status.bitstring_entry(f"{BASE}/ob3/issuers/2/status", (number * 48271) % 131072),
    )


class Issuance:
    """One award's OB 3.0 issuance after the database facts are read: build, sign, serialise,
    bake PNG and SVG, store."""

    def __init__(self, sign: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.sign = sign
        self.png, self.svg = generated_png("Formative Assessment"), generated_svg("Formative")
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE TABLE documents (path TEXT PRIMARY KEY, body BLOB)")

    def __call__(self, info: v3.CredentialInfo) -> dict[str, Any]:
        signed = self.sign(v3.build_credential(info))
        compact = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
        rows = [
            (info.id, json_bytes(signed)),
            (info.id + ".png", bake_png(self.png, compact, keyword=Keyword.OB3)),
            (info.id + ".svg", bake_svg(self.svg, compact, keyword=Keyword.OB3)),
        ]
        self.db.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?)", rows)
        return signed


def node_sign(
    credentials: list[dict[str, Any]], key: dict[str, str], warmup: int
) -> dict[str, Any]:
    """Sign in one Node process pinned to the same CPU; returns its own per-credential time."""
    request = {
        "contexts": str(CONTEXTS),
        "verificationMethod": METHOD,
        "controller": ISSUER.id,
        "created": CREATED.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentials": credentials,
        "warmup": warmup,
        **key,
    }
    answer = subprocess.run(
        [shutil.which("node") or "node", "--input-type=module", "-e", NODE_SCRIPT.read_text()],
        cwd=harness.NODE_DIR,
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {CPU}),
    )
    return json.loads(answer.stdout)


def per_credential(
    run: Callable[[v3.CredentialInfo], object], infos: list[v3.CredentialInfo]
) -> tuple[float, float]:
    """Seconds per credential: wall time, and this process's CPU time (what the load of other
    processes on the machine changes much less)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for info in infos:
        run(info)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return wall / len(infos), cpu / len(infos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="credentials per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (the best one counts)")
    args = parser.parse_args()
    harness.ensure_node_modules()
    os.sched_setaffinity(0, {CPU})
    loader = ContextLoader(CONTEXTS)
    private = generate_key("ed25519").private_key
    node_key = {
        "publicKeyMultibase": multikey_multibase(private),
        "secretKeyMultibase": encode_base58btc(ED25519_PRIV_PREFIX + private.private_bytes_raw()),
    }
    achieved = achievement(endorsement(generate_key("ed25519").private_key, loader))
    infos = [credential_info(n, achieved) for n in range(args.count)]
    unsigned = [v3.build_credential(info) for info in infos]
    signer = CachedSigner(loader)
    ours = Issuance(lambda doc: signer.sign(doc, private, METHOD, CREATED))
    plain = Issuance(
        lambda doc: sign_data_integrity(doc, private, METHOD, loader, CREATED, proof_as_list=True)
    )
    signed = [ours(info) for info in infos]  # also warms the template cache
    node_proofs = node_sign(unsigned, node_key, warmup=1)["proofs"]
    theirs = node_proofs[0] if isinstance(node_proofs[0], list) else [node_proofs[0]]
    assert signed[0]["proof"] == plain(infos[0])["proof"] == theirs, "proofs differ"
    public = private.public_key()
    assert all(signer.verify(doc, lambda method: public) for doc in signed)
    by_id = {doc["id"]: doc for doc in signed}

    def verify(info: v3.CredentialInfo) -> bool:
        return signer.verify(by_id[info.id], lambda method: public)

    names = ("ours", "plain", "node", "verify")
    best = {name: (float("inf"), float("inf")) for name in names}

    def keep(name: str, timed: tuple[float, float]) -> None:
        best[name] = (min(best[name][0], timed[0]), min(best[name][1], timed[1]))

    for _ in range(args.rounds):
        keep("ours", per_credential(ours, infos))
        keep("plain", per_credential(plain, infos[: max(20, args.count // 5)]))
        node = node_sign(unsigned, node_key, warmup=20)
        keep("node", (node["msPerCredential"] / 1000, node["cpuMsPerCredential"] / 1000))
        keep("verify", per_credential(verify, infos))
    report(args, best, len(json.dumps(signed[0])))


def report(args: argparse.Namespace, best: dict[str, tuple[float, float]], size: int) -> None:
    node_version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
    print(
        f"Python {platform.python_version()}, PyLD {version('PyLD')}, Node {node_version.strip()}"
        f" (@digitalbazaar/vc 7.3.0, eddsa-rdfc-2022 1.3.0); one CPU (#{CPU}); credential"
        f" {size} bytes; {args.count} credentials x best of {args.rounds} rounds;"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'':>28} {'wall ms/cred':>13} {'CPU ms/cred':>12} {'per CPU second':>15}")
    labels = {
        "ours": "ours (issue, cached)",
        "plain": "ours (issue, plain pyld)",
        "node": "node (sign only)",
        "verify": "ours (verify, cached)",
    }
    for name, label in labels.items():
        wall, cpu = best[name]
        print(f"{label:>28} {wall * 1e3:>13.2f} {cpu * 1e3:>12.2f} {1 / cpu:>15.0f}")
    ratio = best["node"][1] / best["ours"][1]
    print(
        f"ours vs node, CPU time: {ratio:.1f}x faster ({'PASS' if ratio >= 15 else 'FAIL'}:"
        f" target >= 15x, issue 14; issue 4 asked >= 2x: {'PASS' if ratio >= 2 else 'FAIL'});"
        f" wall time: {best['node'][0] / best['ours'][0]:.1f}x"
    )
    print(f"cached vs plain pyld (CPU): {best['plain'][1] / best['ours'][1]:.1f}x")
    fast_verify = best["verify"][1] <= best["ours"][1]
    print(
        f"verify vs issue (CPU): {best['ours'][1] / best['verify'][1]:.2f}x"
        f" ({'PASS' if fast_verify else 'FAIL'}: verification at least as fast as issuance)"
    )
    print("proofs byte-identical (ours cached = ours plain = node, same key and date): PASS")


if __name__ == "__main__":
    main()
