"""API: official series, their reconciliation, SDMX-CSV export and import (token auth)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from ninja import File, Router, UploadedFile
from ninja.errors import HttpError

from nanduti.figures import files, reconcile, store, views
from nanduti.figures.validate import format_value
from nanduti.registry import permissions

router = Router(tags=["figures"])


def _user(request):
    user = getattr(request, "auth", None)
    return user if hasattr(user, "is_authenticated") else request.user


@router.get("/series", summary="Series oficiales vigentes / current official series")
def list_series(request):
    return [
        {
            "key": s.key,
            "version": s.version,
            "institution": s.institution,
            "unit": s.unit,
            "measure": s.measure,
            "title_es": s.title_es,
            "title_en": s.title_en,
            "source": {
                "publisher": s.publisher,
                "title": s.source_title,
                "url": s.source_url,
                "date_published": s.date_published,
                "locator": s.source_locator,
            },
            "observations": len(s.observations.all()),
        }
        for s in store.current()
    ]


@router.get("/reconciliation", summary="Cifra oficial frente al registro / official vs registry")
def reconciliation(request):
    exact = permissions.can_see_exact_statistics(_user(request))
    threshold = int(settings.NANDUTI_SUPPRESSION_THRESHOLD)
    out = []
    for s in store.current():
        lines = reconcile.reconcile(s, public=not exact, threshold=threshold)
        out.append(
            {
                "series": s.key,
                "version": s.version,
                "unit": s.unit,
                "measure": s.measure,
                "lines": [
                    {
                        "period": ln.period,
                        "dims": ln.dims,
                        "official": None if ln.official_hidden else format_value(ln.official),
                        "registry": None if ln.registry is None else str(ln.registry),
                        "unique_persons": ln.persons,
                        "hidden": ln.hidden,
                        "reasons": ln.reasons,
                    }
                    for ln in lines
                ],
            }
        )
    overlaps = reconcile.overlaps_with_persons(store.current(), 0 if exact else threshold)
    return {
        "series": out,
        "separate_counts": reconcile.SEPARATE_COUNTS,
        "overlaps": [
            {
                "period": o.period,
                "institutions": o.institutions,
                "victim_records": o.records,
                "unique_persons": o.persons,
            }
            for o in overlaps
        ],
    }


@router.get("/sdmx", summary="Series publicadas en SDMX-CSV 2.0 / published series as SDMX-CSV")
def sdmx(request):
    body = files.write_sdmx([s for s in store.current() if s.published])
    return HttpResponse(body, content_type="text/csv")


@router.post("/import", summary="Cargar CSV, XLSX o SDMX-CSV / import a series file")
def import_series(request, file: UploadedFile = File(...)):  # noqa: B008 - ninja's idiom
    user = _user(request)
    if not views.can_submit(user):
        raise HttpError(403, "Solo responsables de datos y analistas / stewards and analysts only")
    if (file.size or 0) > views.MAX_UPLOAD:  # Django sets the size of every upload
        raise HttpError(413, "Archivo demasiado grande / file too large")
    report = store.import_file(file.name or "", file.read(), user)
    return report.as_dict()
