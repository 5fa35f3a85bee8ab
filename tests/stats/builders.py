"""Case-level test data written with bulk_create (fast, and independent of the importer)."""

from __future__ import annotations

from itertools import count

from nanduti.registry.models import (
    Assistance,
    Case,
    Exploitation,
    Perpetrator,
    TechnologyUse,
    Victim,
)

_refs = count(1)


def make_cases(institution, specs: list[dict]) -> list[Case]:
    """One case per spec: ``{"year", "department", "victims": [{"sex", "age_band", "age"}],
    "platforms": [(platform, technology, phase)], "exploitation": [type], "perpetrators": n,
    "assisted": bool, ...case fields}``."""
    case_fields = {
        "year",
        "department",
        "district",
        "modality",
        "lure",
        "transfer_type",
        "destination_country",
        "exploitation_country",
        "legal_status",
        "source",
        "synthetic",
        "exploitation_setting",
    }
    cases = [
        Case(
            institution=institution,
            reference=f"T-{next(_refs)}",
            **{k: v for k, v in spec.items() if k in case_fields},
        )
        for spec in specs
    ]
    Case.objects.bulk_create(cases)
    victims, techs, exps, perps = [], [], [], []
    for case, spec in zip(cases, specs, strict=True):
        for i, v in enumerate(spec.get("victims", [])):
            victims.append(Victim(case=case, reference=str(i + 1), **v))
        for platform, technology, phase in spec.get("platforms", []):
            techs.append(
                TechnologyUse(case=case, platform=platform, technology=technology, phase=phase)
            )
        for t in spec.get("exploitation", []):
            exps.append(Exploitation(case=case, type=t))
        for _ in range(spec.get("perpetrators", 0)):
            perps.append(Perpetrator(case=case, role="recruiter", sex="male"))
    Victim.objects.bulk_create(victims)
    TechnologyUse.objects.bulk_create(techs)
    Exploitation.objects.bulk_create(exps)
    Perpetrator.objects.bulk_create(perps)
    assisted = []
    by_case = {}
    for v in victims:
        by_case.setdefault(v.case_id, []).append(v)
    for case, spec in zip(cases, specs, strict=True):
        if spec.get("assisted"):
            for v in by_case.get(case.pk, []):
                assisted.append(
                    Assistance(case=case, victim=v, type="psychological", provided_by=institution)
                )
    Assistance.objects.bulk_create(assisted)
    return cases


def fix_record_keys() -> None:
    """Record keys are drawn at random by the database; fixed here, by insertion order, so a
    test's perturbed figures are the same on every run and every backend."""
    for model in (Case, Victim):
        rows = list(model.objects.order_by("pk").only("pk"))
        for rank, row in enumerate(rows):
            row.record_key = (rank * 2_654_435_761 + 12_345) % 2**31
        model.objects.bulk_update(rows, ["record_key"], batch_size=500)
