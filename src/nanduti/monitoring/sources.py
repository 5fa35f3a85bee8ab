"""Monitoring sources: the kinds, and the preconfigured Paraguayan outlets.

The outlets live in ``monitoring/data/sources.toml`` (unverified URLs, inactive until a
steward checks them). :func:`load_preconfigured` creates the missing ones and leaves those an
administrator already changed alone.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from nanduti.monitoring.models import Source, SourceKind

SOURCES_FILE = Path(__file__).resolve().parent / "data" / "sources.toml"
FIELDS = ("outlet", "kind", "url", "language", "active", "verified", "min_interval_seconds")


def preconfigured(path: Path = SOURCES_FILE) -> list[dict]:
    """The sources described in the TOML file, checked for a known kind and a URL."""
    with open(path, "rb") as fh:
        entries = tomllib.load(fh).get("source", [])
    kinds = set(SourceKind.values)
    for n, entry in enumerate(entries, start=1):
        if entry.get("kind") not in kinds:
            raise ValueError(
                f"{path.name}: fuente {n} «{entry.get('name')}»: tipo «{entry.get('kind')}» "
                f"desconocido / source {n}: unknown kind; use one of {sorted(kinds)}"
            )
        if not entry.get("name") or not entry.get("url"):
            raise ValueError(
                f"{path.name}: fuente {n}: faltan «name» o «url» / source {n}: name or url missing"
            )
    return entries


def load_preconfigured(path: Path = SOURCES_FILE, *, activate: bool | None = None) -> int:
    """Create the preconfigured sources that do not exist yet; returns how many were created.

    ``activate`` overrides each entry's ``active`` flag (None keeps the file's value).
    """
    created = 0
    for entry in preconfigured(path):
        values = {k: entry[k] for k in FIELDS if k in entry}
        if activate is not None:
            values["active"] = activate
        _, was_created = Source.objects.get_or_create(name=entry["name"], defaults=values)
        created += was_created
    return created


def outlets() -> list[str]:
    """Distinct outlet names of the preconfigured sources, in file order."""
    seen: list[str] = []
    for entry in preconfigured():
        if entry.get("outlet") and entry["outlet"] not in seen:
            seen.append(entry["outlet"])
    return seen


def ad_hoc(kind: str, url: str, outlet: str = "") -> Source:
    """The source for a one-off fetch from the command line (``monitor fetch --jsonl FILE``):
    created inactive, so the next scheduled ``fetch`` does not read it again."""
    if kind not in SourceKind.values:
        raise ValueError(
            f"Tipo de fuente «{kind}» desconocido / unknown source kind; "
            f"use one of {sorted(SourceKind.values)}"
        )
    source, _ = Source.objects.get_or_create(
        kind=kind,
        url=url,
        defaults={"name": f"{kind}: {url}"[:120], "outlet": outlet, "active": False},
    )
    return source
