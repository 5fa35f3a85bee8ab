"""Relevance: trafficking and sexual exploitation vs near misses, with explained scores.

Texts written by the Ñandutí project for these tests (not in the training data).
"""

import pytest

from nanduti.monitoring.extract.relevance import lexicon, score_many, score_one
from nanduti.monitoring.extract.text import clean

RELEVANT = [
    (
        "Desarticulan red que enviaba jóvenes a Argentina",
        "Una red que reclutaba a jóvenes de Caazapá con ofertas de empleo en heladerías fue "
        "desarticulada. Las víctimas, cuatro mujeres, eran obligadas a prostituirse en "
        "Corrientes. La fiscalía imputó a tres personas por trata de personas.",
    ),
    (
        "Imputan a hombre por grooming",
        "Un hombre de 38 años fue imputado por grooming tras contactar a una niña de 12 años "
        "por Instagram y pedirle fotos íntimas. La madre descubrió los mensajes.",
    ),
    (
        "Detienen a proxeneta en Encarnación",
        "Un hombre fue detenido por proxenetismo en Encarnación. Según la policía, ofrecía a "
        "dos adolescentes a clientes a través de WhatsApp y se quedaba con el dinero.",
    ),
    (
        "Child abuse images: man charged",
        "A man was charged with possessing child sexual abuse material after police found "
        "thousands of images on his computer. Investigators said he shared them on Telegram.",
    ),
    (
        "Trabajadores rescatados de una estancia",
        "Quince trabajadores que vivían en condiciones de trabajo forzoso en una estancia del "
        "Chaco fueron rescatados por fiscales y la policía. No recibían salario y tenían "
        "deudas impagables con el patrón.",
    ),
]
NOT_RELEVANT = [
    (
        "Cae cargamento de cocaína",
        "Agentes antidrogas incautaron 300 kilos de cocaína en una avioneta en Concepción. "
        "El piloto fue detenido por tráfico de drogas.",
    ),
    (
        "Embotellamiento en la Transchaco",
        "El tráfico vehicular en la ruta Transchaco fue intenso por el regreso de las "
        "vacaciones. Los conductores esperaron horas en el peaje.",
    ),
    (
        "Coyotes cobraban por cruzar migrantes",
        "Dos hombres fueron detenidos por tráfico de migrantes: cobraban 500 dólares a "
        "ciudadanos extranjeros para cruzarlos a Brasil por pasos no habilitados.",
    ),
    (
        "El ministro trata de calmar a los gremios",
        "El ministro de Hacienda trató de calmar a los gremios y dijo que el trato será "
        "igualitario. Se trata de una negociación difícil.",
    ),
    (
        "Docentes van a huelga",
        "El sindicato de docentes anunció una huelga por reajuste salarial y denunció "
        "explotación por la sobrecarga horaria.",
    ),
    (
        "Estafa por WhatsApp",
        "La policía advierte sobre una estafa por WhatsApp con falsos premios de un "
        "supermercado. Piden a las víctimas transferir dinero.",
    ),
]


def test_reported_cases_are_relevant():
    results = score_many(RELEVANT)
    assert [r.is_trafficking for r in results] == [True] * len(RELEVANT)
    assert all(r.score >= 0.5 for r in results)


def test_near_misses_are_not_relevant():
    results = score_many(NOT_RELEVANT)
    assert [r.is_trafficking for r in results] == [False] * len(NOT_RELEVANT)


def test_awareness_speech_scores_lower_than_a_case_and_is_flagged():
    speech = score_one(
        "Día mundial contra la trata",
        "En el Día Mundial contra la Trata de Personas, la ministra encabezó un acto y "
        "presentó una campaña de concienciación. Habrá charlas en colegios y talleres para "
        "docentes sobre cómo prevenir la trata de personas en redes sociales.",
    )
    case = score_one(*RELEVANT[0])
    assert "awareness" in speech.flags
    assert speech.score < case.score
    assert not speech.is_trafficking


def test_awareness_day_text_that_reports_a_rescue_is_still_a_case():
    result = score_one(
        "Rescatan a adolescentes el día contra la trata",
        "En el Día Mundial contra la Trata de Personas, la fiscalía informó que dos "
        "adolescentes fueron rescatadas en Luque y que un hombre fue detenido e imputado por "
        "trata de personas con fines de explotación sexual.",
    )
    assert "awareness" not in result.flags
    assert result.is_trafficking


def test_score_is_explained_by_cues_and_evidence_sentences():
    result = score_one(*RELEVANT[2])
    cues = {c["cue"] for c in result.cues}
    assert any(cue.startswith("proxenet") for cue in cues)
    assert any("proxenet" in sentence for sentence in result.evidence)
    assert 0.0 <= result.score <= 1.0
    assert result.model is not None  # the shipped model took part


def test_near_miss_is_flagged():
    result = score_one(*NOT_RELEVANT[0])
    assert "near_miss" in result.flags


def test_join_our_whatsapp_channel_line_does_not_count():
    text = clean("Lluvias en Asunción.\nÚnete a nuestro canal de WhatsApp").text
    assert "WhatsApp" not in text


@pytest.mark.parametrize(
    "phrase",
    ["tráfico de drogas", "narcotráfico", "tráfico vehicular intenso", "tráfico de armas"],
)
def test_traffic_words_are_negative_cues(phrase):
    from nanduti.monitoring.extract.gazetteer import fold_keep_length

    assert lexicon(fold_keep_length(phrase)).score < 0


def test_tratar_de_is_not_trata_de_personas():
    from nanduti.monitoring.extract.gazetteer import fold_keep_length

    result = lexicon(fold_keep_length("El gobierno trata de reducir costos; se trata de eso."))
    assert result.by_kind("topic") == 0


def test_anchored_search_finds_what_a_full_scan_finds():
    """The speed-up (searching around anchor words) never changes a cue's matches."""
    from nanduti.monitoring.extract.gazetteer import anchored_matches, fold_keep_length
    from nanduti.monitoring.extract.relevance import MAX_COUNT, cues
    from nanduti.monitoring.training import compose_written

    texts = [fold_keep_length(r["title"] + ".\n" + r["text"]) for r in compose_written()]
    for cue in cues():
        assert cue.needs, cue.pattern.pattern  # every cue has anchors
        for text in texts:
            full = [m.span() for m in cue.pattern.finditer(text)][:MAX_COUNT]
            fast = [m.span() for m in anchored_matches(cue.pattern, cue.needs, text, MAX_COUNT)]
            assert fast == full, (cue.pattern.pattern[:60], text[:80])


def test_the_shipped_model_scores_exactly_as_scikit_learn_would():
    """Scoring applies the model's vocabularies, idf and coefficients without importing
    scikit-learn (seconds of start-up); the log-odds must equal scikit-learn's own."""
    import json

    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nanduti.monitoring.extract.relevance import MODEL_PATH, RelevanceModel
    from nanduti.monitoring.training import compose_written

    with open(MODEL_PATH, encoding="utf-8") as fh:
        data = json.load(fh)
    vectorizers = []
    for spec in data["vectorizers"]:
        params = dict(spec["params"], ngram_range=tuple(spec["params"]["ngram_range"]))
        vectorizer = TfidfVectorizer(vocabulary=spec["vocabulary"], **params)
        vectorizer.idf_ = np.asarray(spec["idf"])
        vectorizers.append(vectorizer)
    texts = [f"{r['title']}\n{r['text']}".lower()[:1000] for r in compose_written()]
    texts += ["", "a", "x  y", "ÑANDUTÍ\t\ttrata   de\n\npersonas"]
    expected = hstack([v.transform(texts) for v in vectorizers]).tocsr() @ np.asarray(
        data["coef"]
    ) + float(data["intercept"])
    assert np.allclose(RelevanceModel(data).logits(texts), expected, rtol=0, atol=1e-9)


def test_training_loader_refuses_every_held_out_split(tmp_path):
    """The dev set's held-out split (test5), excluded rows and any split the loader does not
    know never reach the model; tune, test (tuning data since session 6), test2…test4 (since
    session 7) and plain labelled rows do."""
    import json

    from nanduti.monitoring.training import load_jsonl

    gold = {"is_trafficking": True}
    rows = [
        {"id": "a", "split": "tune", "text": "uno", "gold": gold, "outlet": "X"},
        {"id": "b", "split": "test", "text": "dos", "gold": gold, "outlet": "X"},
        {"id": "c", "split": "test2", "text": "tres", "gold": gold, "outlet": "Y"},
        {"id": "d", "split": "excluded", "text": "cuatro", "gold": gold, "outlet": "Y"},
        {"id": "e", "split": "test3", "text": "cinco", "gold": gold, "outlet": "Z"},
        {"id": "f", "text": "seis", "label": False},
        {"id": "g", "split": "test5", "text": "siete", "gold": gold, "outlet": "Z"},
        {"id": "h", "split": "test9", "text": "ocho", "gold": gold, "outlet": "Z"},
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert sorted(r["text"] for r in load_jsonl(path)) == ["cinco", "dos", "seis", "tres", "uno"]


def _lex(text: str):
    from nanduti.monitoring.extract.gazetteer import fold_keep_length

    return lexicon(fold_keep_length(text))


def test_se_trata_de_menores_is_not_trata_de_menores():
    """'Se trata de menores' says who they are; 'una red de trata de menores' names the offence."""
    assert (
        _lex("La policía halló a tres chicos; se trata de menores de 15 años.").by_kind("topic")
        == 0
    )
    assert _lex("Cayó una red de trata de menores en la frontera.").by_kind("topic") > 0


def test_a_line_wrap_inside_a_phrase_does_not_hide_it_but_a_blank_line_ends_it():
    wrapped = "Dez homens eram mantidos em condições análogas a\nescravidão numa fazenda."
    assert _lex(wrapped).by_kind("topic") > 0
    assert _lex("Uma fazenda com trabalho escravo.").by_kind("topic") > 0
    parted = "Leia também: condições análogas a\n\nescravidão é tema de debate"
    assert not any("escrav" in h.cue for h in _lex(parted).hits)


@pytest.mark.parametrize(
    "text",
    [
        "Once obreros fueron sometidos a trabajo forzado en una estancia del Chaco.",
        "Los costureros vivían en régimen de esclavitud dentro del local.",
        "A fiscalização achou sete homens em regime de escravidão numa carvoaria.",
    ],
)
def test_forced_labour_in_its_usual_variants_is_an_act(text):
    result = _lex(text)
    assert result.by_kind("topic") > 0 and any(h.act for h in result.hits)


def test_case_facts_count_only_when_a_cue_names_the_topic():
    """Arrests and charges are any crime's facts; they add only to a trafficking story."""
    robbery = _lex("Detienen e imputan a dos hombres acusados de asaltar un comercio.")
    assert robbery.score <= 0 and not any(h.kind == "case" for h in robbery.hits)
    case = _lex("Detienen e imputan a dos hombres acusados de trata de personas.")
    assert any(h.kind == "case" for h in case.hits)
    assert case.score > _lex("Dos hombres investigados por trata de personas.").score


def test_sweatshops_are_not_workshops_of_an_awareness_day():
    sweatshop = _lex(
        "Costureros explotados laboralmente en talleres clandestinos: 20 fueron "
        "rescatados y dos dueños quedaron detenidos."
    )
    assert not sweatshop.awareness_only and sweatshop.score > 0
    talk = _lex("Realizaron talleres sobre trata de personas para docentes del colegio.")
    assert talk.awareness_only


@pytest.mark.parametrize(
    "text",
    [
        # general sexual crimes, no exploitation, no material, no online contact
        "Imputan a un hombre por abuso sexual de su sobrina en una vivienda de Itauguá.",
        "Homem é preso por estupros contra vizinhas em um bairro de Dourados.",
        # domestic and gender violence
        "Detenido por violencia familiar tras agredir a su pareja, que tenía medidas de protección",
        "Preso por agredir a companheira, ele descumpriu a medida protetiva da Lei Maria da Penha.",
        # migration, crossings without papers
        "Migraciones deportó a extranjeros que ingresaron ilegalmente por un paso no habilitado.",
        # labour disputes, drugs (Portuguese)
        "Operários entram em greve; o sindicato cobra reajuste e horas extras.",
        "Presos com pasta base e skunk escondidos no carro.",
        # "tráfico" in another sense
        "Imputan a un concejal por tráfico de influencias.",
    ],
)
def test_near_miss_classes_score_below_zero(text):
    assert _lex(text).score < 0


def test_a_crossing_without_papers_takes_back_a_protocol_named_trata():
    """Guide: migrant crossings with no exploitation are near misses even when the file goes
    to the anti-trafficking unit; the crossing cue takes back the offence's name."""
    text = (
        "Gendarmes frenaron un auto con dos menores sin documentación migratoria que cruzaron "
        "por un paso no habilitado; se activó el protocolo contra la trata de personas."
    )
    assert _lex(text).score <= 0


def test_exploitation_described_outweighs_a_sexual_crime_near_miss():
    text = (
        "Detienen a un hombre por abuso sexual: en su teléfono hallaron pornografía infantil "
        "que compartía en grupos."
    )
    assert _lex(text).score > 2
