"""`nanduti serve` answers in production mode, static files included."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from cryptography.fernet import Fernet

PORT = 8157


def get(path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.mark.slow
def test_serve_answers_pages_and_static_files_in_production(tmp_path):
    env = {
        **os.environ,
        "NANDUTI_HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "NANDUTI_ENV": "production",
        "NANDUTI_SECRET_KEY": "s" * 60,
        "NANDUTI_FIELD_KEYS": Fernet.generate_key().decode(),
        "NANDUTI_ALLOWED_HOSTS": "127.0.0.1",
        "NANDUTI_SSL_REDIRECT": "0",
    }
    env.pop("NANDUTI_TEST_DB_NAME", None)
    run = [sys.executable, "-m", "nanduti"]
    subprocess.run([*run, "migrate", "-v", "0"], env=env, check=True)
    server = subprocess.Popen(
        [*run, "serve", "--bind", f"127.0.0.1:{PORT}", "--workers", "1", "--threads", "2"],
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(60):
            try:
                status, page = get("/")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("nanduti serve did not answer in 30 s")
        assert status == 200 and "Ñandutí".encode() in page
        status, css = get("/static/nanduti/site.css")
        assert status == 200 and b"{" in css
        assert get("/static/nada.css")[0] == 404
        status, page = get("/casos/")  # redirected to the login form, not an error page
        assert status == 200 and b'name="password"' in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.slow
def test_serve_starts_a_worker_that_runs_queued_jobs_and_stops_with_it(tmp_path):
    import sqlite3

    env = {
        **os.environ,
        "NANDUTI_HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("NANDUTI_TEST_DB_NAME", None)
    run = [sys.executable, "-m", "nanduti"]
    subprocess.run([*run, "migrate", "-v", "0"], env=env, check=True)
    queue_one = (
        "import django; django.setup(); from nanduti.jobs import queue; "
        "print(queue.start('summaries').pk)"
    )
    subprocess.run(
        [sys.executable, "-c", queue_one],
        env={**env, "DJANGO_SETTINGS_MODULE": "nanduti.settings"},
        check=True,
    )
    server = subprocess.Popen(
        [*run, "serve", "--bind", f"127.0.0.1:{PORT + 1}", "--workers", "1", "--no-collectstatic"],
        env=env,
        start_new_session=True,
    )
    try:
        status = None
        for _ in range(240):
            with sqlite3.connect(tmp_path / "db.sqlite3") as db:
                status = db.execute("SELECT status FROM jobs_job").fetchone()[0]
            if status == "succeeded":
                break
            time.sleep(0.5)
        assert status == "succeeded"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    workers = subprocess.run(["pgrep", "-s", str(server.pid)], capture_output=True, text=True)
    assert workers.stdout.strip() == ""  # the worker stopped with the server
