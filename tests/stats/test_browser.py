"""The pages in a real browser (Playwright + Debian chromium), with screenshots."""

import pytest

from .builders import fix_record_keys, make_cases

DEPTS = [
    "asuncion",
    "central",
    "alto_parana",
    "caaguazu",
    "itapua",
    "san_pedro",
    "boqueron",
    "concepcion",
    "amambay",
]


@pytest.fixture
def data(institutions):
    specs = []
    for i, dept in enumerate(DEPTS):
        for j in range(3 + 7 * (len(DEPTS) - i) // 2):
            specs.append(
                {
                    "year": 2020 + (i + j) % 5,
                    "department": dept,
                    "victims": [
                        {
                            "sex": "female" if j % 4 else "male",
                            "age_band": ["12_14", "15_17", "18_24"][j % 3],
                        }
                    ],
                    "platforms": [
                        [
                            ("whatsapp", "messaging", "recruitment"),
                            ("facebook", "social_media", "recruitment"),
                            ("tiktok", "social_media", "recruitment"),
                        ][j % 3]
                    ],
                    "exploitation": [["sexual", "labour", "esnna"][j % 3]],
                }
            )
    # A few small counts the public must never see exactly.
    specs += [
        {"year": 2024, "department": "neembucu", "victims": [{"sex": "male", "age_band": "0_11"}]}
    ] * 2
    make_cases(institutions["UFETESI"], specs)
    fix_record_keys()


def login(page, live_server, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


@pytest.mark.browser
def test_dashboard_department_crosstab_shows_map(
    browser_page, screenshot, live_server, analyst, data
):
    page = browser_page
    login(page, live_server, analyst)
    page.goto(live_server.url + "/estadisticas/")
    page.select_option("select[name=rows]", "department")
    page.select_option("select[name=cols]", "year")
    page.click("form.stats-form button[type=submit]")
    page.wait_for_selector("svg.tile-map")
    assert page.locator("svg.tile-map g.tile").count() == 18
    assert page.locator("g.tile[data-department=asuncion]").get_attribute("data-value") != "0"
    assert page.locator("table.stats-table tr").count() > len(DEPTS)
    screenshot(page, "stats_dashboard_department", full_page=True)
    with page.expect_download() as download:
        page.click("text=CSV")
    assert download.value.suggested_filename.endswith(".csv")


@pytest.mark.browser
def test_analyst_drafts_steward_approves_public_page_shows_it(
    browser_page, screenshot, live_server, analyst, make_user, institutions, data
):
    from nanduti.registry.models import Role

    steward = make_user("responsable", Role.STEWARD, institutions["UFETESI"])
    page = browser_page
    login(page, live_server, analyst)
    page.goto(live_server.url + "/estadisticas/publicaciones/")
    page.fill("input[name=title]", "Boletín de prueba")
    page.fill(
        "textarea[name=tables]",
        "cases: year # Casos por año\ncases: department,platform\nvictims: sex,age_band",
    )
    page.click("#save-draft")
    page.wait_for_selector("text=Borrador guardado")
    assert page.locator("button.approve").count() == 0  # analysts do not approve
    screenshot(page, "stats_publication_draft", full_page=True)
    page.context.clear_cookies()
    login(page, live_server, steward)
    page.goto(live_server.url + "/estadisticas/publicaciones/")
    page.click("button.approve")
    page.wait_for_selector("text=Aprobada")
    screenshot(page, "stats_publication_approved", full_page=True)
    page.context.clear_cookies()
    page.goto(live_server.url + "/estadisticas/publico/")
    assert "Boletín de prueba" in page.inner_text("body")
    # Perturbed, audited together: small figures as "<5", never exact 1–4, and no total
    # hidden (the hypercube method hid TikTok's 55 cases here).
    texts = page.locator("table.stats-table td:not(.rowhead)").all_inner_texts()
    assert "<5" in texts and page.locator("table.stats-table td.hidden").count() == 0
    assert all(t == "<5" or int(t) == 0 or int(t) >= 5 for t in texts)
    platforms = page.locator("table.stats-table").nth(1)
    heads = [h.strip() for h in platforms.locator("thead th").all_inner_texts()]
    totals = platforms.locator("tbody tr").last.locator("td").all_inner_texts()
    assert totals[0].strip() == "Total"
    by_platform = dict(zip(heads[1:], totals[1:], strict=True))
    assert all(int(by_platform[p]) >= 50 for p in ("WhatsApp", "Facebook", "TikTok"))
    screenshot(page, "stats_public", full_page=True)


@pytest.mark.browser
def test_dp_page_shows_the_budget_before_spending(
    browser_page, screenshot, live_server, officer, data
):
    from nanduti.stats.models import PrivacyRelease

    page = browser_page
    login(page, live_server, officer)
    page.goto(live_server.url + "/estadisticas/?rows=year&privacy=dp&epsilon=0.5")
    assert page.locator(".dp-remaining").inner_text() == "10,00"
    assert "0,50" in page.locator(".dp-cost").inner_text()
    assert PrivacyRelease.objects.count() == 0
    screenshot(page, "stats_dp_quote", full_page=True)
    page.click("#dp-confirm")
    page.wait_for_selector("table.stats-table")
    assert PrivacyRelease.objects.count() == 1
    page.goto(live_server.url + "/estadisticas/privacidad/")
    assert "9,50" in page.inner_text(".dp-budget")


@pytest.mark.browser
def test_report_page(browser_page, screenshot, live_server, data):
    from nanduti.stats.publication import publish_demo_panels

    publish_demo_panels()
    page = browser_page
    page.goto(live_server.url + "/estadisticas/informe/")
    assert page.locator("h1").first.inner_text().startswith("Ñandutí")
    assert page.locator("svg.tile-map").count() == 1
    screenshot(page, "stats_report", full_page=True)


@pytest.mark.browser
def test_publication_page_shows_its_budget_before_spending(
    browser_page, screenshot, live_server, analyst, make_user, institutions, data
):
    """A publication's DP tables: its own budget and each table's cost before anything is
    spent, a confirmation, and the ledger naming the publication."""
    from nanduti.registry.models import Role
    from nanduti.stats.models import PrivacyRelease, Publication

    admin = make_user("admin_dp", Role.ADMIN, None)
    page = browser_page
    login(page, live_server, analyst)
    page.goto(live_server.url + "/estadisticas/publicaciones/")
    page.fill("input[name=title]", "Boletín con privacidad diferencial")
    page.fill(
        "textarea[name=tables]",
        "víctimas: sexo | ε=0,5 # Víctimas por sexo\n"
        "casos: plataforma | ε=0,5 # Casos por plataforma\ncasos: año # Casos por año",
    )
    page.click("#save-draft")
    page.wait_for_selector(".dp-no-budget")  # no budget yet: nothing can be spent
    assert page.locator("#dp-publication-confirm").count() == 0
    page.context.clear_cookies()
    login(page, live_server, admin)
    page.goto(live_server.url + "/estadisticas/publicaciones/")
    page.fill(".dp-budget-form input[name=epsilon]", "1.5")
    page.click(".dp-budget-form button")
    page.wait_for_selector("text=Presupuesto de Boletín con privacidad diferencial")
    assert Publication.objects.get().epsilon_budget == 1.5
    page.context.clear_cookies()
    login(page, live_server, analyst)
    page.goto(live_server.url + "/estadisticas/publicaciones/")
    page.click("a.dp-review")
    page.wait_for_selector("#dp-publication-confirm")
    assert page.locator(".dp-confirm-publication .dp-remaining").inner_text() == "1,50"
    assert page.locator(".dp-confirm-publication .dp-cost").inner_text() == "ε=1,00"
    costs = page.locator(".dp-table-cost").all_inner_texts()
    assert costs == ["ε=0,50", "ε=0,50"]
    assert PrivacyRelease.objects.count() == 0
    screenshot(page, "stats_publication_dp_confirm", full_page=True)
    page.click("#dp-publication-confirm")
    page.wait_for_selector("text=Tablas con privacidad diferencial publicadas")
    assert PrivacyRelease.objects.filter(publication__isnull=False).count() == 2
    page.goto(live_server.url + "/estadisticas/privacidad/")
    assert (
        page.locator("td.release-publication").all_inner_texts()
        == ["Boletín con privacidad diferencial"] * 2
    )
    screenshot(page, "stats_ledger_publication", full_page=True)
