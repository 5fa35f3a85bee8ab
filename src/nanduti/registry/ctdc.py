"""The Counter Trafficking Data Collaborative (CTDC) data standard.

Field names and codings of the CTDC global victim data set (IOM / Polaris; codebook and
the published K-anonymised data set): one row per victim, ``yearOfRegistration``,
``Datasource``, ``gender`` (Female / Male / Transgender/NonConforming), ``ageBroad``
(0--8, 9--17, 18--20, 21--23, 24--26, 27--29, 30--38, 39--47, 48+), ``majorityStatus``
(Adult / Minor), ``citizenship`` and ``CountryOfExploitation`` (ISO 3166 alpha-2), 0/1
flags (``meansOfControl*``, ``is*``, ``typeOfLabour*``, ``typeOfSex*``,
``recruiterRelation*``), ``RecruiterRelationship`` as text; -99 (or blank) = not known.

:class:`Adapter` turns a CTDC header and rows into flat case rows for the importer;
:func:`rows_from_flat` writes flat rows (one per victim) as CTDC rows for the exporter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache

from nanduti.taxonomy import vocab
from nanduti.taxonomy.vocab import fold

UNKNOWN = "-99"
MEANS_OF_CONTROL = (
    "DebtBondage",
    "TakesEarnings",
    "RestrictsFinancialAccess",
    "Threats",
    "PsychologicalAbuse",
    "PhysicalAbuse",
    "SexualAbuse",
    "FalsePromises",
    "PsychoactiveSubstances",
    "RestrictsMovement",
    "RestrictsMedicalCare",
    "ExcessiveWorkingHours",
    "UsesChildren",
    "ThreatOfLawEnforcement",
    "WithholdsNecessities",
    "WithholdsDocuments",
    "Other",
    "NotSpecified",
)
EXPLOIT_FLAGS = (
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isForcedMarriage",
    "isForcedMilitary",
    "isOrganRemoval",
    "isSlaveryAndPractices",
)
LABOUR_TYPES = (
    "Agriculture",
    "Aquafarming",
    "Begging",
    "Construction",
    "DomesticWork",
    "Hospitality",
    "IllicitActivities",
    "Manufacturing",
    "MiningOrDrilling",
    "Peddling",
    "Transportation",
    "Other",
    "NotSpecified",
)
SEX_TYPES = ("Prostitution", "Pornography", "RemoteInteractiveServices", "PrivateSexualServices")
RELATION_FLAGS = ("IntimatePartner", "Friend", "Family", "Other", "Unknown")

FIELDS: tuple[str, ...] = (
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "majorityEntry",
    "citizenship",
    *(f"meansOfControl{m}" for m in MEANS_OF_CONTROL),
    "meansOfControlConcatenated",
    *EXPLOIT_FLAGS,
    "typeOfExploitConcatenated",
    *(f"typeOfLabour{t}" for t in LABOUR_TYPES),
    "typeOfLabourConcatenated",
    *(f"typeOfSex{t}" for t in SEX_TYPES),
    "typeOfSexConcatenated",
    "isAbduction",
    "RecruiterRelationship",
    "CountryOfExploitation",
    *(f"recruiterRelation{r}" for r in RELATION_FLAGS),
)

# Our exploitation types from CTDC flags (a flag set to 1 adds the type).
FLAG_TYPES: dict[str, tuple[str, ...]] = {
    "isSexualExploit": ("sexual",),
    "isForcedLabour": ("labour",),
    "isSexAndLabour": ("sexual", "labour"),
    "isForcedMarriage": ("forced_marriage",),
    "isOrganRemoval": ("organ_removal",),
    "isForcedMilitary": ("forced_military",),
    "isSlaveryAndPractices": ("slavery_practices",),
    "isOtherExploit": ("other_exploitation",),
    "typeOfLabourBegging": ("forced_begging",),
    "typeOfLabourIllicitActivities": ("forced_criminality",),
    "typeOfSexRemoteInteractiveServices": ("online_sexual",),
}
# ... and back: which flags an exploitation type sets on export.
TYPE_FLAGS: dict[str, tuple[str, ...]] = {
    "sexual": ("isSexualExploit",),
    "esnna": ("isSexualExploit",),
    "online_sexual": ("isSexualExploit", "typeOfSexRemoteInteractiveServices"),
    "csam": ("isSexualExploit", "typeOfSexPornography"),
    "labour": ("isForcedLabour",),
    "criadazgo": ("isForcedLabour", "typeOfLabourDomesticWork"),
    "forced_begging": ("isForcedLabour", "typeOfLabourBegging"),
    "forced_criminality": ("isForcedLabour", "typeOfLabourIllicitActivities"),
    "forced_marriage": ("isForcedMarriage",),
    "organ_removal": ("isOrganRemoval",),
    "illegal_adoption": ("isOtherExploit",),
    "forced_military": ("isForcedMilitary",),
    "slavery_practices": ("isSlaveryAndPractices",),
    "other_exploitation": ("isOtherExploit",),
}
GENDER_OUT = {"female": "Female", "male": "Male", "other": "Transgender/NonConforming"}
RELATION_OUT = {"partner": "Intimate Partner", "friend": "Friend", "family": "Family/Relative"}
RELATION_FLAG_OF = {"partner": "IntimatePartner", "friend": "Friend", "family": "Family"}
CTDC_ID_HEADERS = ("ctdcid", "id", "caseid", "victimid", "recordid")
SIGNATURE = {"yearofregistration", "agebroad", "isforcedlabour", "issexualexploit", "citizenship"}

# The published layouts, column for column (codebooks: CTDC Data Codebook v6, Nov. 2017;
# the K-anonymised global data set of 15 July 2021, which adds ``isSlaveryAndPractices`` and
# the ``*Concatenated`` columns; the Global Synthetic Dataset codebook v2024, 27 columns,
# ISO 3166 alpha-3 countries, blank = not recorded). A file whose columns are none of these
# keeps its own column list with its records.
LAYOUT_2017 = tuple(
    f for f in FIELDS if not f.endswith("Concatenated") and f != "isSlaveryAndPractices"
)
LAYOUT_2024 = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "traffickMonths",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "meansDebtBondageEarnings",
    "meansThreats",
    "meansAbusePsyPhySex",
    "meansFalsePromises",
    "meansDrugsAlcohol",
    "meansDenyBasicNeeds",
    "meansExcessiveWorkHours",
    "meansWithholdDocs",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
    "typeOfLabourAgriculture",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfSexProstitution",
    "typeOfSexPornography",
)
LAYOUTS: dict[str, tuple[str, ...]] = {"2017": LAYOUT_2017, "2021": FIELDS, "2024": LAYOUT_2024}
# Keys of a stored record that are not columns: which layout it came in (or its columns).
LAYOUT_KEY, COLUMNS_KEY = "_layout", "_columns"
# The 2024 layout's grouped means of control, as our codes (the first of each group).
GROUPED_CONTROL = {
    "meansDebtBondageEarnings": "debt_bondage",
    "meansThreats": "threats",
    "meansAbusePsyPhySex": "psychological_abuse",
    "meansFalsePromises": "false_promises",
    "meansDrugsAlcohol": "psychoactive_substances",
    "meansDenyBasicNeeds": "withholds_necessities",
    "meansExcessiveWorkHours": "excessive_working_hours",
    "meansWithholdDocs": "withholds_documents",
}
# Our codes for the standard's values (folded); a value not here is kept in the record
# only, never guessed into a code.
GENDER = {
    "female": "female",
    "woman": "female",
    "male": "male",
    "man": "male",
    "transgender nonconforming": "other",
    "trans transgender nonconforming": "other",
    "unknown": "unknown",
}
RELATION = {
    "intimate partner": "partner",
    "partner": "partner",
    "friend": "friend",
    "family relative": "family",
    "family": "family",
    "relative": "family",
    "unknown": "unknown",
}
NOT_RECORDED = ("", UNKNOWN, "-99.0", "NA", "N/A")
UNKNOWN_COUNTRY = "ZZ"

FLAT_HEADERS = (
    "case_reference",
    "year",
    "victim_sex",
    "victim_age_band_ctdc",
    "victim_age_band",
    "victim_nationality",
    "exploitation_country",
    "exploitation_types",
    "recruiter_relation",
    "means_of_control",
    "victim_ctdc",
)
# Several of our means of control export to meansOfControlOther (digital surveillance, …);
# importing that flag gives the generic code.
GENERIC_CONTROL = {"meansOfControlOther": "other_control"}


def _key(header: str) -> str:
    return fold(header).replace(" ", "")


def looks_like(headers: list[str]) -> bool:
    keys = {_key(h) for h in headers}
    return len(SIGNATURE & keys) >= 3


def layout_of(headers: list[str]) -> str:
    """The name of the published layout these headers are, or ""."""
    found = tuple(h.strip().lstrip("\ufeff") for h in headers)
    return next((name for name, columns in LAYOUTS.items() if columns == found), "")


# A flag is set when its cell says 1 (as CTDC writes it, or as a spreadsheet re-saved it).
TRUE = frozenset(("1", "1.0", "true", "True", "TRUE", " 1", "1 "))


@cache
def _control_flags() -> dict[str, str]:
    """Our means-of-control code → its CTDC flag (the vocabulary's ``ctdc`` column); read
    once, not once per row."""
    return {t.code: t.extra.get("ctdc", "") for t in vocab.get("means_of_control")}


@cache
def _code_of_flag() -> dict[str, str]:
    """CTDC means-of-control flag → our code (the first of the vocabulary with that flag, or
    the generic one), plus the 2024 layout's grouped flags."""
    codes: dict[str, str] = {}
    for code, flag in _control_flags().items():
        if flag:
            codes.setdefault(flag, GENERIC_CONTROL.get(flag, code))
    known = set(_control_flags())
    codes.update({k: v for k, v in GROUPED_CONTROL.items() if v in known})
    return codes


@cache
def _countries() -> dict[str, str]:
    """ISO alpha-2 and alpha-3 (as CTDC writes them) → our country code; ZZ → unknown."""
    codes = {UNKNOWN_COUNTRY: "unknown"}
    for term in vocab.get("country"):
        codes[term.code] = term.code
        if term.extra.get("alpha3"):
            codes[term.extra["alpha3"]] = term.code
    return codes


@cache
def _bands() -> dict[str, tuple[str, str]]:
    """ageBroad as written → (our CTDC band code, our own band when it lies inside one)."""
    bands = {"unknown": ("unknown", "")}
    for term in vocab.get("age_band_ctdc"):
        ours = _our_band(term.code)
        for written in (term.code, term.label_en, *term.aliases):
            bands[fold(written)] = (term.code, ours)
    return bands


def _our_band(ctdc_band: str) -> str:
    """Our age band when the CTDC band lies wholly inside one of ours."""
    span = vocab.band_range(ctdc_band, "age_band_ctdc")
    if span is None:
        return ""
    for term in vocab.get("age_band"):
        low, high = vocab.band_range(term.code) or (0, -1)
        if low <= span[0] and span[1] <= high:
            return term.code
    return ""


class _JsonTexts(dict):
    """A cell → its JSON text, each distinct cell encoded once (CTDC cells repeat: -99, 0, 1
    and a few dozen codes)."""

    def __missing__(self, value: str) -> str:
        text = json.dumps(value, ensure_ascii=False)
        if len(self) < 100_000:
            self[value] = text
        return text


class Adapter:
    """CTDC header and rows → flat rows (``FLAT_HEADERS``), each with the whole CTDC record
    (every column as written, and its layout) in ``victim_ctdc``: the registry's fields take
    what they can express, the record keeps the rest, and the export writes it back."""

    def __init__(self, headers: list[str]):
        self.columns = [h.lstrip("\ufeff") for h in headers]
        position: dict[str, int] = {}
        for i, header in enumerate(self.columns):
            position.setdefault(_key(header), i)
        self.id_position = next((position[k] for k in CTDC_ID_HEADERS if k in position), None)
        self.at = {name: position.get(_key(name)) for name in (*FIELDS, *LAYOUT_2024)}
        self.type_flags = [
            (at, codes) for f, codes in FLAG_TYPES.items() if (at := self.at[f]) is not None
        ]
        self.control_flags = [
            (at, code) for f, code in _code_of_flag().items() if (at := self.at.get(f)) is not None
        ]
        self.relation_flags = [
            (at, code)
            for code, flag in (*RELATION_FLAG_OF.items(), ("unknown", "Unknown"))
            if (at := self.at[f"recruiterRelation{flag}"]) is not None
        ]
        layout = layout_of(self.columns)
        self.record_tail = (
            f', "{LAYOUT_KEY}": "{layout}"}}'
            if layout
            else f', "{COLUMNS_KEY}": {json.dumps(self.columns, ensure_ascii=False)}}}'
        )
        self.headers = list(FLAT_HEADERS)
        self.width = len(self.columns)
        # Where convert reads its text cells (-1: the blank cell after the row's last one).
        named = ("gender", "ageBroad", "citizenship", "CountryOfExploitation")
        self.read = [
            -1 if i is None else i
            for i in (
                self.id_position,
                self.at["yearOfRegistration"],
                *(self.at[name] for name in named),
                self.at["RecruiterRelationship"],
            )
        ]
        self.keys = [json.dumps(c, ensure_ascii=False) + ": " for c in self.columns]
        self._json = _JsonTexts()
        self._sexes: dict[str, str] = {}
        self._bands: dict[str, tuple[str, str]] = {}
        self._relations: dict[str, str] = {}

    def record(self, cells: list[str]) -> str:
        """The CTDC record as JSON text: every column as written (cells beyond the header
        under their position), and the layout."""
        encoded = self._json.__getitem__
        text = ", ".join(map(str.__add__, self.keys, map(encoded, cells)))
        for i in range(self.width, len(cells)):
            text += f', "_col{i + 1}": {encoded(cells[i])}'
        return "{" + text + self.record_tail

    def _mapped(self, table: dict, memo: dict, value: str):
        """``table``'s entry for a written value (folded once per distinct value)."""
        found = memo.get(value)
        if found is None:
            found = memo[value] = table.get(fold(value))
        return found

    def convert(self, cells: list[str]) -> list[str]:
        if len(cells) < self.width:  # a short row: the missing cells are blank
            cells = cells + [""] * (self.width - len(cells))
        row = [*cells, ""]  # a column the file lacks reads this last, blank cell
        reference, year, gender, age, citizenship, country, text = (
            row[i].strip() for i in self.read
        )
        sex = self._mapped(GENDER, self._sexes, gender) or ""
        band, our_band = self._mapped(_bands(), self._bands, age) or ("", "")
        countries = _countries()
        types: list[str] = []
        for i, codes in self.type_flags:
            if cells[i] in TRUE:
                types.extend(c for c in codes if c not in types)
        if text not in NOT_RECORDED:
            first = text.replace(",", ";").split(";")[0]
            relation = self._mapped(RELATION, self._relations, first) or ""
        else:
            relation = next((code for i, code in self.relation_flags if cells[i] in TRUE), "")
        control = [code for i, code in self.control_flags if cells[i] in TRUE]
        return [
            reference,
            year if year.isdigit() else "",
            sex,
            band,
            our_band,
            countries.get(citizenship.upper(), ""),
            countries.get(country.upper(), ""),
            "|".join(types),
            relation,
            "|".join(dict.fromkeys(control)),
            self.record(cells),
        ]


def _majority(row: dict[str, str]) -> str:
    age = row.get("victim_age", "")
    if age.isdigit():
        return "Minor" if int(age) < 18 else "Adult"
    for band, vocabulary in (
        (row.get("victim_age_band", ""), "age_band"),
        (row.get("victim_age_band_ctdc", ""), "age_band_ctdc"),
    ):
        span = vocab.band_range(band, vocabulary) if band else None
        if span and span[1] < 18:
            return "Minor"
        if span and span[0] >= 18:
            return "Adult"
    return UNKNOWN


def row_from_flat(row: dict[str, str]) -> dict[str, str]:
    """One flat row (one victim, schema column names) as a CTDC row."""
    out = dict.fromkeys(FIELDS, UNKNOWN)
    year = row.get("year") or (row.get("reported_on") or "")[:4]
    out["yearOfRegistration"] = year or UNKNOWN
    out["Datasource"] = "Case Management"
    out["gender"] = GENDER_OUT.get(row.get("victim_sex", ""), UNKNOWN)
    ctdc_band = row.get("victim_age_band_ctdc", "")
    if ctdc_band in ("unknown", "not_asked"):
        ctdc_band = ""
    out["ageBroad"] = (
        ctdc_band.replace("-", "--")
        if ctdc_band and "+" not in ctdc_band
        else (ctdc_band or UNKNOWN)
    )
    out["majorityStatus"] = _majority(row)
    nationality = row.get("victim_nationality", "")
    out["citizenship"] = nationality if len(nationality) == 2 else UNKNOWN
    country = row.get("exploitation_country", "")
    out["CountryOfExploitation"] = country if len(country) == 2 else UNKNOWN
    types = [t for t in (row.get("exploitation_types") or "").split("|") if t]
    flags: set[str] = set()
    for kind in types:
        flags.update(TYPE_FLAGS.get(kind, ("isOtherExploit",)))
    if types:
        for flag in EXPLOIT_FLAGS:
            out[flag] = "1" if flag in flags else "0"
        if {"isSexualExploit", "isForcedLabour"} <= flags:
            out["isSexAndLabour"] = "1"
        out["typeOfExploitConcatenated"] = ";".join(
            f.removeprefix("is") for f in EXPLOIT_FLAGS if out[f] == "1"
        )
        for name in (
            *(f"typeOfLabour{t}" for t in LABOUR_TYPES),
            *(f"typeOfSex{t}" for t in SEX_TYPES),
        ):
            if name in flags:
                out[name] = "1"
        labour = [t for t in LABOUR_TYPES if out[f"typeOfLabour{t}"] == "1"]
        sex = [t for t in SEX_TYPES if out[f"typeOfSex{t}"] == "1"]
        out["typeOfLabourConcatenated"] = ";".join(labour) or UNKNOWN
        out["typeOfSexConcatenated"] = ";".join(sex) or UNKNOWN
    control = [c for c in (row.get("means_of_control") or "").split("|") if c]
    known = [c for c in control if c not in ("unknown", "not_asked")]
    if known:
        flags_of = _control_flags()
        chosen_flags = {flags_of.get(c) or "meansOfControlOther" for c in known}
        for name in MEANS_OF_CONTROL:
            out[f"meansOfControl{name}"] = "1" if f"meansOfControl{name}" in chosen_flags else "0"
        out["meansOfControlConcatenated"] = ";".join(
            name for name in MEANS_OF_CONTROL if out[f"meansOfControl{name}"] == "1"
        )
    relation = row.get("recruiter_relation", "")
    if relation and relation != "not_asked":
        out["RecruiterRelationship"] = RELATION_OUT.get(
            relation, "Unknown" if relation == "unknown" else "Other"
        )
        chosen = RELATION_FLAG_OF.get(relation, "Unknown" if relation == "unknown" else "Other")
        for flag in RELATION_FLAGS:
            out[f"recruiterRelation{flag}"] = "1" if flag == chosen else "0"
    return out


def _header_of(record: dict) -> list[str]:
    if COLUMNS_KEY in record:
        return list(record[COLUMNS_KEY])
    return list(LAYOUTS.get(record.get(LAYOUT_KEY, ""), FIELDS))


def export_rows(queryset, derived_rows) -> tuple[list[str], Iterator[dict[str, str]]]:
    """The CTDC header and rows of the cases of ``queryset``.

    Victims that came in a CTDC record are written as it came, in import order, under the
    layout of the first of them (a record of another layout fills the columns it shares;
    the others stay not recorded). Cases that did not come from CTDC follow, their rows
    derived from the registry's fields (``derived_rows(cases)`` gives their flat rows)."""
    from nanduti.registry.models import Victim

    stored = Victim.objects.filter(case__in=queryset).exclude(ctdc={})
    first = stored.order_by("case_id", "id").values_list("ctdc", flat=True).first()
    header = _header_of(first) if first else list(FIELDS)
    missing = "" if header == list(LAYOUT_2024) else UNKNOWN

    def rows() -> Iterator[dict[str, str]]:
        records = stored.order_by("case_id", "id").values_list("ctdc", flat=True)
        for record in records.iterator(chunk_size=5000):
            if _header_of(record) != header:
                record = {name: record.get(name, missing) for name in header}
            yield record
        others = queryset.exclude(id__in=stored.values("case_id"))
        for row in derived_rows(others):
            derived = row_from_flat(row)
            yield {name: derived.get(name, missing) for name in header}

    return header, rows()
