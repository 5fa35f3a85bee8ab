"""Shared fixtures: institutions and users of each role."""

import pytest
from django.contrib.auth import get_user_model

from nanduti.registry.models import Institution, Membership, Role


def pytest_configure(config):
    from django.conf import settings

    # Persistent connections from live-server threads would keep the PostgreSQL test
    # database busy at teardown.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture
def institutions(db):
    """Two institutions, so tests can check that one never sees the other's data."""
    return {
        "UFETESI": Institution.objects.create(code="UFETESI", name="Ministerio Público – UFETESI"),
        "MINNA": Institution.objects.create(
            code="MINNA", name="Ministerio de la Niñez y la Adolescencia"
        ),
    }


@pytest.fixture
def make_user(db):
    def make(username: str, role: str = Role.OFFICER, institution: Institution | None = None):
        user = get_user_model().objects.create_user(username=username, password="clave-segura-123")
        Membership.objects.create(user=user, role=role, institution=institution)
        return user

    return make


@pytest.fixture
def officer(make_user, institutions):
    return make_user("oficial", Role.OFFICER, institutions["UFETESI"])


@pytest.fixture
def other_officer(make_user, institutions):
    return make_user("oficial_minna", Role.OFFICER, institutions["MINNA"])


@pytest.fixture
def analyst(make_user):
    return make_user("analista", Role.ANALYST, None)
