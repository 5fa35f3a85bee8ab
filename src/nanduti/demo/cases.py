"""The synthetic cases in the database: generated, imported through the importer, counted."""

from __future__ import annotations

from nanduti.demo.csvfile import default_csv_path, write_csv_file


def load_csv(path, user=None):
    """Imports a generated CSV through the importer (institution + reference: idempotent)."""
    from nanduti.registry.importer import import_file

    return import_file(path, user=user)


def load_demo_cases(cases: int, seed: int):
    """Generates ``cases`` case records into VAR_DIR/demo and imports them; the report."""
    path = default_csv_path(cases, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv_file(path, cases, seed)
    try:
        return load_csv(path)
    finally:
        path.unlink()  # the importer keeps its own content-addressed copy


def demo_counts() -> dict[str, int]:
    from nanduti.registry.models import Case, Victim

    cases = Case.objects.filter(synthetic=True)
    return {
        "cases": cases.count(),
        "victims": Victim.objects.filter(case__synthetic=True).count(),
        "institutions": cases.values("institution").distinct().count(),
    }
