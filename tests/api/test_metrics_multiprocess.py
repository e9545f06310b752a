"""Issue 14: /metrics is correct with several gunicorn workers. Two worker processes count
requests into PROMETHEUS_MULTIPROC_DIR; a third answers /metrics with the sum."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import sys
from issuer import create_app
client = create_app().test_client()
for _ in range(int(sys.argv[1])):
    assert client.get("/healthz").status_code == 200
if sys.argv[2] == "scrape":
    sys.stdout.write(client.get("/metrics").data.decode())
"""


def run_worker(env: dict[str, str], requests: int, scrape: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(requests), "scrape" if scrape else "-"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_metrics_add_up_the_requests_of_every_worker_process(app, settings, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "DATABASE_URL": settings.database_url,
        "INSTANCE_DIR": str(settings.instance_dir),
        "KEYS_DIR": str(settings.keys_dir),
        "BASE_URL": settings.base_url,
        "SECRET_KEY": settings.secret_key,
    }
    run_worker(env, 2)
    run_worker(env, 3)
    text = run_worker(env, 0, scrape=True)
    assert 'issuer_http_requests_total{method="GET",route="/healthz",status="200"} 5.0' in text
    assert 'issuer_http_request_duration_seconds_count{method="GET",route="/healthz"} 5.0' in text
    assert 'issuer_outbox_messages{outbox="webhook",state="pending"} 0.0' in text  # from the db
    assert len(list(folder.glob("*.db"))) >= 3  # one file per worker process and kind of metric
