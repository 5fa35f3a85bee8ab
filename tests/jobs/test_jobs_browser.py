"""A 300,000-row import from the web page: the page answers at once with the job's page,
whose progress bar moves, without reloading, until the import has ended."""

import re
import time

import pytest
from django.db.models import Count

from nanduti.jobs.models import Job
from nanduti.registry.models import Case, Institution, Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CASES = 150_000  # two victims each: 300,000 rows


@pytest.fixture
def officer_login(transactional_db, django_user_model):
    institution = Institution.objects.create(code="UFETESI", name="Ministerio Público – UFETESI")
    user = django_user_model.objects.create_user("oficial", password="clave-segura-123")
    Membership.objects.create(user=user, institution=institution, role=Role.OFFICER)
    return user


def big_sheet(path):
    departments = ("Central", "Itapúa", "Alto Paraná", "Caaguazú", "Asunción")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("referencia_caso,anio,departamento,plataformas_captacion,sexo,edad\n")
        for n in range(CASES):
            where = departments[n % 5]
            fh.write(f"G-{n},{2015 + n % 10},{where},facebook,F,{13 + n % 9}\n")
            fh.write(f"G-{n},{2015 + n % 10},{where},whatsapp,M,{18 + n % 30}\n")
    return path


def test_a_300k_row_web_import_answers_at_once_and_shows_progress_to_the_end(
    live_server, live_worker, officer_login, browser_page, screenshot, tmp_path, settings
):
    settings.VAR_DIR = tmp_path / "var"
    sheet = big_sheet(tmp_path / "grande.csv")
    page = browser_page
    page.goto(f"{live_server.url}/cuenta/entrar/")
    page.get_by_label("Usuario").fill("oficial")
    page.get_by_label("Contraseña").fill("clave-segura-123")
    page.get_by_role("button", name="Entrar").click()
    page.goto(f"{live_server.url}/importar/")
    page.get_by_label("Archivo (CSV o XLSX)").set_input_files(str(sheet))

    clicked = time.monotonic()
    page.get_by_role("button", name="Importar").click()
    page.wait_for_url(re.compile(r"/trabajos/\d+/$"))
    answered = time.monotonic() - clicked
    print(f"the import page answered in {answered:.1f} s (wall, loaded machine)")
    job = Job.objects.get()
    # At once: the upload is saved and queued; the 300,000 rows are read by the worker later.
    assert answered < 20
    assert not job.finished
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    seen = set()
    deadline = time.monotonic() + 1200
    while time.monotonic() < deadline:
        status = page.locator("#job-status").inner_text()
        if status in ("Terminado", "Fallido", "Cancelado"):
            break
        bar = page.locator("#job-progress")
        value, maximum = bar.get_attribute("value"), bar.get_attribute("max")
        if value and maximum and 0 < int(value) < int(maximum):
            if not seen:
                screenshot(page, "jobs-import-progress", full_page=True)
            seen.add(int(value))
        time.sleep(0.5)
    assert status == "Terminado", page.locator("#job-live").inner_text()
    screenshot(page, "jobs-import-done", full_page=True)

    assert page.evaluate("window.sameDocument") is True
    assert len(seen) >= 2, seen  # the bar moved while the rows were read, page unreloaded
    assert page.locator("#job-progress").get_attribute("max") == "300000"
    text = page.locator("#job-progress-text").inner_text()
    assert re.search(r"300\W000 de 300\W000 \(100 %\)", text), text  # grouped: 300 000
    assert "150000" in page.locator(".counts").inner_text()
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (Job.Status.SUCCEEDED, 300_000, 300_000)
    assert Case.objects.count() == CASES
    assert not Case.objects.annotate(n=Count("victims")).exclude(n=2).exists()


def test_an_analyst_starts_a_summary_rebuild_and_follows_it_in_english(
    live_server, live_worker, transactional_db, django_user_model, browser_page, screenshot
):
    user = django_user_model.objects.create_user("analista", password="clave-segura-123")
    Membership.objects.create(user=user, role=Role.ANALYST)
    page = browser_page
    page.goto(f"{live_server.url}/cuenta/entrar/")
    page.get_by_label("Usuario").fill("analista")
    page.get_by_label("Contraseña").fill("clave-segura-123")
    page.get_by_role("button", name="Entrar").click()
    page.locator("#lang-select").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    page.wait_for_load_state()
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Jobs").click()
    page.get_by_role("button", name="Statistics summary").click()
    page.wait_for_url(re.compile(r"/trabajos/\d+/$"))
    page.get_by_text("Finished", exact=True).wait_for(timeout=120_000)
    assert page.get_by_text(re.compile(r"Summary rebuilt: \d+ cells")).is_visible()
    assert "Cancel" not in page.locator("#job-live").inner_text()
    screenshot(page, "jobs-summaries-en", full_page=True)
    page.get_by_role("link", name="← Jobs").click()
    assert page.get_by_role("cell", name="Finished").is_visible()
    screenshot(page, "jobs-list-en", full_page=True)
