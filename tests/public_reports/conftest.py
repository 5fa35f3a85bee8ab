import pytest
from django.core.cache import cache

OFFER = (
    "Se buscan señoritas de 18 a 25 años para trabajar en España como modelos. "
    "Sueldo de 3.000 euros, pasaje y alojamiento pagados, viaje solo de ida. "
    "Enviar fotos de cuerpo entero. Absoluta reserva. Info al WhatsApp 0981 123 456."
)


@pytest.fixture(autouse=True)
def fresh_limits(settings, tmp_path):
    """Each test starts with empty rate-limit counters and its own VAR_DIR."""
    settings.VAR_DIR = tmp_path / "var"
    settings.NANDUTI_REPORT_POW_BITS = 8
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def offer():
    return {"kind": "offer", "platform": "facebook", "department": "itapua", "text": OFFER}
