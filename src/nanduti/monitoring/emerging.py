"""Emerging platforms for analysts: names that relevant reports tie to contact or recruitment
but that the platform vocabulary lacks (:mod:`nanduti.monitoring.extract.emerging`), with their
evidence and counts per month; one click adds a name to the vocabulary (an overlay that records
version, who and when; audited), and the extractor recognises it from then on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from nanduti.monitoring.extract import emerging
from nanduti.monitoring.review import ReviewError, can_review
from nanduti.monitoring.store import latest_extractions, run_on_stored_articles
from nanduti.registry import audit
from nanduti.taxonomy import loader, vocab

EVIDENCE_SHOWN = 5
NO_DATE = "—"
# The technology category an added platform gets when the analyst does not choose one,
# read from the words before the name ("juego en línea" → online games).
CUE_TECHNOLOGY = (
    ("jueg", "online_games"),
    ("game", "online_games"),
    ("cita", "dating"),
    ("mensaj", "messaging"),
    ("chat", "messaging"),
    ("red social", "social_media"),
    ("rede social", "social_media"),
    ("perfil", "social_media"),
    ("profile", "social_media"),
)
DEFAULT_TECHNOLOGY = "social_media"


@dataclass
class Evidence:
    article_id: int
    title: str
    outlet: str
    published: str
    snippet: str
    name: str


@dataclass
class Candidate:
    key: str
    names: Counter = field(default_factory=Counter)  # spellings as written
    articles: set[int] = field(default_factory=set)
    months: Counter = field(default_factory=Counter)  # "YYYY-MM" → reports
    evidence: list[Evidence] = field(default_factory=list)
    cues: Counter = field(default_factory=Counter)

    @property
    def name(self) -> str:
        return self.names.most_common(1)[0][0]

    @property
    def count(self) -> int:
        return len(self.articles)

    @property
    def by_month(self) -> list[tuple[str, int]]:
        return sorted(self.months.items())

    @property
    def technology(self) -> str:
        words = " ".join(self.cues).casefold()
        for stem, code in CUE_TECHNOLOGY:
            if stem in words:
                return code
        return DEFAULT_TECHNOLOGY


def candidates() -> list[Candidate]:
    """Names in relevant reports that the vocabulary lacks, most reports first."""
    vocab.refresh()
    found: dict[str, Candidate] = {}
    for ex in latest_extractions(relevant_only=True):
        article = ex.article
        month = article.published.strftime("%Y-%m") if article.published else NO_DATE
        for mention in emerging.mentions(f"{article.title}\n{article.text}"):
            candidate = found.setdefault(mention.key, Candidate(mention.key))
            candidate.names[mention.name] += 1
            candidate.cues[mention.cue] += 1
            if article.pk in candidate.articles:
                continue
            candidate.articles.add(article.pk)
            candidate.months[month] += 1
            if len(candidate.evidence) < EVIDENCE_SHOWN:
                candidate.evidence.append(
                    Evidence(
                        article.pk,
                        article.title,
                        article.outlet,
                        article.published.isoformat() if article.published else "",
                        mention.snippet,
                        mention.name,
                    )
                )
    return sorted(found.values(), key=lambda c: (-c.count, c.key))


def add_platform(name: str, user, technology: str = "", note: str = "") -> dict:
    """Add ``name`` to the platform vocabulary (overlay), mirror it in the vocabulary table,
    audit it, and re-read the reports that mention it. Returns the overlay entry."""
    if not can_review(user):
        raise ReviewError(
            "Solo analistas, responsables de datos y administradores amplían el vocabulario / "
            "only analysts, data stewards and administrators extend the vocabulary"
        )
    name = " ".join((name or "").split())
    if len(name) < 2:
        raise ReviewError("Falta el nombre de la plataforma / the platform's name is missing")
    technology = technology or DEFAULT_TECHNOLOGY
    if vocab.get("technology").get(technology) is None:
        raise ReviewError(
            f"Categoría de tecnología desconocida: «{technology}» / unknown technology "
            f"category: «{technology}»"
        )
    key = vocab.fold(name)
    mentioning = [c for c in candidates() if c.key == key]
    try:
        with transaction.atomic():
            entry = vocab.add_term(
                "platform", name, parent=technology, added_by=user.get_username(), note=note
            )
            loader.load_all(names=["platform"])
            from nanduti.taxonomy.models import Term

            term = Term.objects.get(vocabulary="platform", code=entry["code"])
            audit.record(term, "vocabulary-add", {"vocabulary": "platform", **entry}, actor=user)
    except vocab.TermExists as error:
        raise ReviewError(str(error)) from error
    if mentioning:
        run_on_stored_articles(rerun=True, article_ids=mentioning[0].articles)
    return entry


def added_platforms() -> list[dict]:
    """The platforms analysts added, newest first (who, when, version)."""
    section = vocab.read_overlay().get("platform", {})
    return list(reversed(section.get("terms", [])))
