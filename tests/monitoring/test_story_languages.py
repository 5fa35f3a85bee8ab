"""The same story told in Spanish, English and Portuguese is one story; different stories
that share a platform and a department are not. Pairs written for this test."""

from __future__ import annotations

import pytest

from nanduti.monitoring.extract import dedup
from nanduti.monitoring.extract.pipeline import extract_items

SPAIN_ES = {
    "id": "es-1",
    "title": "Rescatan en Madrid a tres paraguayas captadas por Facebook",
    "text": (
        "Tres mujeres paraguayas, oriundas de Coronel Oviedo, fueron rescatadas en Madrid "
        "por la Policía española. Habían sido captadas por Facebook con ofertas de trabajo "
        "como cuidadoras y, al llegar, les exigieron una deuda de 3.500 euros. La red era "
        "dirigida por Rosalba Giménez, detenida en el operativo. La Fiscalía paraguaya "
        "coordina la repatriación de las víctimas."
    ),
    "date": "2025-03-10",
    "outlet": "Diario A",
}
SPAIN_EN = {
    "id": "en-1",
    "title": "Three Paraguayan Women Rescued In Madrid After Facebook Job Offers",
    "text": (
        "Spanish police rescued three women from Coronel Oviedo, Paraguay, who had been "
        "recruited on Facebook with offers of work as carers. On arrival they were told they "
        "owed a debt of 3,500 euros and were forced into prostitution. The ring was led by "
        "Rosalba Giménez, who was arrested. Paraguay's prosecutors are arranging the "
        "victims' return."
    ),
    "date": "2025-03-12",
    "outlet": "Wire B",
}
FOZ_ES = {
    "id": "es-2",
    "title": "Adolescente de 15 años captada por Instagram es rescatada en Foz de Yguazú",
    "text": (
        "Una adolescente de 15 años de Ciudad del Este fue rescatada en Foz de Yguazú, "
        "Brasil, adonde había sido llevada por un hombre que la contactó por Instagram con "
        "la promesa de un empleo de modelo. El sospechoso, Anderson Ribeiro, fue detenido. "
        "La joven estaba desaparecida desde hacía 9 días."
    ),
    "date": "2025-05-02",
    "outlet": "Diario C",
}
FOZ_PT = {
    "id": "pt-1",
    "title": "Adolescente paraguaia de 15 anos é resgatada em Foz do Iguaçu",
    "text": (
        "Uma adolescente paraguaia de 15 anos, de Ciudad del Este, foi resgatada em Foz do "
        "Iguaçu. Ela havia sido aliciada pelo Instagram com a promessa de trabalho como "
        "modelo. O suspeito, Anderson Ribeiro, foi preso em flagrante. A jovem estava "
        "desaparecida havia 9 dias."
    ),
    "date": "2025-05-03",
    "outlet": "Jornal D",
}
# Same platform, department and week as FOZ_ES, but another girl and another recruiter.
OTHER_CDE = {
    "id": "es-3",
    "title": "Imputan a hombre que captaba a una joven de 17 años por Instagram",
    "text": (
        "Un hombre fue imputado en Ciudad del Este por captar por Instagram a una joven de "
        "17 años a quien ofrecía trabajo en un local nocturno. El imputado, Ramón Villalba, "
        "fue detenido tras la denuncia de la madre de la víctima."
    ),
    "date": "2025-05-04",
    "outlet": "Diario E",
}
# The Madrid story's facts, two months later: another operation, not the same report.
LATER_SPAIN = dict(SPAIN_EN, id="en-2", date="2025-07-20")


def _groups(items: list[dict]) -> dict[str, str]:
    outputs = extract_items(items)
    facts = [
        (o["id"], dedup.story_facts(o, item["title"], item["text"], item["date"]))
        for o, item in zip(outputs, items, strict=True)
    ]
    return dedup.group_by_facts(facts)


def test_spanish_and_english_reports_of_one_rescue_are_one_story():
    groups = _groups([SPAIN_ES, SPAIN_EN])
    assert groups["en-1"] == groups["es-1"] == "es-1"


def test_spanish_and_portuguese_reports_of_one_rescue_are_one_story():
    groups = _groups([FOZ_ES, FOZ_PT])
    assert groups["pt-1"] == groups["es-2"]


def test_a_different_case_with_the_same_platform_place_and_week_stays_apart():
    groups = _groups([FOZ_ES, FOZ_PT, OTHER_CDE, SPAIN_ES])
    assert groups["es-3"] == "es-3"
    assert groups["es-1"] == "es-1"
    assert groups["pt-1"] == groups["es-2"] != groups["es-3"]


def test_the_same_facts_months_apart_are_another_story():
    groups = _groups([SPAIN_ES, LATER_SPAIN])
    assert groups["en-2"] == "en-2"


@pytest.mark.django_db
def test_the_review_queue_shows_one_card_for_a_story_told_in_two_languages():
    from nanduti.monitoring import review, store

    for item in (SPAIN_ES, SPAIN_EN, OTHER_CDE):
        store.save_article({**item, "url": f"https://example.org/{item['id']}"})
    store.run_on_stored_articles()
    cards = review.candidates()
    titles = [sorted(m.article.title for m in c.members) for c in cards]
    assert sorted([SPAIN_EN["title"], SPAIN_ES["title"]]) in titles
    assert [OTHER_CDE["title"]] in titles
