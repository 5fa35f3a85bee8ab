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

from functools import cache

from nanduti.registry.io.normalise import band_range
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
GENDER = {"female": "female", "woman": "female", "male": "male", "man": "male"}
GENDER_OUT = {"female": "Female", "male": "Male", "other": "Transgender/NonConforming"}
RELATION = {
    "intimate partner": "partner",
    "partner": "partner",
    "friend": "friend",
    "family relative": "family",
    "family": "family",
    "relative": "family",
    "unknown": "unknown",
}
RELATION_OUT = {"partner": "Intimate Partner", "friend": "Friend", "family": "Family/Relative"}
RELATION_FLAG_OF = {"partner": "IntimatePartner", "friend": "Friend", "family": "Family"}
CTDC_ID_HEADERS = ("ctdcid", "id", "caseid", "victimid", "recordid")
SIGNATURE = {"yearofregistration", "agebroad", "isforcedlabour", "issexualexploit", "citizenship"}

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
)
# Several of our means of control export to meansOfControlOther (digital surveillance, …);
# importing that flag gives the generic code.
GENERIC_CONTROL = {"meansOfControlOther": "other_control"}


def _key(header: str) -> str:
    return fold(header).replace(" ", "")


def looks_like(headers: list[str]) -> bool:
    keys = {_key(h) for h in headers}
    return len(SIGNATURE & keys) >= 3


def _known(value: str) -> str:
    value = (value or "").strip()
    return "" if value in ("", UNKNOWN, "-99.0", "NA", "N/A", "0", "00") else value


def _flag(value: str) -> bool:
    return (value or "").strip() in ("1", "1.0", "true", "True", "TRUE")


@cache
def _control_flags() -> dict[str, str]:
    """Our means-of-control code → its CTDC flag (the vocabulary's ``ctdc`` column); read
    once, not once per row."""
    from nanduti.taxonomy import vocab

    return {t.code: t.extra.get("ctdc", "") for t in vocab.get("means_of_control")}


def _control_codes(cells_flag) -> list[str]:
    """Our codes for the meansOfControl* flags set to 1 (the first code of each flag in
    the vocabulary's order, or the generic one)."""
    codes: list[str] = []
    seen: set[str] = set()
    for code, flag in _control_flags().items():
        if flag and flag not in seen and cells_flag(flag):
            seen.add(flag)
            codes.append(GENERIC_CONTROL.get(flag, code))
    return codes


def _our_band(ctdc_band: str) -> str:
    """Our age band when the CTDC band lies wholly inside one of ours."""
    from nanduti.taxonomy import vocab

    span = band_range(ctdc_band, "age_band_ctdc")
    if span is None:
        match = vocab.get("age_band_ctdc").normalize(ctdc_band, fuzzy=False)
        span = band_range(match.code, "age_band_ctdc") if match else None
    if span is None:
        return ""
    for term in vocab.get("age_band"):
        low, high = band_range(term.code) or (0, -1)
        if low <= span[0] and span[1] <= high:
            return term.code
    return ""


class Adapter:
    """CTDC header and rows → flat rows (``FLAT_HEADERS``)."""

    def __init__(self, headers: list[str]):
        self.position = {}
        for i, header in enumerate(headers):
            self.position.setdefault(_key(header), i)
        self.id_position = next(
            (self.position[k] for k in CTDC_ID_HEADERS if k in self.position), None
        )
        self.headers = list(FLAT_HEADERS)

    def _cell(self, cells: list[str], name: str) -> str:
        i = self.position.get(_key(name))
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def convert(self, cells: list[str]) -> list[str]:
        cell = self._cell
        reference = cells[self.id_position].strip() if self.id_position is not None else ""
        gender = _known(cell(cells, "gender"))
        sex = GENDER.get(fold(gender), "other" if gender else "")
        band = _known(cell(cells, "ageBroad"))
        types: list[str] = []
        for flag, codes in FLAG_TYPES.items():
            if _flag(cell(cells, flag)):
                types.extend(c for c in codes if c not in types)
        relation = ""
        text = _known(cell(cells, "RecruiterRelationship"))
        if text:
            first = text.replace(",", ";").split(";")[0]
            relation = RELATION.get(fold(first), "")
        else:
            for code, flag in RELATION_FLAG_OF.items():
                if _flag(cell(cells, f"recruiterRelation{flag}")):
                    relation = code
                    break
            else:
                if _flag(cell(cells, "recruiterRelationUnknown")):
                    relation = "unknown"
        control = _control_codes(lambda flag: _flag(cell(cells, flag)))
        return [
            reference,
            _known(cell(cells, "yearOfRegistration")),
            sex,
            band,
            _our_band(band) if band else "",
            _known(cell(cells, "citizenship")),
            _known(cell(cells, "CountryOfExploitation")),
            "|".join(types),
            relation,
            "|".join(control),
        ]


def _majority(row: dict[str, str]) -> str:
    age = row.get("victim_age", "")
    if age.isdigit():
        return "Minor" if int(age) < 18 else "Adult"
    for band, vocabulary in (
        (row.get("victim_age_band", ""), "age_band"),
        (row.get("victim_age_band_ctdc", ""), "age_band_ctdc"),
    ):
        span = band_range(band, vocabulary) if band else None
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
