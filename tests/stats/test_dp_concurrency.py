"""Two releases from one privacy budget at the same moment: the budget still holds.

Each release runs in its own thread, so on its own database connection and transaction, as
two web requests would; a barrier starts them together. Runs on PostgreSQL and SQLite."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from django.db import connection

from nanduti.registry.models import Role
from nanduti.stats import dp, publication, publish
from nanduti.stats.models import PrivacyBudget, PrivacyPoolLock, PrivacyRelease, Publication

from .builders import make_cases

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def registry(institutions):
    specs = [
        {
            "year": 2010 + i % 12,
            "department": ("central", "itapua", "alto_parana")[i % 3],
            "victims": [{"sex": "female" if i % 3 else "male", "age_band": "15_17"}],
        }
        for i in range(240)
    ]
    make_cases(institutions["UFETESI"], specs)


def _at_once(*calls) -> list:
    """Runs the calls in threads started together; each call's result, or the exception it
    raised."""
    start = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i: int, call) -> None:
        try:
            start.wait()
            outcomes[i] = call()
        except Exception as error:  # the refusal is an outcome to check, not a crash
            outcomes[i] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _one_released_one_refused(outcomes: list, refusal=dp.PrivacyError) -> None:
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 1, outcomes
    assert isinstance(refused[0], refusal), repr(refused[0])
    message = str(refused[0])
    assert "Presupuesto de privacidad" in message and "budget exceeded" in message


@pytest.mark.parametrize("round_", range(3))
def test_operator_budget_holds_under_simultaneous_releases(registry, settings, round_):
    settings.NANDUTI_DP_EPSILON_BUDGET = 1.5
    outcomes = _at_once(
        lambda: publish.produce("year,department", privacy="dp", epsilon=1.0, operator=True),
        lambda: publish.produce("year,sex", privacy="dp", epsilon=1.0, operator=True),
    )
    _one_released_one_refused(outcomes)
    assert PrivacyRelease.objects.count() == 1
    assert dp.spent() == pytest.approx(1.0)


def test_institution_budget_holds_under_simultaneous_releases(registry, make_user, institutions):
    ufetesi = institutions["UFETESI"]
    ana = make_user("ana_dp", Role.ANALYST, ufetesi)
    bruno = make_user("bruno_dp", Role.ANALYST, ufetesi)
    PrivacyBudget.objects.create(institution=ufetesi, epsilon=1.5)
    outcomes = _at_once(
        lambda: publish.produce("year,department", privacy="dp", epsilon=1.0, user=ana),
        lambda: publish.produce("year,sex", privacy="dp", epsilon=1.0, user=bruno),
    )
    _one_released_one_refused(outcomes)
    pool = dp.Pool.of(ana)
    assert dp.spent(pool) == pytest.approx(1.0)
    assert dp.spent(pool) <= dp.budget(pool)


def test_double_confirmation_of_a_publication_spends_once(registry, make_user):
    """Two stewards confirm the same draft's DP tables at once (or one clicks twice): the
    tables are released and charged once; the second confirmation gets the same release."""
    author = make_user("autora_dp", Role.ADMIN, None)
    draft = Publication.objects.create(
        title="Casos por año y departamento",
        tables=[
            {"by": ["year", "department"], "unit": "cases", "privacy": "dp", "epsilon": 0.6},
            {"by": ["year", "sex"], "unit": "victims", "privacy": "dp", "epsilon": 0.4},
        ],
        epsilon_budget=1.5,
        created_by=author,
    )
    outcomes = _at_once(
        lambda: publication.release_dp(Publication.objects.get(pk=draft.pk), author),
        lambda: publication.release_dp(Publication.objects.get(pk=draft.pk), author),
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert PrivacyRelease.objects.count() == 2
    assert dp.spent(dp.Pool.of_publication(draft)) == pytest.approx(1.0)
    released = Publication.objects.get(pk=draft.pk).tables
    recorded = set(PrivacyRelease.objects.values_list("pk", flat=True))
    assert {t["release"] for t in released} == recorded


def _draft(author, budget: float = 5.0) -> Publication:
    table = {"by": ["year", "sex"], "unit": "victims", "privacy": "dp", "epsilon": 1.0}
    return Publication.objects.create(
        title="Víctimas por año y sexo", tables=[table], epsilon_budget=budget, created_by=author
    )


@contextlib.contextmanager
def _turn_held_elsewhere(pool: dp.Pool):
    """Another request (its own thread, connection and transaction) holds ``pool``'s turn
    until the block ends — on SQLite the whole database's write lock, as an import would."""
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with dp.pool_turn(pool):
                holding.set()
                done.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        yield
    finally:
        done.set()
        holder.join(timeout=60)


@pytest.mark.parametrize("way", ["query", "publication"])
def test_release_refused_when_another_holds_the_budget_too_long(
    registry, settings, monkeypatch, make_user, way
):
    """A release waits for another release from the same budget (PostgreSQL: the pool's
    row lock; SQLite: the database's write lock). When the other holds it past the wait
    limit, the release — a query's or a publication's confirmation — is refused in both
    languages with nothing spent, not a server error nor a request that hangs."""
    settings.NANDUTI_DP_EPSILON_BUDGET = 5.0
    settings.NANDUTI_DP_LOCK_WAIT_SECONDS = 0.5
    draft = _draft(make_user("autora_dp", Role.ADMIN, None))
    pool = dp.Pool() if way == "query" else dp.Pool.of_publication(draft)
    PrivacyPoolLock.objects.get_or_create(pool=pool.key)  # a first release made the row
    release, refusal_type = {
        "query": (
            lambda: publish.produce("year,sex", privacy="dp", epsilon=1.0, operator=True),
            dp.PrivacyError,
        ),
        "publication": (lambda: publication.release_dp(draft), publication.PublicationError),
    }[way]
    with monkeypatch.context() as patch:
        if connection.vendor == "sqlite":
            patch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.5)
            connection.close()  # reconnect with the short timeout
        with _turn_held_elsewhere(pool):
            waited = time.monotonic()
            with pytest.raises(refusal_type) as refusal:
                release()
            waited = time.monotonic() - waited
        connection.close()
    assert "intente de nuevo" in str(refusal.value) and "try again" in str(refusal.value)
    assert waited < 10, f"waited {waited:.1f} s for a 0.5 s limit"
    assert PrivacyRelease.objects.count() == 0 and dp.spent(pool) == 0
    # Once the other is done, the same release goes through.
    release()
    assert dp.spent(pool) == pytest.approx(1.0)


def test_budget_cannot_be_lowered_below_what_a_release_spent(registry, make_user):
    """The budget is changed under the pool's turn: lowered below what the publication
    spent, it is refused; the spent ε is read after any release in flight."""
    author = make_user("autora_dp2", Role.ADMIN, None)
    draft = _draft(author, budget=1.5)
    publication.release_dp(draft, author)
    with pytest.raises(publication.PublicationError, match="already spent"):
        publication.set_budget(draft, 0.5, user=author)
    publication.set_budget(draft, 1.0, user=author)
    assert Publication.objects.get(pk=draft.pk).epsilon_budget == pytest.approx(1.0)
