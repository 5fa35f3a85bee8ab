"""A story that says it is not trafficking is a near miss. Texts written for this test."""

from nanduti.monitoring.extract.pipeline import extract_item

SMUGGLING = (
    "Cae un pasador que cobraba 8.000 dólares por cruzar a paraguayos hacia México",
    "La Policía detuvo en Encarnación a un hombre acusado de organizar cruces irregulares. "
    "Los viajeros pagaban por adelantado y viajaban por decisión propia. La fiscalía aclaró "
    "que el tráfico de migrantes es un delito distinto de la trata de personas y que los "
    "viajeros no sufrieron explotación.",
)
TRAFFICKING = (
    "Rescatan a dos jóvenes explotadas sexualmente en un bar de Pedro Juan Caballero",
    "Las víctimas, de 19 y 20 años, fueron captadas por Facebook con una falsa oferta de "
    "empleo. La fiscalía imputó a la dueña del local por trata de personas con fines de "
    "explotación sexual.",
)


def test_a_denial_of_trafficking_makes_a_near_miss():
    out = extract_item({"id": "s", "title": SMUGGLING[0], "text": SMUGGLING[1]})
    assert not out["is_trafficking"]
    cues = {c["cue"] for c in out["relevance"]["cues"]}
    assert any("distinto de la trata" in c for c in cues)


def test_a_trafficking_case_stays_relevant():
    out = extract_item({"id": "t", "title": TRAFFICKING[0], "text": TRAFFICKING[1]})
    assert out["is_trafficking"]
