"""Is an article about trafficking in persons or sexual exploitation? An explained score.

Two parts, combined into one calibrated probability:

- a lexicon (``data/relevance_lexicon.toml``): weighted cues in Spanish, Portuguese and
  English, with
  negative cues for near misses (drug "tráfico", road "tráfico", migrant smuggling, labour
  disputes) and a penalty for awareness-day texts that report no case;
- a scikit-learn model (TF-IDF word and character n-grams + logistic regression) trained on
  the project's written examples and the analysts' decisions (``monitor train``), stored as
  plain JSON (vocabulary, idf, coefficients) so loading never unpickles code.

``raw = a · lexicon + b · logit(model) + c``; a, b, c are fitted on out-of-fold predictions
of the fitting part of the training data. The 0..1 score is ``sigmoid(s · raw + t)``, where
s and t (Platt scaling) are fitted on a **held-out calibration part** of the real tuning data
that neither the text model nor the stacker saw (``training.py``; reliability table in
``MODEL_CARD.md``).
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from .gazetteer import DATA_DIR, anchored_matches, fold_keep_length, register_anchors
from .text import article_body

MODEL_PATH = DATA_DIR / "relevance_model.json"
MODEL_CHARS = 1000  # title + lead: enough to tell the topic, and keeps n-gram cost bounded
MAX_COUNT = 3
AWARENESS_PENALTY = -2.5
THRESHOLD = 0.5
STRONG_CASE = re.compile(
    r"\b(detenid[oa]s?|aprehendid[oa]s?|arrestad[oa]s?|imputad[oa]s?|condenad[oa]s?|"
    r"rescatad[oa]s?|allanamientos?|captad[oa]s?|procesad[oa]s?|denunci[oó]|denunciaron|"
    r"desarticulad[oa]s?|desbaratad[oa]s?|imputo|imputaron|condeno|relataron|relato|"
    r"fue (llevada|trasladada|enganada|contactada)|arrested|charged|convicted|rescued|"
    r"pres[ao]s|prenderam|resgatad[ao]s?|resgataram|aliciad[ao]s|indiciad[ao]s?|"
    r"condenad[ao]s?|deflagrou)\b"
)


_LINE_WRAP = re.compile(r"(?<!\n)\n(?!\n)")


@dataclass(frozen=True)
class Cue:
    pattern: re.Pattern
    weight: float
    kind: str
    needs: tuple[str, ...] = ()  # anchors: every match contains one (see anchored_matches)
    act: bool = False  # describes an exploitation act, not only names the offence


@dataclass
class CueHit:
    cue: str
    kind: str
    weight: float
    count: int
    start: int
    end: int
    act: bool = False


@dataclass
class LexiconResult:
    score: float
    hits: list[CueHit] = field(default_factory=list)
    awareness_only: bool = False

    def by_kind(self, kind: str) -> float:
        return sum(h.weight * _damp(h.count) for h in self.hits if h.kind == kind)


@dataclass
class Relevance:
    score: float
    is_trafficking: bool
    lexicon: float
    model: float | None
    flags: list[str]
    evidence: list[str]
    cues: list[dict]


def _damp(count: int) -> float:
    """A cue repeated 3 times is stronger than once, but not three times as strong."""
    return 1.0 + 0.5 * (min(count, MAX_COUNT) - 1)


@cache
def cues(path: Path = DATA_DIR / "relevance_lexicon.toml") -> tuple[Cue, ...]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    loaded = tuple(
        Cue(
            re.compile(c["pattern"]),
            float(c["weight"]),
            c["kind"],
            tuple(c.get("needs", ())),
            bool(c.get("act", False)),
        )
        for c in data["cue"]
    )
    register_anchors(anchor for cue in loaded for anchor in cue.needs)
    return loaded


def lexicon(folded: str) -> LexiconResult:
    """Lexicon score of a folded text (see :func:`gazetteer.fold_keep_length`).

    A single line break is read as a space (pages wrap lines inside a phrase: "condições
    análogas a\nescravidão"); a blank line still ends a phrase. Same length, same offsets.
    """
    folded = _LINE_WRAP.sub(" ", folded)
    hits: list[CueHit] = []
    for cue in cues():
        matches = anchored_matches(cue.pattern, cue.needs, folded, MAX_COUNT)
        if matches:
            first, count = matches[0], len(matches)
            hits.append(
                CueHit(
                    first.group(0), cue.kind, cue.weight, count, first.start(), first.end(), cue.act
                )
            )
    result = LexiconResult(score=0.0, hits=hits)
    awareness = sum(h.count for h in hits if h.kind == "awareness")
    strong_case = len(set(STRONG_CASE.findall(folded)))
    result.awareness_only = (awareness >= 1 and strong_case == 0) or (
        awareness >= 2 and strong_case <= 1
    )
    topic = result.by_kind("topic")
    if not any(h.kind == "topic" and h.weight > 0 for h in hits):
        # Arrests, charges and rescues are facts of a case; with no cue naming trafficking or
        # describing exploitation they are any crime's facts (a robbery, a rape, a drug
        # arrest), not evidence of this topic.
        hits = [h for h in hits if h.kind != "case"]
        result.hits = hits
    score = sum(h.weight * _damp(h.count) for h in hits)
    acts = any(h.act for h in hits)
    if result.awareness_only and topic > 0:
        # A talk, a campaign or a guide says "trata" many times and reports no case; with no
        # exploitation act described either (a bill, a protocol), the names are all it has.
        score -= topic if not acts else max(-AWARENESS_PENALTY, 0.8 * topic)
    elif topic > 0 and not acts and any(h.kind == "no_exploitation" for h in hits):
        # "Red de trata" for paid, consenting migrant crossings; "se descartó la trata": the
        # offence is named, the story's facts deny it and describe no exploitation.
        score -= topic
    result.score = score
    return result


_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
_WHITE = re.compile(r"\s\s+")


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """Word n-grams exactly as scikit-learn's ``analyzer="word"`` makes them."""
    tokens = _TOKEN.findall(text.lower())
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def _wb_words(text: str) -> list[str]:
    return _WHITE.sub(" ", text.lower()).split()


def _word_char_grams(word: str, low: int, high: int) -> list[str]:
    """One word's character n-grams, padded with a space each side (``char_wb``)."""
    grams: list[str] = []
    padded = f" {word} "
    for n in range(low, high + 1):
        if len(padded) <= n:
            grams.append(padded)  # a short word counts once
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside word boundaries, as scikit-learn's ``analyzer="char_wb"``."""
    grams = []
    for word in _wb_words(text):
        grams += _word_char_grams(word, low, high)
    return grams


WORD_CACHE_MAX = 200_000  # words whose in-vocabulary character n-grams are remembered


ANALYZERS = {"word": word_ngrams, "char_wb": char_wb_ngrams}


class RelevanceModel:
    """The TF-IDF + logistic regression model and the stacker, loaded from JSON.

    scikit-learn fits it (``training.py``); scoring needs only its vocabularies, idf and
    coefficients, applied here as sparse dot products in plain Python. Importing
    scikit-learn and SciPy cost a ``monitor extract`` process about 2 CPU-seconds at start
    and ~1 ms per article; the figures equal scikit-learn's (a test compares them).
    """

    def __init__(self, data: dict):
        self.data = data
        self.blocks = []
        self.known: list[dict[str, list[str]] | None] = []
        offset = 0
        coef = [float(x) for x in data["coef"]]
        for spec in data["vectorizers"]:
            params = spec["params"]
            if params.get("sublinear_tf") is not True or params["analyzer"] not in ANALYZERS:
                raise ValueError(f"unsupported vectorizer: {params}")
            low, high = params["ngram_range"]
            weights = {
                gram: (spec["idf"][index], coef[offset + index])
                for gram, index in spec["vocabulary"].items()
            }
            self.blocks.append((ANALYZERS[params["analyzer"]], low, high, weights))
            # char_wb n-grams never cross words: each word's in-vocabulary n-grams are made
            # once and reused (an article's words repeat, and articles share most words)
            self.known.append({} if params["analyzer"] == "char_wb" else None)
            offset += len(spec["vocabulary"])
        self.intercept = float(data["intercept"])
        self.stacker = data["stacker"]  # {"lexicon": a, "model": b, "intercept": c}
        self.calibration: dict | None = data.get("calibration")  # {"slope": s, "intercept": t}

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> RelevanceModel | None:
        if not Path(path).exists():
            return None
        with open(path, encoding="utf-8") as fh:
            return cls(json.load(fh))

    def logit(self, text: str) -> float:
        """intercept + Σ blocks (l2-normalised sublinear tf·idf) · coefficients."""
        total = self.intercept
        for (analyze, low, high, weights), known in zip(self.blocks, self.known, strict=True):
            counts: dict[str, int] = {}
            if known is None:
                grams = [gram for gram in analyze(text, low, high) if gram in weights]
            else:
                if len(known) > WORD_CACHE_MAX:
                    known.clear()
                grams = []
                for word in _wb_words(text):
                    found = known.get(word)
                    if found is None:
                        grams_of_word = _word_char_grams(word, low, high)
                        found = known[word] = [g for g in grams_of_word if g in weights]
                    grams += found
            for gram in grams:  # the analyzer's order: the sums below add up the same way
                counts[gram] = counts.get(gram, 0) + 1
            norm = dot = 0.0
            for gram, count in counts.items():
                idf, coef = weights[gram]
                value = (1.0 + math.log(count)) * idf
                norm += value * value
                dot += value * coef
            if norm:
                total += dot / math.sqrt(norm)
        return total

    def logits(self, texts: list[str]) -> np.ndarray:
        return np.array([self.logit(t) for t in texts], dtype=np.float64)


@cache
def shipped_model() -> RelevanceModel | None:
    return RelevanceModel.load(MODEL_PATH)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 40.0), -40.0)))


def damped(lex: float) -> float:
    """The lexicon score as the stacker reads it: signed log(1 + |x|). Ten cues are more
    than five, but not twice the evidence; without this, long articles repeating strong cues
    reached log-odds of 20-30 and every candidate showed 1.00."""
    return math.copysign(math.log1p(abs(lex)), lex)


def raw_logit(lex: float, model_logit: float, stacker: dict) -> float:
    """The stacker's log-odds, before calibration."""
    return stacker["lexicon"] * damped(lex) + stacker["model"] * model_logit + stacker["intercept"]


def combine(
    lex: float,
    model_logit: float | None,
    stacker: dict | None,
    calibration: dict | None = None,
) -> float:
    if model_logit is None or stacker is None:
        return _sigmoid(1.2 * lex - 2.5)  # lexicon alone: 2 strong cues ≈ 0.9
    raw = raw_logit(lex, model_logit, stacker)
    if calibration:
        raw = calibration["slope"] * raw + calibration["intercept"]
    return _sigmoid(raw)


def score_many(
    items: list[tuple[str, str]],
    model: RelevanceModel | None | bool = True,
    folded: list[str] | None = None,
) -> list[Relevance]:
    """Relevance of many (title, cleaned text) pairs; the model runs once per batch."""
    if model is True:
        model = shipped_model()
    bodies = [article_body(title, text) for title, text in items]
    if folded is None:
        folded = [fold_keep_length(body) for body in bodies]
    lexica = [lexicon(f) for f in folded]
    logits: list[float | None] = [None] * len(items)
    if model:
        values = model.logits([f[:MODEL_CHARS] for f in folded])
        logits = [float(v) for v in values]
    results = []
    for body, lex, logit in zip(bodies, lexica, logits, strict=True):
        score = combine(
            lex.score,
            logit,
            model.stacker if model else None,
            model.calibration if model else None,
        )
        flags = []
        if lex.awareness_only:
            flags.append("awareness")
        near = [h for h in lex.hits if h.kind == "near_miss" and h.weight <= -0.5]
        if near and lex.by_kind("topic") < 2.5:
            flags.append("near_miss")
        ranked = sorted(
            (h for h in lex.hits if h.weight != 0),
            key=lambda h: -abs(h.weight * _damp(h.count)),
        )
        results.append(
            Relevance(
                score=round(score, 4),
                is_trafficking=score >= THRESHOLD,
                lexicon=round(lex.score, 3),
                model=None if logit is None else round(_sigmoid(logit), 4),
                flags=flags,
                evidence=[_sentence(body, h.start, h.end) for h in ranked if h.weight > 0][:5],
                cues=[
                    {"cue": h.cue, "kind": h.kind, "weight": h.weight, "count": h.count}
                    for h in ranked[:8]
                ]
                + [
                    {"cue": h.cue, "kind": h.kind, "weight": 0.0, "count": h.count}
                    for h in lex.hits
                    if h.kind == "awareness"
                ][:3],
            )
        )
    return results


def score_one(title: str, text: str) -> Relevance:
    return score_many([(title, text)])[0]


def _sentence(text: str, start: int, end: int, pad: int = 120) -> str:
    """The sentence (or line) holding a cue, at most ``pad`` characters each side."""
    left = max(text.rfind(". ", 0, start) + 2, text.rfind("\n", 0, start) + 1, start - pad, 0)
    if text.rfind(". ", 0, start) == -1:
        left = max(text.rfind("\n", 0, start) + 1, start - pad, 0)
    stops = [i for i in (text.find(". ", end), text.find("\n", end)) if i != -1]
    right = min([*stops, end + pad, len(text)])
    return text[left : right + (1 if right < len(text) and text[right] == "." else 0)].strip()
