"""The reconciliation page of the demo in a real browser, with screenshots."""

import pytest

from nanduti import demo
from nanduti.figures import store


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_demo_reconciliation_page(live_server, browser_page, screenshot):
    demo.ensure_institutions()
    report = demo.load_demo_cases(300, 2024)
    assert report.readable
    store.load_shipped()
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Cifras oficiales").click()
    page.wait_for_url("**/cifras-oficiales/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Cifras oficiales")
    screenshot(page, "figures-reconciliation", full_page=False)
    remark = page.locator("#separate-counts")
    assert "cuenta por separado a las mismas víctimas" in remark.inner_text()
    t6 = page.locator("#serie-tedic2024-t6")
    assert "Policía Nacional (Tabla 6 del estudio)" in t6.locator("h2").inner_text()
    first = t6.locator("tbody tr").first.locator("td")
    assert first.nth(0).inner_text() == "2020" and first.nth(2).inner_text() == "45"
    assert "Unidad: Casos" in t6.locator(".source").inner_text()
    screenshot(t6, "figures-table6")
    t8 = page.locator("#serie-tedic2024-t8")
    t8.scroll_into_view_if_needed()
    screenshot(t8, "figures-table8")
    # Anonymous visitors: small registry counts hidden, never the published official figure.
    hidden = page.locator("td.hidden")
    assert hidden.count() > 0
    ine = page.locator("#serie-ine-ods-16-2-2 tbody tr").first
    assert "denuncias" in ine.inner_text() and "79" in ine.inner_text()
