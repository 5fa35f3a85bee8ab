"""The review queue: candidates (one per story), and the analyst's decisions.

- confirm: creates a press-sourced case (institution ``nanduti_press``) with the facts the
  pipeline found, or links the story to an existing press case the analyst chose;
- reject: keeps the story as a negative label for training;
- merge: joins a candidate to another candidate's story (the grouping missed it).

Every decision is recorded in the registry's audit trail. Decisions apply to every article of
the story group, so the same case reported by three outlets becomes one case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nanduti.monitoring.models import Article, Decision, Extraction, ReviewDecision
from nanduti.monitoring.store import latest_extractions
from nanduti.registry import audit, services
from nanduti.registry.models import (
    Case,
    Exploitation,
    Institution,
    Role,
    TechnologyUse,
    Victim,
)
from nanduti.registry.models import Source as CaseSource
from nanduti.registry.permissions import institution_id, role
from nanduti.taxonomy import vocab

PRESS_INSTITUTION = "nanduti_press"
PRESS_INSTITUTION_NAME = "Monitoreo de prensa Ñandutí"
REVIEWER_ROLES = (Role.ANALYST, Role.ADMIN, Role.STEWARD)


class ReviewError(ValueError):
    """A decision that cannot be taken; the message is Spanish / English."""


def can_review(user) -> bool:
    return role(user) in REVIEWER_ROLES


# --- the queue --------------------------------------------------------------------------------


@dataclass
class Candidate:
    lead: Extraction  # the highest-scoring article of the story
    members: list[Extraction] = field(default_factory=list)

    @property
    def article(self) -> Article:
        return self.lead.article

    @property
    def score(self) -> float:
        return self.lead.score

    @property
    def story_group(self) -> str:
        return self.lead.story_group or f"a{self.lead.article_id}"

    @property
    def outlets(self) -> list[str]:
        return sorted({m.article.outlet for m in self.members if m.article.outlet})

    @property
    def others(self) -> list[Extraction]:
        return [m for m in self.members if m.pk != self.lead.pk]

    @property
    def facts(self) -> dict:
        return self.lead.result

    @property
    def facts_found(self) -> int:
        """How many of the case's facts the pipeline read (platforms, places, destination,
        victim's age and sex, exploitation, date): a concrete report before a vague one."""
        result = self.lead.result or {}
        found = [
            result.get("platforms"),
            result.get("departments") or result.get("cities"),
            result.get("destination_countries"),
            result.get("victim_minor") is not None,
            result.get("victim_gender"),
            result.get("exploitation"),
            result.get("date"),
        ]
        return sum(bool(f) for f in found)

    def order_key(self) -> tuple:
        """The queue's order: calibrated probability (to the hundredth an analyst sees),
        then the more concrete report, then the story more outlets carry, then the newest."""
        published = self.article.published or date.min
        return (
            -round(self.score, 2),
            -self.facts_found,
            -len(self.outlets),
            -published.toordinal(),
            self.article.pk,
        )


def _latest_relevant() -> list[Extraction]:
    return latest_extractions(relevant_only=True)


def decided_article_ids() -> set[int]:
    return set(
        ReviewDecision.objects.filter(decision__in=[Decision.CONFIRM, Decision.REJECT]).values_list(
            "article_id", flat=True
        )
    )


def _groups(extractions: list[Extraction]) -> dict[str, list[Extraction]]:
    groups: dict[str, list[Extraction]] = {}
    for ex in extractions:
        groups.setdefault(ex.story_group or f"a{ex.article_id}", []).append(ex)
    return groups


def candidates() -> list[Candidate]:
    """Undecided stories, one candidate each, most probable first (:meth:`Candidate.order_key`)."""
    decided = decided_article_ids()
    queue = []
    for members in _groups(_latest_relevant()).values():
        if any(m.article_id in decided for m in members):
            continue
        lead = max(members, key=lambda m: (m.score, -m.article_id))
        queue.append(Candidate(lead, sorted(members, key=lambda m: m.article_id)))
    queue.sort(key=Candidate.order_key)
    return queue


def story_of(article: Article) -> Candidate:
    """The story group an article belongs to (a group of one when it was not grouped)."""
    ex = article.extractions.order_by("-id").first()
    if ex is None:
        raise ReviewError(
            f"El artículo {article.pk} no fue analizado todavía / article {article.pk} has not "
            "been analysed yet (nanduti monitor run)"
        )
    members = [ex]
    if ex.story_group:
        members = [e for e in _latest_relevant() if e.story_group == ex.story_group] or [ex]
    lead = max(members, key=lambda m: (m.score, -m.article_id))
    return Candidate(lead, sorted(members, key=lambda m: m.article_id))


# --- other kinds of candidate -------------------------------------------------------------
# Apps whose items analysts also review in this queue (public reports) register a section:
# its template and the context it needs for the reviewing user.


@dataclass(frozen=True)
class QueueSection:
    kind: str
    template: str
    context: Callable[[object], dict]


_SECTIONS: dict[str, QueueSection] = {}


def register_section(section: QueueSection) -> None:
    _SECTIONS[section.kind] = section


def sections() -> list[QueueSection]:
    return list(_SECTIONS.values())


# --- evidence highlighting --------------------------------------------------------------------


def evidence_spans(result: dict) -> list[str]:
    spans: list[str] = []
    for values in (result.get("evidence") or {}).values():
        for span in values or []:
            text = span.get("text") if isinstance(span, dict) else span
            if isinstance(text, str) and text.strip() and text not in spans:
                spans.append(text.strip())
    return spans


def fact_values(result: dict) -> list[str]:
    """The names the pipeline found (platforms, places, countries), to stress inside spans."""
    names: list[str] = []
    for key in ("platforms", "departments", "cities", "destination_countries"):
        names.extend(v for v in result.get(key) or [] if isinstance(v, str) and len(v) > 1)
    return names


def _pattern(words: list[str]) -> re.Pattern | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def _wrap(text: str, pattern: re.Pattern | None, tag: str, inner=None) -> str:
    """Escape ``text`` and wrap every match of ``pattern`` in ``<tag>``; ``inner`` renders
    the matched and unmatched pieces (escaping them)."""
    render = inner or escape
    if pattern is None:
        return render(text)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f"<{tag}>{render(m.group(0))}</{tag}>")
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def highlight(text: str, spans: list[str], values: list[str] | None = None) -> SafeString:
    """The text, escaped, with every evidence span in ``<mark>`` and, inside a span, the
    found names (``values``) in ``<strong>``."""
    names = _pattern(values or [])

    def inside(segment: str) -> str:
        return _wrap(segment, names, "strong")

    # Evidence phrases of different facts may overlap ("que, con una cuenta de Instagram de"
    # and "convocaba a adolescentes de Salto del Guairá"): mark the union of their places.
    found: list[list[int]] = []
    for span in sorted({s for s in spans if s}, key=len, reverse=True):
        for m in re.finditer(re.escape(span), text, re.IGNORECASE):
            found.append([m.start(), m.end()])
    found.sort()
    merged: list[list[int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    last = 0
    for start, end in merged:
        out.append(escape(text[last:start]))
        out.append(f"<mark>{inside(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


# --- from facts to a case ---------------------------------------------------------------------

_PHASE_WORDS = (
    ("exploitation", r"transmit|en vivo|videollamada|explota|streaming|live"),
    ("advertising", r"anunci|ofrecid|ofrec[ií]a[n]? a clientes|publicitab|cat[aá]logo"),
    ("control", r"amenaz|extorsi|control|vigil"),
    ("payment", r"pag[oa]|cobr|transferen|giro"),
    ("transfer", r"traslad|viaj[eó]|llev[oa]"),
)
_AGE = re.compile(r"\b(\d{1,2})\s*(?:años|year)", re.IGNORECASE)


def phase_for(span: str) -> str:
    """The trafficking phase a platform served in, read from its evidence; recruitment unless
    the span says otherwise."""
    folded = span.casefold()
    if re.search(r"capt|contact|conoci|reclut|ofert|promet|recruit|convoc", folded):
        return "recruitment"
    for phase, words in _PHASE_WORDS:
        if re.search(words, folded):
            return phase
    return "recruitment"


def _code(vocabulary: str, value: str, parent: str | None = None) -> str:
    if not value:
        return ""
    try:
        match = vocab.get(vocabulary).normalize(str(value), parent=parent)
    except (KeyError, FileNotFoundError):
        return ""
    return match.code if match and match.method != "special" else ""


def _evidence_for(result: dict, field_name: str, value: str = "") -> list[str]:
    given = [
        s.get("text") if isinstance(s, dict) else s
        for s in (result.get("evidence") or {}).get(field_name, [])
    ]
    spans = [s for s in given if isinstance(s, str)]
    if value:
        named = [s for s in spans if vocab.fold(value) in vocab.fold(s)]
        return named or spans
    return spans


def _victim_age(result: dict) -> int | None:
    """An age stated in the minor/gender evidence ("de 16 años"), if any."""
    for name in ("victim_minor", "victim_gender", "victim_age"):
        for span in _evidence_for(result, name):
            m = _AGE.search(span)
            if m:
                return int(m.group(1))
    return None


def case_facts(result: dict, article: Article) -> dict:
    """Registry fields pre-filled from the pipeline's output (DESIGN.md §5). Pure."""
    when = date.fromisoformat(result["date"]) if result.get("date") else article.published
    departments = [
        c for c in (_code("department", d) for d in result.get("departments") or []) if c
    ]
    department, district = "", ""
    for city in result.get("cities") or []:
        # The first city that lies in one of the departments named (or in any, when none is).
        parents: list[str | None] = [*departments] or [None]
        for parent in parents:
            code = _code("district", city, parent=parent)
            if code and (parent is None or code.startswith(parent + ".")):
                department, district = code.split(".", 1)[0], code
                break
        if district:
            break
    department = department or (departments[0] if departments else "")
    countries = [
        c for c in (_code("country", x) for x in result.get("destination_countries") or [])
    ]
    abroad = [c for c in countries if c and c != "PY"]
    technologies = []
    for name in result.get("platforms") or []:
        platform = _code("platform", name)
        if not platform:
            continue
        term = vocab.get("platform").get(platform)
        spans = _evidence_for(result, "platforms", name)
        technologies.append(
            {
                "platform": platform,
                "technology": term.parent if term else "",
                "phase": phase_for(spans[0]) if spans else "recruitment",
                "detail": spans[0][:300] if spans else "",
            }
        )
    exploitations = list(
        dict.fromkeys(
            c
            for c in (_code("exploitation_type", e) for e in result.get("exploitation") or [])
            if c
        )
    )
    victims = []
    ages = [a for a in result.get("victim_ages") or [] if isinstance(a, int)]
    age = ages[0] if len(ages) == 1 else (None if ages else _victim_age(result))
    minor = result.get("victim_minor")
    if age is not None and minor is not None and (age < 18) != minor:
        age = None  # the number is someone else's age (an accused's, say)
    sexes = {"female": ["female"], "male": ["male"], "mixed": ["female", "male"]}.get(
        result.get("victim_gender") or "", []
    )
    if sexes or minor is not None or age is not None:
        for sex in sexes or [""]:
            one_age = age if len(sexes) <= 1 else None
            band = vocab.age_band(one_age) if one_age is not None else ""
            victims.append({"sex": sex, "age": one_age, "age_band": band})
    return {
        "year": when.year if when else None,
        "reported_on": when,
        "department": department,
        "district": district,
        "destination_country": abroad[0] if abroad else "",
        "transfer_type": "international" if abroad else "",
        "summary": f"{article.title}\n{article.canonical_url}".strip(),
        "source_url": article.canonical_url
        if article.canonical_url.startswith(("http://", "https://"))
        else "",
        "technologies": technologies,
        "exploitations": exploitations,
        "victims": victims,
    }


def press_institution() -> Institution:
    institution, _ = Institution.objects.get_or_create(
        code=PRESS_INSTITUTION, defaults={"name": PRESS_INSTITUTION_NAME}
    )
    return institution


def create_press_case(article: Article, result: dict, analyst) -> Case:
    facts = case_facts(result, article)
    case = Case(
        institution=press_institution(),
        reference=f"PRENSA-{article.pk}",
        source=CaseSource.PRESS,
        year=facts["year"],
        reported_on=facts["reported_on"],
        department=facts["department"],
        district=facts["district"],
        destination_country=facts["destination_country"],
        transfer_type=facts["transfer_type"],
        summary=facts["summary"],
        source_url=facts["source_url"][:500],
    )
    victims = [Victim(reference=str(n), **v) for n, v in enumerate(facts["victims"], start=1)]
    technologies = [
        TechnologyUse(victim=victims[0] if len(victims) == 1 else None, **tech)
        for tech in facts["technologies"]
    ]
    exploitations = [Exploitation(type=code) for code in facts["exploitations"]]
    return services.save_case(
        case, actor=analyst, children=[*victims, *technologies, *exploitations]
    )


# --- decisions --------------------------------------------------------------------------------


def linkable_cases(user):
    """Cases an analyst may link a story to: press cases, and the reviewer's own institution's."""
    cases = Case.objects.filter(source=CaseSource.PRESS)
    own = institution_id(user)
    if own is not None:
        cases = cases | Case.objects.filter(institution_id=own)
    return cases.order_by("-created_at")


def _check(user, story: Candidate) -> None:
    if not can_review(user):
        raise ReviewError(
            "Solo analistas, responsables de datos y administradores revisan candidatos / "
            "only analysts, data stewards and administrators review candidates"
        )
    decided = decided_article_ids()
    if any(m.article_id in decided for m in story.members):
        raise ReviewError(
            f"La noticia {story.article.pk} ya fue revisada / article {story.article.pk} was "
            "already reviewed"
        )


def _decide(story: Candidate, user, decision: str, *, label, case=None, into=None, note=""):
    decisions = []
    for member in story.members:
        d = ReviewDecision.objects.create(
            article=member.article,
            extraction=member,
            analyst=user if getattr(user, "is_authenticated", False) else None,
            decision=decision,
            case=case,
            merged_into=into,
            label=label,
            note=note,
        )
        audit.record(
            d,
            decision,
            {
                "article": member.article_id,
                "score": member.score,
                "story_group": story.story_group,
                "case": getattr(case, "pk", None),
                "merged_into": getattr(into, "pk", None),
            },
            actor=user,
        )
        decisions.append(d)
    return decisions[0] if decisions else None


@transaction.atomic
def confirm(article: Article, user, *, case: Case | None = None, note: str = "") -> ReviewDecision:
    """Confirm a story: create a press case from its facts, or link it to ``case``."""
    story = story_of(article)
    _check(user, story)
    if case is not None and not linkable_cases(user).filter(pk=case.pk).exists():
        raise ReviewError(f"No puede vincular el caso {case.pk} / you cannot link case {case.pk}")
    if case is None:
        case = create_press_case(story.article, story.lead.result, user)
    return _decide(story, user, Decision.CONFIRM, label=True, case=case, note=note)


@transaction.atomic
def reject(article: Article, user, *, note: str = "") -> ReviewDecision:
    """Reject a story: not about trafficking; kept as a negative label."""
    story = story_of(article)
    _check(user, story)
    return _decide(story, user, Decision.REJECT, label=False, note=note)


@transaction.atomic
def merge(article: Article, into: Article, user, *, note: str = "") -> ReviewDecision:
    """Join ``article``'s story to the story of ``into`` (same case, other outlet or day)."""
    story = story_of(article)
    target = story_of(into)
    _check(user, story)
    if target.story_group == story.story_group:
        raise ReviewError(
            "Las dos noticias ya son la misma historia / both articles are already one story"
        )
    decision = _decide(story, user, Decision.MERGE, label=None, into=target.article, note=note)
    group = target.lead.story_group or f"a{target.lead.article_id}"
    if not target.lead.story_group:
        Extraction.objects.filter(pk=target.lead.pk).update(story_group=group)
    Extraction.objects.filter(pk__in=[m.pk for m in story.members]).update(story_group=group)
    return decision
