"""Facts of issue #12 item 2 that the earlier rules missed: victims found where a country is
named with "en", routes from home, "the European country", demonyms of regions abroad,
Paraguayan places with namesakes abroad, exploitation told by description, the event date,
the evidence phrase, and the job-ad flags for foreign pay and work abroad.

Texts written by the Ñandutí project for these tests (not quotes of the dev set).
"""

import pytest

from nanduti.monitoring.extract.ads import screen_text
from nanduti.monitoring.extract.facts import extract_facts

DESTINATIONS = [
    ("En Uruguay fueron rescatadas dos jóvenes que eran obligadas a prostituirse.", {"Uruguay"}),
    ("Na Itália, três paraguaias foram resgatadas de um apartamento.", {"Italy"}),
    (
        "Un operativo en la provincia de Mendoza terminó con el rescate de doce víctimas de "
        "trata de personas.",
        {"Argentina"},
    ),
    ("La red de trata operaba entre Paraguay y Francia desde 2019.", {"France"}),
    ("Desarticulan una red de explotación que operaba en Paraguay y Portugal.", {"Portugal"}),
    (
        "La Policía de Alemania alertó del caso. Las mujeres fueron llevadas al país europeo "
        "con promesas de empleo.",
        {"Germany"},
    ),
    (
        "Un juez de Bolivia pidió su detención. Las adolescentes eran trasladadas al vecino "
        "país para ser explotadas.",
        {"Bolivia"},
    ),
    ("Elas foram encontradas em território brasileiro pela polícia.", {"Brazil"}),
    ("Las jóvenes fueron llevadas a la localidad bonaerense de Junín.", {"Argentina"}),
    ("Fue rescatada de un prostíbulo porteño tras la denuncia.", {"Argentina"}),
    # a city far larger than its namesakes; a town resolved by the country named with it
    ("Las enviaban a Madrid y luego a un club de Cuenca, donde eran explotadas.", {"Spain"}),
    # one candidate country: kept although the article names other countries
    (
        "Las víctimas, de Perú y Bolivia, fueron llevadas a Posadas para ser explotadas.",
        {"Argentina"},
    ),
]
NOT_DESTINATIONS = [
    "En Chile, la Policía detuvo a un hombre acusado de estafa.",
    "La cooperación entre Paraguay y Corea se firmó ayer en la cancillería.",
    "Entre las víctimas rescatadas había cinco mujeres: tres de Goiás y dos de Bahía.",
    "Hubo una reunión entre Paraguay y Japón sobre la trata de personas.",
]


@pytest.mark.parametrize(("text", "expected"), DESTINATIONS)
def test_destinations_from_context_routes_anaphora_and_demonyms(text, expected, paraguayan_side):
    assert set(extract_facts(paraguayan_side + text).destination_countries) == expected


@pytest.mark.parametrize("text", NOT_DESTINATIONS)
def test_not_destinations(text):
    assert extract_facts(text).destination_countries == []


NAMESAKES = [
    # Paraguayan place, a country named later in the sentence as the destination
    ("Una joven de Concepción fue captada y llevada a Chile.", {"Concepción"}),
    # (a Paraguayan side is needed: alone, Misiones and Posadas are one Argentine province)
    ("Las paraguayas eran captadas en Misiones y llevadas a Posadas.", {"Misiones"}),
    # the namesake abroad: the region or country it lies in follows it
    ("La víctima fue trasladada a Guaíra, en el estado de Paraná, y explotada.", set()),
    ("A vítima foi levada para Guaíra (PR) com promessa de emprego.", set()),
    ("Fue explotada en Concepción, Chile, durante dos años.", set()),
]


@pytest.mark.parametrize(("text", "departments"), NAMESAKES)
def test_paraguayan_places_with_namesakes_abroad_are_read_by_context(text, departments):
    assert set(extract_facts(text).departments) == departments


EXPLOITATION = [
    ("El adolescente trabajaba 16 horas diarias sin pago en una estancia.", "labour"),
    ("Los hombres trabajaban sin recibir salario, solo a cambio de comida.", "labour"),
    ("Os trabalhadores viviam em condições análogas à escravidão.", "labour"),
    (
        "La niña hacía tareas domésticas a cambio de techo y comida en una casa ajena.",
        "criadazgo",
    ),
]


@pytest.mark.parametrize(("text", "code"), EXPLOITATION)
def test_exploitation_from_descriptions(text, code):
    assert code in extract_facts(text).exploitation


def test_paid_work_is_not_labour_exploitation():
    assert (
        extract_facts("Trabajó ocho horas diarias en una oficina y cobró su sueldo.").exploitation
        == []
    )


def test_evidence_is_the_phrase_around_the_fact_cut_from_the_text():
    text = (
        "Según el informe policial presentado ayer ante la fiscalía de la ciudad, la víctima "
        "había sido contactada por un desconocido a través de  Instagram durante varias "
        "semanas antes de desaparecer de su casa."
    )
    evidence = extract_facts(text).evidence["platforms"][0]
    assert "Instagram" in evidence and evidence in text
    assert len(evidence.split()) <= 13


def test_event_date_is_the_texts_or_none():
    from datetime import date

    published = date(2025, 8, 20)
    assert extract_facts("El hecho ocurrió el pasado lunes en Luque.", published).date == (
        "2025-08-18"
    )
    assert extract_facts("La Fiscalía investiga el caso en Luque.", published).date is None


ADS = [
    ("Sueldo de 3.000 euros, viaje pagado.", "R1", "Sueldo de 3.000 euros"),
    ("Pagamos USD 1.200 por mes a chicas responsables.", "R1", "USD 1.200"),
    ("Se busca niñera, trabajo en Buenos Aires, escribir al privado.", "R2", "Buenos Aires"),
    ("Vagas de emprego para Foz do Iguaçu.", "R2", "Foz do Iguaçu"),
]


@pytest.mark.parametrize(("text", "code", "words"), ADS)
def test_ad_flags_for_foreign_pay_and_work_abroad(text, code, words):
    reasons = {r["code"]: r["evidence"] for r in screen_text(text)["reasons"]}
    assert code in reasons and words in reasons[code]


def test_local_pay_and_work_at_home_raise_no_flag():
    assert screen_text("Sueldo de 3.000.000 Gs, empleo en Encarnación.")["reasons"] == []
