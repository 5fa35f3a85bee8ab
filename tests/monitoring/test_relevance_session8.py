"""Relevance, session 8 (issue #12 item 2): advice explainers, missing minors found with no
exploitation, migrants brought in illegally with no exploitation; and the cases phrased like
them that must stay relevant (work in inhuman conditions is an exploitation act).

Texts written by the Ñandutí project for these tests, labelled by the labelling guide's
definitions (not quotes of the dev set).
"""

import pytest

from nanduti.monitoring.extract.gazetteer import fold_keep_length
from nanduti.monitoring.extract.pipeline import extract_item
from nanduti.monitoring.extract.relevance import lexicon

NEAR_MISSES = {
    "advice explainer, pt": (
        "Vagas no exterior: saiba como identificar uma proposta falsa",
        "Imagine a seguinte situação: você recebe uma oferta de emprego na Europa com passagem "
        "paga. Especialistas alertam que o tráfico de pessoas muitas vezes começa com uma "
        "promessa. Fique atento a empresas sem endereço e a contratos que não podem ser lidos "
        "antes da viagem.",
    ),
    "advice explainer, es": (
        "Ofertas laborales y trata de personas: qué mirar antes de aceptar",
        "Sueldos altos sin experiencia y viajes sin pasaje de vuelta son algunos de los "
        "indicios a los que hay que prestar atención, explicó una especialista. La trata de "
        "personas empieza muchas veces con un anuncio de empleo que parece una oportunidad.",
    ),
    "missing girl found": (
        "Hallan a adolescente que estaba desaparecida desde el lunes",
        "Una adolescente de 15 años que estaba ausente de su hogar desde el lunes fue "
        "encontrada en la casa de una amiga en Lambaré. La familia había denunciado la "
        "desaparición y pedido ayuda en redes sociales. La policía informó que la menor se "
        "encuentra bien y fue entregada a sus padres.",
    ),
}

CASES = {
    "migrants brought in illegally and made to work in inhuman conditions": (
        "Cae red que introducía ciudadanos asiáticos ilegalmente al país",
        "La red de trata de personas introducía ilegalmente a ciudadanos asiáticos por la "
        "frontera. Una decena de ellos trabajaban en condiciones infrahumanas en depósitos de "
        "Ciudad del Este, sin salario y sin poder salir.",
    ),
}


def _run(title: str, text: str) -> dict:
    return extract_item({"id": "probe", "title": title, "text": text})


@pytest.mark.parametrize(
    ("kind", "relevant"), [(k, False) for k in NEAR_MISSES] + [(k, True) for k in CASES]
)
def test_relevance_of_the_story(kind, relevant):
    out = _run(*{**NEAR_MISSES, **CASES}[kind])
    assert out["is_trafficking"] is relevant, (kind, out["score"], out["relevance"]["cues"])


def test_illegal_entry_alone_takes_back_the_offence_name():
    """ "Introducía migrantes ilegalmente" denies the exploitation the name alone claims."""
    named, entry = (
        lexicon(fold_keep_length("Cayó una red de trata de personas" + tail)).score
        for tail in (" en la frontera.", " que introducía migrantes ilegalmente por la frontera.")
    )
    assert (named > 2, entry <= 0) == (True, True)


def test_work_in_inhuman_conditions_is_an_act():
    result = lexicon(
        fold_keep_length(
            "Los trabajadores vivían en condiciones infrahumanas en la estancia, según la fiscalía."
        )
    )
    assert any(h.act for h in result.hits)


def test_a_missing_person_found_counts_against_the_topic():
    result = lexicon(
        fold_keep_length(
            "La joven estaba desaparecida desde el viernes; la policía dio con su paradero en "
            "Luque."
        )
    )
    assert result.score < 0
    assert any(h.kind == "near_miss" for h in result.hits)
