"""Destinations and departments that generalise, session 8 (issue #12 item 2): a country
passed through, the place where victims were recruited, a figurative "llevado al arresto" and
a street with its house number are no destinations; lists after "los principales destinos" or
in brackets, CLDR country names ("Mianmar"), "el país vecino", victims taken "del Paraguai" or
brought "a nuestro país" are; a Paraguayan name shared abroad (Misiones, Lima, La Paz) takes
the country of the nearest place named around it; a smaller city of a country the article
never names is no place abroad ("el barrio porteño de Palermo").

Texts written by the Ñandutí project for these tests (not quotes of the dev set); each class
has a counterpart that must still be read.
"""

import pytest

from nanduti.monitoring.extract.facts import extract_facts

DESTINATIONS = [
    # transit: a stopover, or a first country when another follows
    (
        "Las jóvenes fueron llevadas con una breve escala en Buenos Aires hasta Santiago de "
        "Chile, donde las explotaban.",
        ["Chile"],
    ),
    (
        "Los captores la llevaron primero a Bolivia y después a España, donde fue explotada.",
        ["Spain"],
    ),
    # where the victims were recruited is their origin
    (
        "As mulheres aliciadas pela quadrilha em Foz do Iguaçu eram levadas para a Espanha.",
        ["Spain"],
    ),
    # a figurative movement verb
    (
        "La investigación ha llevado al arresto de un hombre en México por ciberacoso a menores.",
        [],
    ),
    # a street named after a place, with its house number
    (
        "El prostíbulo, ubicado en Callao 1234, fue clausurado; nueve mujeres fueron liberadas.",
        [],
    ),
    # lists after a destination noun, in brackets, after "países do sudeste asiático, como"
    (
        "Los principales destinos de las víctimas fueron España, Argentina y Chile, según la "
        "fiscalía.",
        ["Spain", "Argentina", "Chile"],
    ),
    (
        "As vítimas eram iludidas com ofertas de emprego no exterior (principalmente Espanha e "
        "Portugal).",
        ["Spain", "Portugal"],
    ),
    (
        "Brasileiros foram traficados para países do sudeste asiático, como Camboja, Mianmar e "
        "Laos.",
        ["Cambodia", "Myanmar (Burma)", "Laos"],
    ),
    # a Paraguayan name that the story places abroad
    (
        "La banda reclutó a mujeres ecuatorianas para prostituirlas en Lima, según la policía "
        "de Perú.",
        ["Peru"],
    ),
    # a smaller city of a country never named: a namesake in the country of the story
    (
        "Un hombre fue detenido en un prostíbulo del barrio porteño de Palermo, donde explotaba "
        "a mujeres traídas desde Paraguay.",
        ["Argentina"],
    ),
    # "el país vecino": the destination already read, not the latest country named
    (
        "Dos jóvenes fueron engañadas con una falsa oportunidad laboral en Brasil; la Prefectura "
        "Naval Argentina las halló antes de que viajaran al país vecino.",
        ["Brazil"],
    ),
    # an outlet abroad: victims brought "to our country", named by its places
    (
        "La PDI desbarató en La Araucanía una red de trata: las víctimas habían llegado a nuestro "
        "país con falsas ofertas de trabajo.",
        ["Chile"],
    ),
]


# counterparts that must still be read
DESTINATIONS += [
    ("Fue llevada a México con una falsa oferta de empleo.", ["Mexico"]),
    ("Fue trasladada a Milán, Italia, donde la obligaban a prostituirse.", ["Italy"]),
    ("Una joven de San Ignacio, Misiones, fue rescatada en Buenos Aires.", ["Argentina"]),
]


DEPARTMENTS = [
    # a name shared abroad, next to a place abroad
    (
        "La Policía de Misiones y la Prefectura Naval Argentina rescataron a una joven en Posadas.",
        [],
    ),
    # a name that needs context, listed with sure Paraguayan places
    (
        "Hubo allanamientos simultáneos en las ciudades de Asunción, Pilar y Ciudad del Este.",
        ["Asunción", "Ñeembucú", "Alto Paraná"],
    ),
    # a square named after a place, a longer name abroad, an institution's zone
    ("Una menor desaparecida fue vista en la plaza de la Paz, informó su hermana.", []),
    (
        "Los talleres contra la trata seguirán en las localidades de Añelo y San Patricio del "
        "Chañar.",
        [],
    ),
    (
        "Intervino personal de la Prefectura de Zona Alto Paraná en el rescate de una mujer en "
        "Posadas.",
        [],
    ),
    # a province after a town abroad
    (
        "Las mujeres eran llevadas en primera instancia a Puerto Esperanza, Misiones, y luego "
        "a Brasil.",
        [],
    ),
    # counterparts: a department after its town, a shared name with Paraguay beside it, a
    # Paraguayan town named before where the victim was taken
    ("Una joven de San Ignacio, Misiones, fue rescatada en Buenos Aires.", ["Misiones"]),
    (
        "Una adolescente de 15 años de Villarrica fue captada por Instagram y trasladada a "
        "Buenos Aires, donde era explotada.",
        ["Guairá"],
    ),
    (
        "Las mujeres rescatadas en la ciudad de San Lorenzo, Paraguay, eran explotadas por una "
        "red.",
        ["Central"],
    ),
]


CASES = [(text, "destination_countries", expected) for text, expected in DESTINATIONS] + [
    (text, "departments", expected) for text, expected in DEPARTMENTS
]


@pytest.mark.parametrize("text,field,expected", CASES)
def test_places_read_by_their_role_in_the_story(text, field, expected):
    assert sorted(getattr(extract_facts(text), field)) == sorted(expected)


def test_a_namesake_placed_abroad_is_no_department():
    facts = extract_facts(
        "La banda reclutó a mujeres ecuatorianas para prostituirlas en Lima, según la policía de "
        "Perú."
    )
    assert facts.departments == []


def test_cldr_country_names_hold_the_short_portuguese_forms():
    from nanduti.monitoring.extract.foreign_places import cldr_country_names

    names = cldr_country_names()
    assert "Mianmar" in names["MM"] and "Camboja" in names["KH"]
    assert "China" not in names["HK"]  # "RAE de Hong Kong (China)" names another country
