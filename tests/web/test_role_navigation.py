"""Each role in a real browser: login lands on the role's own page, and every menu entry
it is shown opens (200, never "access not allowed")."""

import re

import pytest
from django.contrib.auth import get_user_model

from nanduti.monitoring.review import press_institution
from nanduti.registry.models import Case, Institution, Membership, Role, Source

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "clave-segura-123"


def _user(username, role, institution=None, *, staff=False, superuser=False):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.is_staff, user.is_superuser = staff, superuser
    user.save()
    Membership.objects.create(user=user, role=role, institution=institution)
    return user


@pytest.fixture
def people(transactional_db):
    ufetesi = Institution.objects.create(code="UFETESI", name="Ministerio Público – UFETESI")
    Case.objects.create(institution=ufetesi, reference="UF-1", year=2024)
    return {
        "officer": _user("oficial", Role.OFFICER, ufetesi),
        "analyst": _user("analista", Role.ANALYST),
        "steward": _user("responsable", Role.STEWARD, ufetesi, staff=True),
        "admin": _user("admin", Role.ADMIN, staff=True, superuser=True),
    }


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/cuenta/entrar/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_load_state()


def menu_entries(page) -> dict[str, str]:
    nav = page.get_by_role("navigation", name="Navegación principal")
    links = nav.get_by_role("link")
    return {
        links.nth(i).inner_text().strip(): links.nth(i).get_attribute("href")
        for i in range(links.count())
    }


HOMES = {
    "officer": (
        r"/casos/$",
        {"Casos", "Importar", "Estadísticas"},
        {"Revisión", "Enlace de registros"},
    ),
    "analyst": (
        r"/revision/$",
        {"Revisión", "Estadísticas", "Casos", "Publicaciones"},
        {"Importar", "Enlace de registros", "Usuarios"},
    ),
    "steward": (
        r"/importar/$",
        {"Importar", "Usuarios", "Enlace de registros", "Casos"},
        {"Administración"},
    ),
    "admin": (
        r"/estadisticas/$",
        {"Revisión", "Estadísticas", "Enlace de registros", "Usuarios", "Administración"},
        set(),
    ),
}


@pytest.mark.parametrize("role", list(HOMES))
def test_role_lands_on_its_home_and_every_menu_entry_opens(
    role, live_server, people, browser_page, screenshot
):
    home, shown, hidden = HOMES[role]
    page = browser_page
    log_in(page, live_server, people[role].username)
    assert re.search(home, page.url), page.url
    screenshot(page, f"role-home-{role}", full_page=True)
    entries = menu_entries(page)
    assert shown <= set(entries), entries
    assert not hidden & set(entries), entries
    for name, href in entries.items():
        response = page.goto(f"{live_server.url}{href}")
        assert response.status == 200, (role, name, href, response.status)
        if href.startswith("/admin/"):
            # Django's admin has its own frame, branded Ñandutí, in Spanish.
            assert "Ñandutí" in page.title()
            assert "Django" not in page.locator("#site-name").inner_text()
            screenshot(page, f"role-{role}-admin-{href.strip('/').replace('/', '-')}")
            continue
        # The entry of the page one is on is marked as current.
        nav = page.get_by_role("navigation", name="Navegación principal")
        assert nav.locator("[aria-current=page]").inner_text(timeout=5000).strip() == name


def test_analyst_opens_the_press_case_they_confirmed(live_server, people, browser_page):
    analyst = people["analyst"]
    press = press_institution()
    Case.objects.create(
        institution=press, reference="PRENSA-7", source=Source.PRESS, created_by=analyst
    )
    Case.objects.create(
        institution=press, reference="PRENSA-8", source=Source.PRESS, created_by=people["admin"]
    )
    page = browser_page
    log_in(page, live_server, analyst.username)
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Casos"
    ).click()
    page.wait_for_url(re.compile(r"/casos/$"))
    assert page.get_by_role("heading", name="Casos de prensa que confirmó").is_visible()
    assert page.get_by_role("link", name="Nuevo caso").count() == 0
    assert page.locator("tbody tr", has_text="PRENSA-8").count() == 0
    page.get_by_role("link", name="PRENSA-7").click()
    page.wait_for_url(re.compile(r"/casos/\d+/$"))
    assert page.get_by_role("heading", name=re.compile("PRENSA-7")).is_visible()
    assert page.get_by_role("link", name="Editar").count() == 0
