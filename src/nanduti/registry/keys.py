"""Key rotation for identifying data encrypted at rest."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Model

from nanduti.registry import audit, sealed
from nanduti.registry.fields import rotate
from nanduti.registry.models import AuditEvent


def encrypted_fields() -> list[tuple[type[Model], list[str]]]:
    """Every (model, [column names]) that holds encrypted values."""
    found = []
    for model in apps.get_models():
        columns = [
            f.column
            for f in model._meta.concrete_fields
            if getattr(f, "encrypted", False) and f.column  # a concrete field has a column
        ]
        if columns:
            found.append((model, columns))
    return found


def rotate_all(batch_size: int = 1000) -> dict[str, int]:
    """Re-encrypt every identifying value with the newest key of NANDUTI_FIELD_KEYS.

    Works on the stored tokens (``values_list`` bypasses decryption in Python), so the plain
    text never leaves this function. Afterwards older keys can be removed from the setting.
    """
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model, columns in encrypted_fields():
            # Read raw tokens: the queryset's .values() would decrypt through from_db_value.
            table = model._meta.db_table
            rotated = 0
            with transaction.get_connection().cursor() as cursor:
                cursor.execute(f"SELECT id, {', '.join(columns)} FROM {table}")  # noqa: S608
                rows = cursor.fetchall()
            updates = []
            for row in rows:
                pk, tokens = row[0], row[1:]
                new = [rotate(t) if t else t for t in tokens]
                if new != list(tokens):
                    updates.append((*new, pk))
                    rotated += sum(1 for t in tokens if t)
            assignments = ", ".join(f"{c} = %s" for c in columns)
            with transaction.get_connection().cursor() as cursor:
                for start in range(0, len(updates), batch_size):
                    cursor.executemany(
                        f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
                        updates[start : start + batch_size],
                    )
            counts[model._meta.label] = rotated
        counts["files"] = reseal_files()
        AuditEvent.objects.create(
            actor=audit.current_actor(), action="rotate-keys", model="*", changes=counts
        )
    return counts


def reseal_files() -> int:
    """Re-encrypt the files kept encrypted under VAR_DIR (raw imports, quarantine) with the
    newest key, so the older key can be dropped from them too."""
    root = Path(settings.VAR_DIR)
    return sum(sealed.reseal(p) for p in root.rglob(f"*{sealed.SUFFIX}")) if root.is_dir() else 0
