"""Places abroad and at home as news name them: regions under every name ISO 3166-2 gives,
"la ciudad de X", namesakes abroad resolved by context or spelling, active rescue verbs,
exploitation words before the place, and countries a victim is sent back to (issue #12).

Texts written by the Ñandutí project for these tests (not quotes of the dev set).
"""

import pytest

from nanduti.monitoring.extract.facts import extract_facts

DESTINATIONS = [
    # regions under their Spanish names and their ISO "Name, Qualifier de" forms
    ("Las jóvenes fueron captadas en Caaguazú y trasladadas a Cataluña.", ["Spain"]),
    ("Las víctimas eran explotadas en pisos de la Región de Murcia.", ["Spain"]),
    ("La organización llevaba a las jóvenes a la Comunidad de Madrid.", ["Spain"]),
    # "la ciudad de X": the city's long alternate name no longer hides the city
    ("La mujer denunció que fue obligada a prostituirse durante tres años en un bar de la "
     "ciudad de Salta.", ["Argentina"]),
    ("Las trasladaban a la ciudad de Santa Cruz de la Sierra.", ["Bolivia"]),
    # a namesake abroad: the one on the routes of Paraguayan victims
    ("En Valencia, la Policía Nacional liberó a seis mujeres paraguayas.", ["Spain"]),
    # a place inside another place of another country
    ("Dos paraguayas fueron rescatadas en un departamento de Palermo, en Buenos Aires.",
     ["Argentina"]),
    # a town and its region: the preposition before the town stays
    ("La adolescente fue rescatada en Guaíra, en el estado de Paraná.", ["Brazil"]),
    ("En un procedimiento en Campo Grande, estado de Mato Grosso do Sul, fueron rescatadas "
     "dos adolescentes.", ["Brazil"]),
    # active rescue and exploitation verbs after the place, the police acting there
    ("Tras un allanamiento en Sevilla, los agentes rescataron a dos paraguayas.", ["Spain"]),
    ("La Guardia Civil detuvo en Murcia a los responsables y liberó a cuatro mujeres "
     "paraguayas.", ["Spain"]),
    ("Un operativo realizado en la ciudad argentina de Posadas permitió rescatar a tres "
     "jóvenes paraguayas.", ["Argentina"]),
    ("Ya en suelo español, les retiraron los pasaportes y las obligaron a prostituirse.",
     ["Spain"]),
    ("A vítima, que é boliviana, foi resgatada pela polícia em Corumbá.", ["Brazil"]),
    ("Em Cataluña, los Mossos liberaron a tres paraguayas.", ["Spain"]),
    # exploitation words, "abroad" and displacement before the place
    ("Quince trabajadores fueron rescatados en condiciones análogas a la esclavitud en una "
     "estancia de la provincia de Corrientes.", ["Argentina"]),
    ("Cada año crece el número de paraguayos explotados en el extranjero, sobre todo en "
     "países como Chile y Uruguay.", ["Chile", "Uruguay"]),
    ("Os passageiros, entre eles duas adolescentes, estavam se deslocando para Curitiba sem "
     "saber onde iriam trabalhar.", ["Brazil"]),
    # foreign victims brought into Paraguay
    ("Las dominicanas eran llevadas al Paraguay para ser explotadas en Asunción.", ["Paraguay"]),
]  # fmt: skip

NOT_DESTINATIONS = [
    # sent back home: the country is the victims' origin
    "La mujer fue deportada a Bolivia, su país de origen.",
    "Los jóvenes fueron repatriados a Bolivia tras ser rescatados en Asunción.",
    # the police of a country, a meeting, a place abroad of no victim
    "La Policía de Argentina informó que el sospechoso fue detenido.",
    "La fiscal viajó a Madrid para una reunión sobre trata de personas.",
    "El acusado había vivido en Palermo, en Italia, antes de volver.",
    "Dos mujeres de nacionalidad boliviana fueron rescatadas en Ciudad del Este.",
]


@pytest.mark.parametrize(("text", "countries"), DESTINATIONS)
def test_destinations_from_regions_towns_and_verbs(text, countries, paraguayan_side):
    facts = extract_facts(paraguayan_side + text)
    assert sorted(facts.destination_countries) == sorted(countries)


@pytest.mark.parametrize("text", NOT_DESTINATIONS)
def test_no_destination_for_origins_institutions_and_meetings(text):
    assert extract_facts(text).destination_countries == []


DEPARTMENTS = [
    # the short form of a place abroad named in full earlier is that place
    ("El juicio se celebró en Santiago de Compostela. En Santiago, la fiscalía pidió 20 años "
     "de cárcel.", []),
    # the Brazilian town is spelled with the accent elsewhere
    ("A operação ocorreu em Salto del Guairá e em Guaíra.", ["Canindeyú"]),
    ("Las víctimas fueron trasladadas desde Guairá hasta Asunción.", ["Asunción", "Guairá"]),
    # Portuguese names of departments
    ("As meninas eram aliciadas nos departamentos de Cordilheira e Caaguaçu.",
     ["Caaguazú", "Cordillera"]),
    ("A expedição atravessou a Cordilheira dos Andes.", []),
    # districts give their department
    ("La red captaba mujeres en Caaguazú, Coronel Oviedo y Villarrica.", ["Caaguazú", "Guairá"]),
    ("A adolescente foi resgatada em Pedro Juan Caballero, no Paraguai.", ["Amambay"]),
    # a person's origin abroad says nothing of where the place after it lies
    ("La joven, oriunda de Brasil, fue rescatada en San Lorenzo.", ["Central"]),
    ("Las víctimas, de nacionalidad argentina, fueron halladas en Concepción.", ["Concepción"]),
    # ... but a place abroad named before it does
    ("Tras pasar por Argentina, la joven fue llevada a Concepción.", []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "departments"), DEPARTMENTS)
def test_departments_apart_from_their_namesakes_abroad(text, departments):
    assert sorted(extract_facts(text).departments) == sorted(departments)


PLATFORMS = [
    # an ambiguous short name with Portuguese context words
    ("A vítima teve de fazer uma transferência pelo PIX de R$ 500 para garantir a vaga.",
     ["Pix (Brazil)"]),
    ("O aliciador pedia que a adolescente mandasse fotos por meio do aplicativo LINE.", ["LINE"]),
]  # fmt: skip
NOT_PLATFORMS = [
    "Os jogos on-line atraem milhões de crianças no Brasil.",
    "A reunião foi transmitida on-line pela prefeitura.",
]


@pytest.mark.parametrize(("text", "platforms"), PLATFORMS)
def test_ambiguous_platform_names_in_portuguese_context(text, platforms):
    assert extract_facts(text).platforms == platforms


@pytest.mark.parametrize("text", NOT_PLATFORMS)
def test_no_platform_in_common_words(text):
    assert extract_facts(text).platforms == []
