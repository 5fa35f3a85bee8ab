"""Platforms, destinations, victims, exploitation and dates, with their traps.

Texts written by the Ñandutí project for these tests.
"""

from datetime import date

import pytest

from nanduti.monitoring.extract.facts import extract_facts

PLATFORMS = [
    ("La menor fue contactada por Face y luego por wsp.", {"Facebook", "WhatsApp"}),
    ("Le escribía por Instagram y por el feisbuk de su hermana.", {"Instagram", "Facebook"}),
    ("Se conocieron en Tik Tok y siguieron hablando por Telegram.", {"TikTok", "Telegram"}),
    ("Ofrecía ganancias con contenidos para Only Fans.", {"OnlyFans"}),
    ("Captaba niños en el juego Free Fire y después en Discord.", {"Free Fire", "Discord"}),
    ("Los pagos se hacían por Tigo Money y Western Union.", {"Tigo Money", "Western Union"}),
    ("Pedía fotos por la red social X, antes Twitter.", {"X (Twitter)"}),
    ("Las clases se daban por Zoom y la captación siguió por videollamada de Zoom.", {"Zoom"}),
]
NOT_PLATFORMS = [
    # (text, platform that must not be read)
    ("Tenía la cara tapada; su face estaba cubierta por una gorra.", "Facebook"),
    ("Hubo un meet and greet con los jugadores del club.", "Google Meet"),
    ("Hizo zoom a la foto para ver la placa del vehículo.", "Zoom"),
    ("El tornillo y el bolt de la máquina estaban flojos.", "Bolt"),
    ("La señal (signal) de la radio se cortó durante la tormenta.", "Signal"),
    ("Ganó por x cantidad de votos en las elecciones.", "X (Twitter)"),
]


@pytest.mark.parametrize(("text", "expected"), PLATFORMS)
def test_platforms_with_aliases_and_misspellings(text, expected):
    assert set(extract_facts(text).platforms) == expected


@pytest.mark.parametrize(("text", "absent"), NOT_PLATFORMS)
def test_ambiguous_platform_words_need_context(text, absent):
    assert absent not in extract_facts(text).platforms


def test_institution_announcing_on_its_account_is_not_a_case_platform():
    facts = extract_facts(
        "La Policía Nacional informó a través de su cuenta de Facebook que dos mujeres fueron "
        "rescatadas. Las víctimas habían sido captadas por Instagram."
    )
    assert facts.platforms == ["Instagram"]


def test_outlet_channel_lines_inside_paragraphs_are_not_platforms():
    facts = extract_facts(
        "Una joven fue rescatada en Luque. Mirá el video en nuestro canal de YouTube."
    )
    assert facts.platforms == []


def test_generic_technologies_are_kept_apart_from_platforms():
    facts = extract_facts("Le enviaron un mensaje de texto y luego una transferencia bancaria.")
    assert facts.platforms == []
    assert "SMS / text message" in facts.other_technologies


DESTINATIONS = [
    ("La joven fue llevada a España con una falsa oferta de empleo.", {"Spain"}),
    ("Las mujeres eran trasladadas a la Argentina en colectivo.", {"Argentina"}),
    ("Le ofrecían trabajo en Buenos Aires como niñera.", {"Argentina"}),
    ("Fueron explotadas en un prostíbulo de São Paulo durante meses.", {"Brazil"}),
    ("Cinco paraguayas fueron rescatadas en Madrid por la Guardia Civil.", {"Spain"}),
    ("Las víctimas fueron repatriadas desde Italia la semana pasada.", {"Italy"}),
    ("Paraguayan women were trafficked to Spain and forced into prostitution.", {"Spain"}),
    ("La iban a llevar a Dubái con un contrato de modelo.", {"United Arab Emirates"}),
]
NOT_DESTINATIONS = [
    "Un ciudadano brasileño fue detenido por la policía.",
    "La Embajada de España financia la campaña de prevención.",
    "El acusado, de nacionalidad argentina, fue imputado.",
    "La Policía de Brasil colaboró con la investigación.",
    "La víctima fue trasladada a Paraguay tras ser rescatada.",
    "Brasil y Argentina firmaron un acuerdo de cooperación.",
    "La red era liderada por un hombre procedente de Bolivia.",
    "El detenido vivía en la calle Estados Unidos casi Ayolas.",
]


@pytest.mark.parametrize(("text", "expected"), DESTINATIONS)
def test_destination_countries(text, expected, paraguayan_side):
    assert set(extract_facts(paraguayan_side + text).destination_countries) == expected


@pytest.mark.parametrize("text", NOT_DESTINATIONS)
def test_nationalities_institutions_and_paraguay_are_not_destinations(text):
    assert extract_facts(text).destination_countries == []


VICTIMS = [
    ("Una adolescente de 15 años fue rescatada por la policía.", "female", True),
    ("Niñas y niños fueron rescatados de una casa en Luque.", "mixed", True),
    ("Las víctimas, mujeres paraguayas, fueron explotadas en España.", "female", False),
    ("Un adolescente de 16 años fue captado por una red en Free Fire.", "male", True),
    ("La víctima, una mujer de 24 años, denunció a su expareja.", "female", False),
    ("A 14-year-old girl was rescued by police in Asunción.", "female", True),
]


@pytest.mark.parametrize(("text", "gender", "minor"), VICTIMS)
def test_victim_gender_and_minor(text, gender, minor):
    facts = extract_facts(text)
    assert facts.victim_gender == gender
    assert facts.victim_minor is minor


def test_perpetrator_is_not_read_as_the_victim():
    facts = extract_facts(
        "Un hombre de 45 años fue detenido. La víctima, una niña de 9 años, está con su madre."
    )
    assert facts.victim_gender == "female"
    assert facts.victim_minor is True
    assert 45 not in facts.victim_ages


def test_prison_terms_are_not_ages():
    facts = extract_facts("Fue condenado a 15 años de cárcel por explotar a mujeres adultas.")
    assert facts.victim_ages == []


EXPLOITATION = [
    ("Investigan trata de personas con fines de explotación sexual.", {"sexual"}),
    ("Fue imputado por pornografía infantil tras el allanamiento.", {"csam"}),
    ("Los trabajadores vivían en condiciones de trabajo forzoso.", {"labour"}),
    ("La niña vivía en situación de criadazgo en una casa de Luque.", {"criadazgo"}),
    ("Una red de explotación sexual infantil en línea fue desarticulada.", {"esnna"}),
    ("Los niños eran obligados a mendigar en los semáforos.", {"forced_begging"}),
]


@pytest.mark.parametrize(("text", "expected"), EXPLOITATION)
def test_exploitation_types(text, expected):
    assert expected <= set(extract_facts(text).exploitation)


def test_raised_by_grandmother_is_not_criadazgo():
    assert extract_facts("La joven fue criada por su abuela en Caazapá.").exploitation == []


PUBLISHED = date(2024, 3, 20)  # a Wednesday
DATES = [
    ("El hecho ocurrió el pasado martes en Luque.", "2024-03-19"),
    ("La joven fue rescatada ayer por la tarde.", "2024-03-19"),
    ("El operativo se realizó el 3 de marzo en Asunción.", "2024-03-03"),
    ("Fue detenido el 28 de diciembre en Encarnación.", "2023-12-28"),
    ("La denuncia se presentó el 5 de junio de 2021.", "2021-06-05"),
    ("El allanamiento fue hace dos semanas.", "2024-03-06"),
    ("La adolescente desapareció el lunes y fue hallada hoy.", "2024-03-18"),
    ("Police said the girl was rescued on March 3.", "2024-03-03"),
    ("El sábado 2 de marzo fue detenido en Luque.", "2024-03-02"),
    ("El hecho ocurrió la semana pasada en Luque.", "2024-03-13"),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_event_date_relative_to_publication(text, expected):
    facts = extract_facts(text, PUBLISHED)
    assert facts.date == expected
    assert facts.date_source == "text"
    assert facts.evidence["date"]


def test_the_publication_date_is_not_the_event_date():
    facts = extract_facts("Sin fecha en el texto.", PUBLISHED)
    assert facts.date is None
    assert facts.date_source is None
    assert "date" not in facts.evidence


def test_no_date_at_all_is_null():
    assert extract_facts("Sin fecha en el texto.").date is None


def test_exploitation_anchors_find_what_a_full_scan_finds():
    from nanduti.monitoring.extract.facts import cues
    from nanduti.monitoring.extract.gazetteer import anchored_matches, fold_keep_length
    from nanduti.monitoring.training import compose_written

    texts = [fold_keep_length(r["title"] + ".\n" + r["text"]) for r in compose_written()]
    anchors = cues()["exploitation_anchors"]
    for code, pattern in cues()["exploitation_cues"].items():
        for text in texts:
            full = [m.span() for m in pattern.finditer(text)][:1]
            fast = [m.span() for m in anchored_matches(pattern, anchors[code], text, 1)]
            assert fast == full, (code, text[:80])
