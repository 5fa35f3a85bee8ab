"""Job-ad red flags (after shared/reference/red-flags.md R1–R16), with reasons shown.

Ads written by the Ñandutí project for these tests.
"""

import json

from nanduti.monitoring.extract.ads import screen_item, screen_text
from nanduti.monitoring.extract.pipeline import screen_ads_jsonl

FISHING = (
    "Se buscan chicas de 18 a 25 años de buena presencia para trabajar en Argentina como "
    "promotoras. Pasaje y alojamiento pagados, sueldo de 6.000.000 Gs por semana, sin "
    "experiencia. Urgente, salida esta semana. Escribir solo por WhatsApp al 0981 555 123. "
    "Enviar fotos de cuerpo entero. Absoluta reserva."
)
HONEST = (
    "Empresa de logística busca auxiliar contable con 2 años de experiencia. Presentar CV "
    "en nuestras oficinas de Avda. Mariscal López 1234, Asunción, de 8 a 12 h. Salario según "
    "convenio, IPS desde el primer día."
)


def codes(result):
    return {reason["code"] for reason in result["reasons"]}


def test_fishing_ad_scores_high_with_its_reasons():
    result = screen_text(FISHING)
    assert result["suspicious"] and result["score"] >= 0.9
    assert {"R1", "R2", "R5", "R7", "R8", "R10", "YOUNG_WOMEN"} <= codes(result)
    for reason in result["reasons"]:
        assert reason["evidence"] and reason["evidence"].lower() in FISHING.lower()
        assert reason["label_es"] and reason["label_en"]


def test_ordinary_job_ad_scores_low():
    result = screen_text(HONEST)
    assert result["score"] < 0.3 and not result["suspicious"]


def test_one_flag_alone_is_not_suspicious():
    result = screen_text("Se necesita niñera con referencias para cuidar a dos niños en Luque.")
    assert 0 < result["score"] < 0.6 and not result["suspicious"]


def test_specific_flags():
    assert "R3" in codes(screen_text("Viaje solo de ida a España, te esperamos."))
    assert "R9" in codes(screen_text("Te prestamos el dinero y se descuenta de tu sueldo."))
    assert "R11" in codes(screen_text("Al llegar retenemos tu pasaporte por seguridad."))
    assert "R12" in codes(screen_text("El pago es en comida y alojamiento los primeros meses."))
    assert "R15" in codes(screen_text("Vendé tu pack, ganá en OnlyFans desde casa."))
    assert "R16" in codes(screen_text("Beca todo pago para estudiar en Europa, cupos limitados."))


def test_english_ad():
    result = screen_text(
        "Hostess wanted abroad, travel paid and visa arranged, no experience needed, "
        "WhatsApp only. Send full-body photos."
    )
    assert result["suspicious"]


def test_screen_item_lists_platforms(tmp_path):
    result = screen_item({"id": "a1", "title": "Trabajo", "text": FISHING})
    assert result["id"] == "a1" and result["platforms"] == ["WhatsApp"]


def test_screen_ads_jsonl_reports_bad_lines(tmp_path):
    source = tmp_path / "ads.jsonl"
    source.write_text(
        json.dumps({"id": "a", "text": FISHING}, ensure_ascii=False)
        + "\nnot json\n"
        + json.dumps({"text": HONEST}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    target = tmp_path / "out.jsonl"
    report = screen_ads_jsonl(source, target)
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["suspicious"] for r in rows] == [True, False]
    assert report.invalid[0][0] == 2
    assert rows[1]["id"].startswith("gen-") and report.warnings
