"""XLSForm submissions (KoboToolbox / ODK Central exports) as flat case rows.

A form built on Ñandutí's column names (``nanduti export --format xlsform``, see
``registry.xlsform_build``) exports headers such as ``victima/sexo`` (groups before the
group separator: ``/`` by default, ``-``, ``.`` or ``:`` when chosen in Kobo's export
settings), meta columns (``_uuid``, ``_submission_time``, ``_index``, ``start``...),
select_multiple answers as space-separated codes, and optionally one 0/1 column per
option (``tecnologia/plataformas_captacion/whatsapp``). Exports with labels instead of
codes («Tipo de explotación/Criadazgo / servidumbre doméstica») are read too, through the
0/1 columns. :class:`Adapter` turns such a header and its rows into the flat format the
importer reads.
"""

from __future__ import annotations

from nanduti.registry import schema
from nanduti.registry.schema import Column
from nanduti.taxonomy.vocab import fold

META_HEADERS = {
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "simserial",
    "subscriberid",
    "phonenumber",
    "audit",
    "instanceid",
    "instancename",
    "formhub uuid",
    "version",
}
TRUE_CELLS = {"1", "true", "yes", "si", "sí", "x", "verdadero"}
SUBMISSION_HEADERS = ("_uuid", "_submission_time", "_id", "meta/instanceID")
GROUP_SEPARATORS = ("/", "-", ".", ":")


def looks_like(headers: list[str]) -> bool:
    """Kobo's meta columns, or several grouped fields («caso/fecha»): one header such as
    «Sexo/Género» in an institution's sheet does not make it a form's export."""
    if any(h.strip() in SUBMISSION_HEADERS for h in headers):
        return True
    grouped = [h for h in headers if "/" in h and schema.column_for(h.rsplit("/", 1)[-1])]
    return len(grouped) >= 2


def group_separator(headers: list[str]) -> str:
    """The separator that puts the most headers' last parts on known columns ("/" on ties):
    Kobo lets whoever exports choose it."""

    def known(separator: str) -> int:
        return sum(
            1
            for h in headers
            if separator in h and schema.column_for(h.strip().split(separator)[-1]) is not None
        )

    return max(GROUP_SEPARATORS, key=lambda s: (known(s), s == "/"))


def _column_of(parts: list[str], present: set[tuple[str, ...]]) -> tuple[int, Column] | None:
    """Where in a header's parts its field is: for one 0/1 column per option, the
    select_multiple before the option (whose label may hold the separator, or be a header
    itself: «Medios de control/Engaño»), known by its answer column in the file; else
    the last part; else a select_multiple before an option."""
    multi = [
        (index, column)
        for index in range(len(parts) - 2, -1, -1)
        if (column := schema.column_for(parts[index])) is not None and column.multi
    ]
    for index, column in multi:
        if tuple(parts[: index + 1]) in present:
            return index, column
    last = schema.column_for(parts[-1])
    if last is not None:
        return len(parts) - 1, last
    return multi[0] if multi else None


class Adapter:
    """Plans once per file which cells of a submission fill which flat column."""

    def __init__(self, headers: list[str]):
        separator = group_separator(headers)
        self.headers: list[str] = []
        # (position in the file, position in the output, how): "" a value, "words" a
        # select_multiple's space-separated answer, "fallback"/"date" the submission's
        # _uuid / time, else the option a 0/1 column stands for.
        self.plan: list[tuple[int, int, str]] = []
        targets: dict[str, int] = {}
        meta: dict[str, int] = {}
        per_option: set[int] = set()

        def target(name: str, shown: str = "") -> int:
            """The output column of schema column ``name``, headed as the file first
            wrote it (``shown``), so that messages name the form's field."""
            if name not in targets:
                targets[name] = len(self.headers)
                self.headers.append(shown or name)
            return targets[name]

        split = [[p.strip() for p in h.strip().split(separator) if p.strip()] for h in headers]
        present = {tuple(parts) for parts in split}
        for position, (header, parts) in enumerate(zip(headers, split, strict=True)):
            if not parts:
                continue
            found = _column_of(parts, present)
            if found is not None:
                index, column = found
                out = target(column.name, parts[index])
                if index == len(parts) - 1:
                    self.plan.append((position, out, "words" if column.multi else ""))
                else:
                    per_option.add(out)
                    self.plan.append((position, out, separator.join(parts[index + 1 :])))
                continue
            last = parts[-1]
            if last.startswith("_") or fold(last) in META_HEADERS or parts[0] == "meta":
                meta[last.lower()] = position
                continue
            self.plan.append((position, target(header), ""))
        # One 0/1 column per option is exact where the answer column is not: with labels
        # exported, "Explotación sexual Explotación laboral" cannot be split on spaces.
        self.plan = [p for p in self.plan if not (p[2] == "words" and p[1] in per_option)]
        # The submission identifies the case when no case reference was given, and its
        # time dates it when no date was.
        if "_uuid" in meta:
            self.plan.append((meta["_uuid"], target("case_reference"), "fallback"))
        if "_submission_time" in meta:
            self.plan.append((meta["_submission_time"], target("reported_on"), "date"))

    def convert(self, cells: list[str]) -> list[str]:
        """The submission's cells as a flat row (multiple values separated by «|»)."""
        out: list[list[str]] = [[] for _ in self.headers]
        for position, target, how in self.plan:
            value = cells[position].strip() if position < len(cells) else ""
            if not value:
                continue
            if how == "":
                out[target].append(value)
            elif how == "words":
                out[target].extend(value.split())
            elif how in ("date", "fallback"):
                if not out[target]:
                    # 2024-03-05T14:22:11.000-03:00 → 2024-03-05
                    out[target].append(value[:10] if how == "date" else value)
            elif value.lower() in TRUE_CELLS:
                out[target].append(how)
        return [schema.MULTI_SEPARATOR.join(values) for values in out]
