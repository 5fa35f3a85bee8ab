"""The role of a place in its story (issue #12): a case inside one foreign country is domestic
there, a Paraguayan name in a story abroad is the place abroad, a victim's past home or a
court's seat is not where the case happened; children named by words that say their age.

Texts written by the Ñandutí project for these tests (not quotes of the dev set).
"""

import pytest

from nanduti.monitoring.extract.facts import extract_facts

DOMESTIC_ABROAD = [
    # nothing crosses a border: no Paraguayan link, no second country, no migrants
    "Operação resgata 14 trabalhadores em condições análogas à escravidão em fazenda de Minas "
    "Gerais. Os auditores fiscais encontraram alojamentos precários.",
    "La Guardia Civil ha liberado en Almería a once mujeres víctimas de explotación sexual y ha "
    "detenido a cinco personas.",
    "A Polícia Federal resgatou em Goiânia duas adolescentes exploradas em festas na capital.",
    # the country named, but nobody moved into it
    "En Argentina rescatan a 20 personas explotadas en un taller de costura del conurbano.",
    # a country named only as a town's neighbour is no part of the story
    "Polícia resgata adolescente explorada em boate de Ponta Porã, na fronteira com o Paraguai. "
    "A vítima, de 16 anos, mora em Dourados.",
    "A operação ocorreu em Foz do Iguaçu, cidade que faz divisa com o Paraguai e a Argentina. "
    "Duas adolescentes foram resgatadas em um hotel.",
]


@pytest.mark.parametrize("text", DOMESTIC_ABROAD)
def test_a_case_inside_one_foreign_country_has_no_destination(text):
    assert extract_facts(text).destination_countries == []


CROSSING = [
    # moved into a country named by its name, from a place named like one abroad
    ("Una red llevaba a mujeres de San Pedro a Italia, pasando por Madrid.", ["Italy"]),
    ("Uma paraguaia de 17 anos foi resgatada em uma boate de Ponta Porã, na fronteira com o "
     "Paraguai.", ["Brazil"]),
    # the same kinds of sentence once a border is crossed
    ("Vinte e dois paraguaios foram encontrados em situação análoga à escravidão numa fábrica "
     "de cigarros em Duque de Caxias, no Rio de Janeiro.", ["Brazil"]),
    ("La Guardia Civil ha liberado en Almería a once mujeres extranjeras víctimas de "
     "explotación sexual.", ["Spain"]),
    ("Las víctimas, de Itapúa, permanecían encerradas en una vivienda de Puerto Iguazú.",
     ["Argentina"]),
    ("La red reclutaba mujeres jóvenes de Caazapá para España.", ["Spain"]),
    ("Las jóvenes paraguayas fueron captadas con la promesa de trabajar en un restaurante de "
     "Santiago de Chile.", ["Chile"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "countries"), CROSSING)
def test_a_crossed_border_keeps_the_destination(text, countries):
    assert extract_facts(text).destination_countries == countries


def test_a_victims_past_home_abroad_is_not_where_she_was_exploited():
    text = "La joven, que había vivido en Buenos Aires, fue explotada en un bar de Ciudad del Este."
    facts = extract_facts(text)
    assert facts.destination_countries == []
    assert facts.departments == ["Alto Paraná"]


DEPARTMENTS = [
    # Paraguayan names of places abroad, in stories with no Paraguayan link
    ("Operação no interior de São Paulo: a polícia resgatou adolescentes em Santa Rosa.", []),
    ("La Policía de Misiones rescató a dos menores en Posadas; el acusado fue trasladado a "
     "Oberá.", []),
    ("Rescatan en La Paz a 20 adolescentes víctimas de trata; la Fiscalía boliviana investiga.",
     []),
    # ... while a Paraguayan link keeps them Paraguayan
    ("Dos paraguayas fueron rescatadas en Posadas; eran de Santa Rosa, Misiones.",
     ["Misiones"]),
    # the seat of a court is not where the case happened
    ("El juicio se realizó en el Palacio de Justicia de Asunción. La víctima había sido "
     "explotada en Caacupé.", ["Cordillera"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "departments"), DEPARTMENTS)
def test_departments_where_the_case_is(text, departments):
    assert sorted(extract_facts(text).departments) == departments


MINORS = [
    "Fueron rescatados dos hermanitos que pedían limosna en la calle.",
    "La estudiante de 2º año de la secundaria fue extorsionada con fotos íntimas.",
    "Rescatan a una quinceañera que iba a ser llevada a Argentina.",
    "Dos alumnas del colegio fueron contactadas por TikTok.",
    # the age at the time of the facts, and the Brazilian legal name for a victim under 14
    "La víctima, una joven que hoy tiene 20 años, fue captada cuando tenía 15.",
    "Homem é preso por estupro de vulnerável após aliciar a vítima pelo Instagram.",
]


@pytest.mark.parametrize("text", MINORS)
def test_words_that_say_a_victim_is_a_child(text):
    assert extract_facts(text).victim_minor is True


def test_a_school_named_as_a_place_says_nothing_of_age():
    text = "Las mujeres fueron rescatadas en un local frente a la escuela y eran explotadas."
    assert extract_facts(text).victim_minor is False


def test_the_centre_of_a_town_abroad_is_where_victims_were_found():
    text = "As paraguaias foram encontradas em uma casa de prostituição no centro de Cascavel."
    assert extract_facts(text).destination_countries == ["Brazil"]


PARENTS_OF = [
    # a grown-up's family described: the children are nobody's victims here
    "El detenido, padre de tres niños, captaba mujeres por Facebook para explotarlas.",
    "Una mujer, madre de dos hijos menores, fue captada por Facebook y explotada en Buenos Aires.",
    "A mãe de duas crianças foi aliciada pelo WhatsApp com uma falsa oferta de emprego.",
    # a victim's own children beside her or as her family (session 7)
    "Una mujer de 28 años, víctima de trata, fue rescatada en Luque junto a sus dos hijos menores.",
    "La víctima, una mujer de 30 años explotada sexualmente, tiene tres hijos menores de edad.",
    "A vítima, de 25 anos, foi resgatada junto com seus dois filhos menores de idade.",
    "La mujer explotada, madre soltera de dos niños, fue rescatada en Itauguá.",
]


@pytest.mark.parametrize("text", PARENTS_OF)
def test_a_parents_children_are_not_victims(text):
    assert extract_facts(text).victim_minor is not True


def test_a_mother_who_offers_her_daughters_still_has_child_victims():
    text = "La madre de las niñas las ofrecía a hombres que contactaba por Facebook."
    assert extract_facts(text).victim_minor is True
