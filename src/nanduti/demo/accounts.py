"""The demo's institutions and users (fixed passwords, printed by ``nanduti demo``)."""

from __future__ import annotations

from nanduti.taxonomy import vocab

# (username, role, institution, password). Deterministic and printed on purpose: the demo
# runs on localhost with invented data; `nanduti demo` refuses production settings. The
# passwords pass the password validators (not like the user name, not a word plus digits).
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("demo-fiscalia", "officer", "mp_ufetesi", "lapacho-rosado-41"),
    ("demo-policia", "officer", "police_antitrata", "yerba-fresca-52"),
    ("demo-minna", "officer", "minna", "rio-tebicuary-63"),
    ("demo-mujer", "officer", "min_mujer", "cerro-kavaju-74"),
    ("demo-lunanueva", "officer", "luna_nueva", "encaje-ao-poi-85"),
    ("demo-responsable", "steward", "mp_ufetesi", "tatakua-caliente-96"),
    ("demo-analista", "analyst", "", "mburucuya-azul-17"),
    ("demo-admin", "admin", "", "palo-santo-firme-28"),
)


def ensure_institutions() -> int:
    """Every institution of the ``institution`` vocabulary as an Institution row; returns
    how many exist afterwards. Uses ``registry.institutions.ensure_institution`` (idempotent)."""
    from nanduti.registry.institutions import ensure_institution
    from nanduti.registry.models import Institution

    codes = [t.code for t in vocab.get("institution").terms]
    for code in codes:
        ensure_institution(code)
    return Institution.objects.count()


def ensure_users() -> list[tuple[str, str, str, str]]:
    """Creates (or resets) the demo users; returns (username, password, role, institution)."""
    from django.contrib.auth import get_user_model

    from nanduti.registry.institutions import ensure_institution
    from nanduti.registry.models import Membership, Role

    user_model = get_user_model()
    created = []
    for username, role, institution_code, password in DEMO_USERS:
        user, _new = user_model.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = role in (Role.STEWARD, Role.ADMIN)
        user.is_superuser = role == Role.ADMIN
        user.save()
        institution = ensure_institution(institution_code) if institution_code else None
        Membership.objects.update_or_create(
            user=user, defaults={"role": role, "institution": institution}
        )
        created.append((username, password, role, institution_code))
    return created
