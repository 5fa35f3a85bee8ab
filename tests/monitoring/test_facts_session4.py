"""Facts that must not hang on the relevance decision or on the page's furniture (issue #12):
Paraguay as the destination of foreign victims, a raid abroad whose victims the next sentence
names, destinations of a story the score misses, social links and share bars of any outlet,
and a "more news" heading in any wording.

Texts written by the Ñandutí project for these tests (not quotes of the dev set).
"""

import pytest

from nanduti.monitoring.extract import pipeline
from nanduti.monitoring.extract.facts import extract_facts
from nanduti.monitoring.extract.text import clean

BROUGHT_HOME = [
    "Dos mujeres brasileñas fueron rescatadas en Presidente Franco. Según la fiscalía, habían "
    "sido traídas al Paraguay bajo engaño por una red de trata de personas.",
    "Duas brasileiras foram resgatadas em Presidente Franco. As mulheres teriam sido trazidas "
    "para o Paraguai sob o engano de uma rede de tráfico de pessoas.",
    "Cinco ciudadanos dominicanos fueron traídos a Paraguay con falsas ofertas de empleo y "
    "explotados en una estancia.",
    "Las víctimas, extranjeras, habían sido llevadas al Paraguay con promesas de trabajo.",
]
HOME_NOT_DESTINATION = [
    # Paraguayan victims going home: a return, not a destination
    "Las tres paraguayas rescatadas en Brasil regresaron al Paraguay con ayuda del consulado.",
    "Las víctimas paraguayas fueron llevadas al Paraguay tras el rescate; las autoridades "
    "brasileñas colaboraron.",
    # a foreign suspect, no foreign victim
    "Un ciudadano argentino fue detenido en Encarnación por captar a jóvenes paraguayas.",
]


@pytest.mark.parametrize("text", BROUGHT_HOME)
def test_paraguay_is_the_destination_of_foreign_victims_brought_into_it(text):
    assert "Paraguay" in extract_facts(text).destination_countries


@pytest.mark.parametrize("text", HOME_NOT_DESTINATION)
def test_paraguay_is_no_destination_for_its_own_victims_coming_home(text):
    assert "Paraguay" not in extract_facts(text).destination_countries


def test_a_raid_abroad_whose_victims_the_next_sentence_names():
    text = (
        "Seis personas fueron detenidas en Italia en un operativo contra la trata. Entre las "
        "víctimas rescatadas había cuatro paraguayas."
    )
    assert extract_facts(text).destination_countries == ["Italy"]


def test_a_raid_abroad_is_not_where_victims_found_in_another_country_are():
    text = (
        "Seis personas fueron detenidas en Italia en un operativo. En Francia fueron "
        "rescatadas cuatro paraguayas."
    )
    assert extract_facts(text).destination_countries == ["France"]


def test_an_arrest_abroad_with_no_victims_is_no_destination():
    text = "Un paraguayo fue detenido en Italia por estafa. El juez fijó una fianza."
    assert extract_facts(text).destination_countries == []


def test_destinations_survive_a_low_score_when_the_story_describes_exploitation(monkeypatch):
    """The relevance score is not the facts' gate: with the score forced below the threshold
    a story of exploitation keeps its destination, and a cargo bound abroad still has none."""
    real = pipeline.score_many

    def low(items, folded=None):
        results = real(items, folded=folded)
        for result in results:
            result.score = 0.01
        return results

    monkeypatch.setattr(pipeline, "score_many", low)
    story = pipeline.extract_text(
        "Nueve paraguayos trabajaban sin recibir pago en una estancia. Fueron llevados a Brasil "
        "con una oferta de empleo y sometidos a trabajo esclavo."
    )
    cargo = pipeline.extract_text(
        "El camión con cigarrillos tenía como destino final Brasil, según la Aduana."
    )
    assert story["destination_countries"] == ["Brazil"]
    assert cargo["destination_countries"] == []


FURNITURE = [
    "Siga o Diário da Fronteira no Instagram e no Facebook",
    "Curta nossa página no Facebook",
    "Receba as notícias do Jornal no WhatsApp",
    "Compartilhe: Facebook Twitter WhatsApp",
    "Follow us on Instagram",
    "Seguinos en X y en TikTok",
]


@pytest.mark.parametrize("line", FURNITURE)
def test_social_links_and_share_bars_are_not_platforms(line):
    text = f"Tres paraguayas fueron rescatadas en Foz.\n{line}\nLa red operaba en la frontera."
    assert line not in clean(text).text
    assert extract_facts(clean(text).text).platforms == []


@pytest.mark.parametrize(
    "line",
    [
        "As vítimas foram aliciadas pelo Facebook com promessas de emprego.",
        "Entre as vítimas, duas foram contatadas pelo Instagram.",
        "Sigue detenido el hombre que captaba a menores por WhatsApp.",
    ],
)
def test_story_lines_that_name_a_network_are_kept(line):
    text = f"Tres paraguayas fueron rescatadas en Foz.\n{line}"
    assert line in clean(text).text
    assert extract_facts(clean(text).text).platforms


@pytest.mark.parametrize(
    "heading", ["Otras noticias", "Más noticias de Policiales", "Mais notícias"]
)
def test_a_more_news_heading_in_any_wording_ends_the_story(heading):
    text = (
        "La fiscalía rescató a dos adolescentes en Ciudad del Este.\n"
        f"{heading}\n"
        "Un accidente de tránsito se cobró la vida de un motociclista en Encarnación."
    )
    kept = clean(text).text
    assert "Encarnación" not in kept
    assert extract_facts(kept).departments == ["Alto Paraná"]
