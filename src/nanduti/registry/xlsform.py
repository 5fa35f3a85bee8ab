"""XLSForm submissions (KoboToolbox / ODK Central exports) as flat case rows.

A form built on Ñandutí's column names (``nanduti export --format xlsform``, see
``registry.xlsform_build``) exports headers such as ``victima/sexo`` (groups before the
group separator: ``/`` by default, ``-``, ``.`` or ``:`` when chosen in Kobo's export
settings), meta columns (``_uuid``, ``_submission_time``, ``_index``, ``start``...),
select_multiple answers as space-separated codes, and optionally one 0/1 column per
option (``tecnologia/plataformas_captacion/whatsapp``). :class:`Adapter` turns such a
header and its rows into the flat format the importer reads.
"""

from __future__ import annotations

from nanduti.registry import schema
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
    if any(h.strip() in SUBMISSION_HEADERS for h in headers):
        return True
    return any("/" in h and schema.column_for(h.rsplit("/", 1)[-1]) for h in headers)


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


class Adapter:
    def __init__(self, headers: list[str]):
        separator = group_separator(headers)
        self.headers: list[str] = []
        # (position in the file, position in the output, option code or "" for a value)
        self.plan: list[tuple[int, int, str]] = []
        targets: dict[str, int] = {}
        meta: dict[str, int] = {}

        def target(name: str, shown: str = "") -> int:
            """The output column of schema column ``name``, headed as the file first
            wrote it (``shown``), so that messages name the form's field."""
            if name not in targets:
                targets[name] = len(self.headers)
                self.headers.append(shown or name)
            return targets[name]

        for position, header in enumerate(headers):
            parts = [p for p in header.strip().split(separator) if p]
            if not parts:
                continue
            last = parts[-1]
            column = schema.column_for(last)
            if column is not None:
                self.plan.append((position, target(column.name, last), ""))
                continue
            parent = schema.column_for(parts[-2]) if len(parts) > 1 else None
            if parent is not None and parent.multi:
                self.plan.append((position, target(parent.name, parts[-2]), last))
                continue
            if last.startswith("_") or fold(last) in META_HEADERS or parts[0] == "meta":
                meta[last.lower()] = position
                continue
            self.plan.append((position, target(header), ""))
        # The submission identifies the case when no case reference was given, and its
        # time dates it when no date was.
        if "_uuid" in meta:
            self.plan.append((meta["_uuid"], target("case_reference"), "fallback"))
        if "_submission_time" in meta:
            self.plan.append((meta["_submission_time"], target("reported_on"), "date"))

    def convert(self, cells: list[str]) -> list[str]:
        out: list[list[str]] = [[] for _ in self.headers]
        for position, target, option in self.plan:
            value = cells[position].strip() if position < len(cells) else ""
            if not value:
                continue
            if option in ("date", "fallback"):
                if not out[target]:
                    # 2024-03-05T14:22:11.000-03:00 → 2024-03-05
                    out[target].append(value[:10] if option == "date" else value)
            elif option:
                if value.lower() in TRUE_CELLS:
                    out[target].append(option)
            else:
                out[target].append(value)
        return [" ".join(values) for values in out]
