"""Facts that must hold on real news beyond the examples the rules were written from:
places abroad from the gazetteer, Portuguese, ages in words and ranges, institution names,
datelines and distances, and the end-of-article lists of other stories.

Texts written by the Ñandutí project for these tests (not quotes of the dev set).
"""

import pytest

from nanduti.monitoring.extract.facts import extract_facts
from nanduti.monitoring.extract.pipeline import extract_text
from nanduti.monitoring.extract.text import clean

DESTINATIONS = [
    # cities and regions abroad, not in any hand list: GeoNames and ISO 3166-2
    ("Las jóvenes fueron llevadas a Rosario y explotadas en un bar.", {"Argentina"}),
    ("La mujer fue trasladada hasta Valparaíso con una oferta de trabajo.", {"Chile"}),
    ("Fueron rescatadas en Cochabamba, donde eran obligadas a prostituirse.", {"Bolivia"}),
    ("Eram exploradas sexualmente em Londrina, no norte do estado.", {"Brazil"}),
    ("As vítimas foram levadas para a Itália com promessa de emprego.", {"Italy"}),
    ("Elas vieram ao Brasil com promessa de trabalho.", {"Brazil"}),
    # a name used in several countries: the one the article names
    ("Fueron rescatadas en Toledo, España, donde las explotaban.", {"Spain"}),
    # lists and coordinated phrases
    ("Las enviaban a Italia, Francia y Alemania para explotarlas.", {"Italy", "France", "Germany"}),
    ("Eran captadas para ser explotadas en territorio argentino.", {"Argentina"}),
    ("Fueron rescatadas en dos ciudades españolas tras la denuncia.", {"Spain"}),
]
NOT_DESTINATIONS = [
    # nationality, origin, a river, a town that shares a country's name
    "Un ciudadano argentino fue detenido en Encarnación por captar adolescentes.",
    "Las víctimas, oriundas de Caaguazú, fueron rescatadas en Luque.",
    "Los cuerpos fueron hallados cerca del río Paraná, en Alto Paraná.",
    "Fue rescatada en un prostíbulo de Santa Elena, estado de Paraná, Brasil.",
]


@pytest.mark.parametrize(("text", "expected"), DESTINATIONS)
def test_destinations_from_places_abroad_and_portuguese(text, expected, paraguayan_side):
    assert set(extract_facts(paraguayan_side + text).destination_countries) == expected


@pytest.mark.parametrize("text", NOT_DESTINATIONS[:3])
def test_not_destinations(text):
    assert extract_facts(text).destination_countries == []


def test_a_town_named_like_a_country_is_read_in_its_country():
    facts = extract_facts(NOT_DESTINATIONS[3])
    assert "St. Helena" not in facts.destination_countries
    assert facts.destination_countries == ["Brazil"]


def test_abroad_without_a_country_is_flagged_not_guessed():
    out = extract_text("Las adolescentes eran captadas para ser llevadas al exterior y explotadas.")
    assert out["destination_countries"] == []
    assert "destination_abroad_unknown" in out["flags"]
    assert "llevadas al exterior" in out["evidence"]["destination_abroad"][0]


def test_destination_evidence_is_the_phrase_not_the_sentence(paraguayan_side):
    text = (
        "Tras meses de investigación y varios allanamientos en distintos barrios, la Fiscalía "
        "informó que las tres jóvenes fueron trasladadas a Madrid por la red."
    )
    evidence = extract_facts(paraguayan_side + text).evidence["destination_countries"][0]
    assert "Madrid" in evidence and len(evidence) < 60


AGES = [
    ("Rescataron a dos adolescentes de 15 y 16 años en Luque.", True, [15, 16]),
    ("La víctima, una niña de trece años, fue rescatada.", True, [13]),
    ("Las víctimas tienen entre 19 y 24 años y fueron rescatadas.", False, [19, 24]),
    ("Fue rescatada una joven de 19 en la terminal.", False, [19]),
    ("As vítimas, com idades entre 15 e 17 anos, foram resgatadas.", True, [15, 17]),
    ("Duas crianças foram resgatadas pela polícia.", True, []),
    ("Las mujeres rescatadas eran explotadas en un bar.", False, []),
]


@pytest.mark.parametrize(("text", "minor", "ages"), AGES)
def test_victim_ages_from_numbers_words_and_ranges(text, minor, ages):
    facts = extract_facts(text)
    assert facts.victim_minor is minor
    assert sorted(facts.victim_ages) == ages


def test_minor_words_in_an_institution_name_say_nothing_of_the_victims():
    text = (
        "La Unidad Especializada de Lucha contra la Trata de Personas y Explotación Sexual "
        "de Niños, Niñas y Adolescentes rescató a cuatro mujeres de 20 a 30 años."
    )
    assert extract_facts(text).victim_minor is False


def test_datelines_and_distances_are_not_places_of_the_story():
    text = (
        "Asunción, 10 ene (EFE).- Tres mujeres fueron rescatadas en Pedro Juan Caballero, "
        "a 450 kilómetros al norte de Asunción."
    )
    assert extract_facts(text).departments == ["Amambay"]


def test_portuguese_names_of_paraguayan_places():
    text = "As duas foram presas em Cidade do Leste e levadas para Assunção."
    assert set(extract_facts(text).departments) == {"Alto Paraná", "Asunción"}


def test_the_sections_other_stories_after_the_last_paragraph_are_dropped():
    text = (
        "Rescataron a dos adolescentes explotadas en Ciudad del Este.\n"
        "Más contenido de esta sección\n"
        "Un accidente en Coronel Oviedo dejó dos heridos en la ruta, informaron los bomberos "
        "voluntarios de la zona a la prensa local."
    )
    assert "Coronel Oviedo" not in clean(text).text


PORTUGUESE = [
    ("Polícia resgata paraguaias vítimas de tráfico de pessoas em Foz do Iguaçu.", True),
    ("Trabalhadores paraguaios em condições análogas à escravidão são resgatados.", True),
    ("Receita Federal apreende cigarros contrabandeados na Ponte da Amizade.", False),
    ("Golpe da falsa vaga de emprego pelo WhatsApp faz novas vítimas.", False),
]


@pytest.mark.parametrize(("text", "relevant"), PORTUGUESE)
def test_portuguese_relevance(text, relevant):
    assert extract_text(text)["is_trafficking"] is relevant
