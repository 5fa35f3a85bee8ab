"""Near misses the offence's name alone would make relevant, and cases phrased like them.

Texts of our own (``relevance_probes.py``), labelled by the labelling guide before the rules
were written; five of the near misses were taken for trafficking by the session-start code
(migrant crossings called "red de trata", the trafficking unit ruling a crossing out, a bill,
revenge porn between adults, a denial).
"""

import pytest

from nanduti.monitoring.extract.pipeline import extract_item
from nanduti.monitoring.extract.relevance import lexicon
from nanduti.monitoring.extract.gazetteer import fold_keep_length

from .relevance_probes import NEAR_MISSES, RELEVANT


def _extract(title: str, text: str) -> dict:
    return extract_item({"id": "probe", "title": title, "text": text})


@pytest.mark.parametrize("kind", sorted(NEAR_MISSES))
def test_near_miss_is_not_relevant(kind):
    out = _extract(*NEAR_MISSES[kind])
    assert not out["is_trafficking"], (kind, out["score"], out["relevance"]["cues"])


@pytest.mark.parametrize("kind", sorted(RELEVANT))
def test_case_is_relevant(kind):
    out = _extract(*RELEVANT[kind])
    assert out["is_trafficking"], (kind, out["score"], out["relevance"]["cues"])


def test_paid_consenting_crossing_takes_back_the_offence_name():
    """The name "trata" stays a cue; the consent cancels it when no act is described."""
    named = lexicon(fold_keep_length("Desarticulan red de trata que llevaba cubanos."))
    crossing = lexicon(
        fold_keep_length(
            "Desarticulan red de trata que llevaba cubanos. Cada migrante pagaba 3.000 dolares "
            "por el cruce y viajaban por voluntad propia."
        )
    )
    assert named.score > 2
    assert crossing.score <= 0


def test_an_exploitation_act_keeps_a_paid_crossing_relevant():
    result = lexicon(
        fold_keep_length(
            "Red de trata: los migrantes pagaban 3.000 dolares por el viaje y al llegar los "
            "obligaban a trabajar sin paga para saldar una supuesta deuda."
        )
    )
    assert result.score > 3
    assert any(h.act for h in result.hits)
