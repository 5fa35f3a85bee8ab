"""Shared fixtures: institutions, users of each role, and a headless browser."""

import tempfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from nanduti.registry.models import Institution, Membership, Role


def pytest_configure(config):
    from django.conf import settings

    # Persistent connections from live-server threads would keep the PostgreSQL test
    # database busy at teardown.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    # No background summary rebuilds: their threads would outlive a test's transaction.
    settings.NANDUTI_SUMMARY_REBUILD = "off"
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and not database.get("TEST", {}).get("NAME"):
        # A file, not memory: the live server, a jobs worker thread and the test then each
        # have a connection of their own, as in production (an in-memory database is one
        # connection that threads share, transactions and all).
        folder = Path(tempfile.mkdtemp(prefix="nanduti-test-"))
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


@pytest.fixture
def run_jobs(db):
    """Runs the queued background jobs here, in the test's transaction, as a starting
    ``nanduti worker --batch`` would (its loop would also close this connection between
    tasks, which the test still needs)."""
    from django_tasks_db.models import DBTaskResult

    from nanduti.jobs.runner import reap_stale
    from nanduti.jobs.worker import make_worker

    def run() -> None:
        reap_stale()
        worker = make_worker(batch=True)
        while (task := DBTaskResult.objects.ready().first()) is not None:
            task.claim(worker.worker_id)
            worker.run_task(task)

    return run


@pytest.fixture
def live_worker(transactional_db):
    """A jobs worker in a thread, beside ``live_server``, as ``nanduti demo`` runs one."""
    from nanduti.jobs.worker import WorkerThread

    worker = WorkerThread(interval=0.2)
    worker.start()
    yield worker
    worker.stop(timeout=120)


@pytest.fixture
def web_upload(client, run_jobs):
    """Posts a file to the import page as the logged-in ``client``. The page answers at once
    with the import job's page (or, refusing the upload, with itself); the job is run here as
    a worker would, and its page returned."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(content: bytes, name: str = "casos.csv", **extra):
        response = client.post(
            "/importar/", {"archivo": SimpleUploadedFile(name, content), **extra}
        )
        if response.status_code != 302:
            return response
        assert response.url.startswith("/trabajos/")
        run_jobs()
        return client.get(response.url)

    return post


@pytest.fixture(autouse=True)
def _nothing_kept_from_another_test():
    """Counts kept until the registry changes (nanduti.registry.freshness) are keyed on
    the highest ids, which a flushed test database can show again with other rows."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def institutions(db):
    """Two institutions, so tests can check that one never sees the other's data."""
    return {
        "UFETESI": Institution.objects.create(code="UFETESI", name="Ministerio Público – UFETESI"),
        "MINNA": Institution.objects.create(
            code="MINNA", name="Ministerio de la Niñez y la Adolescencia"
        ),
    }


@pytest.fixture
def make_user(db):
    def make(username: str, role: str = Role.OFFICER, institution: Institution | None = None):
        user = get_user_model().objects.create_user(username=username, password="clave-segura-123")
        Membership.objects.create(user=user, role=role, institution=institution)
        return user

    return make


@pytest.fixture
def officer(make_user, institutions):
    return make_user("oficial", Role.OFFICER, institutions["UFETESI"])


@pytest.fixture
def other_officer(make_user, institutions):
    return make_user("oficial_minna", Role.OFFICER, institutions["MINNA"])


@pytest.fixture
def analyst(make_user):
    return make_user("analista", Role.ANALYST, None)


SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright never downloads a browser here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # The machine has no internet: without these Chromium keeps dialling out and failing.
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture
def browser_page(monkeypatch):
    """A Spanish-speaking page in headless Chromium (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    # The sync API runs an event loop in this thread; Django's ORM must allow it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="es-PY")
        yield page
        browser.close()


@pytest.fixture
def screenshot():
    """Saves a page or element as screenshots/NAME.png, for a person to look at."""

    def save(target, name: str, **options) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        target.screenshot(path=str(path), **options)
        return path

    return save
