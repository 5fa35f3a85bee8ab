"""The review queue: one candidate per story, confirm / reject / merge, press cases, audit."""

from __future__ import annotations

from datetime import date

import pytest

from nanduti.monitoring import review, store
from nanduti.monitoring.models import Article, Extraction, ReviewDecision, labelled_examples
from nanduti.registry.models import AuditEvent, Case, Role

CDE_TEXT = (
    "Agentes rescataron a una adolescente de 16 años en Ciudad del Este, Alto Paraná, "
    "contactada por un desconocido a través de Facebook. El captor le ofreció trabajo en "
    "Buenos Aires, Argentina. Siguieron hablando por WhatsApp durante dos semanas. "
    "El detenido fue imputado por trata de personas con fines de explotación sexual."
)


def cde_result(article_id: int, score: float) -> dict:
    """A pipeline output (DESIGN.md §5) for the Ciudad del Este story."""
    return {
        "id": str(article_id),
        "is_trafficking": True,
        "score": score,
        "platforms": ["Facebook", "WhatsApp"],
        "departments": ["Alto Paraná"],
        "cities": ["Ciudad del Este"],
        "destination_countries": ["Argentina"],
        "victim_minor": True,
        "victim_gender": "female",
        "exploitation": ["sexual"],
        "date": "2026-03-13",
        "evidence": {
            "platforms": [
                "contactada por un desconocido a través de Facebook",
                "Siguieron hablando por WhatsApp",
            ],
            "departments": ["Alto Paraná"],
            "cities": ["Ciudad del Este"],
            "destination_countries": ["Argentina"],
            "victim_minor": ["una adolescente de 16 años"],
            "victim_gender": ["una adolescente"],
            "exploitation": ["trata de personas con fines de explotación sexual"],
        },
    }


def make_article(n: int, outlet: str, title: str, text: str, published=date(2026, 3, 14)):
    return Article.objects.create(
        canonical_url=f"https://{outlet.lower().replace(' ', '-')}.example/nota/{n}",
        content_hash=f"{n:064d}",
        title=title,
        text=text,
        outlet=outlet,
        published=published,
    )


@pytest.fixture
def stories(db):
    """The same CDE story in three outlets, a second story, and a near miss."""
    cde = []
    for n, (outlet, score) in enumerate(
        (("Diario Ejemplo", 0.91), ("Noticias Sur", 0.95), ("Agencia Ejemplo", 0.88)), start=1
    ):
        a = make_article(n, outlet, "Rescatan a adolescente captada por Facebook", CDE_TEXT)
        Extraction.objects.create(
            article=a,
            result=cde_result(a.pk, score),
            score=score,
            is_trafficking=True,
            story_group="g-cde",
        )
        cde.append(a)
    tiktok = make_article(
        4,
        "Radio Ejemplo",
        "Imputan a hombre que contactaba a niñas por TikTok",
        "Un hombre contactaba a niñas de 12 años por TikTok en Encarnación, Itapúa.",
        published=date(2026, 4, 2),
    )
    Extraction.objects.create(
        article=tiktok,
        result={
            "is_trafficking": True,
            "score": 0.8,
            "platforms": ["TikTok"],
            "departments": ["Itapúa"],
            "cities": ["Encarnación"],
            "destination_countries": [],
            "victim_minor": True,
            "victim_gender": "female",
            "exploitation": ["esnna"],
            "date": None,
            "evidence": {"platforms": ["contactaba a niñas de 12 años por TikTok"]},
        },
        score=0.8,
        is_trafficking=True,
        story_group="g-tiktok",
    )
    drugs = make_article(5, "Diario Ejemplo", "Incautan cocaína", "Tráfico de drogas en la ruta.")
    Extraction.objects.create(
        article=drugs,
        result={"is_trafficking": False, "score": 0.1},
        score=0.1,
        is_trafficking=False,
    )
    return {"cde": cde, "tiktok": tiktok, "drugs": drugs}


def test_queue_has_one_candidate_per_story_ranked_by_score(stories):
    queue = review.candidates()
    assert [c.story_group for c in queue] == ["g-cde", "g-tiktok"]
    cde = queue[0]
    assert cde.article == stories["cde"][1]  # the highest-scoring article leads
    assert cde.outlets == ["Agencia Ejemplo", "Diario Ejemplo", "Noticias Sur"]
    assert len(cde.others) == 2


def test_equal_probabilities_put_the_more_concrete_report_first(db):
    """Fourteen cards at 1.00 told the analyst nothing: at equal displayed probability the
    report with more facts, then the story more outlets carry, comes first."""
    vague = make_article(11, "Diario Ejemplo", "Charla sobre trata en un colegio", "Texto.")
    Extraction.objects.create(
        article=vague,
        result={"is_trafficking": True, "score": 0.997, "platforms": [], "date": None},
        score=0.997,
        is_trafficking=True,
        story_group="g-vague",
    )
    concrete = make_article(12, "Noticias Sur", "Rescatan a adolescente", CDE_TEXT)
    Extraction.objects.create(
        article=concrete,
        result=cde_result(concrete.pk, 0.996),
        score=0.996,
        is_trafficking=True,
        story_group="g-concrete",
    )
    lower = make_article(13, "Radio Ejemplo", "Detienen a un hombre", CDE_TEXT)
    Extraction.objects.create(
        article=lower,
        result=cde_result(lower.pk, 0.93),
        score=0.93,
        is_trafficking=True,
        story_group="g-lower",
    )
    queue = review.candidates()
    assert [c.story_group for c in queue] == ["g-concrete", "g-vague", "g-lower"]
    assert queue[0].facts_found == 7 and queue[1].facts_found == 0


def test_confirm_creates_one_press_case_with_the_facts(stories, analyst):
    decision = review.confirm(stories["cde"][0], analyst, note="caso claro")
    case = decision.case
    assert case.source == "press"
    assert case.institution.code == "nanduti_press"
    assert case.institution.name == "Monitoreo de prensa Ñandutí"
    assert (case.year, case.reported_on) == (2026, date(2026, 3, 13))
    assert (case.department, case.district) == ("alto_parana", "alto_parana.ciudad_del_este")
    assert (case.destination_country, case.transfer_type) == ("AR", "international")
    techs = {(t.platform, t.technology, t.phase) for t in case.technologies.all()}
    assert techs == {
        ("facebook", "social_media", "recruitment"),
        ("whatsapp", "messaging", "recruitment"),
    }
    assert [e.type for e in case.exploitations.all()] == ["sexual"]
    victim = case.victims.get()
    assert (victim.sex, victim.age, victim.age_band) == ("female", 16, "15_17")
    # The summary is the title and the URL, never the article's text.
    lead = stories["cde"][1]
    assert case.summary == f"{lead.title}\n{lead.canonical_url}"
    assert "Buenos Aires" not in case.summary
    assert case.created_by == analyst

    # Every article of the story is labelled relevant and linked to the one case.
    decisions = ReviewDecision.objects.filter(decision="confirm")
    assert decisions.count() == 3 and {d.case_id for d in decisions} == {case.pk}
    assert Case.objects.count() == 1
    assert [c.story_group for c in review.candidates()] == ["g-tiktok"]
    # Audited: the case creation and each decision, by the analyst.
    assert AuditEvent.objects.filter(model="case", action="create", actor=analyst).count() == 1
    events = AuditEvent.objects.filter(model="reviewdecision", action="confirm", actor=analyst)
    assert events.count() == 3 and all(e.case_id == case.pk for e in events)


def test_confirm_can_link_an_existing_press_case(stories, analyst):
    first = review.confirm(stories["tiktok"], analyst).case
    linked = review.confirm(stories["cde"][0], analyst, case=first)
    assert linked.case == first
    assert Case.objects.count() == 1


def test_reject_keeps_a_negative_label_for_training(stories, analyst):
    review.reject(stories["tiktok"], analyst, note="no es trata")
    assert [c.story_group for c in review.candidates()] == ["g-cde"]
    examples = list(labelled_examples())
    assert examples == [
        {"title": stories["tiktok"].title, "text": stories["tiktok"].text, "label": False}
    ]
    assert AuditEvent.objects.filter(model="reviewdecision", action="reject").count() == 1


def test_labelled_examples_include_confirmed_stories(stories, analyst):
    review.confirm(stories["cde"][0], analyst)
    labels = [e["label"] for e in labelled_examples()]
    assert labels == [True, True, True]


def test_merge_joins_two_stories_into_one_candidate_and_one_case(stories, analyst):
    review.merge(stories["tiktok"], stories["cde"][0], analyst)
    queue = review.candidates()
    assert len(queue) == 1
    assert stories["tiktok"] in [m.article for m in queue[0].members]
    assert store.merge_targets() == {stories["tiktok"].pk: stories["cde"][1].pk}
    review.confirm(stories["cde"][0], analyst)
    assert Case.objects.count() == 1
    tiktok_decisions = ReviewDecision.objects.filter(article=stories["tiktok"])
    assert {d.decision for d in tiktok_decisions} == {"merge", "confirm"}


def test_a_story_is_decided_once(stories, analyst):
    review.reject(stories["tiktok"], analyst)
    with pytest.raises(review.ReviewError, match="already reviewed"):
        review.confirm(stories["tiktok"], analyst)


def test_officers_cannot_review(stories, officer):
    with pytest.raises(review.ReviewError, match="only analysts"):
        review.confirm(stories["tiktok"], officer)


def test_stewards_review_and_may_link_their_institution_cases(stories, make_user, institutions):
    steward = make_user("responsable", Role.STEWARD, institutions["UFETESI"])
    own = Case.objects.create(institution=institutions["UFETESI"], reference="UF-1")
    other = Case.objects.create(institution=institutions["MINNA"], reference="MI-1")
    assert own in review.linkable_cases(steward)
    assert other not in review.linkable_cases(steward)
    with pytest.raises(review.ReviewError, match="cannot link"):
        review.confirm(stories["tiktok"], steward, case=other)
    assert review.confirm(stories["tiktok"], steward, case=own).case == own


def test_highlight_stresses_found_names_inside_evidence_only():
    html = review.highlight(
        "Usaba Facebook. Lo contactó por Facebook en Luque.",
        ["Lo contactó por Facebook en Luque"],
        ["Facebook", "Luque"],
    )
    assert html == (
        "Usaba Facebook. <mark>Lo contactó por <strong>Facebook</strong> en "
        "<strong>Luque</strong></mark>."
    )


def test_highlight_marks_evidence_and_escapes_html():
    html = review.highlight("Lo contactó por <b>Facebook</b> y facebook.", ["Facebook"])
    assert (
        html == "Lo contactó por &lt;b&gt;<mark>Facebook</mark>&lt;/b&gt; y <mark>facebook</mark>."
    )


@pytest.mark.parametrize(
    ("span", "phase"),
    [
        ("contactada a través de Facebook", "recruitment"),
        ("transmitían en vivo por Stripchat", "exploitation"),
        ("eran ofrecidas a clientes por WhatsApp", "advertising"),
        ("los pagos se hacían por Tigo Money", "payment"),
        ("la amenazaba por Instagram", "control"),
        ("usaba Telegram", "recruitment"),
    ],
)
def test_phase_from_evidence(span, phase):
    assert review.phase_for(span) == phase


def test_mixed_victims_and_adult_age(db):
    article = make_article(9, "X", "t", "x")
    facts = review.case_facts(
        {
            "victim_gender": "mixed",
            "victim_minor": False,
            "evidence": {"victim_minor": ["un hombre de 34 años"]},
            "platforms": [],
            "departments": [],
        },
        article,
    )
    assert [(v["sex"], v["age_band"]) for v in facts["victims"]] == [("female", ""), ("male", "")]
    minor = review.case_facts(
        {
            "victim_gender": "male",
            "victim_minor": True,
            "evidence": {"victim_minor": ["el detenido, de 34 años, y un niño"]},
        },
        article,
    )
    assert minor["victims"] == [{"sex": "male", "age": None, "age_band": ""}]


def test_city_picks_the_department_it_lies_in(db):
    article = make_article(10, "X", "t", "x")
    facts = review.case_facts(
        {"departments": ["Asunción", "San Pedro"], "cities": ["San Estanislao"]}, article
    )
    assert (facts["department"], facts["district"]) == ("san_pedro", "san_pedro.san_estanislao")
    only_department = review.case_facts({"departments": ["Guairá"], "cities": []}, article)
    assert (only_department["department"], only_department["district"]) == ("guaira", "")


def test_overlapping_evidence_phrases_are_marked_together():
    text = "Un hombre que, con una cuenta de Instagram, convocaba a adolescentes de Luque."
    html = str(
        review.highlight(
            text,
            ["que, con una cuenta de Instagram, convocaba", "convocaba a adolescentes de Luque"],
            ["Instagram", "Luque"],
        )
    )
    assert html.count("<mark>") == 1
    assert "<strong>Instagram</strong>" in html and "<strong>Luque</strong>" in html
