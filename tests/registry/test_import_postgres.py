"""How the importer writes on PostgreSQL: without per-row foreign-key triggers where the
role may, with them where it may not, and with the case table analysed as it grows."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from nanduti.registry.importer import import_file
from nanduti.registry.io import storing
from nanduti.registry.models import Case, Institution, TechnologyUse, Victim

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


@pytest.mark.django_db
def test_superuser_import_skips_triggers_and_keeps_every_key_valid(tmp_path, institutions):
    path = tmp_path / "k.csv"
    path.write_text(ROWS, encoding="utf-8")
    writers = []
    original = storing.Writer.__init__

    def remember(self, *args, **kwargs):
        original(self, *args, **kwargs)
        writers.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storing.Writer, "__init__", remember)
        report = import_file(path, institution="UFETESI")
    assert (report.stored, report.rejected) == (30, 0), report.errors
    assert writers and writers[0].skip_fk_triggers is True
    assert Victim.objects.count() == 60 and TechnologyUse.objects.count() == 90
    assert _orphans() == 0
    # The setting was local to the import's transactions: this session still checks keys.
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_exploitation SET case_id = 1000000000 "
            "WHERE id = (SELECT min(id) FROM registry_exploitation)"
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_a_parent_deleted_before_the_chunk_is_refused_not_orphaned(institutions):
    ghost = Institution.objects.create(code="GHOST", name="Borrada")
    writer = storing.Writer(
        batch_ids={}, actor_id=None, institution_ids={"GHOST": ghost.id, "UFETESI": 1}
    )
    Institution.objects.filter(pk=ghost.pk).delete()
    with pytest.raises(IntegrityError, match="no longer exist"), writer.chunk():
        pass


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
def test_a_role_without_the_privilege_imports_with_the_triggers_on(
    tmp_path, institutions, limited_role
):
    path = tmp_path / "k.csv"
    path.write_text(ROWS, encoding="utf-8")
    writer = storing.Writer(batch_ids={}, actor_id=None, institution_ids={})
    with writer.chunk(), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == limited_role
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    assert writer.skip_fk_triggers is False
    report = import_file(path, institution="UFETESI")
    assert (report.stored, report.rejected) == (30, 0), report.errors
    assert _orphans() == 0


@pytest.mark.django_db
def test_the_case_table_is_analysed_as_an_import_grows_it(tmp_path, institutions, monkeypatch):
    monkeypatch.setattr(storing, "ANALYZE_FIRST", 10)

    def estimated_rows() -> float:
        # What ANALYZE writes to the catalogue (visible inside the test's transaction).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", [Case._meta.db_table]
            )
            return cursor.fetchone()[0]

    assert estimated_rows() <= 0  # never analysed
    path = Path(tmp_path / "k.csv")
    path.write_text(ROWS, encoding="utf-8")
    import_file(path, institution="UFETESI")
    assert estimated_rows() == 30
    with connection.cursor() as cursor:  # the columns the existing-case lookup reads
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = %s", [Case._meta.db_table])
        assert {"institution_id", "reference"} <= {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_a_role_granted_the_setting_imports_without_triggers(tmp_path, institutions, limited_role):
    """What the deployment notes advise for an application role that is no superuser:
    ``GRANT SET ON PARAMETER session_replication_role`` (PostgreSQL 15)."""
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"GRANT SET ON PARAMETER session_replication_role TO {limited_role}")
        cursor.execute(f"SET ROLE {limited_role}")
    try:
        path = tmp_path / "k.csv"
        path.write_text(ROWS, encoding="utf-8")
        writer = storing.Writer(batch_ids={}, actor_id=None, institution_ids={})
        with writer.chunk():
            pass
        assert writer.skip_fk_triggers is True
        report = import_file(path, institution="UFETESI")
        assert (report.stored, report.rejected) == (30, 0), report.errors
        assert _orphans() == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f"REVOKE SET ON PARAMETER session_replication_role FROM {limited_role}")
