"""Victim records of the registry as linkage inputs (the only place that reads identifiers).

Identifiers are decrypted here, normalised and, in the encoded mode, encoded at once;
the clear values never leave the process nor reach a linkage table or a log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from nanduti.linkage.normalise import Identity, identity
from nanduti.registry.models import Institution, Victim


@dataclass(frozen=True, slots=True)
class VictimRecord:
    victim_id: int
    institution: str
    case_reference: str
    victim_reference: str
    identity: Identity


def victim_records(institution: Institution | None = None) -> Iterator[VictimRecord]:
    """Every victim record (of one institution, or all), in a fixed order."""
    qs = Victim.objects.select_related("case__institution").order_by(
        "case__institution__code", "case__reference", "reference", "pk"
    )
    if institution is not None:
        qs = qs.filter(case__institution=institution)
    for v in qs.iterator(chunk_size=2000):
        yield VictimRecord(
            v.pk,
            v.case.institution.code,
            v.case.reference,
            v.reference or "",
            identity(
                v.full_name or "",
                v.document_number or "",
                v.birth_date or "",
                v.sex,
                v.nationality,
                v.residence_department,
            ),
        )
