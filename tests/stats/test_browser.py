"""The pages in a real browser (Playwright + Debian chromium), with screenshots."""

import pytest

from .builders import make_cases

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
def test_public_page_shows_suppressed_cells(browser_page, screenshot, live_server, data):
    page = browser_page
    page.goto(live_server.url + "/estadisticas/publico/")
    hidden = page.locator("table.stats-table td.hidden")
    assert hidden.count() > 0
    assert set(hidden.all_inner_texts()) == {"—"}
    for text in page.locator("table.stats-table td:not(.rowhead)").all_inner_texts():
        assert text == "—" or int(text) == 0 or int(text) >= 5
    screenshot(page, "stats_public", full_page=True)


@pytest.mark.browser
def test_report_page(browser_page, screenshot, live_server, data):
    page = browser_page
    page.goto(live_server.url + "/estadisticas/informe/")
    assert page.locator("h1").first.inner_text().startswith("Ñandutí")
    assert page.locator("svg.tile-map").count() == 1
    screenshot(page, "stats_report", full_page=True)
