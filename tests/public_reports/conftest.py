import pytest
from django.core.cache import caches

OFFER = (
    "Se buscan señoritas de 18 a 25 años para trabajar en España como modelos. "
    "Sueldo de 3.000 euros, pasaje y alojamiento pagados, viaje solo de ida. "
    "Enviar fotos de cuerpo entero. Absoluta reserva. Info al WhatsApp 0981 123 456."
)


@pytest.fixture(autouse=True)
def fresh_limits(request, settings, tmp_path):
    """Each test starts with empty rate-limit counters and its own VAR_DIR. The counters live
    in the database, so only tests that use it have any to clear."""
    settings.VAR_DIR = tmp_path / "var"
    settings.NANDUTI_REPORT_POW_BITS = 8
    transactional = "transactional_db" in request.fixturenames
    if not (transactional or request.node.get_closest_marker("django_db")):
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    caches["limits"].clear()
    yield
    caches["limits"].clear()


@pytest.fixture
def offer():
    return {"kind": "offer", "platform": "facebook", "department": "itapua", "text": OFFER}
