"""Submitting series: bad labels, a missing period, duplicates, corrections, nothing lost."""

from decimal import Decimal

import pytest

from nanduti.figures import files, store
from nanduti.figures.models import Observation, Series, Submission

HEADER = "series,institution,publisher,unit,title_es,source_title,period,sex,value\n"
META = "mp_ufetesi,Ministerio Público,casos,Casos de prueba,Informe 2024"


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def values(key: str, version: int | None = None) -> dict:
    series = Series.objects.get(key=key, **({"version": version} if version else {}))
    return {(o.period, o.dims_key): o.value for o in series.observations.all()}


@pytest.mark.django_db
def test_shipped_tables_and_series_match_the_study_and_the_official_publications():
    report = store.load_shipped()
    assert report.ok, report.problems
    t6 = values("tedic2024-t6")
    assert [int(t6[(str(y), "")]) for y in range(2020, 2025)] == [45, 44, 49, 20, 10]
    t8 = values("tedic2024-t8")
    assert t8[("2020", "sex=female")] == 116
    assert t8[("2022", "sex=male|exploitation_group=other_violations")] == 0
    assert t8[("2023", "sex=female|exploitation_group=esnna")] == 42
    assert values("tedic2024-t5")[("2020", "department=asuncion")] == 55
    assert ("2022", "department=asuncion") not in values("tedic2024-t5")  # n/a is no zero
    assert values("tedic2024-t4")[("2021", "sex=female")] == Decimal("83.2")
    ine = values("ine-ods-16-2-2")
    expected = [79, 89, 76, 104, 132, 114, 82, 71]
    assert [int(ine[(str(y), "")]) for y in range(2015, 2023)] == expected
    victims = values("ufetesi-victimas")
    assert [int(victims[(str(y), "")]) for y in range(2019, 2024)] == [234, 361, 245, 214, 185]
    for series in Series.objects.all():
        assert series.source_title and series.publisher and series.unit
        # Published figures say where and when (the MINNA tables came by a letter, not online).
        assert series.date_published
        assert series.source_url or series.key in ("tedic2024-t7", "tedic2024-t8")
    # Loading again changes nothing, but the file is kept again.
    again = store.load_shipped()
    assert again.unchanged and not again.created and not again.versioned
    assert Series.objects.count() == 8 and Submission.objects.count() == 2


@pytest.mark.django_db
def test_bad_label_missing_period_and_duplicate_are_refused_with_reasons_and_kept():
    content = csv(
        f"prueba,{META},2020,Mujer,10",
        f"prueba,{META},2021,Mujeer,12",
        f"prueba,{META},,Hombre,3",
        f"prueba,{META},2020,mujer,11",
        f"otra,{META},2020,,7",
    )
    report = store.import_file("tabla.csv", content)
    text = [str(p) for p in report.problems]
    assert any("fila 3" in t and "Sexo" in t and "Mujeer" in t and "row 3" in t for t in text)
    assert any("fila 4" in t and "falta el período" in t and "period is missing" in t for t in text)
    assert any("fila 5" in t and "duplicada: la fila 2" in t and "duplicate" in t for t in text)
    # The series with errors is refused whole; the clean one in the same file is stored.
    assert not Series.objects.filter(key="prueba").exists()
    assert values("otra") == {("2020", ""): 7}
    kept = Submission.objects.get()
    assert bytes(kept.content) == content and len(kept.errors) == 3


@pytest.mark.django_db
def test_a_corrected_source_is_a_new_version_and_the_old_one_stays():
    first = f"prueba,{META},2020,Mujer,10"
    store.import_file("v1.csv", csv(first, f"prueba,{META},2021,Mujer,12"))
    # The same figures written otherwise (codes, lower case, metadata left blank): unchanged.
    again = csv(first.replace("Mujer", "mujer"), "prueba,,,,,,2021,F,12")
    same = store.import_file("v1-again.csv", again)
    assert same.unchanged == ["prueba"]
    fixed = store.import_file("v2.csv", csv(first, f"prueba,{META},2021,Mujer,13"))
    assert fixed.versioned == ["prueba"]
    v1 = Series.objects.get(key="prueba", version=1)
    v2 = Series.objects.get(key="prueba", version=2)
    assert v2.supersedes == v1
    assert values("prueba", 1)[("2021", "sex=female")] == 12
    assert values("prueba", 2)[("2021", "sex=female")] == 13
    assert [s.pk for s in store.current()] == [v2.pk]
    assert Submission.objects.count() == 3


@pytest.mark.django_db
def test_contradicting_metadata_and_bad_values_name_row_and_field():
    report = store.import_file(
        "t.csv",
        csv(
            f"prueba,{META},2020,Mujer,10",
            "prueba,policia,Policía,casos,Casos de prueba,Informe 2024,2021,Mujer,-3",
            f"prueba,{META},2021-13,Mujer,4",
            "prueba,Ministerio de Nada,,,,,2022,Mujer,4",
        ),
    )
    text = "\n".join(str(p) for p in report.problems)
    assert "fila 3, «Institución / Institution»: «policia» contradice la fila 2" in text
    assert "fila 3, «Valor / Value»: «-3» no es un número ≥ 0" in text
    assert "fila 4, «Período / Period»: «2021-13» no es un año" in text
    assert "fila 5, «Institución / Institution»: «Ministerio de Nada» no es una institución" in text
    assert not Series.objects.exists()


@pytest.mark.django_db
def test_unreadable_file_is_kept_and_explained():
    report = store.import_file("x.csv", b"\xff\xfe\x00garbage")
    assert not report.ok and "UTF-8" in str(report.problems[0])
    assert bytes(Submission.objects.get().content) == b"\xff\xfe\x00garbage"


@pytest.mark.django_db
def test_sdmx_csv_round_trip_is_exact():
    store.load_shipped()
    before = {
        (o.series.key, o.period, o.dims_key): (o.value, o.note)
        for o in Observation.objects.select_related("series")
    }
    meta_before = list(Series.objects.order_by("key").values(*_META))
    exported = files.write_sdmx(store.current())
    assert exported.startswith("STRUCTURE,STRUCTURE_ID,ACTION,SERIES,TIME_PERIOD,")
    assert "dataflow,NANDUTI:OFFICIAL_FIGURES(1.0),I,ine-ods-16-2-2,2015,_T" in exported
    Observation.objects.all().delete()
    Series.objects.all().delete()
    report = store.import_file("export.csv", exported.encode())
    assert report.ok and len(report.created) == 8
    after = {
        (o.series.key, o.period, o.dims_key): (o.value, o.note)
        for o in Observation.objects.select_related("series")
    }
    assert after == before
    assert list(Series.objects.order_by("key").values(*_META)) == meta_before
    assert files.write_sdmx(store.current()) == exported
    # Importing the export over the data it came from changes nothing.
    assert store.import_file("again.csv", exported.encode()).unchanged


_META = (
    "key",
    "institution",
    "publisher",
    "unit",
    "measure",
    "title_es",
    "title_en",
    "source_title",
    "source_url",
    "date_published",
    "source_locator",
    "notes",
    "published",
    "content_hash",
)


@pytest.mark.django_db
def test_xlsx_template_filled_with_labels_imports():
    from io import BytesIO

    from openpyxl import load_workbook

    from nanduti.figures import template

    book = load_workbook(BytesIO(template.xlsx()))
    sheet = book["datos"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Serie / Series", "Institución / Institution"]
    lists = book["listas"]
    department_list = next(c for c in lists[1] if c.value == "department").column_letter
    assert any(
        f"listas!${department_list}$2" in rule.formula1
        for rule in sheet.data_validations.dataValidation
    ), "the department column offers the vocabulary's labels"
    row = dict.fromkeys(header, "")
    row.update(
        {
            "Serie / Series": "plantilla",
            "Institución / Institution": lists["A"][1].value,
            "Publicado por / Publisher": "Policía Nacional",
            "Unidad / Unit": "Casos",
            "Título / Title (Spanish)": "Casos por departamento",
            "Documento fuente / Source document": "Respuesta 82955",
            "Período / Period": "2021",
            "Departamento / Department": "Alto Paraná",
            "Valor / Value": "24",
        }
    )
    sheet.append([row[h] for h in header])
    out = BytesIO()
    book.save(out)
    report = store.import_file("plantilla.xlsx", out.getvalue())
    assert report.ok, [str(p) for p in report.problems]
    assert values("plantilla") == {("2021", "department=alto_parana"): 24}
    assert Series.objects.get(key="plantilla").institution == "mp_ufetesi"
