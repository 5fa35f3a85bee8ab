"""Model fields: codes from a vocabulary, and identifying data encrypted at rest."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import get_language

from nanduti.taxonomy import vocab


def _vocabulary_title(vocabulary: str) -> str:
    try:
        meta = vocab.manifest().get(vocabulary, {})
    except FileNotFoundError:
        meta = {}
    english = (get_language() or "es").startswith("en")
    return meta.get("label_en" if english else "label_es") or vocabulary.replace("_", " ")


_lazy_title = lazy(_vocabulary_title, str)


class CodeField(models.CharField):
    """A code of one vocabulary (or ``unknown`` / ``not_asked``); blank = not recorded."""

    def __init__(self, vocabulary: str = "", *args, **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        # Named as its vocabulary is ("Departamento" / "Department") in the admin and forms.
        self._vocabulary_title = _lazy_title(vocabulary)
        if not args:
            kwargs.setdefault("verbose_name", self._vocabulary_title)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("verbose_name") is self._vocabulary_title:
            kwargs.pop("verbose_name")  # derived from the vocabulary, not a schema change
        kwargs["vocabulary"] = self.vocabulary
        for key, default in (("max_length", 120), ("blank", True), ("default", "")):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value and value not in vocab.get(self.vocabulary):
            raise ValidationError(
                f"«{value}» no es un código de {self.vocabulary} / is not a {self.vocabulary} code"
            )


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def cipher() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError(
            "No se pudo descifrar un dato identificatorio: falta la clave en NANDUTI_FIELD_KEYS / "
            "could not decrypt identifying data: its key is missing from NANDUTI_FIELD_KEYS"
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt with the newest key (what `nanduti rotate-keys` does to every value)."""
    return cipher().rotate(token.encode("ascii")).decode("ascii")


class EncryptedTextField(models.TextField):
    """Identifying data: stored as a Fernet token, plain text only in memory."""

    encrypted = True

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key, default in (("blank", True), ("default", "")):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""


class EncryptedJSONField(models.TextField):
    """JSON that may hold identifying data (a rejected row's cells): stored as one Fernet
    token, so key rotation (``nanduti rotate-keys``) covers it like any encrypted field."""

    # For django-stubs: the attribute holds decoded JSON (a dict or a list), not text.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    encrypted = True

    def from_db_value(self, value, expression, connection):
        return json.loads(decrypt(value)) if value else None

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        return encrypt(json.dumps(value, ensure_ascii=False)) if value is not None else ""


# Links are shown as <a href>: a javascript: or data: link would run in the reader's session.
WEB_SCHEMES = ("http", "https")
web_url_validator = URLValidator(
    schemes=list(WEB_SCHEMES),
    message="Enlace no válido: solo direcciones http:// o https:// / "
    "invalid link: only http:// or https:// addresses",
)


def is_web_url(value: str) -> bool:
    try:
        web_url_validator(value)
    except ValidationError:
        return False
    return True


class WebURLField(models.URLField):
    """A link to a web page: http or https only."""

    default_validators = [web_url_validator]


RECORD_KEY_RANGE = 2**31  # record keys are integers 0 … 2³¹−1 (fits every integer column)


class RandomRecordKey(models.Func):
    """A uniform random integer in [0, RECORD_KEY_RANGE), drawn by the database per row.

    Drawn by the database (a column default), so every write path — ORM saves, bulk
    imports that name their columns, SQL — gives each new row its own key.
    """

    output_field = models.IntegerField()

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor == "postgresql":
            return f"(floor(random() * {RECORD_KEY_RANGE}))::integer", []
        return f"(random() & {RECORD_KEY_RANGE - 1})", []  # the low 31 bits


class RecordKeyField(models.IntegerField):
    """A case's or victim's fixed random key for cell-key perturbation (``nanduti.stats``).

    Secret: never shown, exported or written to the audit trail (knowing the keys of a
    cell's records gives its perturbation away).
    """

    audited = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("db_default", RandomRecordKey())
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)
