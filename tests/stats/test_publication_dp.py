"""Differentially private tables in publications: the publication's own ε budget, set by an
administrator; each table's cost and what is left shown before anything is spent; a
confirmation; refusal past the budget; free repeats; approval freezes the noise."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nanduti.registry.models import Role
from nanduti.stats import crosstab, dp, publication
from nanduti.stats.models import PrivacyRelease, Publication

from .builders import fix_record_keys, make_cases

URL = "/estadisticas/publicaciones/"
TABLES = (
    "víctimas: sexo | ε=0,5 # Víctimas por sexo\n"
    "casos: plataforma | epsilon=0.5 # Casos por plataforma\n"
    "casos: año # Casos por año"
)
FIVE = [
    (p, "social_media", "recruitment")
    for p in ("whatsapp", "facebook", "tiktok", "instagram", "telegram")
]


@pytest.fixture
def registry(institutions):
    specs = [
        {
            "year": 2020 + i % 4,
            "department": "central",
            "victims": [{"sex": "female" if i % 3 else "male", "age_band": "15_17"}],
            "platforms": FIVE[: 1 + i % 5],
        }
        for i in range(300)
    ]
    make_cases(institutions["UFETESI"], specs)
    fix_record_keys()


@pytest.fixture
def admin(make_user):
    return make_user("admin_dp", Role.ADMIN, None)


@pytest.fixture
def steward(make_user, institutions):
    return make_user("responsable", Role.STEWARD, institutions["UFETESI"])


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_publication_spends_its_own_budget_after_confirmation(
    client, analyst, admin, steward, registry
):
    client.force_login(analyst)
    response = client.post(URL, {"action": "draft", "title": "Boletín DP", "tables": TABLES})
    html = _text(response)
    draft = Publication.objects.get()
    # Saved; the confirmation step opens at once, but without a budget nothing can be spent.
    assert "Borrador guardado" in html and "no tiene presupuesto de privacidad" in html
    assert "dp-publication-confirm" not in html
    assert [s.get("epsilon") for s in draft.tables] == [0.5, 0.5, None]
    # An analyst cannot set the budget, nor release without one.
    client.post(URL, {"action": "budget", "id": draft.pk, "epsilon": "5"})
    draft.refresh_from_db()
    assert draft.epsilon_budget is None
    refused = _text(client.post(URL, {"action": "release", "id": draft.pk, "confirm": "1"}))
    assert "la administración debe fijarlo" in refused and "no se gastó nada" in refused
    assert PrivacyRelease.objects.count() == 0

    client.force_login(admin)
    client.post(URL, {"action": "budget", "id": draft.pk, "epsilon": "1.5"})
    draft.refresh_from_db()
    assert draft.epsilon_budget == 1.5

    client.force_login(analyst)
    html = _text(client.get(URL, {"confirmar": draft.pk}))
    # Before anything is spent: the publication's budget, each table's cost and sensitivity
    # (a victim has one sex: 1; a case may have several platforms: the clipping bound 3).
    assert 'ε=<span class="dp-remaining">1,50</span>' in html
    costs = re.findall(r'<td class="num">(\d)</td> <td class="num dp-table-cost">ε=([\d,]+)', html)
    assert costs == [("1", "0,50"), ("3", "0,50")]
    assert 'class="dp-cost">ε=1,00' in html and "quedaría ε=0,50" in html
    assert PrivacyRelease.objects.count() == 0
    # Asking to release without the confirmation shows the same step and spends nothing.
    html = _text(client.post(URL, {"action": "release", "id": draft.pk}))
    assert "Confirmar y gastar ε=1,00" in html and PrivacyRelease.objects.count() == 0

    html = _text(client.post(URL, {"action": "release", "id": draft.pk, "confirm": "1"}))
    assert "quedan ε=0.5" in html
    releases = list(PrivacyRelease.objects.order_by("pk"))
    assert [(r.publication_id, r.institution_id, r.epsilon) for r in releases] == [
        (draft.pk, None, 0.5),
        (draft.pk, None, 0.5),
    ]
    assert [r.sensitivity for r in releases] == [1, 3]
    # The publication's pool paid; the analyst's own pool did not.
    assert dp.spent(dp.Pool.of_publication(draft)) == pytest.approx(1.0)
    assert dp.spent(dp.Pool.of(analyst)) == 0

    # The ledger lists the releases with their ε and the publication they belong to.
    ledger = _text(client.get("/estadisticas/privacidad/"))
    assert ledger.count('<td class="release-publication">Boletín DP</td>') == 2
    assert "ε=1,50" in ledger and "ε=0,50" in ledger  # the publication's budget and left

    # Approval freezes the noisy tables as the ledger recorded them.
    client.force_login(steward)
    assert "Aprobada: Boletín DP" in _text(client.post(URL, {"action": "approve", "id": draft.pk}))
    draft.refresh_from_db()
    by_sex = draft.frozen[0]
    assert by_sex["mode"] == "dp" and by_sex["epsilon"] == 0.5
    noisy = {row[0]: row[-1] for row in releases[0].result}
    figures = {k[0]: v for k, v in by_sex["figures"]}
    assert all(figures[sex] == n for sex, n in noisy.items())
    assert figures[crosstab.TOTAL] == sum(noisy.values())
    assert draft.frozen[2]["mode"] == "cellkey"

    # The public page reads the frozen noise; new cases change nothing there.
    client.logout()

    def public_cells() -> list[str]:
        html = client.get("/estadisticas/publico/").content.decode()
        return re.findall(r"<td class=\"[^\"]*\">([^<]*)</td>", html)

    before = public_cells()
    assert str(figures["female"]) in before
    from nanduti.registry.models import Institution

    make_cases(Institution.objects.get(code="UFETESI"), [{"year": 2021}] * 40)
    assert public_cells() == before
    assert "Privacidad diferencial" in client.get("/estadisticas/publico/").content.decode()
    csv = client.get("/estadisticas/publico/descargar.csv?table=0")
    assert csv.status_code == 200 and f",{figures['female']}," in csv.content.decode()
    assert PrivacyRelease.objects.count() == 2


def test_over_budget_is_refused_whole_and_repeats_are_free(analyst, admin, registry):
    specs = publication.parse_specs(TABLES)
    first = publication.draft("Primera", specs, analyst)
    publication.set_budget(first, 0.7, admin)
    with pytest.raises(publication.PublicationError) as error:
        publication.release_dp(first, analyst)
    message = str(error.value)
    assert "insuficiente" in message and "budget is exceeded" in message and "ε=1" in message
    assert PrivacyRelease.objects.count() == 0  # refused as a whole: nothing spent
    with pytest.raises(publication.PublicationError, match="not released yet"):
        publication.approve(first, operator=True)

    publication.set_budget(first, 1.0, admin)
    publication.release_dp(first, analyst)
    assert PrivacyRelease.objects.count() == 2
    with pytest.raises(publication.PublicationError, match="cannot be lower"):
        publication.set_budget(first, 0.5, admin)

    # The same tables over the same data with the same ε: free, even without a budget.
    second = publication.draft("Segunda", publication.parse_specs(TABLES), analyst)
    quote = publication.quote_dp(second)
    assert [t.cost for t in quote.tables] == [0, 0] and quote.affordable
    publication.release_dp(second, analyst)
    assert PrivacyRelease.objects.count() == 2
    # … but another ε is another query.
    third = publication.draft(
        "Tercera", publication.parse_specs("víctimas: sexo | ε=0.25"), analyst
    )
    assert publication.quote_dp(third).cost == pytest.approx(0.25)
    # A confirmed cost lower than the real one (the data changed since) is refused.
    publication.set_budget(third, 1.0, admin)
    with pytest.raises(publication.PublicationError, match="the cost changed"):
        publication.release_dp(third, analyst, confirmed_cost=0.0)


def test_bad_epsilon_and_budget_are_named(analyst, admin, registry, settings):
    settings.NANDUTI_DP_MAX_EPSILON_PER_RELEASE = 1.0
    for bad in ("ε=abc", "ε=0", "ε=3"):
        with pytest.raises(publication.PublicationError) as error:
            publication.draft(
                "x", publication.parse_specs(f"casos: año\nvíctimas: sexo | {bad}"), analyst
            )
        assert "Línea 2" in str(error.value) and "line 2" in str(error.value)
    with pytest.raises(publication.PublicationError, match="line 1"):
        publication.draft("x", publication.parse_specs("casos: color"), analyst)
    draft = publication.draft("x", publication.parse_specs("víctimas: sexo | ε=0.5"), analyst)
    with pytest.raises(publication.PublicationError, match="a number ≥ 0 was expected"):
        publication.set_budget(draft, "mucho", admin)
    with pytest.raises(publication.PublicationError, match="only administrators"):
        publication.set_budget(draft, 1.0, analyst)


def test_cli_sets_the_budget_quotes_and_releases_on_confirm(analyst, registry, capsys):
    draft = publication.draft("CLI", publication.parse_specs(TABLES), analyst)
    call_command("stats", "release", "--publication", str(draft.pk))
    out = capsys.readouterr().out
    assert "sin fijar / not set" in out and "nothing spent: add --confirm" in out
    with pytest.raises(CommandError, match="an administrator must set"):
        call_command("stats", "release", "--publication", str(draft.pk), "--confirm")
    call_command("stats", "budget", "--publication", str(draft.pk), "--epsilon", "2")
    out = capsys.readouterr().out
    assert "budget ε=2" in out and "sensitivity 1" in out and "sensitivity 3" in out
    assert PrivacyRelease.objects.count() == 0
    call_command("stats", "release", "--publication", str(draft.pk), "--confirm")
    out = capsys.readouterr().out
    assert "left ε=1" in out and out.count("released (#") == 2
    assert PrivacyRelease.objects.filter(publication=draft).count() == 2


def test_sensitivity_per_unit(institutions, settings):
    """A victim has one sex (1); a case with five platforms counts in at most 3 (the
    clipping bound); a unique person behind five victim records, too."""
    from django.utils import timezone

    from nanduti.linkage.models import LinkageRun, PersonKey
    from nanduti.registry.models import Victim

    cases = make_cases(
        institutions["UFETESI"],
        [{"year": 2019 + i, "victims": [{"sex": "female"}], "platforms": FIVE} for i in range(5)],
    )
    assert dp.sensitivity_of(crosstab.run("sex", "victims")) == 1
    assert dp.sensitivity_of(crosstab.run("year", "victims")) == 1
    platforms = crosstab.run("platform", "cases")
    assert dp.sensitivity_of(platforms) == 3
    assert sum(dp.clipped_counts(platforms, None, 3).values()) == 5 * 3
    # One person behind the five victim records (one per year).
    run = LinkageRun.objects.create(
        mode="clear", scheme="test", threshold=0.9, status="succeeded", finished_at=timezone.now()
    )
    victims = Victim.objects.filter(case__in=cases)
    PersonKey.objects.bulk_create(PersonKey(run=run, victim=v, person=1) for v in victims)
    by_year = crosstab.run("year", "persons")
    assert by_year.total == 1 and dp.sensitivity_of(by_year) == 3
    assert sum(dp.clipped_counts(by_year, None, 3).values()) == 3
    by_sex = crosstab.run("sex", "persons")
    assert dp.clipped_counts(by_sex, None, 3) == {("female",): 1}
