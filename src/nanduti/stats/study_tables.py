"""Tables 4–8 of the 2024 study (TEDIC / Grupo Luna Nueva), rebuilt from case-level data.

Each table is computed from the registry records of the institution that published it
and laid out as in the study:

- Table 4 (Public Prosecutor, UFETESI): share of victims by sex and year, in per cent.
- Table 5 (Public Prosecutor): cases by department and year, plus the national total per
  year. As in the study, only departments with more than 3 cases in some year are shown;
  "n/a" marks a year without figures. The national total counts cases whose department
  is recorded (the study has no total for 2022, when no department figures were given).
- Table 6 (National Police): cases per year.
- Table 7 (MINNA / PAIVTES): victims assisted (with an assistance record) by sex and year,
  with the ages seen.
- Table 8 (MINNA): cases by exploitation type × sex × year. "Trafficking for labour and
  sexual exploitation" groups every trafficking purpose, "ESNNA" groups the commercial
  sexual exploitation of children (esnna, online sexual exploitation, abuse material) and
  "Other violations" is the code ``other``. A case counts once in each group it has and
  once in the total; "-" marks zero, as in the study.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count

from nanduti.registry.models import Assistance, Case, Exploitation, Institution, Victim
from nanduti.taxonomy import vocab

PROSECUTOR, POLICE, MINNA = "mp_ufetesi", "police_antitrata", "minna"
ESNNA = {"esnna", "online_sexual", "csam"}
OTHER = {"other", "other_exploitation"}  # the vocabulary ships other_exploitation
NOT_SPECIFIED = {"", "unknown", "not_asked", None}
SHOWN_DEPARTMENT_MIN = 4

T = {
    "es": {
        "male": "Hombre",
        "female": "Mujer",
        "other": "Otro",
        "ns": "No especificado",
        "total": "TOTAL",
        "sex": "Sexo de la víctima",
        "year": "Año",
        "dept": "Departamento",
        "country": "Total país",
        "cases": "Casos",
        "age": "Edad",
        "years": "años",
        "traff": "Trata con fines de explotación laboral y sexual",
        "esnna": "ESNNA",
        "otherv": "Otras vulneraciones",
        "fem": "FEM",
        "masc": "MASC",
    },
    "en": {
        "male": "Male",
        "female": "Female",
        "other": "Other",
        "ns": "Not specified",
        "total": "TOTAL",
        "sex": "Gender of the victim",
        "year": "Year",
        "dept": "Department",
        "country": "Total per country",
        "cases": "Cases",
        "age": "Age",
        "years": "years",
        "traff": "Trafficking for labor and sexual exploitation",
        "esnna": "ESNNA",
        "otherv": "Other violations",
        "fem": "FEM",
        "masc": "MASC",
    },
}
TITLES = {
    4: (
        "Víctimas por sexo y año (%) — Ministerio Público",
        "Share of victims by gender and year — Public Prosecutor's Office",
    ),
    5: (
        "Casos por departamento y año — Ministerio Público",
        "Cases by department and year — Public Prosecutor's Office",
    ),
    6: ("Casos por año — Policía Nacional", "Cases per year — National Police"),
    7: (
        "Víctimas asistidas por sexo y edad — MINNA (PAIVTES)",
        "Victims assisted by sex and age — MINNA (PAIVTES)",
    ),
    8: ("Casos por tipo, sexo y año — MINNA", "Cases by type, sex and year — MINNA"),
}


def institution_ids(code: str) -> list[int]:
    """Institutions recorded under ``code`` (or a code or alias the vocabulary maps to it)."""
    try:
        v = vocab.get("institution")
    except (FileNotFoundError, KeyError):
        v = None
    ids = []
    for pk, own in Institution.objects.values_list("pk", "code"):
        if vocab.fold(own) == vocab.fold(code):
            ids.append(pk)
        elif v is not None:
            match = v.normalize(own, fuzzy=False)
            if match is not None and match.code == code:
                ids.append(pk)
    return ids


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _fmt_pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " %"


def _sex_key(sex) -> str:
    if sex in NOT_SPECIFIED:
        return "ns"
    return sex if sex in ("male", "female") else "other"


def table4(institution: str = PROSECUTOR, language: str = "es") -> dict:
    t = T[language]
    rows = (
        Victim.objects.filter(case__institution__in=institution_ids(institution))
        .exclude(case__year=None)
        .values_list("case__year", "sex")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict = defaultdict(int)
    for year, sex, n in rows:
        counts[(_sex_key(sex), year)] += n
    years = sorted({y for _, y in counts})
    totals = {y: sum(n for (s, yy), n in counts.items() if yy == y) for y in years}
    sexes = (
        ["male", "female"] + (["other"] if any(s == "other" for s, _ in counts) else []) + ["ns"]
    )
    values = {(s, y): _pct(counts[(s, y)], totals[y]) for s in sexes for y in years}
    body = [[t[s]] + [_fmt_pct(values[(s, y)]) for y in years] for s in sexes]
    body.append([t["total"]] + [_fmt_pct(100.0 if totals[y] else 0.0) for y in years])
    return {
        "number": 4,
        "header": [[t["sex"]] + [str(y) for y in years]],
        "rows": body,
        "values": {f"{s}|{y}": v for (s, y), v in values.items()},
        "counts": {f"{s}|{y}": counts[(s, y)] for s in sexes for y in years},
    }


def table5(institution: str = PROSECUTOR, language: str = "es") -> dict:
    t = T[language]
    ids = institution_ids(institution)
    rows = (
        Case.objects.filter(institution__in=ids)
        .exclude(year=None)
        .values_list("department", "year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict = defaultdict(int)
    for dept, year, n in rows:
        counts[(dept, year)] += n
    years = sorted({y for _, y in counts})
    recorded = {(d, y): n for (d, y), n in counts.items() if d}
    national = {y: sum(n for (d, yy), n in recorded.items() if yy == y) for y in years}
    depts = sorted(
        {d for (d, _), n in recorded.items() if n >= SHOWN_DEPARTMENT_MIN},
        key=lambda d: -sum(n for (dd, _), n in recorded.items() if dd == d),
    )
    dv = vocab.get("department")

    def cell(n: int) -> str:
        return str(n) if n else "n/a"

    body = []
    for i, d in enumerate(depts):
        line = [dv.label(d, language)] + [cell(recorded.get((d, y), 0)) for y in years]
        line += [cell(national[y]) for y in years] if i == 0 else [""] * len(years)
        body.append(line)
    return {
        "number": 5,
        "header": [[t["dept"]] + [str(y) for y in years] + [f"{t['country']} {y}" for y in years]],
        "rows": body,
        "values": {f"{d}|{y}": recorded.get((d, y), 0) for d in depts for y in years}
        | {f"national|{y}": national[y] for y in years},
    }


def table6(institution: str = POLICE, language: str = "es") -> dict:
    t = T[language]
    rows = (
        Case.objects.filter(institution__in=institution_ids(institution))
        .exclude(year=None)
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by("year")
    )
    counts = dict(rows)
    return {
        "number": 6,
        "header": [[t["year"], t["cases"]]],
        "rows": [[str(y), str(n)] for y, n in counts.items()],
        "values": {str(y): n for y, n in counts.items()},
    }


def _ages(ages: list[int], t: dict) -> str:
    if not ages:
        return ""
    low, high = min(ages), max(ages)
    return f"{low} {t['years']}" if low == high else f"{low} - {high} {t['years']}"


def table7(institution: str = MINNA, language: str = "es") -> dict:
    t = T[language]
    ids = institution_ids(institution)
    direct = Assistance.objects.filter(case__institution__in=ids, victim__isnull=False)
    whole_case = Assistance.objects.filter(case__institution__in=ids, victim__isnull=True)
    victims = Victim.objects.filter(case__institution__in=ids).exclude(case__year=None).filter(
        pk__in=direct.values("victim_id")
    ) | Victim.objects.filter(case__in=whole_case.values("case_id")).exclude(case__year=None)
    per: dict = defaultdict(lambda: {"n": 0, "ages": []})
    rows = victims.distinct().values_list("pk", "case__year", "sex", "age")
    for _pk, year, sex, age in rows:
        key = (year, _sex_key(sex))
        per[key]["n"] += 1
        if age is not None:
            per[key]["ages"].append(age)
    years = sorted({y for y, _ in per})
    body, values = [], {}
    for y in years:
        f, m = per[(y, "female")], per[(y, "male")]
        values[f"{y}|female"], values[f"{y}|male"] = f["n"], m["n"]
        body.append([str(y), str(f["n"]), _ages(f["ages"], t), str(m["n"]), _ages(m["ages"], t)])
    tf = sum(per[(y, "female")]["n"] for y in years)
    tm = sum(per[(y, "male")]["n"] for y in years)
    values["total|female"], values["total|male"] = tf, tm
    body.append(["Total", str(tf), "", str(tm), ""])
    return {
        "number": 7,
        "header": [[t["year"], t["female"], t["age"], t["male"], t["age"]]],
        "rows": body,
        "values": values,
    }


def _group(kind: str) -> str | None:
    if kind in ESNNA:
        return "esnna"
    if kind in OTHER:
        return "otherv"
    if kind in ("", "unknown", "not_asked"):
        return None
    return "traff"


def table8(institution: str = MINNA, language: str = "es") -> dict:
    t = T[language]
    ids = institution_ids(institution)
    case_types: dict = defaultdict(set)
    for case_id, kind in Exploitation.objects.filter(case__institution__in=ids).values_list(
        "case_id", "type"
    ):
        group = _group(kind)
        if group:
            case_types[case_id].add(group)
    seen: dict = defaultdict(set)  # (year, group, sex) -> case ids
    for case_id, year, sex in (
        Victim.objects.filter(case__institution__in=ids)
        .exclude(case__year=None)
        .values_list("case_id", "case__year", "sex")
    ):
        s = {"female": "fem", "male": "masc"}.get(sex)
        if s is None:
            continue
        for group in [*case_types.get(case_id, ()), "total"]:
            seen[(year, group, s)].add(case_id)
    years = sorted({y for y, _, _ in seen})
    groups = ["traff", "esnna", "otherv", "total"]

    def cell(n: int) -> str:
        return str(n) if n else "-"

    body, values = [], {}
    for y in [*years, "Total"]:
        line = [str(y)]
        for g in groups:
            for s in ("fem", "masc"):
                years_here = years if y == "Total" else [y]
                n = sum(len(seen[(yy, g, s)]) for yy in years_here)
                values[f"{y}|{g}|{s}"] = n
                line.append(cell(n))
        body.append(line)
    return {
        "number": 8,
        "header": [
            [t["year"], t["traff"], "", t["esnna"], "", t["otherv"], "", "Total", ""],
            [""] + [t["fem"], t["masc"]] * 4,
        ],
        "rows": body,
        "values": values,
    }


def all_tables(language: str = "es") -> list[dict]:
    tables = [
        table4(language=language),
        table5(language=language),
        table6(language=language),
        table7(language=language),
        table8(language=language),
    ]
    for table in tables:
        es, en = TITLES[table["number"]]
        table["title"] = es if language == "es" else en
        table["title_es"], table["title_en"] = es, en
    return tables


def as_text(tables: list[dict]) -> str:
    out = []
    for table in tables:
        lines = table["header"] + table["rows"]
        widths = [
            max(len(r[i]) if i < len(r) else 0 for r in lines)
            for i in range(max(len(r) for r in lines))
        ]
        out.append(f"Tabla {table['number']} / Table {table['number']}: {table['title']}")
        for r in lines:
            out.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
        if not any(any(c.strip() for c in r[1:]) for r in table["rows"]):
            out.append("(sin datos de la institución / no data from the institution)")
        out.append("")
    return "\n".join(out)


def as_csv(tables: list[dict]) -> str:
    import io

    from nanduti.registry.io.values import SafeCsvWriter

    buf = io.StringIO()
    writer = SafeCsvWriter(buf, lineterminator="\n")
    for table in tables:
        writer.writerow([f"Tabla {table['number']}", table["title"]])
        writer.writerows(table["header"] + table["rows"])
        writer.writerow([])
    return buf.getvalue()
