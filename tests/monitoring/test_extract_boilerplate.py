"""Page noise on real-looking pages: calls to action, menus, cross-item footers, teasers,
and destination lists. Texts written for these tests."""

import json

from nanduti.monitoring.extract.facts import extract_facts
from nanduti.monitoring.extract.pipeline import extract_item, extract_items, extract_jsonl
from nanduti.monitoring.extract.text import clean, is_navigation, repeated_lines

STORY = (
    "Una adolescente de 15 años de Villarrica fue captada por Instagram con una oferta de "
    "trabajo como modelo y trasladada a Buenos Aires, donde era explotada sexualmente."
)


def test_outlet_calls_to_action_give_no_platform():
    text = "\n".join(
        [
            STORY,
            "¿Viste algo raro? Mandanos tu video por Telegram.",
            "Escuchá el informativo en vivo por Spotify y escribinos al WhatsApp del diario.",
            "Sumate a la comunidad de lectores en Facebook.",
            "Bajate nuestra app y recibí alertas.",
        ]
    )
    out = extract_item({"id": "a", "title": "Rescatan a adolescente", "text": text})
    assert out["platforms"] == ["Instagram"]


def test_quoted_recruiter_message_is_kept():
    text = 'El mensaje decía: "Escribinos al Telegram y te pagamos el pasaje". ' + STORY
    cleaned = clean(text)
    assert "Telegram" in cleaned.text


def test_navigation_lines_are_dropped():
    assert is_navigation("Home › Sucesos › Interior › Guairá › Caazapá")
    assert is_navigation("Inicio | Caaguazú | Paraguarí | Ñeembucú | Misiones")
    assert is_navigation("Portada  Deportes  Alto Paraguay  Boquerón  Clima")
    assert not is_navigation("Detuvieron a dos hombres en Caaguazú. Uno tiene 40 años / otro 30.")
    text = "Inicio · Policiales · Guairá · Ñeembucú · Paraguarí\n" + STORY
    out = extract_item({"id": "b", "title": "", "text": text})
    assert out["departments"] == ["Guairá"]  # Villarrica, not the menu's Ñeembucú or Paraguarí


def test_flattened_section_menu_is_dropped():
    cleaned = clean("Nacionales Deportes Opinión Policiales Caaguazú\n" + STORY)
    assert "Caaguazú" not in cleaned.text


def test_teaser_variants_are_dropped():
    for heading in (
        "LEA MÁS:",
        "Leé también:",
        "Relacionado:",
        "Mirá también:",
        "Te recomendamos:",
    ):
        cleaned = clean(f"{STORY}\n{heading} Cae una banda de abigeos en Concepción")
        assert "Concepción" not in cleaned.text, heading


def test_repeated_lines_per_outlet():
    footer = "Tu voz importa: contá tu historia en Discord."
    items = [("Diario A", f"Nota {n} sobre lluvias.\n{footer}") for n in range(10)]
    items += [("Diario B", f"Otra nota {n}.\n{footer}") for n in range(2)]
    found = repeated_lines(items)
    assert footer in found["Diario A"]
    assert "Diario B" not in found  # two items are not enough to call a line boilerplate


def test_cross_item_footer_is_not_a_fact_in_a_batch(tmp_path):
    footer = "Tu voz importa: contá tu historia en Discord."
    rows = [
        {
            "id": str(n),
            "outlet": "Diario A",
            "title": f"Nota {n}",
            "text": f"Caso número {n} investigado por la fiscalía.\n{STORY}\n{footer}",
        }
        for n in range(6)
    ]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    extract_jsonl(src, out)
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # The shared story paragraph is also dropped here (it repeats verbatim), the footer too.
    assert all("Discord" not in r["platforms"] for r in results)
    # One item alone keeps the line: nothing shows it is page furniture.
    assert "Discord" in extract_items(rows[:1])[0]["platforms"]


def test_destination_lists_and_city_country_pairs():
    text = "Las jóvenes fueron llevadas a Bolivia, Perú y Chile, donde las explotaban."
    assert extract_facts(text).destination_countries == ["Bolivia", "Peru", "Chile"]
    text = "La víctima fue trasladada hasta Milán, Italia, con una falsa oferta de empleo."
    assert extract_facts(text).destination_countries == ["Italy"]


def test_institutions_in_a_list_are_not_destinations():
    text = "Colaboraron la embajada de Francia, Alemania y la policía de Bolivia."
    assert extract_facts(text).destination_countries == []


def test_the_same_article_twice_keeps_its_lines():
    items = [("Diario A", STORY)] * 5 + [("Diario A", f"Nota {n}") for n in range(5)]
    assert STORY not in repeated_lines(items).get("Diario A", frozenset())


def test_newsroom_contact_inside_a_long_paragraph_is_not_a_platform():
    text = (
        STORY + " La fiscalía pidió la prisión preventiva de la mujer que la reclutó y de su "
        "pareja, que cobraba los pagos. Si sabés algo de este caso, envianos tu denuncia al "
        "Telegram de la redacción. El juicio oral comenzaría en marzo, según la defensa."
    )
    assert len(text) > 300  # a paragraph: line rules do not apply, the sentence rule does
    assert extract_facts(text).platforms == ["Instagram"]
