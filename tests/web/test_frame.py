"""The shared frame: home page, navigation, demo banner, login."""

from nanduti.registry.models import Case

BANNER = "DATOS SINTÉTICOS DE DEMOSTRACIÓN"


def test_home_explains_and_links(client, db):
    html = client.get("/").content.decode()
    assert "Ñandutí" in html
    assert 'href="/estadisticas/publico/"' in html
    # Someone not logged in is shown only the pages open to them.
    assert 'href="/cifras-oficiales/"' in html
    for link in ("/casos/", "/importar/", "/revision/", "/estadisticas/"):
        assert f'href="{link}"' not in html
    assert "site.css" in html and "cdn" not in html.lower()


def test_banner_only_when_synthetic_cases_exist(client, institutions):
    assert BANNER not in client.get("/").content.decode()
    Case.objects.create(institution=institutions["UFETESI"], reference="D-1", synthetic=True)
    assert BANNER in client.get("/").content.decode()


def test_login_page_and_redirect(client, officer):
    page = client.get("/cuenta/entrar/").content.decode()
    assert 'for="id_username"' in page and 'for="id_password"' in page
    response = client.post(
        "/cuenta/entrar/", {"username": "oficial", "password": "clave-segura-123"}
    )
    assert response.status_code == 302 and response["Location"] == "/entrada/"
    # The officer's own page is their cases.
    assert client.get("/entrada/")["Location"] == "/casos/"
    html = client.get("/casos/").content.decode()
    assert "Ministerio Público – UFETESI" in html
    assert client.post("/cuenta/salir/").status_code == 302
    assert client.get("/casos/").status_code == 302


def test_wrong_password_message(client, officer):
    html = client.post("/cuenta/entrar/", {"username": "oficial", "password": "nope"}).content
    assert "incorrectos" in html.decode()
