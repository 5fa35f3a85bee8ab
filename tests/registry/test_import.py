"""Importing case files: normalisation, identity of cases, raw copies, audit, rejects."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from nanduti.registry import sealed
from nanduti.registry.importer import import_file
from nanduti.registry.institutions import UnknownInstitution, ensure_institution
from nanduti.registry.models import (
    AuditEvent,
    Case,
    Exploitation,
    ImportBatch,
    Institution,
    RejectedRow,
    TechnologyUse,
    Victim,
)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


SPANISH = """referencia_caso;fecha;departamento;distrito;plataformas_captacion;tipo_explotacion;\
sexo;edad;nombre_victima;resumen
C-1;03/05/2023;Alto Parana;CDE;wsp|Facebook;explotacion sexual;F;15;María López;Captada por WhatsApp
C-1;03/05/2023;Alto Parana;CDE;instagram;explotacion sexual;masculino;16;;
C-2;2022-01-15;Central;San Lorenzo;redes sociales;explotacion laboral;mujer;22;;
"""


@pytest.mark.django_db
def test_spanish_headers_and_messy_values_are_normalised(tmp_path, institutions):
    report = import_file(write(tmp_path / "casos.csv", SPANISH), institution="UFETESI")
    assert (report.stored, report.updated, report.rejected) == (2, 0, 0), report.errors
    case = Case.objects.get(reference="C-1")
    assert case.institution.code == "UFETESI"
    assert (case.department, case.district) == ("alto_parana", "alto_parana.ciudad_del_este")
    assert case.reported_on.isoformat() == "2023-05-03" and case.year == 2023
    victims = list(case.victims.order_by("reference"))
    assert [(v.reference, v.sex, v.age, v.age_band) for v in victims] == [
        ("1", "female", 15, "15_17"),
        ("2", "male", 16, "15_17"),
    ]
    uses = sorted(
        (u.victim.reference, u.phase, u.technology, u.platform)
        for u in TechnologyUse.objects.filter(case=case)
    )
    assert uses == [
        ("1", "recruitment", "messaging", "whatsapp"),
        ("1", "recruitment", "social_media", "facebook"),
        ("2", "recruitment", "social_media", "instagram"),
    ]
    other = Case.objects.get(reference="C-2")
    # a technology category alone is a technology use without a platform
    assert list(other.technologies.values_list("technology", "platform")) == [("social_media", "")]
    assert list(other.exploitations.values_list("type", flat=True)) == ["labour"]


@pytest.mark.django_db
def test_english_headers_and_tab_delimiter(tmp_path, institutions):
    text = (
        "case_reference\treported_on\tdepartment\tplatforms_recruitment\tvictim_sex\tvictim_age\n"
        "E-1\t2021-07-01\tItapúa\tTik Tok\tfemale\t17\n"
    )
    report = import_file(write(tmp_path / "en.tsv", text), institution="MINNA")
    assert report.stored == 1 and report.delimiter == "\t"
    case = Case.objects.get(reference="E-1")
    assert case.department == "itapua"
    assert case.technologies.get().platform == "tiktok"


@pytest.mark.django_db
def test_fuzzy_matches_are_accepted_and_recorded(tmp_path, institutions):
    text = "referencia_caso,departamento,plataformas_captacion\nF-1,Caaguasu,Instagrammm\n"
    report = import_file(write(tmp_path / "f.csv", text), institution="UFETESI")
    assert report.stored == 1, report.errors
    matched = {(m["row"], m["column"], m["value"], m["code"]) for m in report.fuzzy_matches}
    assert (2, "plataformas_captacion", "Instagrammm", "instagram") in matched
    assert all(m["score"] >= 88 for m in report.fuzzy_matches)
    batch = ImportBatch.objects.get(id=report.batch_id)
    assert batch.report["fuzzy_count"] == report.fuzzy_count >= 1


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(tmp_path, institutions):
    path = write(tmp_path / "casos.csv", SPANISH)
    import_file(path, institution="UFETESI")
    events = AuditEvent.objects.filter(action="import").count()
    again = import_file(path, institution="UFETESI")
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 2)
    assert Case.objects.count() == 2 and Victim.objects.count() == 3
    assert AuditEvent.objects.filter(action="import").count() == events


@pytest.mark.django_db
def test_a_changed_row_updates_its_case_and_replaces_children(tmp_path, institutions):
    import_file(write(tmp_path / "v1.csv", SPANISH), institution="UFETESI")
    changed = SPANISH.replace(
        "instagram;explotacion sexual;masculino;16", "telegram;explotacion sexual;masculino;17"
    )
    report = import_file(write(tmp_path / "v2.csv", changed), institution="UFETESI")
    assert (report.stored, report.updated, report.unchanged) == (0, 1, 1)
    case = Case.objects.get(reference="C-1")
    assert sorted(case.technologies.values_list("platform", flat=True)) == [
        "facebook",
        "telegram",
        "whatsapp",
    ]
    assert case.victims.get(reference="2").age == 17
    assert Victim.objects.count() == 3
    # one audit event per import, naming the updated case in its id ranges
    update = AuditEvent.objects.get(action="import", changes__batch=report.batch_id)
    assert update.changes["updated"] == [[case.id, case.id]] and update.changes["created"] == []
    assert case.import_batch_id == report.batch_id


@pytest.mark.django_db
def test_rows_of_one_case_far_apart_make_one_case(tmp_path, institutions):
    lines = ["referencia_caso,sexo,edad,plataformas_captacion"]
    lines.append("FAR,female,14,facebook")
    lines += [f"N-{i},male,{20 + i},whatsapp" for i in range(8)]
    lines.append("FAR,male,15,instagram")
    path = write(tmp_path / "far.csv", "\n".join(lines) + "\n")
    # 3 transactions: FAR's rows are written together, when its late row is read
    report = import_file(path, institution="UFETESI", chunk_rows=3)
    assert report.stored == 9 and report.rejected == 0
    assert AuditEvent.objects.filter(action="import").count() == 3
    far = Case.objects.get(reference="FAR")
    assert sorted(far.victims.values_list("age", flat=True)) == [14, 15]
    again = import_file(path, institution="UFETESI")
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 9)


@pytest.mark.django_db
def test_institution_column_and_unknown_institution(tmp_path, institutions):
    text = "institucion,referencia_caso,sexo\nMINNA,I-1,f\nUFETESI,I-1,m\nNOEXISTE,I-2,f\n"
    report = import_file(write(tmp_path / "inst.csv", text))
    assert (report.stored, report.rejected) == (2, 1)
    assert set(Case.objects.values_list("institution__code", flat=True)) == {"MINNA", "UFETESI"}
    message = report.errors[0]["errors"][0]["message"]
    assert "fila 4" in message and "NOEXISTE" in message and "row 4" in message
    fatal = import_file(write(tmp_path / "x.csv", "referencia_caso\nA\n"), institution="NADA")
    assert not fatal.readable and "NADA" in fatal.fatal


@pytest.mark.django_db
def test_file_without_institution_is_refused_before_its_rows_are_read(tmp_path, db):
    report = import_file(write(tmp_path / "x.csv", "referencia_caso,sexo\nA,f\n"))
    assert not report.readable and report.rows_read == 0
    assert "--institution" in report.fatal and "institución" in report.fatal
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_ensure_institution_creates_from_the_vocabulary(db):
    institution = ensure_institution("mp_ufetesi")
    assert institution.code == "mp_ufetesi" and "Ministerio Público" in institution.name
    assert ensure_institution("MP_UFETESI") == institution
    with pytest.raises(UnknownInstitution) as error:
        ensure_institution("zzz-nada")
    assert "zzz-nada" in str(error.value)


@pytest.mark.django_db
def test_raw_file_is_kept_content_addressed_and_encrypted(tmp_path, institutions, var_dir):
    path = write(tmp_path / "casos.csv", SPANISH)
    report = import_file(path, institution="UFETESI")
    kept = Path(report.raw_path)
    assert kept == var_dir / "raw" / report.sha256[:2] / f"{report.sha256}.csv.sealed"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert "María López".encode() not in kept.read_bytes()
    assert sealed.unseal(kept, tmp_path / "back.csv").read_bytes() == path.read_bytes()
    batch = ImportBatch.objects.get(id=report.batch_id)
    assert (batch.sha256, batch.stored_path, batch.stored) == (report.sha256, str(kept), 2)


@pytest.mark.django_db
def test_every_stored_case_is_in_the_import_audit_event(tmp_path, institutions, officer):
    report = import_file(write(tmp_path / "c.csv", SPANISH), institution="UFETESI", user=officer)
    event = AuditEvent.objects.get(action="import")  # one per chunk, not one per case
    assert event.actor == officer and event.model == "case"
    assert event.institution.code == "UFETESI"
    changes = event.changes
    assert changes["batch"] == report.batch_id and changes["file"] == "c.csv"
    assert changes["sha256"] == report.sha256
    assert changes["counts"]["created"] == 2 and changes["updated"] == []
    ids = sorted(Case.objects.values_list("id", flat=True))
    covered = [i for first, last in changes["created"] for i in range(first, last + 1)]
    assert covered == ids
    assert set(Case.objects.values_list("import_batch_id", flat=True)) == {report.batch_id}


@pytest.mark.django_db
def test_identifying_columns_are_encrypted_at_rest(tmp_path, institutions):
    import_file(write(tmp_path / "c.csv", SPANISH), institution="UFETESI")
    victim = Victim.objects.get(case__reference="C-1", reference="1")
    assert victim.full_name == "María López"
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM registry_victim WHERE id = %s", [victim.id])
        stored = cursor.fetchone()[0]
    assert "María" not in stored and stored.startswith("gAAAA")


@pytest.mark.django_db
def test_rejected_rows_are_quarantined_fixed_and_reimported(tmp_path, institutions):
    text = (
        "referencia_caso;departamento;sexo;edad\n"
        "R-1;Central;f;20\n"
        "R-2;Marte;f;20\n"
        "R-3;Central;f;-4\n"
    )
    rejects = tmp_path / "rechazos.csv"
    report = import_file(
        write(tmp_path / "r.csv", text), institution="UFETESI", rejects_path=rejects
    )
    assert (report.stored, report.rejected) == (1, 2)
    quarantined = RejectedRow.objects.filter(batch_id=report.batch_id).order_by("row_number")
    assert [r.row_number for r in quarantined] == [3, 4]
    assert quarantined[0].raw["departamento"] == "Marte"
    assert quarantined[0].errors[0]["column"] == "departamento"
    with open(rejects, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["_fila"] for r in rows] == ["3", "4"]
    assert "Marte" in rows[0]["_errores"] and "-4" in rows[1]["_errores"]
    # the steward fixes the rejects in a spreadsheet and imports the file again
    rows[0]["departamento"], rows[1]["edad"] = "Misiones", "4"
    with open(rejects, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    fixed = import_file(rejects, institution="UFETESI")
    assert (fixed.stored, fixed.rejected) == (2, 0) and not fixed.warnings
    assert Case.objects.get(reference="R-2").department == "misiones"


@pytest.mark.django_db
def test_rows_with_the_schemas_column_names(tmp_path, institutions, officer):
    rows = [
        {
            "case_reference": "S-1",
            "victim_sex": "female",
            "victim_age": "13",
            "platforms_recruitment": "free fire",
        },
        {"case_reference": "S-2", "victim_sex": "x-men", "victim_age": "30"},
    ]
    path = tmp_path / "parsed.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = import_file(path, institution="UFETESI", user=officer)
    assert (report.stored, report.rejected) == (1, 1)
    case = Case.objects.get(reference="S-1")
    assert case.technologies.get().platform == "free_fire"
    assert case.victims.get().age_band == "12_14"
    event = AuditEvent.objects.get(action="import", changes__batch=case.import_batch_id)
    assert event.actor == officer and event.changes["created"] == [[case.id, case.id]]


@pytest.mark.django_db
def test_age_band_derived_and_contradictions_rejected(tmp_path, institutions):
    text = "referencia_caso,edad,franja_edad\nA-1,9,\nA-2,30,0-11\nA-3,,15-17\n"
    report = import_file(write(tmp_path / "a.csv", text), institution="UFETESI")
    assert (report.stored, report.rejected) == (2, 1)
    assert Victim.objects.get(case__reference="A-1").age_band == "0_11"
    assert Victim.objects.get(case__reference="A-3").age_band == "15_17"
    assert "contradice" in report.errors[0]["errors"][0]["message"]


@pytest.mark.django_db
def test_import_command_prints_counts_and_json(tmp_path, institutions, capsys):
    path = write(
        tmp_path / "c.csv", SPANISH.replace("Alto Parana;CDE;instagram", "Marte;;instagram")
    )
    call_command("import", str(path), "--institution", "UFETESI")
    out = capsys.readouterr().out
    # the bad row's case is rejected whole (both its rows); the other case is stored
    assert out.splitlines()[0] == "stored 1, updated 0, rejected 2"
    assert "Marte" in out and "fila 2" in out
    call_command("import", str(path), "--institution", "UFETESI", "--json")
    data = json.loads(capsys.readouterr().out)
    assert (data["stored"], data["unchanged"], data["rejected"]) == (0, 1, 2)
    assert Case.objects.filter(reference="C-1").count() == 0


@pytest.mark.django_db
def test_import_command_fails_only_when_nothing_could_be_read(tmp_path, institutions):
    from django.core.management.base import CommandError

    empty = write(tmp_path / "vacio.csv", "")
    with pytest.raises(CommandError) as error:
        call_command("import", str(empty), "--institution", "UFETESI")
    assert "vacío" in str(error.value) and "empty" in str(error.value)
    assert Institution.objects.filter(code="UFETESI").exists()


@pytest.mark.django_db
def test_exploitation_types_union_over_rows_of_a_case(tmp_path, institutions):
    text = "referencia_caso,tipo_explotacion,sexo\nU-1,sexual,f\nU-1,labour|sexual,m\n"
    import_file(write(tmp_path / "u.csv", text), institution="UFETESI")
    assert list(Exploitation.objects.values_list("type", flat=True)) == ["sexual", "labour"]


@pytest.mark.django_db
def test_orm_bulk_create_encrypts_identifying_fields_too(institutions):
    """The importer encrypts explicitly; the ORM's bulk path does it in get_prep_value."""
    case = Case.objects.create(institution=institutions["UFETESI"], reference="ORM-1")
    Victim.objects.bulk_create([Victim(case=case, reference="1", full_name="Rosa Benítez")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM registry_victim WHERE case_id = %s", [case.id])
        assert "Rosa" not in cursor.fetchone()[0]
    assert Victim.objects.get(case=case).full_name == "Rosa Benítez"


@pytest.mark.django_db
def test_cells_with_tabs_line_breaks_and_backslashes_are_stored_as_written(tmp_path, institutions):
    """PostgreSQL's writer formats COPY text itself: what COPY would read as a cell break,
    a row break, an escape or NULL must arrive as the characters the file held."""
    tricky = {
        "C-\\N": ("a\tb \\ c", "línea 1\nlínea 2\r\nfin \\N", "Ana \\ \t Pérez"),
        "C-2": ("\\N", "\\", "\\N"),
    }
    path = tmp_path / "raros.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["referencia_caso", "ruta", "resumen", "nombre_victima", "edad"])
        for reference, (route, summary, name) in tricky.items():
            out.writerow([reference, route, summary, name, ""])
    report = import_file(path, institution="UFETESI")
    assert (report.stored, report.rejected) == (2, 0), report.errors
    for reference, (route, summary, name) in tricky.items():
        case = Case.objects.get(reference=reference)
        assert (case.route, case.summary) == (route, summary.strip())
        assert case.year is None and case.reported_on is None and case.provisions == []
        victim = case.victims.get()
        assert (victim.full_name, victim.age) == (name, None)


@pytest.mark.django_db
def test_quarantine_kept_beside_the_raw_file_is_encrypted(tmp_path, institutions, var_dir):
    text = "referencia_caso;departamento;nombre_victima\nQ-1;Marte;Rosa Benítez\n"
    report = import_file(write(tmp_path / "q.csv", text), institution="UFETESI")
    kept = Path(report.rejects_path)
    assert report.rejected == 1 and kept.parent == var_dir / "raw" / report.sha256[:2]
    assert kept.name.endswith(".rechazos.csv.sealed") and kept.stat().st_mode & 0o777 == 0o600
    assert not list(kept.parent.glob("*.rechazos.csv"))  # no plain copy left behind
    assert "Rosa Benítez".encode() not in kept.read_bytes()
    plain = sealed.unseal(kept, tmp_path / "rechazos.csv").read_text(encoding="utf-8-sig")
    assert "Rosa Benítez" in plain and "Marte" in plain
