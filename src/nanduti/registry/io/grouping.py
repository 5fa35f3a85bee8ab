"""Normalised rows grouped into cases (``flat.CaseBundle``), pure so that it runs alike in
this process or in a worker.

A chunk holds every row of its cases (the importer routes them so): a case with a rejected
row is rejected whole, since storing the rest and re-importing the fixed row alone later
would replace the case with that one row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop as _

from nanduti.bilingual import Message
from nanduti.registry import flat
from nanduti.registry.flat import CaseBundle, VictimPart
from nanduti.registry.io.normalise import FuzzyMatch, Problem, RowNormaliser
from nanduti.registry.io.values import CellError, unneutralise

# Where each column of a normalised row goes: (level, attribute).
ROUTES: dict[str, tuple[str, str]] = {
    **{column: ("case", attr) for column, attr in flat.CASE_FIELDS.items()},
    **{column: ("victim", attr) for column, attr in flat.VICTIM_FIELDS.items()},
    **{column: ("technology", phase) for column, phase in flat.PHASE_COLUMNS.items()},
    **{column: ("people", "") for column, _attr in flat.PERPETRATOR_ATTRS},
    "exploitation_types": ("types", ""),
    "assistance_types": ("assistance", ""),
    "referred_from": ("people", ""),
    "referred_to": ("people", ""),
}
Row = tuple[int, list[str], int]  # number, cells as in the file, row it repeats (0: none)
# A rejected row, from here to the report, the quarantine table and the rejects file:
# number, cells as in the file, problems, institution whose batch keeps it.
Rejected = tuple[int, list[str], list[Problem], str | None]


@dataclass
class Rules:
    """What grouping needs besides the rows; each worker gets it once."""

    normaliser: RowNormaliser
    convert: Callable[[list[str]], list[str]] | None  # a layout's cells → schema cells
    derive: str  # "content" or "position" (CTDC): each row is a case, its reference derived

    def adapted(self, cells: list[str]) -> list[str]:
        return self.convert(cells) if self.convert else cells

    def cell(self, cells: list[str], name: str) -> str:
        header = self.normaliser.by_name.get(name)
        if header is None or header.position >= len(cells):
            return ""
        return unneutralise(cells[header.position].strip())

    def institution(self, cells: list[str]) -> str | None:
        """A row's institution as the normaliser reads it; None if it does not resolve."""
        written = self.cell(cells, "institution")
        try:
            if not written:
                return self.normaliser.default_institution
            return self.normaliser.resolve_institution(written)
        except CellError:
            return None

    def case_key(self, number: int, cells: list[str]) -> tuple:
        """The case of a row (a row without reference is a case of its own)."""
        reference = "" if self.derive else self.cell(cells, "case_reference")
        if not reference:
            return ("#", number)
        return (self.institution(cells) or self.cell(cells, "institution"), reference)

    def owner(self, cells: list[str]) -> str | None:
        """The institution whose batch keeps a row if rejected: the importing user's when
        there is one (a row naming another institution is theirs to fix, never shown to
        that one), else the row's own if known, else the default (or none)."""
        normaliser = self.normaliser
        return (
            normaliser.only_institution or self.institution(cells) or normaliser.default_institution
        )


@dataclass
class Grouped:
    rows_read: int = 0
    cases: list[CaseBundle] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    fuzzy: list[FuzzyMatch] = field(default_factory=list)


def group(rows: list[Row], rules: Rules) -> Grouped:
    """Normalises the rows of a chunk and groups them into cases."""
    out = Grouped(rows_read=len(rows))
    cases: dict[tuple[str, str], CaseBundle] = {}
    broken: dict[tuple, int] = {}  # case → its first rejected row
    normalise, derive = rules.normaliser.normalise, rules.derive
    for number, cells, first in rows:
        adapted = rules.adapted(cells)
        if first:
            out.rejected.append((number, cells, [_duplicate(number, first)], rules.owner(adapted)))
            continue
        row, problems, fuzzy = normalise(number, adapted)
        out.fuzzy += fuzzy
        if row is None:
            out.rejected.append((number, cells, problems, rules.owner(adapted)))
            broken.setdefault(rules.case_key(number, adapted), number)
            continue
        if derive or not row.get("case_reference"):
            basis = "\x1f".join(c.strip() for c in adapted)
            basis += f"\x1f{number}" if derive == "position" else ""
            digest = hashlib.sha1(basis.encode()).hexdigest()[:16]
            prefix = "ctdc" if derive == "position" else "auto"
            row["case_reference"] = row.get("case_reference") or f"{prefix}-{digest}"
        key = (row["institution"], row["case_reference"])
        bundle = cases.get(key)
        if bundle is None:
            bundle = cases[key] = CaseBundle(*key, fields={"source": "import"})
        problem = add_row(bundle, number, row)
        if problem is not None:
            out.rejected.append((number, cells, [problem], key[0]))
            broken.setdefault(key, number)
    cells_of: dict[int, list[str]] = {}
    for key, bundle in cases.items():
        first_rejected = broken.get(key)
        if first_rejected is None:
            # Hashed here, in the worker: the rows' texts need not travel to the writer.
            text = "\x1e".join([*key, *bundle.texts])
            bundle.digest, bundle.texts = hashlib.sha256(text.encode()).hexdigest(), []
            out.cases.append(bundle)
            continue
        cells_of = cells_of or {number: cells for number, cells, _first in rows}
        for n in bundle.rows:
            out.rejected.append((n, cells_of[n], [_sibling(n, key[1], first_rejected)], key[0]))
    return out


def add_row(bundle: CaseBundle, number: int, row: dict) -> Problem | None:
    """Adds one normalised row (one victim, only non-empty values) to its case; a problem
    if it cannot be. The case's fields take each attribute's first value (the first row's
    source); its lists and exploitation types the union in order; perpetrators and
    referral come from the first row that has them."""
    first = not bundle.rows
    fields, types = bundle.fields, bundle.exploitation_types
    part = VictimPart({}, row=number)
    victim, people = part.fields, False
    for column, value in row.items():
        route = ROUTES.get(column) if value else None  # this loop runs for every cell
        if route is None:
            continue
        level, attr = route
        if level == "victim":
            victim[attr] = value
        elif level == "case":
            if attr == "synthetic":
                fields["synthetic"] = value == "yes"
            elif attr in flat.LIST_FIELDS:
                current = fields.setdefault(attr, [])
                current.extend(v for v in value if v not in current)
            elif not fields.get(attr) or (attr == "source" and first):
                fields[attr] = value
        elif level == "technology":
            part.technologies += [(attr, technology, platform) for technology, platform in value]
        elif level == "types":
            types.extend(t for t in value if t not in types)
        elif level == "assistance":
            part.assistance.extend(value)
        else:
            people = True
    if people:
        _people(bundle, row)
    reference = victim.get("reference")
    if part.is_victim or reference:
        used = [p.fields.get("reference") for p in bundle.parts]
        if reference and reference in used:
            row_of, case = bundle.parts[used.index(reference)].row, bundle.reference
            why = _("la víctima «%(victim)s» del caso «%(case)s» ya está en la fila %(row)s")
            text = Message(why, victim=reference, case=case, row=row_of)
            return Problem(number, "referencia_victima", reference, text)
        if not reference:
            n = len(used) + 1
            while str(n) in used:
                n += 1
            victim["reference"] = str(n)
    if first or part.is_victim or reference:
        bundle.parts.append(part)
    else:  # a row without victim data only adds technologies and assistance to the case
        bundle.parts[0].technologies += part.technologies
        bundle.parts[0].assistance += part.assistance
    bundle.rows.append(number)
    bundle.texts.append(row_text(row))
    return None


def _people(bundle: CaseBundle, row: dict) -> None:
    """The perpetrators (parallel lists, one column per attribute) and the referral of the
    case, from the first row that has them."""
    lists = [(attr, row.get(column) or ()) for column, attr in flat.PERPETRATOR_ATTRS]
    if not bundle.perpetrators and any(values for _attr, values in lists):
        count = max(len(values) for _attr, values in lists)
        bundle.perpetrators = [
            {attr: (values[i] if i < len(values) else "") for attr, values in lists}
            for i in range(count)
        ]
    if (row.get("referred_from") or row.get("referred_to")) and not (
        bundle.referred_from or bundle.referred_to
    ):
        bundle.referred_from = row.get("referred_from", "")
        bundle.referred_to = list(row.get("referred_to", ()))


# (column, value) → its repr: values repeat, and repr of dates is slow
_ITEM_TEXTS: dict[tuple, str] = {}


def row_text(row: dict) -> str:
    """``repr(sorted(row.items()))`` from cached item texts: the row in canonical form
    (columns sorted by name, so the file's column order and header language do not
    matter), for the case's content hash (SHA-256 of its rows' texts in file order). The
    normaliser's values are hashable (lists become tuples), so every item can be a key."""
    items = sorted(row.items())
    texts = list(map(_ITEM_TEXTS.get, items))
    if None in texts:
        for position, item in enumerate(items):
            texts[position] = text = texts[position] or repr(item)
            if len(_ITEM_TEXTS) < 200_000:
                _ITEM_TEXTS[item] = text
    return "[" + ", ".join(texts) + "]"  # type: ignore[arg-type]


def _duplicate(number: int, first: int) -> Problem:
    return Problem(
        number, "*", "", Message(_("fila duplicada: idéntica a la fila %(row)s"), row=first)
    )


def _sibling(number: int, reference: str, first: int) -> Problem:
    why = _(
        "otra fila del caso «%(case)s» fue rechazada (fila %(row)s); se rechaza el caso "
        "entero para que al corregirlo no se pierdan filas"
    )
    return Problem(number, "referencia_caso", reference, Message(why, case=reference, row=first))
