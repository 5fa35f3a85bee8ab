"""The official figure beside the registry's count, the difference and its reasons."""

from decimal import Decimal

import pytest

from nanduti.figures import reconcile, store
from nanduti.figures.models import Series
from nanduti.registry.models import Role
from tests.stats.builders import make_cases

HEADER = "series,institution,publisher,unit,title_es,source_title,period,sex,value,note\n"


def load(unit: str, *rows: str, key: str = "s") -> Series:
    meta = f"{key},mp_ufetesi,Ministerio Público,{unit},Serie de prueba,Informe"
    body = HEADER + "".join(f"{meta},{r}\n" for r in rows)
    report = store.import_file("t.csv", body.encode())
    assert report.ok, [str(p) for p in report.problems]
    return Series.objects.get(key=key)


@pytest.fixture
def registry(institutions):
    female = {"victims": [{"sex": "female"}]}
    make_cases(institutions["UFETESI"], [{"year": 2020, **female}] * 12)
    make_cases(institutions["UFETESI"], [{"year": 2021, "victims": [{"sex": "male"}] * 2}] * 3)
    # Another institution's cases never count for the Prosecutor's series.
    make_cases(institutions["MINNA"], [{"year": 2020, **female}] * 9)


@pytest.mark.django_db
def test_cases_beside_the_registry_with_difference_and_reasons(registry):
    series = load("cases", "2020,,15,", "2021,,3,hasta marzo / to March")
    lines = {ln.period: ln for ln in reconcile.reconcile(series)}
    assert lines["2020"].registry == 12 and lines["2020"].difference == -3
    assert any("faltan 3" in r and "3 missing" in r for r in lines["2020"].reasons)
    assert lines["2021"].difference == 0
    assert any("hasta marzo" in r for r in lines["2021"].reasons)


@pytest.mark.django_db
def test_victims_by_sex_count_victims_and_complaints_say_the_unit_differs(registry):
    victims = load("victims", "2021,Hombre,4,", "2021,,6,")
    lines = {ln.dims.get("sex", ""): ln for ln in reconcile.reconcile(victims)}
    assert lines["male"].registry == 6 and lines[""].registry == 6
    complaints = load("denuncias", "2020,,20,", key="d")
    (line,) = reconcile.reconcile(complaints)
    assert line.registry == 12
    assert any("denuncias" in r and "complaints" in r for r in line.reasons)


@pytest.mark.django_db
def test_percent_series_compare_shares(registry):
    series = load("victims", "2021,Hombre,100,", "2020,Mujer,90,")
    lines = {ln.period: ln for ln in reconcile.reconcile(series)}
    assert lines["2021"].registry == 6  # a count series: registry counts
    series.measure = "percent"
    lines = {ln.period: ln for ln in reconcile.reconcile(series)}
    assert lines["2021"].registry == Decimal(100) and lines["2020"].registry == Decimal(100)


@pytest.mark.django_db
def test_public_view_hides_small_registry_counts_and_analysts_see_them(registry, client, analyst):
    load("cases", "2020,,15,", "2021,,3,")
    public = {ln.period: ln for ln in reconcile.reconcile(Series.objects.get(), public=True)}
    assert public["2021"].hidden and public["2021"].registry is None  # 3 cases < 5
    assert not any("faltan" in r for r in public["2021"].reasons)
    page = client.get("/cifras-oficiales/").content.decode()
    assert "Serie de prueba" in page and "Cifra oficial" in page and "official" not in page
    assert '<td class="hidden">—</td>' in page
    client.force_login(analyst)
    page = client.get("/cifras-oficiales/").content.decode()
    assert '<td class="hidden">' not in page


@pytest.mark.django_db
def test_separate_counts_remark_where_several_institutions_report(client):
    store.load_shipped()
    overlap = reconcile.overlapping_periods(store.current())
    assert overlap["2020"] == {"mp_ufetesi", "police_antitrata", "minna"}
    assert "2015" not in overlap
    page = client.get("/cifras-oficiales/").content.decode()
    assert "cuenta por separado a las mismas víctimas" in page
    assert "MINNA" in page and "mp_ufetesi" not in page  # names people use, not codes


@pytest.mark.django_db
def test_only_stewards_and_analysts_submit(client, officer, make_user, institutions):
    client.force_login(officer)
    assert client.get("/cifras-oficiales/cargar/").status_code == 403
    steward = make_user("responsable", Role.STEWARD, institutions["UFETESI"])
    client.force_login(steward)
    body = HEADER + "w,mp_ufetesi,MP,casos,T,Informe,2020,,5,\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("w.csv", body.encode(), content_type="text/csv")
    page = client.post("/cifras-oficiales/cargar/", {"file": upload}).content.decode()
    assert "nuevas 1," in page
    assert Series.objects.get(key="w").submission.submitted_by == steward


@pytest.mark.django_db
def test_api_lists_reconciles_exports_and_imports(client, analyst, officer):
    from nanduti.api.tokens import create_token

    store.load_shipped()
    _, raw = create_token(analyst, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    series = client.get("/api/figures/series", **auth).json()
    assert {s["key"] for s in series} >= {"ine-ods-16-2-2", "tedic2024-t8"}
    rec = client.get("/api/figures/reconciliation", **auth).json()
    assert rec["separate_counts"] and rec["series"][0]["lines"][0]["official"] == "79"
    sdmx = client.get("/api/figures/sdmx", **auth).content.decode()
    assert sdmx.startswith("STRUCTURE,")
    from django.core.files.uploadedfile import SimpleUploadedFile

    result = client.post(
        "/api/figures/import",
        {"file": SimpleUploadedFile("x.csv", sdmx.encode())},
        **auth,
    ).json()
    assert len(result["unchanged"]) == 8 and not result["errors"]
    _, raw_officer = create_token(officer, "o")
    denied = client.post(
        "/api/figures/import",
        {"file": SimpleUploadedFile("x.csv", sdmx.encode())},
        HTTP_AUTHORIZATION=f"Bearer {raw_officer}",
    )
    assert denied.status_code == 403


@pytest.mark.django_db
def test_an_unpublished_submitted_table_is_protected_in_public(registry, client):
    body = (
        "series,institution,publisher,unit,title_es,source_title,published,period,sex,value\n"
        "n,mp_ufetesi,MP,casos,Entregada,Respuesta,no,2020,Mujer,2\n"
        "n,,,,,,,2020,Hombre,40\n"
        "n,,,,,,,2021,Mujer,30\n"
        "n,,,,,,,2021,Hombre,35\n"
    )
    assert store.import_file("n.csv", body.encode()).ok
    series = Series.objects.get(key="n")
    assert not series.published
    public = {(ln.period, ln.dims["sex"]): ln for ln in reconcile.reconcile(series, public=True)}
    # The 2 is hidden, and with it the three cells that would give it away.
    assert {k for k, ln in public.items() if ln.official_hidden} == set(public)
    exact = reconcile.reconcile(series, public=False)
    assert not any(ln.official_hidden for ln in exact)
    published = client.get("/cifras-oficiales/sdmx.csv").content.decode().splitlines()
    assert published and not any(line.split(",")[3] == "n" for line in published)


@pytest.mark.django_db
def test_a_hidden_breakdown_cannot_be_got_back_from_its_total(institutions):
    for kind, n in (("esnna", 10), ("sexual", 2)):
        spec = {"year": 2020, "victims": [{"sex": "female"}], "exploitation": [kind]}
        make_cases(institutions["UFETESI"], [spec] * n)
    body = (
        "series,institution,publisher,unit,title_es,source_title,period,sex,"
        "exploitation_group,value\n"
        "g,mp_ufetesi,MP,casos,Tabla,Respuesta,2020,Mujer,,30\n"
        "g,,,,,,2020,Mujer,ESNNA,15\n"
        "g,,,,,,2020,Mujer,Otras vulneraciones,1\n"
        "g,,,,,,2020,Mujer,Trata,14\n"
    )
    assert store.import_file("g.csv", body.encode()).ok
    lines = reconcile.reconcile(Series.objects.get(key="g"), public=True)
    hidden = {ln.dims.get("exploitation_group", "total") for ln in lines if ln.hidden}
    assert "trafficking_labour_sexual" in hidden  # 2 < 5
    # Shown alone, 12 - 10 - 0 would give the 2 back.
    assert len(hidden) >= 2


def link_as_one(victim_groups: list[list]) -> None:
    """A finished linkage run that joins each group of victims into one person (the linkage
    itself is tested in tests/linkage; here only its result matters)."""
    from django.utils import timezone

    from nanduti.linkage.models import LinkageRun, PersonKey

    run = LinkageRun.objects.create(
        mode="clear", scheme="clear", threshold=0.9, status=LinkageRun.Status.SUCCEEDED
    )
    run.finished_at = timezone.now()
    run.save()
    PersonKey.objects.bulk_create(
        PersonKey(run=run, victim=v, person=n)
        for n, group in enumerate(victim_groups, start=1)
        for v in group
    )


@pytest.mark.django_db
def test_unique_persons_beside_the_figures_and_across_institutions(registry, client, analyst):
    from nanduti.registry.models import Victim

    ufetesi = list(Victim.objects.filter(case__institution__code="UFETESI", case__year=2020))
    minna = list(Victim.objects.filter(case__institution__code="MINNA"))
    # MINNA referred 9 girls whom the Prosecutor also counts; the Prosecutor itself holds
    # one girl twice (two cases).
    groups = [[u, m] for u, m in zip(ufetesi[:9], minna, strict=True)]
    groups += [[ufetesi[9], ufetesi[10]], [ufetesi[11]]]
    link_as_one(groups)
    load("victims", "2020,,15,")
    store.import_file(
        "m.csv",
        (HEADER + "m,minna,MINNA,victims,Serie MINNA,Informe,2020,,9,\n").encode(),
    )
    (line,) = reconcile.reconcile(Series.objects.get(key="s"))
    assert line.registry == 12 and line.persons == 11
    assert any("1 registros repetidos" in r for r in line.reasons)
    (overlap,) = reconcile.overlaps_with_persons(store.current())
    assert overlap.period == "2020" and overlap.records == 21 and overlap.persons == 11
    client.force_login(analyst)
    page = client.get("/cifras-oficiales/").content.decode()
    assert "Personas únicas" in page and "<strong>11 personas únicas</strong>" in page
    from nanduti.api.tokens import create_token

    _, raw = create_token(analyst, "t")
    api = client.get("/api/figures/reconciliation", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert api["overlaps"] == [
        {
            "period": "2020",
            "institutions": ["minna", "mp_ufetesi"],
            "victim_records": 21,
            "unique_persons": 11,
        }
    ]


@pytest.mark.django_db
def test_cases_series_and_a_registry_never_linked_show_no_persons(registry):
    series = load("cases", "2020,,15,")
    (line,) = reconcile.reconcile(series)
    assert line.persons is None
    assert reconcile.overlaps_with_persons([series]) == []


@pytest.mark.django_db
def test_reconciliation_report_is_a_pdf_under_the_public_rules(registry, client):
    load("cases", "2020,,15,", "2021,,3,")
    response = client.get("/cifras-oficiales/informe.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"
    page = client.get("/cifras-oficiales/").content.decode()
    assert 'href="/cifras-oficiales/informe.pdf"' in page
