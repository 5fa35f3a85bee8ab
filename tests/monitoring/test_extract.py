"""The pipeline's contract (DESIGN.md §5), text cleaning, language and bad input."""

import json

from nanduti.monitoring.extract import language
from nanduti.monitoring.extract.pipeline import (
    CONTRACT_KEYS,
    extract_item,
    extract_jsonl,
    extract_text,
)
from nanduti.monitoring.extract.text import MAX_CHARS, clean

CASE = {
    "id": "uh-1",
    "title": "Evitan que adolescente sea llevada al Brasil por una red de trata",
    "text": (
        "Una adolescente de 15 años fue rescatada el pasado martes en Pedro Juan Caballero "
        "cuando iba a ser trasladada al Brasil. La menor había sido contactada por Facebook "
        "y WhatsApp por un hombre que le prometía trabajo como costurera en São Paulo. "
        "La fiscalía investiga trata de personas con fines de explotación sexual."
    ),
    "url": "https://example.org/nota",
    "date": "2024-03-20",
    "outlet": "Diario de prueba",
}


def test_output_has_exactly_the_contract_keys_and_types():
    out = extract_item(CASE)
    assert set(CONTRACT_KEYS) <= set(out)
    assert out["id"] == "uh-1"
    assert out["is_trafficking"] is True
    assert 0.0 <= out["score"] <= 1.0
    assert out["platforms"] == ["Facebook", "WhatsApp"]
    assert out["departments"] == ["Amambay"]
    assert out["cities"] == ["Pedro Juan Caballero"]
    assert out["destination_countries"] == ["Brazil"]
    assert out["victim_minor"] is True
    assert out["victim_gender"] == "female"
    assert "sexual" in out["exploitation"]
    assert out["date"] == "2024-03-19"
    assert out["language"] == "es"
    for field in ("platforms", "departments", "destination_countries", "date", "relevance"):
        assert out["evidence"][field], field
    json.dumps(out)  # serialisable as one JSONL line


def test_library_function_on_one_text():
    out = extract_text(CASE["text"], title=CASE["title"], published="2024-03-20")
    assert out["is_trafficking"] and out["destination_countries"] == ["Brazil"]


def test_footer_and_teaser_lines_are_not_facts():
    text = (
        "Un hombre fue detenido por explotación sexual de una adolescente en Luque.\n"
        "Síguenos en Facebook\n"
        "Únete a nuestro canal de WhatsApp\n"
        "Compartir en X | Telegram\n"
        "Lea también: Detienen en Encarnación a sospechoso de robo\n"
        "Te puede interesar\n"
        "Incendio en San Pedro deja familias sin casa\n"
        "Crecida del río en Pilar"
    )
    out = extract_item({"id": "x", "title": "", "text": text})
    assert out["platforms"] == []
    assert out["departments"] == ["Central"]


def test_clean_converts_html_and_drops_scripts():
    result = clean(
        "<html><body><script>var wa='WhatsApp'</script><p>Rescatan a <b>joven</b> en "
        "Encarnación.</p><nav>Inicio | Facebook</nav><p>Fue captada por Instagram.</p>"
        "</body></html>"
    )
    assert result.was_html
    assert "Rescatan a joven en Encarnación." in result.text
    assert "var wa" not in result.text and "Inicio" not in result.text
    assert any(w.startswith("html_converted") for w in result.warnings)


def test_html_where_text_was_expected_still_gives_facts():
    out = extract_item(
        {
            "id": "h",
            "title": "Trata",
            "text": "<div><p>Una joven fue llevada a España y explotada sexualmente.</p>"
            "<p>La contactaron por Instagram.</p></div>",
        }
    )
    assert out["destination_countries"] == ["Spain"]
    assert out["platforms"] == ["Instagram"]
    assert any(w.startswith("html_converted") for w in out["warnings"])


def test_empty_text_gives_an_empty_result_with_a_warning():
    out = extract_item({"id": "e", "title": "", "text": ""})
    assert out["is_trafficking"] is False
    assert out["platforms"] == [] and out["departments"] == [] and out["date"] is None
    assert any(w.startswith("empty_text") for w in out["warnings"])


def test_very_large_document_is_truncated_with_a_warning():
    paragraph = "La fiscalía investiga trata de personas en Encarnación. " * 40 + "\n"
    huge = paragraph * (5_000_000 // len(paragraph) + 1)
    assert len(huge) >= 5_000_000
    out = extract_item({"id": "big", "title": "Documento enorme", "text": huge})
    assert any(w.startswith("truncated") for w in out["warnings"])
    assert out["departments"] == ["Itapúa"]
    assert len(clean(huge).text) <= MAX_CHARS


def test_missing_id_is_generated_and_warned():
    out = extract_item({"title": "Sin id", "text": "Texto de prueba."})
    assert out["id"].startswith("gen-")
    assert any(w.startswith("missing_id") for w in out["warnings"])
    again = extract_item({"title": "Sin id", "text": "Texto de prueba."})
    assert again["id"] == out["id"]  # stable: the same item gets the same id


def test_invalid_json_lines_are_reported_with_line_number_and_others_processed(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps(CASE, ensure_ascii=False)
        + "\n{not json\n\n[1, 2]\n"
        + json.dumps({"id": "b", "title": "", "text": "Lluvias en Asunción."})
        + "\n",
        encoding="utf-8",
    )
    target = tmp_path / "out.jsonl"
    report = extract_jsonl(source, target)
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in lines] == ["uh-1", "b"]
    assert [number for number, _ in report.invalid] == [2, 4]
    assert report.read == 2 and report.written == 2 and report.relevant == 1


def test_mixed_languages_are_detected_and_still_read():
    text = (
        "Una joven fue rescatada en Asunción tras ser captada por Facebook. "
        "The police said the girl was taken to Argentina by the traffickers and rescued there."
    )
    out = extract_item({"id": "m", "title": "", "text": text})
    assert out["language"] == "mixed"
    assert out["platforms"] == ["Facebook"]
    assert out["destination_countries"] == ["Argentina"]


def test_language_detection():
    assert language.detect("La policía rescató a una joven que fue captada por redes.") == "es"
    assert language.detect("The police rescued a young woman recruited online.") == "en"
    assert language.detect("A polícia resgatou uma jovem que não tinha documentos.") == "pt"
    assert language.detect("Ko mitãkuña oĩ peteĩ tapére ha upe rire oho hikuái.") == "gn"
    assert language.detect("") == "und"
