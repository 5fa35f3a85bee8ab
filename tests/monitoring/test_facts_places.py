"""Places: departments and cities from the taxonomy, with the traps of real news text.

Texts written by the Ñandutí project for these tests.
"""

import pytest

from nanduti.monitoring.extract.facts import extract_facts
from nanduti.monitoring.extract.pipeline import extract_item

CASES = [
    # (text, departments expected, departments that must NOT appear, cities expected)
    (
        "Una joven fue rescatada en San Pedro del Paraná, donde vivía con sus captores.",
        {"Itapúa"},
        {"San Pedro"},
        {"San Pedro del Paraná"},
    ),
    (
        "El hecho ocurrió en San Pedro del Ycuamandyyú y la víctima fue trasladada a Asunción.",
        {"San Pedro", "Asunción"},
        {"Itapúa"},
        set(),
    ),
    (
        "La fiscal de Presidente Franco imputó a dos hombres por trata de personas.",
        {"Alto Paraná"},
        set(),
        {"Presidente Franco"},
    ),
    (
        "El expresidente Franco y el presidente Franco del partido hablaron del tema en un acto.",
        set(),
        {"Alto Paraná"},
        set(),
    ),
    (
        "La adolescente fue hallada en una vivienda de Limpio tras varios días de búsqueda.",
        {"Central"},
        set(),
        {"Limpio"},
    ),
    (
        "El lugar estaba limpio y ordenado cuando llegaron los agentes de la central de policía.",
        set(),
        {"Central"},
        set(),
    ),
    (
        "En San Pedro, provincia de Buenos Aires, rescataron a dos jóvenes.",
        set(),
        {"San Pedro"},
        set(),
    ),
    (
        "La joven fue llevada desde Encarnación a la Argentina por un conocido.",
        {"Itapúa"},
        set(),
        {"Encarnación"},
    ),
    (
        "El hecho ocurrió en San Lorenzo (Argentina) y en San Lorenzo, Paraguay.",
        {"Central"},
        set(),
        set(),
    ),
    (
        "Vive en el barrio Trinidad de Asunción, cerca de la avenida Eusebio Ayala.",
        {"Asunción"},
        {"Itapúa", "Cordillera"},
        set(),
    ),
    (
        "El diputado Iturbe y el concejal Borja hablaron con la prensa.",
        set(),
        {"Guairá"},
        set(),
    ),
    (
        "El 8 de diciembre se celebra la Inmaculada Concepción; la Cordillera de los Andes.",
        set(),
        {"Concepción", "Cordillera"},
        set(),
    ),
    (
        "El Banco Central del Paraguay y la Central Unitaria de Trabajadores opinaron.",
        set(),
        {"Central"},
        set(),
    ),
    (
        "Los operativos se realizaron en Asunción y Central durante toda la semana.",
        {"Asunción", "Central"},
        set(),
        set(),
    ),
    (
        "Fue detenido en el departamento Central, cerca del límite con Cordillera.",
        {"Central", "Cordillera"},
        set(),
        set(),
    ),
    (
        "La red operaba en la provincia de Misiones, Argentina, con base en Posadas.",
        set(),
        {"Misiones"},
        set(),
    ),
    (
        "En Misiones, la víctima vivía en San Juan Bautista con su abuela.",
        {"Misiones"},
        set(),
        {"San Juan Bautista"},
    ),
    (
        "La joven era de Concepción y fue llevada a la capital con una promesa de empleo.",
        {"Concepción"},
        set(),
        set(),
    ),
    (
        "La víctima fue rescatada en Concepción, Chile, por la policía chilena.",
        set(),
        {"Concepción"},
        set(),
    ),
    (
        "María Concepción Benítez, vecina del barrio, declaró como testigo.",
        set(),
        {"Concepción"},
        set(),
    ),
    (
        "El juicio se realizará en Pilar, capital de Ñeembucú.",
        {"Ñeembucú"},
        set(),
        {"Pilar"},
    ),
    (
        "La madre, María del Pilar Gómez, denunció el hecho en la comisaría.",
        set(),
        {"Ñeembucú"},
        set(),
    ),
    (
        "Tres imputados en CDE por explotación sexual de adolescentes.",
        {"Alto Paraná"},
        set(),
        {"Ciudad del Este"},
    ),
    (
        "Las víctimas eran de Caaguazú y de Coronel Oviedo, según la fiscalía.",
        {"Caaguazú"},
        set(),
        {"Coronel Oviedo"},
    ),
    (
        "Allanaron una casa en Caacupé y otra en Villa Elisa.",
        {"Cordillera", "Central"},
        set(),
        {"Caacupé", "Villa Elisa"},
    ),
    (
        "Los sospechosos fueron detenidos en Salto del Guairá, en la frontera con Brasil.",
        {"Canindeyú"},
        {"Guairá"},
        {"Salto del Guairá"},
    ),
    (
        "La joven es oriunda del Guairá y vivía en Villarrica desde hace dos años.",
        {"Guairá"},
        set(),
        {"Villarrica"},
    ),
    (
        "La víctima vivía en Luque y trabajaba en Encarnación.",
        {"Central", "Itapúa"},
        set(),
        {"Luque", "Encarnación"},
    ),
    (
        "Fue detenido en la avenida España casi Brasilia, en Asunción.",
        {"Asunción"},
        set(),
        set(),
    ),
    (
        "ENCARNACIÓN (Corresponsal). Una adolescente de 14 años fue rescatada ayer.",
        {"Itapúa"},
        set(),
        {"Encarnación"},
    ),
    (
        "La víctima, de Paraguarí, había sido captada por un vecino.",
        {"Paraguarí"},
        set(),
        set(),
    ),
]


@pytest.mark.parametrize(("text", "expected", "forbidden", "cities"), CASES)
def test_departments_and_cities(text, expected, forbidden, cities):
    facts = extract_facts(text)
    found = set(facts.departments)
    assert expected <= found, (text, facts.departments)
    assert not (forbidden & found), (text, facts.departments)
    assert cities <= set(facts.cities), (text, facts.cities)


def test_place_in_more_news_teaser_is_not_a_fact():
    item = {
        "id": "t1",
        "title": "Rescatan a joven víctima de trata en Encarnación",
        "text": (
            "Una joven de 19 años fue rescatada en Encarnación tras ser captada por Facebook.\n"
            "Más noticias\n"
            "Detienen a hombre en Concepción por robo\n"
            "Lluvias en San Pedro dejan familias aisladas\n"
            "Lea también: Accidente en Coronel Oviedo deja dos heridos\n"
            "Únete a nuestro canal de WhatsApp"
        ),
    }
    out = extract_item(item)
    assert out["departments"] == ["Itapúa"]
    assert out["platforms"] == ["Facebook"]


def test_every_place_fact_has_a_supporting_span():
    out = extract_item({"id": "s", "title": "", "text": "Fue rescatada en Luque, Central."})
    assert out["departments"] == ["Central"]
    assert any("Luque" in span for span in out["evidence"]["departments"])
