"""How the importer writes on PostgreSQL: as a role that owns nothing and may not switch
triggers off (an application's database user in production), every foreign key checked by
the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from nanduti.registry.importer import import_file
from nanduti.registry.models import TechnologyUse, Victim

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's bulk-writing settings"
)

ROWS = "referencia_caso;sexo;edad;plataformas_captacion;tipo_explotacion\n" + "".join(
    f"K-{n};F;{14 + n % 5};wsp|IG;explotacion sexual\nK-{n};M;{15 + n % 3};tik tok;\n"
    for n in range(30)
)
LIMITED_ROLE = "nanduti_test_limited"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def _orphans() -> int:
    """Children whose case or victim does not exist, counted set-wise as a validating
    foreign key would."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              (SELECT count(*) FROM registry_victim v
                 LEFT JOIN registry_case c ON c.id = v.case_id WHERE c.id IS NULL)
            + (SELECT count(*) FROM registry_technologyuse t
                 LEFT JOIN registry_case c ON c.id = t.case_id WHERE c.id IS NULL)
            + (SELECT count(*) FROM registry_technologyuse t
                 LEFT JOIN registry_victim v ON v.id = t.victim_id
                 WHERE t.victim_id IS NOT NULL AND v.id IS NULL)
            + (SELECT count(*) FROM registry_exploitation e
                 LEFT JOIN registry_case c ON c.id = e.case_id WHERE c.id IS NULL)
            + (SELECT count(*) FROM registry_case c
                 LEFT JOIN registry_institution i ON i.id = c.institution_id WHERE i.id IS NULL)
            """
        )
        return cursor.fetchone()[0]


@pytest.fixture
def limited_role(db):
    """A role that owns nothing and may not switch triggers off, as an application's
    database user in production usually is."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{LIMITED_ROLE}')"
            f" THEN CREATE ROLE {LIMITED_ROLE} NOLOGIN; END IF; END $$"
        )
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {LIMITED_ROLE}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {LIMITED_ROLE}")
        cursor.execute(f"SET ROLE {LIMITED_ROLE}")
    yield LIMITED_ROLE
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.mark.django_db
def test_a_limited_role_imports_and_updates_with_every_key_checked(
    tmp_path, institutions, limited_role
):
    path = tmp_path / "k.csv"
    path.write_text(ROWS, encoding="utf-8")
    report = import_file(path, institution="UFETESI", chunk_rows=20)
    assert (report.stored, report.rejected) == (30, 0), report.errors
    assert Victim.objects.count() == 60 and TechnologyUse.objects.count() == 90
    assert _orphans() == 0
    changed = path.with_name("k2.csv")
    changed.write_text(ROWS.replace("K-3;M;15;tik tok", "K-3;M;15;telegram"), encoding="utf-8")
    again = import_file(changed, institution="UFETESI")
    assert (again.stored, again.updated, again.unchanged) == (0, 1, 29), again.errors
    assert _orphans() == 0 and TechnologyUse.objects.count() == 90
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == limited_role
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    # The keys are the database's to check: a child pointing nowhere is refused.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_exploitation SET case_id = 1000000000 "
            "WHERE id = (SELECT min(id) FROM registry_exploitation)"
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _estimated_rows(table: str) -> float:
    """What the planner believes a table holds (-1: never analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_import_leaves_statistics_for_the_children_tables(
    tmp_path, institutions, monkeypatch
):
    """Pages read a page of cases' children by case id: planned from the statistics of an
    empty table that is a scan of every child row. A bulk import (here any of 20 cases or
    more) analyses the children's tables when it ends, as autovacuum would much later."""
    from nanduti.registry.io import writing

    monkeypatch.setattr(writing, "ANALYZE_FIRST", 20)
    path = tmp_path / "k.csv"
    path.write_text(ROWS, encoding="utf-8")
    report = import_file(path, institution="UFETESI", chunk_rows=20)
    assert report.stored == 30
    assert _estimated_rows("registry_victim") == Victim.objects.count() == 60
    assert _estimated_rows("registry_technologyuse") == TechnologyUse.objects.count() == 90
