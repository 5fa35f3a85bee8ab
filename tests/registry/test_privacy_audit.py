"""Identifying data is encrypted at rest, keys rotate, and every change is audited."""

from io import StringIO

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from nanduti.registry import services
from nanduti.registry.models import AuditEvent, Case, Victim


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_identifying_data_is_not_stored_in_clear(institutions):
    case = Case.objects.create(institution=institutions["UFETESI"], reference="C-1")
    victim = Victim.objects.create(case=case, full_name="María Benítez", document_number="1234567")
    stored = raw_column("registry_victim", "full_name", victim.pk)
    assert "María" not in stored and "Benítez" not in stored
    assert Victim.objects.get(pk=victim.pk).full_name == "María Benítez"


def test_rotate_keys_reencrypts_so_the_old_key_can_be_dropped(institutions, settings, tmp_path):
    # Its own var folder: files other tests sealed under keys of their own are not this
    # rotation's (rotation refuses a file no configured key opens).
    settings.VAR_DIR = tmp_path / "var"
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    case = Case.objects.create(institution=institutions["UFETESI"], reference="C-2")
    victim = Victim.objects.create(case=case, phone="+595 981 000000")
    before = raw_column("registry_victim", "phone", victim.pk)

    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_keys", stdout=StringIO())
    after = raw_column("registry_victim", "phone", victim.pk)
    assert after != before

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Victim.objects.get(pk=victim.pk).phone == "+595 981 000000"
    assert AuditEvent.objects.filter(action="rotate-keys").exists()


def test_a_missing_key_gives_a_clear_bilingual_error(institutions, settings):
    case = Case.objects.create(institution=institutions["UFETESI"], reference="C-3")
    victim = Victim.objects.create(case=case, full_name="Ana")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    try:
        Victim.objects.get(pk=victim.pk)
    except ValueError as error:
        assert "NANDUTI_FIELD_KEYS" in str(error) and "descifrar" in str(error)
    else:
        raise AssertionError("decrypting with the wrong key must fail")


def test_create_update_delete_are_audited_with_actor_and_changes(institutions, officer):
    case = services.save_case(
        Case(institution=institutions["UFETESI"], reference="C-4", department="itapua"),
        actor=officer,
    )
    case = Case.objects.get(pk=case.pk)
    case.department = "central"
    case.modality = "not_asked"
    services.save_case(case, actor=officer)
    services.save_case(case, actor=officer, children=[Victim(full_name="Secreto")])
    victim = Victim.objects.get(case=case)
    victim.full_name = "Otro secreto"
    services.save_case(case, actor=officer, children=[victim])
    services.delete_case(case, actor=officer)

    events = list(AuditEvent.objects.order_by("id"))
    actions = [(e.action, e.model) for e in events]
    assert actions == [
        ("create", "case"),
        ("update", "case"),
        ("create", "victim"),
        ("update", "victim"),
        ("delete", "victim"),
        ("delete", "case"),
    ]
    assert all(e.actor == officer for e in events)
    assert events[1].changes["department"] == ["itapua", "central"]
    assert events[1].changes["modality"] == ["", "not_asked"]
    # identifying values never reach the audit trail
    assert "Secreto" not in str(events[2].changes) and "secreto" not in str(events[3].changes)
    assert "full_name" in events[3].changes
