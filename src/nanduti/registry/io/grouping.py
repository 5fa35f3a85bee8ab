"""Normalising a chunk of rows and grouping them into cases: pure, so that it runs the
same in this process or in a worker (see :mod:`nanduti.registry.io.parallel`).

A chunk holds every row of its cases (the importer's first pass routes them so): a case
with a rejected row is rejected whole here, since storing the rest and re-importing the
fixed row alone later would replace the case with that one row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from nanduti.registry.io.bundles import CaseBundle, add_row, content_hash, row_text
from nanduti.registry.io.normalise import FuzzyMatch, Problem, RowNormaliser
from nanduti.registry.io.values import CellError, unneutralise

# number, cells as in the file, row it repeats (0: none)
Row = tuple[int, list[str], int]
# number, original cells, problems, institution whose batch keeps it
Rejected = tuple[int, list[str], list[Problem], str | None]


@dataclass
class Rules:
    """What grouping needs besides the rows; sent once to each worker."""

    normaliser: RowNormaliser
    default: str | None  # the institution of rows that name none
    convert: Callable[[list[str]], list[str]] | None = None  # a layout's cells → schema cells
    derive: str = ""  # "content" or "position": each row is a case, its reference derived
    prefix: str = "auto"  # of derived references

    def adapted(self, cells: list[str]) -> list[str]:
        """The cells as the normaliser reads them (CTDC and XLSForm layouts mapped)."""
        return self.convert(cells) if self.convert else cells


@dataclass
class Grouped:
    """A chunk normalised and grouped: what the writer stores, and what it rejects."""

    rows_read: int = 0
    cases: list[CaseBundle] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    fuzzy: list[FuzzyMatch] = field(default_factory=list)


def cell(normaliser: RowNormaliser, cells: list[str], name: str) -> str:
    header = normaliser.by_name.get(name)
    if header is None or header.position >= len(cells):
        return ""
    return unneutralise(cells[header.position].strip())


def institution_of(normaliser: RowNormaliser, cells: list[str], default: str | None):
    """The institution code of a row as the normaliser will read it: the default when the
    row names none, None when it names one that does not resolve."""
    written = cell(normaliser, cells, "institution")
    if not written:
        return default
    try:
        return normaliser.resolve_institution(written)
    except CellError:
        return None


def case_key(rules: Rules, number: int, cells: list[str]) -> tuple:
    """The case a row belongs to, as the normaliser will read it (a row without reference
    is a case of its own)."""
    reference = "" if rules.derive else cell(rules.normaliser, cells, "case_reference")
    if not reference:
        return ("#", number)
    code = institution_of(rules.normaliser, cells, rules.default)
    return (code or cell(rules.normaliser, cells, "institution"), reference)


def owner(rules: Rules, cells: list[str]) -> str | None:
    """The institution whose batch keeps a rejected row: the importing user's when there is
    one (a row naming another institution is theirs to fix, never shown to that one), else
    the row's own institution if it names a known one, else the default (or none)."""
    normaliser = rules.normaliser
    if normaliser.only_institution:
        return normaliser.only_institution
    return institution_of(normaliser, cells, rules.default) or rules.default


def group(rows: list[Row], rules: Rules) -> Grouped:
    """Normalises the rows of a chunk and groups them into cases."""
    out = Grouped(rows_read=len(rows))
    cases: dict[tuple[str, str], CaseBundle] = {}
    originals: dict[tuple[str, str], list[tuple[int, list[str]]]] = {}
    broken: dict[tuple[str, str], int] = {}  # case → its first rejected row
    for number, cells, first in rows:
        adapted = rules.adapted(cells)
        if first:
            out.rejected.append((number, cells, [duplicate(number, first)], owner(rules, adapted)))
            continue
        row, problems, fuzzy = rules.normaliser.normalise(number, adapted)
        out.fuzzy.extend(fuzzy)
        if row is None:
            out.rejected.append((number, cells, problems, owner(rules, adapted)))
            if not rules.derive:
                code = institution_of(rules.normaliser, adapted, rules.default)
                broken.setdefault(
                    (code or "", cell(rules.normaliser, adapted, "case_reference")), number
                )
            continue
        if rules.derive or not row.get("case_reference"):
            basis = "\x1f".join(c.strip() for c in adapted)
            if rules.derive == "position":
                basis += f"\x1f{number}"
            digest = hashlib.sha1(basis.encode()).hexdigest()[:16]
            row["case_reference"] = row.get("case_reference") or f"{rules.prefix}-{digest}"
        key = (row["institution"], row["case_reference"])
        bundle = cases.get(key)
        if bundle is None:
            bundle = cases[key] = CaseBundle(*key, fields={"source": "import"})
            originals[key] = []
        problem = add_row(bundle, number, row)
        if problem is not None:
            out.rejected.append((number, cells, [problem], key[0]))
            broken.setdefault(key, number)
            continue
        originals[key].append((number, cells))
        bundle.texts.append(row_text(row))
    for key, bundle in cases.items():
        first_rejected = broken.get(key)
        if first_rejected is None:
            # Hashed here, in the worker: the rows' texts need not travel to the writer.
            bundle.digest, bundle.texts = content_hash(bundle), []
            out.cases.append(bundle)
            continue
        for number, cells in originals[key]:
            problem = sibling_rejected(number, key[1], first_rejected)
            out.rejected.append((number, cells, [problem], key[0]))
    return out


def duplicate(number: int, first: int) -> Problem:
    return Problem(
        number,
        "*",
        "",
        f"fila duplicada: idéntica a la fila {first}",
        f"duplicate row: identical to row {first}",
    )


def sibling_rejected(number: int, reference: str, first: int) -> Problem:
    return Problem(
        number,
        "referencia_caso",
        reference,
        f"otra fila del caso «{reference}» fue rechazada (fila {first}); se rechaza el caso "
        "entero para que al corregirlo no se pierdan filas",
        f"another row of case «{reference}» was rejected (row {first}); the whole case is "
        "rejected so that no row is lost when it is fixed",
    )
