"""XLSForm both ways: the generated Kobo/ODK form, and its submissions imported back.

The Kobo exports here are built from the generated form the way KoboToolbox writes them
("XML values and headers"): group paths joined by the export's group separator, one 0/1
column per option of a select_multiple after its space-separated answer, and the meta
columns (``_id``, ``_uuid``, ``_submission_time``, ``_index``...). They are built by this
test, not downloaded from a Kobo server: a difference in a real export that this builder
does not imitate would not be caught here.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert

from nanduti.registry import schema
from nanduti.registry.exporter import export_cases
from nanduti.registry.importer import ensure_institution, import_file
from nanduti.registry.models import Case, Victim

SPECIAL = ("unknown", "not_asked")
META = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status"]
META += ["_submitted_by", "__version__", "_tags", "_index"]


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def form(tmp_path):
    path = tmp_path / "formulario.xlsx"
    call_command("export", fmt="xlsform", output=str(path))
    return path


LABEL = "label::Español (es)"


def read_form(path):
    """[(group path, name, type, list)] of the questions, list → [(choice name, its
    department)], and the Spanish labels of groups, questions ({name: label}) and choices
    ({(list, name): label})."""
    book = load_workbook(path, read_only=True)
    rows = book["survey"].iter_rows(values_only=True)
    header = next(rows)
    questions, groups, labels = [], [], {}
    for values in rows:
        row = dict(zip(header, values, strict=False))
        kind, name = row["type"] or "", row["name"] or ""
        if row[LABEL]:
            labels[name] = row[LABEL]
        if kind == "begin_group":
            groups.append(name)
        elif kind == "end_group":
            groups.pop()
        else:
            parts = kind.split()
            questions.append(("/".join(groups), name, parts[0], parts[1] if len(parts) > 1 else ""))
    choices: dict[str, list[tuple[str, str]]] = {}
    rows = book["choices"].iter_rows(values_only=True)
    header = next(rows)
    for values in rows:
        row = dict(zip(header, values, strict=False))
        choices.setdefault(row["list_name"], []).append((row["name"], row["departamento"] or ""))
        labels[(row["list_name"], row["name"])] = row[LABEL]
    return questions, choices, labels


def test_the_form_converts_to_an_xform_with_pyxform(form):
    warnings: list[str] = []
    result = convert(str(form), warnings=warnings)
    assert warnings == []
    questions, choices, labels = read_form(form)
    for _group, name, _kind, _list in questions:
        assert f"/{name}" in result.xform
        # the importer reads every question the form asks
        assert schema.column_for(name) is not None, name
    assert len(questions) > 30
    assert {"alto_parana", "unknown", "not_asked"} <= {c for c, _ in choices["department"]}
    assert "Alto Paraná" in result.xform and "Unknown" in result.xform  # both languages
    # districts follow the department chosen
    assert "instance('district')/root/item[departamento=" in result.xform


def submissions(questions, choices, count: int, seed: int):
    """Answers as a Kobo user would give them: some left blank, some «unknown», cases with
    two victims (two submissions with the same case reference and case answers)."""
    rng = random.Random(seed)
    answers = []
    while len(answers) < count:
        case = {}
        victims = 2 if rng.random() < 0.3 else 1
        reference = f"K-{len(answers) + 1:03d}" if rng.random() < 0.8 else ""
        if not reference:
            victims = 1  # the submission's _uuid will be the case's reference
        for v in range(victims):
            answer = {}
            for _group, name, kind, list_name in questions:
                column = schema.column_for(name)
                shared = column.level in ("case", "referral")  # the case's, not the victim's
                if shared and name in case:
                    answer[name] = case[name]
                    continue
                answer[name] = value(rng, name, kind, choices.get(list_name, []), answer)
                if shared:
                    case[name] = answer[name]
            answer["referencia_caso"] = reference
            answer["referencia_victima"] = f"V{v + 1}"
            answers.append(answer)
    return answers[:count]


def value(rng, name, kind, options, answer):
    if rng.random() < 0.25:
        return ""
    codes = [code for code, _ in options]
    if kind == "select_one":
        if name.startswith("distrito"):
            department = answer.get(name.replace("distrito", "departamento"), "")
            inside = [c for c, parent in options if parent == department]
            return rng.choice(inside) if inside else ""
        if name == "franja_edad" and answer.get("edad"):
            return ""  # derived from the age (a contradicting band is refused)
        return rng.choice(codes)
    if kind == "select_multiple":
        plain = [c for c in codes if c not in SPECIAL]
        if rng.random() < 0.1 and SPECIAL[0] in codes:
            return rng.choice(SPECIAL)
        return " ".join(rng.sample(plain, rng.randint(1, 3)))
    if kind == "integer":
        return str(rng.randint(0, 80)) if name == "edad" else str(rng.randint(2015, 2025))
    if kind == "date":
        return (date(2018, 1, 1) + timedelta(days=rng.randint(0, 2500))).isoformat()
    return rng.choice(["Asunción → Buenos Aires", "oferta falsa; «modelo»", "Ruta 7, km 30"])


def kobo_table(questions, choices, answers, separator: str, labels=None):
    """Header and rows of a Kobo export of ``answers``: XML names and values, or with
    ``labels`` the Spanish labels (Kobo's «Labels» export)."""

    def shown(key) -> str:
        return labels[key] if labels else key if isinstance(key, str) else key[1]

    header, cells = ["start", "end"], []
    for group, name, kind, list_name in questions:
        path = separator.join(shown(p) for p in (*group.split("/"), name) if p)
        header.append(path)
        if kind == "select_multiple":
            header += [f"{path}{separator}{shown((list_name, c))}" for c, _ in choices[list_name]]
    header += META
    for index, answer in enumerate(answers, start=1):
        row = ["2024-05-01T10:00:00.000-04:00", "2024-05-01T10:20:00.000-04:00"]
        for _group, name, kind, list_name in questions:
            if kind.startswith("select"):
                row.append(" ".join(shown((list_name, code)) for code in answer[name].split()))
            else:
                row.append(answer[name])
            if kind == "select_multiple":
                chosen = set(answer[name].split())
                blank = not chosen
                row += ["" if blank else str(int(c in chosen)) for c, _ in choices[list_name]]
        submitted = f"2024-06-{index % 28 + 1:02d}T09:00:00"
        uuid = f"5f1c0a2e-{index:04d}-4b7e-9d3a-0c6e2b{index:06d}"
        answer["_uuid"], answer["_submission_time"] = uuid, submitted
        row += [str(1000 + index), uuid, submitted, "", "", "submitted_via_web", "oficial"]
        row += ["vXYZ", "", str(index)]
        cells.append(row)
    return header, cells


def write_csv(path, header, cells):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")  # Kobo's CSV exports use semicolons
        writer.writerow(header)
        writer.writerows(cells)


def write_xlsx(path, header, cells):
    book = Workbook()
    sheet = book.active
    sheet.title = "nanduti_casos"
    sheet.append(header)
    for row in cells:
        sheet.append([int(c) if c.isdigit() and len(c) < 6 else c for c in row])
    book.save(path)


def exported_rows(tmp_path):
    out = tmp_path / "export.csv"
    export_cases(Case.objects.all(), "csv", out)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def assert_nothing_lost(questions, answers, rows):
    by_key = {(r["case_reference"], r["victim_reference"]): r for r in rows}
    assert len(by_key) == len(rows) == len(answers)
    compared = 0
    submitted: dict[str, str] = {}  # the case's first submission dates it
    for answer in answers:
        submitted.setdefault(
            answer["referencia_caso"] or answer["_uuid"], answer["_submission_time"]
        )
    for answer in answers:
        reference = answer["referencia_caso"] or answer["_uuid"]
        row = by_key[(reference, answer["referencia_victima"])]
        for _group, name, kind, _list in questions:
            sent = answer[name]
            column = schema.column_for(name).name
            if not sent:
                if name == "fecha":  # a submission without a date is dated when submitted
                    assert row[column] == submitted[reference][:10]
                continue
            if kind == "select_multiple":
                assert set(row[column].split("|")) == set(sent.split()), (name, row[column])
            else:
                assert row[column] == sent, (name, sent, row[column])
            compared += 1
    assert compared > 10 * len(answers)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("container", "separator", "as_labels"),
    [("csv", "/", False), ("xlsx", "-", False), ("csv", ".", False), ("xlsx", "/", True)],
)
def test_a_kobo_export_round_trips(tmp_path, form, container, separator, as_labels):
    ensure_institution("minna")
    questions, choices, labels = read_form(form)
    answers = submissions(questions, choices, 40, seed=len(separator + container))
    header, cells = kobo_table(questions, choices, answers, separator, as_labels and labels)
    path = tmp_path / f"kobo_envios.{container}"
    (write_csv if container == "csv" else write_xlsx)(path, header, cells)

    report = import_file(path, institution="minna")
    assert report.format == "xlsform"
    cases = len({a["referencia_caso"] or a["_uuid"] for a in answers})
    assert (report.stored, report.rejected) == (cases, 0), report.errors[:3]
    assert not any("desconocidas" in w for w in report.warnings), report.warnings
    assert_nothing_lost(questions, answers, exported_rows(tmp_path))

    # Re-importing the same export (or a later one holding the same submissions) adds
    # nothing: the case reference, or else the submission's _uuid, identifies each case.
    again = import_file(path, institution="minna")
    assert (again.stored, again.updated, again.unchanged, again.rejected) == (0, 0, cases, 0)
    assert Case.objects.count() == cases and Victim.objects.count() == len(answers)


@pytest.mark.django_db
def test_a_later_export_updates_edited_submissions_only(tmp_path, form):
    ensure_institution("minna")
    questions, choices, labels = read_form(form)
    answers = submissions(questions, choices, 12, seed=7)
    path = tmp_path / "primera.csv"
    write_csv(path, *kobo_table(questions, choices, answers, "/"))
    first = import_file(path, institution="minna")
    assert first.rejected == 0, first.errors[:3]
    single = next(a for a in answers if not a["referencia_caso"])
    single["resumen"] = "corregido en Kobo"
    later = tmp_path / "segunda.csv"
    write_csv(later, *kobo_table(questions, choices, answers, "/"))
    report = import_file(later, institution="minna")
    assert (report.stored, report.updated, report.rejected) == (0, 1, 0)
    assert Case.objects.get(reference=single["_uuid"]).summary == "corregido en Kobo"


@pytest.mark.django_db
def test_a_bad_answer_is_reported_by_the_forms_field_with_labels(tmp_path, institutions):
    path = tmp_path / "envios.csv"
    write_csv(
        path,
        ["caso/departamento", "victima/sexo", "victima/edad", "_uuid", "_submission_time"],
        [["guaira", "xyz", "12", "u-1", "2024-01-02T10:00:00"]],
    )
    report = import_file(path, institution="MINNA")
    assert report.rejected == 1
    (problem,) = report.errors[0]["errors"]
    assert (problem["column"], problem["value"]) == ("sexo", "xyz")
    labels = {"Mujer", "Hombre", "Otro", "Desconocido", "No preguntado"}
    assert problem["suggestions"] and set(problem["suggestions"]) <= labels
