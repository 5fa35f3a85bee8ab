"""Facts that generalise, session 7 (issue #12 item 2): an institution's seat, a street, an
operation's code name or a surname is no place of the story; a denied origin and the first part
of a longer foreign name are no destination; the authorities' active verbs ("imputó",
"detuvieron") mark a suspect; a victim's own children beside her are no child victims (those
sentences are in test_facts_roles.PARENTS_OF).

Texts written by the Ñandutí project for these tests (not quotes of the dev set); each class
has a counterpart that must still be read.
"""

import pytest

from nanduti.monitoring.extract.facts import extract_facts

NOT_PLACES = [
    # an institution's name ends with its seat
    (
        "La Unidad Especializada de Trata de Asunción rescató a una joven explotada en un bar "
        "de Encarnación.",
        ["Itapúa"],
    ),
    (
        "El Juzgado Penal de Garantías de Alto Paraná ordenó la captura; las víctimas fueron "
        "explotadas en Coronel Oviedo.",
        ["Caaguazú"],
    ),
    (
        "Agentes del Departamento de Investigación de Trata de Personas, Regional Caaguazú, "
        "rescataron a una mujer explotada en Luque.",
        ["Central"],
    ),
    (
        "A Delegacia da Mulher de Encarnación não participou; as vítimas estavam em Capiatá.",
        ["Central"],
    ),
    # a street and an operation's code name
    (
        "As vítimas eram mantidas numa casa da Rua Cordilheira, em Presidente Franco.",
        ["Alto Paraná"],
    ),
    (
        "La Operación Concepción terminó con tres detenidos por explotar mujeres en Luque.",
        ["Central"],
    ),
    # a district named like a surname, after a first name
    (
        "El caso de la joven explotada en Villarrica lo investiga el agente Mario Escobar.",
        ["Guairá"],
    ),
]


@pytest.mark.parametrize("text,expected", NOT_PLACES)
def test_an_institution_street_operation_or_surname_is_no_place(text, expected):
    assert sorted(extract_facts(text).departments) == sorted(expected)


STILL_PLACES = [
    ("La fiscalía investiga en Luque la explotación de dos jóvenes.", ["Central"]),
    ("En el Departamento de Caaguazú rescataron a dos adolescentes.", ["Caaguazú"]),
    ("Ayer Luque fue escenario de un operativo contra la trata de personas.", ["Central"]),
    ("Rescatan A Mujeres Explotadas En Luque.", ["Central"]),
]


@pytest.mark.parametrize("text,expected", STILL_PLACES)
def test_a_place_after_an_institution_word_or_a_capital_still_counts(text, expected):
    assert sorted(extract_facts(text).departments) == sorted(expected)


NOT_DESTINATIONS = [
    "Las mujeres rescatadas en Ciudad del Este fueron liberadas y no eran de Brasil, aclaró la "
    "fiscalía.",
    "Las jóvenes explotadas no fueron llevadas a Chile, sino a una casa de Luque.",
    "As trabalhadoras resgatadas não vieram da Argentina, disse a polícia.",
    # a town whose longer name the gazetteer lacks is not its shorter namesake abroad
    "Catorze trabalhadores paraguaios foram resgatados em condições análogas à escravidão "
    "numa fazenda de Paraíso das Águas.",
]


@pytest.mark.parametrize("text", NOT_DESTINATIONS)
def test_a_denied_origin_or_a_longer_name_is_no_destination(text):
    facts = extract_facts(text)
    assert not {"Brazil", "Chile", "Argentina", "Mexico"} & set(facts.destination_countries)


STILL_DESTINATIONS = [
    # a network operating in countries, and a country named as the destination itself
    (
        "La red de trata operaba en Paraguay y en países de Europa, como Italia y Grecia.",
        ["Italy", "Greece"],
    ),
    (
        "A quadrilha de tráfico de mulheres atuava em países como Itália e Suíça, segundo a PF.",
        ["Italy", "Switzerland"],
    ),
    (
        "Según la fiscalía, Argentina sigue siendo el principal destino de las paraguayas "
        "tratadas.",
        ["Argentina"],
    ),
    ("Las jóvenes paraguayas fueron llevadas a Chile y explotadas sexualmente.", ["Chile"]),
    ("Mujeres paraguayas fueron llevadas a Santiago de Chile y explotadas.", ["Chile"]),
]


@pytest.mark.parametrize("text,expected", STILL_DESTINATIONS)
def test_a_stated_movement_is_still_a_destination(text, expected):
    assert extract_facts(text).destination_countries == expected


def test_a_suspect_charged_with_an_active_verb_is_not_an_adult_victim():
    facts = extract_facts(
        "El Ministerio Público imputó a un hombre de 38 años por trata de personas en Luque."
    )
    assert facts.victim_minor is None
    facts = extract_facts(
        "Los agentes detuvieron a una mujer de 41 años acusada de explotar a una niña de 12."
    )
    assert facts.victim_minor is True


def test_a_parents_minor_daughters_offered_are_still_child_victims():
    # counterpart of test_facts_roles' PARENTS_OF (a victim's own children beside her)
    facts = extract_facts(
        "Un hombre ofrecía a sus hijas menores a cambio de dinero; fue imputado por trata."
    )
    assert facts.victim_minor is True


def test_a_destination_word_about_something_else_names_no_destination():
    facts = extract_facts("El destino de la joven es desconocido; su madre vive en Argentina.")
    assert facts.destination_countries == []
