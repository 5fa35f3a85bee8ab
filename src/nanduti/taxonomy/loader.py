"""Check the vocabulary files and mirror them into the ``Term`` table.

The CSV files in ``taxonomy/data`` are the source of truth; :func:`load_all` copies them
into the database (so SQL, the admin and the API can show labels) and records which
version and sha256 of each file is loaded, skipping files that did not change.
:func:`validate` is the data-quality gate run by the tests and by
``nanduti load-vocabularies --check``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from nanduti.taxonomy import vocab

REQUIRED_COLUMNS = ("code", "label_es", "label_en", "parent", "aliases")


# ---------------------------------------------------------------- validation


@dataclass
class ValidationReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        lines = [f"ERROR: {e}" for e in self.errors] + [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines) or "ok"


def validate() -> ValidationReport:
    """Check every vocabulary file; errors make the data unusable, warnings are notes.

    Errors: missing file or column, empty or duplicate code, a code that shadows
    ``unknown``/``not_asked``, a parent code missing from the parent vocabulary, an alias
    naming two codes in one vocabulary, a department without districts. (That every district
    of the statistics office's list has its term is checked by the tests, against the copy
    in ``data/reference``.) Warnings: two terms with the same label (two
    districts called "Bella Vista"), which callers separate by parent.
    """
    report = ValidationReport()
    loaded: dict[str, vocab.Vocabulary] = {}
    for name, meta in vocab.manifest().items():
        path = vocab.DATA_DIR / meta.get("file", "")
        if not path.is_file():
            report.errors.append(f"{name}: file {path.name} is missing / falta el archivo")
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), [])
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            report.errors.append(f"{name}: columns missing / faltan columnas: {missing}")
            continue
        loaded[name] = vocab.get(name)
        _check_codes(name, path, report)
        _check_names(loaded[name], report)
    for voc in loaded.values():
        _check_parents(voc, loaded, report)
    if "department" in loaded and "district" in loaded:
        _check_districts(loaded["department"], loaded["district"], report)
    return report


def _check_codes(name: str, path: Path, report: ValidationReport) -> None:
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row_number, row in enumerate(csv.DictReader(fh), start=2):
            code = (row.get("code") or "").strip()
            if not code:
                report.errors.append(f"{name} row {row_number}: empty code / código vacío")
                continue
            if code in vocab.SPECIAL_CODES:
                report.errors.append(
                    f"{name} row {row_number}: code {code!r} is reserved / código reservado"
                )
            if code in seen:
                report.errors.append(
                    f"{name} row {row_number}: duplicate code {code!r} (first at row "
                    f"{seen[code]}) / código duplicado"
                )
            seen.setdefault(code, row_number)
            if not (row.get("label_es") or "").strip() or not (row.get("label_en") or "").strip():
                report.errors.append(
                    f"{name} row {row_number}: label_es and label_en are required / "
                    "faltan etiquetas"
                )


def _check_names(voc: vocab.Vocabulary, report: ValidationReport) -> None:
    """An alias must name one code; shared labels are only worth a warning."""
    label_owners: dict[str, set[str]] = {}
    for term in (*vocab.SPECIAL_TERMS, *voc.terms):
        for key in {vocab.fold(term.code), vocab.fold(term.label_es), vocab.fold(term.label_en)}:
            label_owners.setdefault(key, set()).add(term.code)
    alias_owners: dict[str, set[str]] = {}
    for term in (*vocab.SPECIAL_TERMS, *voc.terms):
        own = {vocab.fold(term.code), vocab.fold(term.label_es), vocab.fold(term.label_en)}
        for alias in term.aliases:
            key = vocab.fold(alias)
            if key and key not in own:  # an alias equal to the term's own name adds nothing
                alias_owners.setdefault(key, set()).add(term.code)
    for key, codes in sorted(alias_owners.items()):
        owners = codes | label_owners.get(key, set())
        real = owners - set(vocab.SPECIAL_CODES)
        if len(owners) > 1 and codes <= set(vocab.SPECIAL_CODES) and len(real) == 1:
            # e.g. "SD" is Sudan in country but "s/d" (sin datos) elsewhere: the code wins
            report.warnings.append(f"{voc.name}: special alias {key!r} shadowed by {real}")
        elif len(owners) > 1:
            report.errors.append(
                f"{voc.name}: alias {key!r} names several codes / el alias nombra varios "
                f"códigos: {sorted(owners)}"
            )
    for key, codes in sorted(label_owners.items()):
        if len(codes) > 1:
            report.warnings.append(f"{voc.name}: label {key!r} shared by {sorted(codes)}")


def _check_parents(
    voc: vocab.Vocabulary, loaded: dict[str, vocab.Vocabulary], report: ValidationReport
) -> None:
    parent_name = voc.meta.get("parent", voc.name)
    parent_voc = loaded.get(parent_name)
    if parent_voc is None:
        report.errors.append(f"{voc.name}: parent vocabulary {parent_name!r} is not available")
        return
    for term in voc.terms:
        if term.parent and term.parent not in parent_voc.by_code:
            report.errors.append(
                f"{voc.name} {term.code}: parent {term.parent!r} is not a code of "
                f"{parent_name} / el padre no existe"
            )


def _check_districts(
    departments: vocab.Vocabulary, districts: vocab.Vocabulary, report: ValidationReport
) -> None:
    for dept in departments.terms:
        if not districts.children(dept.code):
            report.errors.append(f"department {dept.code} has no district / no tiene distritos")


# ---------------------------------------------------------------- loading


def load_all(
    stdout: TextIO | None = None, names: Iterable[str] | None = None, force: bool = False
) -> dict[str, int]:
    """Upsert every vocabulary into ``Term``; return how many terms changed per vocabulary.

    A vocabulary whose file sha256 and version match the loaded ``VocabularyVersion`` is
    skipped (0 changes), so a second run changes nothing. All in one transaction.
    """
    from django.db import transaction

    changes: dict[str, int] = {}
    with transaction.atomic():
        for name in names or vocab.names():
            changes[name] = _load_one(vocab.get(name), force, stdout)
    return changes


def _load_one(voc: vocab.Vocabulary, force: bool, stdout: TextIO | None) -> int:
    from nanduti.taxonomy.models import Term, VocabularyVersion

    loaded = VocabularyVersion.objects.filter(vocabulary=voc.name).first()
    if (
        not force
        and loaded is not None
        and loaded.sha256 == voc.sha256
        and loaded.version == voc.version
    ):
        _say(stdout, f"{voc.name}: {loaded.terms} terms, version {voc.version} (unchanged)")
        return 0
    existing = {t.code: t for t in Term.objects.filter(vocabulary=voc.name)}
    wanted = {
        term.code: dict(
            label_es=term.label_es,
            label_en=term.label_en,
            parent_code=term.parent,
            aliases=list(term.aliases),
            extra=dict(term.extra),
            sort_order=position,
        )
        for position, term in enumerate(voc.terms)
    }
    created = [
        Term(vocabulary=voc.name, code=c, **f) for c, f in wanted.items() if c not in existing
    ]
    updated = []
    for code, fields in wanted.items():
        row = existing.get(code)
        if row is not None and any(getattr(row, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(row, key, value)
            updated.append(row)
    removed = [code for code in existing if code not in wanted]
    Term.objects.bulk_create(created, batch_size=500)
    Term.objects.bulk_update(updated, list(next(iter(wanted.values()), {})), batch_size=500)
    Term.objects.filter(vocabulary=voc.name, code__in=removed).delete()
    VocabularyVersion.objects.update_or_create(
        vocabulary=voc.name,
        defaults=dict(version=voc.version, sha256=voc.sha256, terms=len(voc.terms)),
    )
    _say(
        stdout,
        f"{voc.name}: {len(voc.terms)} terms, version {voc.version} "
        f"({len(created)} new, {len(updated)} updated, {len(removed)} removed)",
    )
    return len(created) + len(updated) + len(removed)


def _say(stdout: TextIO | None, line: str) -> None:
    if stdout is not None:
        stdout.write(line + "\n")
