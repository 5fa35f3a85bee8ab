"""Destinations as Spanish and Portuguese news phrase them, grown-up victims, a victim's baby,
and a lone "read also" lead in any of the three languages (issue #12).

Texts written by the Ñandutí project for these tests (not quotes of the dev set).
"""

import pytest

from nanduti.monitoring.extract.facts import extract_facts
from nanduti.monitoring.extract.text import clean

DESTINATIONS = [
    # a town before its region: the preposition before the town applies to the region
    ("En Bahía Blanca, provincia de Buenos Aires, la policía allanó un bar donde fueron "
     "rescatadas tres jóvenes paraguayas.", ["Argentina"]),
    # a place noun with a qualifier before "de"
    ("Los trabajadores eran enviados a coser en talleres clandestinos de la Argentina.",
     ["Argentina"]),
    ("A adolescente foi resgatada numa casa noturna de Campo Grande.", ["Brazil"]),
    ("Seis paraguayas eran explotadas en un club de alterne de Alicante.", ["Spain"]),
    ("Elas foram aliciadas em Caaguazú e levadas para cidades do interior de Santa Catarina.",
     ["Brazil"]),
    # active rescue verbs
    ("Agentes de la Guardia Civil liberaron en Zaragoza a cinco mujeres captadas en Paraguay.",
     ["Spain"]),
    ("Las jóvenes fueron halladas en un prostíbulo de la ciudad de Neuquén.", ["Argentina"]),
    # lists after "países como", and "la vecina Argentina"
    ("Les ofrecían empleo en el extranjero, en países como Italia y Francia.",
     ["Italy", "France"]),
    ("Las chicas eran trasladadas a la vecina Argentina en ómnibus de línea.", ["Argentina"]),
    # a region of a country named by its demonym, or "el sur de"
    ("Las jóvenes fueron liberadas en la capital española.", ["Spain"]),
    ("Las víctimas eran explotadas en el sur de Chile.", ["Chile"]),
    # a town with its region and country in brackets
    ("Fueron rescatadas en la ciudad de Rafaela (Santa Fe, Argentina).", ["Argentina"]),
    ("Según la fiscalía, las víctimas tenían como destino final Portugal.", ["Portugal"]),
    # a single arrest abroad whose next sentence frees the victims there
    ("El proxeneta fue detenido en Sevilla. Los agentes rescataron a dos paraguayas que "
     "eran obligadas a prostituirse.", ["Spain"]),
]  # fmt: skip
NOT_DESTINATIONS = [
    # the arrest abroad, the victim found at home
    "El cabecilla fue detenido en Argentina. La víctima, una joven de Caazapá, fue rescatada "
    "en Villarrica.",
    # extradition of the accused
    "Las víctimas fueron rescatadas en Encarnación y los detenidos serán extraditados a Argentina.",
    # a football club is no place noun
    "Un club de Madrid fichó al volante paraguayo tras el Mundial.",
]


@pytest.mark.parametrize(("text", "countries"), DESTINATIONS)
def test_destinations_as_news_phrase_them(text, countries, paraguayan_side):
    facts = extract_facts(paraguayan_side + text)
    assert sorted(facts.destination_countries) == sorted(countries)


@pytest.mark.parametrize("text", NOT_DESTINATIONS)
def test_no_destination_for_arrests_extraditions_or_clubs(text):
    assert extract_facts(text).destination_countries == []


ADULT_VICTIMS = [
    "La organización se dedicaba a la trata de mujeres con fines de explotación sexual.",
    "Las mujeres viajaban con la promesa de un empleo como niñeras.",
    "Mujeres afectadas por la trata recibieron capacitación del ministerio.",
    "As mulheres eram atraídas com promessas de emprego e obrigadas a se prostituir.",
    "A Polícia Federal resgatou quatro mulheres paraguaias em Dourados.",
    # a victim's baby or children are not the victims
    "Rescataron a tres mujeres; el bebé de una de ellas fue llevado a un hospital.",
    "Foram libertadas duas mulheres, uma delas com seu bebê de poucos meses.",
    "Los agentes liberaron a cuatro mujeres y a los niños de una de las víctimas.",
]
MINOR_VICTIMS = [
    "Dos mujeres fueron detenidas por explotar sexualmente a una niña en un bar.",
    "La fiscal, que acompañó el operativo, dijo que una de las rescatadas es menor de edad.",
    "Rescataron a tres mujeres y a una adolescente de 15 años de un prostíbulo.",
    "La madre vendía a su hija menor a hombres de la zona.",
]
NO_AGE = [
    # grown-ups who are the perpetrators say nothing of the victims' age
    "Dos mujeres fueron detenidas por trata de personas en Luque.",
]


@pytest.mark.parametrize("text", ADULT_VICTIMS)
def test_grown_up_victims_are_not_minors(text):
    assert extract_facts(text).victim_minor is False


@pytest.mark.parametrize("text", MINOR_VICTIMS)
def test_minor_victims_still_found(text):
    assert extract_facts(text).victim_minor is True


@pytest.mark.parametrize("text", NO_AGE)
def test_perpetrators_give_no_victim_age(text):
    assert extract_facts(text).victim_minor is None


STORY_BEFORE = "La policía rescató a tres mujeres en un local de Asunción.\n"
TEASER_LINE = "Niños de Ñemby ganan torneo de robótica en Montevideo\n"
STORY_AFTER = (
    "Según la fiscalía, las víctimas eran llevadas a la Argentina en ómnibus y allí las "
    "obligaban a trabajar sin pago durante meses, de acuerdo con lo que consta en el expediente."
)


@pytest.mark.parametrize(
    "heading",
    [
        "Lea también:",
        "Te puede interesar:",
        "Ver más:",
        "Leia também:",
        "Veja também",
        "Saiba mais:",
        "Read also:",
        "See also:",
    ],
)
def test_a_lone_read_also_lead_takes_its_headline_and_keeps_the_story(heading):
    text = clean(STORY_BEFORE + heading + "\n" + TEASER_LINE + STORY_AFTER).text
    assert "robótica" not in text  # the teaser headline is furniture
    assert "expediente" in text  # the story after it stays
    facts = extract_facts(text)
    assert facts.victim_minor is not True  # "Niños" was the teaser's, not the story's
    assert facts.destination_countries == ["Argentina"]


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        # victims who are that country's own nationals: a domestic case abroad
        ("Rescatan a una joven argentina en Buenos Aires, donde era explotada en un bar.", []),
        # victims of another nationality named too: still a destination
        ("Tres brasileñas y dos paraguayas fueron rescatadas en Brasil.", ["Brazil"]),
        ("Cinco mujeres paraguayas fueron rescatadas en Argentina.", ["Argentina"]),
    ],
)
def test_no_destination_for_a_country_s_own_victims(text, countries):
    assert extract_facts(text).destination_countries == countries
