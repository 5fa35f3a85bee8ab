"""Authentication hardening (issue 15, F10/F11): login and token throttling, password
rules, the optional second factor, idle sessions."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from nanduti import demo
from nanduti.api.tokens import create_token
from nanduti.registry.models import Role

LOGIN = "/cuenta/entrar/"


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_right_password_refused_after_repeated_wrong_ones(client, officer):
    answers = [login(client, "oficial", "adivinanza").status_code for _ in range(129)]
    # Wrong answers until the limit, then the lock-out page (the probe got 129 tries).
    limit = settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1) and set(answers[limit - 1 :]) == {429}
    locked = login(client, "oficial", "clave-segura-123")
    assert locked.status_code == 429
    assert "bloqueada" in locked.content.decode() and "locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_out_holds_from_another_address_for_the_same_user(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "oficial", "adivinanza")
    other = client.post(
        LOGIN, {"username": "oficial", "password": "clave-segura-123"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 429


def test_a_few_mistakes_then_the_right_password_works(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "oficial", "adivinanza")
    assert login(client, "oficial", "clave-segura-123").status_code == 302


def test_guessed_api_tokens_are_throttled_even_for_a_valid_token(client, officer):
    _, raw = create_token(officer, "t")
    answers = [
        client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer ndt_guess{n:04d}").status_code
        for n in range(200)
    ]
    limit = settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [401] * (limit - 1) and set(answers[limit - 1 :]) == {429}
    blocked = client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert blocked.status_code == 429
    assert " / " in blocked.json()["detail"]
    # Another address is not affected.
    elsewhere = client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.1.1.1")
    assert elsewhere.status_code == 200


@pytest.mark.parametrize(
    "password",
    [
        "98765432109",
        "Asuncion2024",
        "nanduti123",
        "Ñandutí2025!",
        "Encarnacion-1990",
        "ufetesi2024",
    ],
)
def test_weak_passwords_from_the_probe_are_refused(password, make_user):
    user = make_user("nueva")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_refusal_is_bilingual(make_user):
    with pytest.raises(ValidationError) as error:
        validate_password("Asuncion2024", make_user("nueva"))
    text = " ".join(error.value.messages)
    assert "palabra conocida" in text and "well-known word" in text


def test_reasonable_passphrase_is_accepted(make_user):
    validate_password("mandioca-verde-tiene-sed", make_user("nueva"))


def test_demo_passwords_pass_the_validators(django_user_model):
    for username, _role, _inst, password in demo.DEMO_USERS:
        validate_password(password, django_user_model(username=username))


def test_session_ends_after_inactivity_and_each_request_renews_it(client, officer):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert 0 < settings.SESSION_COOKIE_AGE <= 60 * 60
    client.force_login(officer)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(seconds=30))
    assert client.get("/casos/").status_code == 200
    renewed = Session.objects.get(pk=key).expire_date - timezone.now()
    assert renewed > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # Idle past the limit: the next request finds no session.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    answer = client.get("/casos/")
    assert answer.status_code == 302 and answer["Location"].startswith("/cuenta/entrar/")


# --- second factor ------------------------------------------------------------------


@pytest.fixture
def steward(make_user, institutions):
    return make_user("responsable", Role.STEWARD, institutions["UFETESI"])


def code_for(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_steward_enrols_with_a_qr_code_and_is_then_asked_for_the_code(client, steward):
    client.post(LOGIN, {"username": "responsable", "password": "clave-segura-123"})
    page = client.get("/cuenta/segundo-factor/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<path" in html
    device = TOTPDevice.objects.get(user=steward, confirmed=False)
    wrong = client.post("/cuenta/segundo-factor/", {"code": "000000"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a second
    assert client.post("/cuenta/segundo-factor/", {"code": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    # Next login: the password alone opens nothing.
    client.post("/cuenta/salir/")
    device.last_t = -1  # the same time step may be used again in this test
    device.save()
    assert login(client, "responsable", "clave-segura-123").status_code == 302
    blocked = client.get("/casos/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/cuenta/verificar/")
    assert client.get("/api/docs").status_code == 302
    bad = client.post("/cuenta/verificar/", {"code": "123456", "next": "/casos/"})
    assert bad.status_code == 400 and "incorrecto" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    good = client.post("/cuenta/verificar/", {"code": code_for(device), "next": "/casos/"})
    assert good.status_code == 302 and good["Location"] == "/casos/"
    assert client.get("/casos/").status_code == 200


def test_verification_does_not_redirect_off_site(client, steward):
    device = TOTPDevice.objects.create(user=steward, name="app", confirmed=True)
    login(client, "responsable", "clave-segura-123")
    answer = client.post(
        "/cuenta/verificar/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/"


def test_users_without_a_device_are_not_asked(client, officer):
    login(client, "oficial", "clave-segura-123")
    assert client.get("/casos/").status_code == 200


def test_officers_cannot_open_the_enrolment_page(client, officer):
    client.force_login(officer)
    assert client.get("/cuenta/segundo-factor/").status_code == 403
