"""Linkage in the product: runs over the registry, export, federated files, statistics,
the stewards' page. Each test that links runs Splink (a few seconds)."""

import csv
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from nanduti.linkage import runs
from nanduti.linkage.models import LinkageRun, PersonKey
from nanduti.registry.models import AuditEvent, Case, Institution, Role, Victim
from nanduti.stats import crosstab

pytestmark = pytest.mark.slow

# (institution, case, victim, name, document, birth date, sex, department)
PEOPLE = [
    ("MINNA", "M-1", "1", "María José Benítez Ortiz", "", "2008-03-04", "female", "central"),
    ("UFETESI", "F-1", "1", "MARIA JOSE ORTIZ BENITEZ", "", "04/03/2008", "female", "central"),
    ("UFETESI", "F-1", "2", "Rosa Vera Duarte", "4.455.667", "2001-11-20", "female", "itapua"),
    ("MINNA", "M-2", "1", "Rosa Vera", "4455667", "", "female", "itapua"),
    ("MINNA", "M-3", "1", "Liz Gauto Riveros", "", "1999-07-15", "female", "guaira"),
    ("UFETESI", "F-2", "1", "Derlis Aquino Cardozo", "", "1995-01-30", "male", "alto_parana"),
    ("MINNA", "M-4", "1", "Camila Insfrán Núñez", "", "2010-12-01", "female", "central"),
    ("UFETESI", "F-3", "1", "", "", "", "female", "central"),  # no identifier at all
]
TRUE_PERSONS = 6  # María José (2 records), Rosa (2), Liz, Derlis, Camila, the unnamed one


@pytest.fixture
def registry(institutions):
    for code, case_ref, victim_ref, name, document, born, sex, dept in PEOPLE:
        case, _ = Case.objects.get_or_create(
            institution=institutions[code], reference=case_ref, defaults={"year": 2024}
        )
        Victim.objects.create(
            case=case,
            reference=victim_ref,
            full_name=name,
            document_number=document,
            birth_date=born,
            sex=sex,
            residence_department=dept,
            nationality="PY",
        )
    return institutions


def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_run_export_and_statistics_count_unique_persons(registry, tmp_path, capsys):
    call_command("link", "run")
    out, err = capsys.readouterr()
    assert out.strip() == f"records {len(PEOPLE)}, persons {TRUE_PERSONS}"
    assert "1 registros sin ningún identificador" in err and "1 records with no identifier" in err

    path = tmp_path / "persons.csv"
    call_command("link", "export", "-o", str(path))
    rows = _rows(path)
    assert rows[0] == ["institution", "case_reference", "victim_reference", "person_id"]
    person = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert len(person) == len(PEOPLE)
    assert person[("MINNA", "M-1", "1")] == person[("UFETESI", "F-1", "1")]
    assert person[("UFETESI", "F-1", "2")] == person[("MINNA", "M-2", "1")]
    assert person[("MINNA", "M-1", "1")] != person[("UFETESI", "F-1", "2")]
    assert len(set(person.values())) == TRUE_PERSONS

    # Statistics: the same registry counted as victims and as unique persons.
    victims = crosstab.run("institution", "victims")
    persons = crosstab.run("institution", "persons")
    assert victims.total == len(PEOPLE) and persons.total == TRUE_PERSONS
    assert persons.version["linkage_run"]["run"] == LinkageRun.current().pk
    # Cell-key counting (what non-owners get) counts the same persons, each with one key:
    # the grand total's key is the sum of one key per person, whatever the table.
    by_institution, _, keyed_margins = crosstab.run("institution", "persons", keyed=True)
    by_sex, _, sex_margins = crosstab.run("sex", "persons", keyed=True)
    assert by_institution.total == by_sex.total == TRUE_PERSONS
    assert keyed_margins[(crosstab.TOTAL,)] == sex_margins[(crosstab.TOTAL,)]
    # No linkage table or audit event holds an identifier, clear or encoded.
    run = LinkageRun.current()
    stored = repr(list(LinkageRun.objects.values())) + repr(
        list(AuditEvent.objects.filter(model="linkagerun").values())
    )
    for clear in ("benitez", "Benítez", "4455667", "2008"):
        assert clear not in stored.replace(str(run.started_at.year), "")
    # Multiple Systems Estimation over the two lists (Lincoln-Petersen): 6 persons seen.
    capsys.readouterr()
    call_command("link", "estimate")
    out, err = capsys.readouterr()
    assert out.startswith("lists MINNA, UFETESI; persons seen 6; unseen ")
    assert "Assumptions: closed population" in err
    assert {"link-start", "link-done"} <= set(
        AuditEvent.objects.filter(model="linkagerun").values_list("action", flat=True)
    )


def test_failed_run_keeps_last_good_result(registry):
    good = runs.run("clear")
    with (
        mock.patch("nanduti.linkage.pipeline.link_table", side_effect=KeyboardInterrupt),
        pytest.raises(KeyboardInterrupt),
    ):
        runs.run("clear")
    failed = LinkageRun.objects.latest("started_at")
    assert failed.status == LinkageRun.Status.FAILED and "KeyboardInterrupt" in failed.message
    assert LinkageRun.current() == good
    assert PersonKey.objects.filter(run=good).count() == len(PEOPLE)
    assert AuditEvent.objects.filter(action="link-failed", object_id=str(failed.pk)).exists()


def test_federated_files_link_and_other_keys_are_refused(registry, tmp_path, capsys):
    minna, fis = tmp_path / "minna.enc", tmp_path / "fis.enc"
    call_command("link", "encode", "--institution", "MINNA", "-o", str(minna))
    call_command("link", "encode", "--institution", "UFETESI", "-o", str(fis))
    text = minna.read_text(encoding="utf-8") + fis.read_text(encoding="utf-8")
    assert text.startswith("#nanduti-linkage ") and '"key_fingerprint"' in text
    for clear in ("Benítez", "BENITEZ", "benitez", "4455667", "2008", "itapua"):
        assert clear not in text

    out = tmp_path / "persons.csv"
    capsys.readouterr()
    call_command("link", "files", str(minna), str(fis), "-o", str(out))
    assert capsys.readouterr().out.strip() == f"records {len(PEOPLE)}, persons {TRUE_PERSONS}"
    assert len(_rows(out)) == len(PEOPLE) + 1

    with override_settings(LINKAGE_KEY="a key of another group of institutions"):
        call_command("link", "encode", "--institution", "UFETESI", "-o", str(fis))
    with pytest.raises(CommandError) as error:
        call_command("link", "files", str(minna), str(fis), "-o", str(out))
    assert "otra clave" in str(error.value) and "another key" in str(error.value)
    assert str(fis) in str(error.value)


def test_file_of_the_earlier_scheme_or_other_parameters_is_refused(registry, tmp_path):
    # A file written by an earlier scheme (nanduti-pprl-1: field-level filters;
    # nanduti-pprl-2: no rare-name token; nanduti-pprl-3: crowded LSH bands written out)
    # or with other parameters cannot be linked with
    # today's: the header says so and the link refuses, naming the file.
    minna, fis = tmp_path / "minna.enc", tmp_path / "fis.enc"
    call_command("link", "encode", "--institution", "MINNA", "-o", str(minna))
    call_command("link", "encode", "--institution", "UFETESI", "-o", str(fis))
    first, rest = fis.read_text(encoding="utf-8").split("\n", 1)
    header = json.loads(first.removeprefix("#nanduti-linkage "))
    assert header["scheme"] == "nanduti-pprl-4" and header["parameters"]["band_most"] > 0
    out = tmp_path / "persons.csv"
    for change, spanish, english in (
        ({"scheme": "nanduti-pprl-1"}, "otro esquema", "another scheme"),
        ({"scheme": "nanduti-pprl-2"}, "otro esquema", "another scheme"),
        ({"scheme": "nanduti-pprl-3"}, "otro esquema", "another scheme"),
        ({"parameters": {**header["parameters"], "lsh_bits": 32}}, "otros parámetros", "other"),
    ):
        fis.write_text(
            "#nanduti-linkage " + json.dumps({**header, **change}) + "\n" + rest, encoding="utf-8"
        )
        with pytest.raises(CommandError) as error:
            call_command("link", "files", str(minna), str(fis), "-o", str(out))
        assert spanish in str(error.value) and english in str(error.value)
        assert str(fis) in str(error.value)
        assert not out.exists()


def test_empty_or_unknown_institution_writes_nothing(registry, tmp_path):
    Institution.objects.create(code="MUJER", name="Ministerio de la Mujer")
    target = tmp_path / "mujer.enc"
    with pytest.raises(CommandError, match="no victim records"):
        call_command("link", "encode", "--institution", "MUJER", "-o", str(target))
    with pytest.raises(CommandError, match="unknown institution"):
        call_command("link", "encode", "--institution", "NOPE", "-o", str(target))
    assert not target.exists()


def test_export_and_persons_before_any_run_say_what_to_do(registry, tmp_path):
    with pytest.raises(CommandError, match="nanduti link run"):
        call_command("link", "export", "-o", str(tmp_path / "p.csv"))
    with pytest.raises(crosstab.F.FieldError, match="no finished linkage run"):
        crosstab.run("institution", "persons")


def test_stewards_page_shows_runs_without_identifiers(registry, client, make_user):
    runs.run("clear")
    steward = make_user("responsable", Role.STEWARD, registry["MINNA"])
    client.force_login(steward)
    page = client.get("/enlace/").content.decode()
    assert f"{len(PEOPLE)} registros" in page and f"{TRUE_PERSONS} personas" in page
    for clear in ("Benítez", "Rosa", "4455667"):
        assert clear not in page
    officer = make_user("oficial2", Role.OFFICER, registry["MINNA"])
    client.force_login(officer)
    assert client.get("/enlace/").status_code == 403
