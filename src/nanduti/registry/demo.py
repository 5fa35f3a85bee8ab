"""The synthetic demo data set: invented cases whose proportions follow published figures.

:func:`generate_rows` yields rows of the flat case-row format (``registry.schema``: column
name → string), one per victim, from a seeded ``random.Random``: the same seed and the
same profile give the same rows, byte for byte. The proportions live in
``demo_profile.toml`` beside this module, each with its source (the TEDIC / Luna Nueva
2024 study's Tables 4-8, the National Police 2019-2023 victim profile it cites, the
Ministry of Women's answer) or marked as an assumption.

Every row says ``synthetic=yes`` and ``source=demo``; case references, document numbers
and phone numbers start with ``DEMO-``; names are drawn from a short list of common first
names and surnames. The same invented person appears now and then in the records of
several institutions (MINNA → Prosecutor → Police referrals), with slightly different
spellings, so that record linkage has something to find.

The generator is pure apart from reading the profile and the vocabularies; the database
side (institutions, demo users, loading through the importer, sample monitoring) is a few
small functions at the end, used by the ``demo`` and ``generate-demo`` commands.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import random
import tomllib
import unicodedata
from bisect import bisect
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TextIO

from nanduti.registry import schema
from nanduti.taxonomy import vocab

PROFILE_PATH = Path(__file__).resolve().parent / "demo_profile.toml"
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in schema.COLUMNS)
# Cases per block of the random stream (see _chunks); fixed, or the data would change.
CHUNK_CASES = 20_000
MINOR_BANDS = ("0_11", "12_14", "15_17")
BAND_AGES = {
    "0_11": (3, 11),
    "12_14": (12, 14),
    "15_17": (15, 17),
    "18_24": (18, 24),
    "25_34": (25, 34),
    "35_plus": (35, 58),
}
SEXUAL_GROUP = frozenset({"sexual", "esnna", "online_sexual", "csam"})
# Short tags used in case references (DEMO-FIS-2021-000123).
REFERENCE_TAGS = {
    "mp_ufetesi": "FIS",
    "police_antitrata": "POL",
    "minna": "MINNA",
    "min_mujer": "MMUJER",
    "luna_nueva": "LUNA",
}
# Event fields a "not asked" institution leaves as not_asked.
NOT_ASKED_GROUPS = {
    "platforms": ("platforms_recruitment",),
    "lure": ("lure",),
    "modality": ("modality",),
    "recruiter_relation": ("recruiter_relation",),
    "perpetrators": ("perpetrator_roles", "perpetrator_sexes", "perpetrator_nationalities"),
    "transfer": ("transfer_type",),
    "legal_status": ("legal_status",),
}
VICTIM_REFERENCES = [str(n) for n in range(100)]
SUMMARY = "SINTÉTICO: caso inventado de demostración / SYNTHETIC: invented demo case"


class Weighted:
    """A categorical distribution drawn with one uniform number and a bisection (fast)."""

    __slots__ = ("codes", "cum", "total")

    def __init__(self, weights: dict) -> None:
        items = [(str(k), float(v)) for k, v in weights.items() if float(v) > 0]
        if not items:
            raise ValueError("empty distribution / distribución vacía")
        self.codes = tuple(k for k, _ in items)
        cum, running = [], 0.0
        for _k, w in items:
            running += w
            cum.append(running)
        self.cum = tuple(cum)
        self.total = running

    def draw(self, rnd: Callable[[], float]) -> str:
        """One code; ``rnd`` is a bound ``random.Random.random`` (saves a lookup per draw)."""
        return self.codes[bisect(self.cum, rnd() * self.total)]

    def share(self, code: str) -> float:
        """The probability of ``code`` (0 when absent)."""
        if code not in self.codes:
            return 0.0
        i = self.codes.index(code)
        return (self.cum[i] - (self.cum[i - 1] if i else 0.0)) / self.total


# ---------------------------------------------------------------------------------------
# The profile, resolved against the vocabularies


# Profile codes missing from their vocabulary (a typo, or a vocabulary not written yet):
# they are left out of the draws; tests require this to stay empty.
DROPPED: set[str] = set()


@cache
def load_profile(path: str | None = None) -> dict:
    with open(path or PROFILE_PATH, "rb") as fh:
        return tomllib.load(fh)


def _vocabulary(name: str) -> vocab.Vocabulary | None:
    """The vocabulary if its data file exists yet; None otherwise (generator still works)."""
    try:
        return vocab.get(name)
    except (KeyError, FileNotFoundError):
        return None


def _known(codes: Iterable[str], vocabulary: str) -> list[str]:
    v = _vocabulary(vocabulary)
    return [c for c in codes if v is None or c in v]


def _weights(raw: dict, vocabulary: str = "", universe: Sequence[str] = ()) -> Weighted:
    """Weights from the profile; ``_rest`` spread over ``universe`` codes not named."""
    weights = {str(k): float(v) for k, v in raw.items() if not str(k).endswith("_source")}
    rest = weights.pop("_rest", 0.0)
    if rest and universe:
        others = [c for c in universe if c not in weights]
        for code in others:
            weights[code] = rest / len(others)
    if vocabulary:
        allowed = set(_known(weights, vocabulary))
        DROPPED.update(f"{vocabulary}:{k}" for k in weights if k not in allowed and k != "unknown")
        weights = {k: w for k, w in weights.items() if k in allowed or k == "unknown"}
    return Weighted(weights)


@dataclass
class InstitutionPlan:
    code: str
    share: float
    sex: Weighted
    sex_by_year: dict[int, Weighted]
    minor_share: float
    minor_bands: Weighted
    adult_bands: Weighted
    age_recorded: Weighted
    departments: Weighted
    nationality: Weighted
    exploitation: Weighted
    ict_share: float
    ict_unknown: float
    platforms: Weighted | None
    transfer: Weighted
    legal_status: Weighted
    victims_per_case: Weighted
    not_asked: frozenset[str]
    identified: float
    refers_to: tuple[tuple[str, float], ...]
    received_share: float
    tag: str = ""  # in case references: DEMO-<tag>-<year>-<serial>
    assists: bool = False
    records_provisions: bool = False
    not_asked_columns: tuple[str, ...] = ()
    minna_table8: dict[int, Weighted] = field(default_factory=dict)
    minna_sex: dict[str, Weighted] = field(default_factory=dict)


@dataclass
class Plan:
    years: Weighted
    institutions: dict[str, InstitutionPlan]
    institution_pick: Weighted
    districts: dict[str, Weighted]
    ict: dict[str, Weighted]
    ict_rates: dict[str, float]
    offline: dict[str, Weighted]
    destinations_international: Weighted
    destinations_internal: Weighted
    perpetrator_count: Weighted
    perpetrator_sex: Weighted
    perpetrator_nationality: Weighted
    perpetrator_role: Weighted
    provisions: dict[str, tuple[str, ...]]
    assistance: Weighted
    names: dict[str, tuple[str, ...]]
    labels: dict[str, str]


def _departments() -> list[str]:
    return [t.code for t in vocab.get("department").terms]


def _district_weights(profile: dict, departments: list[str]) -> dict[str, Weighted]:
    v = _vocabulary("district")
    boosts = profile.get("district_weights", {})
    result: dict[str, Weighted] = {}
    for department in departments:
        codes = [t.code for t in v.children(department)] if v is not None else []
        if not codes:
            codes = [c for c in boosts if c.startswith(department + ".")]
        if codes:
            result[department] = Weighted({c: boosts.get(c, 1.0) for c in codes})
    return result


def _institution_plan(code: str, raw: dict, share: float, departments: list[str]):
    sex_by_year = {
        int(year): _weights(weights, "sex") for year, weights in raw.get("sex_by_year", {}).items()
    }
    table8: dict[int, Weighted] = {}
    minna_sex: dict[str, Weighted] = {}
    if "minna_table8" in raw:
        totals: dict[str, list[float]] = {}
        for year, categories in raw["minna_table8"].items():
            table8[int(year)] = Weighted({k: sum(v) for k, v in categories.items()})
            for category, (female, male) in categories.items():
                total = totals.setdefault(category, [0.0, 0.0])
                total[0] += female
                total[1] += male
        table8[0] = Weighted({k: sum(v) for k, v in totals.items()})
        minna_sex = {k: Weighted({"female": f, "male": m}) for k, (f, m) in totals.items()}
    platforms = raw.get("platforms_override")
    return InstitutionPlan(
        code=code,
        share=share,
        sex=_weights(raw["sex"], "sex"),
        sex_by_year=sex_by_year,
        minor_share=float(raw["minor_share"]),
        minor_bands=_weights(raw["minor_bands"], "age_band"),
        adult_bands=_weights(raw["adult_bands"], "age_band"),
        age_recorded=Weighted(raw["age_recorded"]),
        departments=_weights(raw["departments"], "department", departments),
        nationality=_weights(raw["nationality"], "country"),
        exploitation=Weighted(raw["exploitation"]),
        ict_share=float(raw["ict_share"]),
        ict_unknown=float(raw["ict_unknown"]),
        platforms=_weights(platforms, "platform") if platforms else None,
        transfer=_weights(raw["transfer"], "transfer_type"),
        legal_status=_weights(raw["legal_status"], "legal_status"),
        victims_per_case=Weighted(raw["victims_per_case"]),
        not_asked=frozenset(raw.get("not_asked", ())),
        identified=float(raw["identified"]),
        refers_to=tuple((k, float(p)) for k, p in raw.get("refers_to", {}).items()),
        received_share=float(raw.get("received_share", 0.0)),
        assists=bool(raw.get("assists", False)),
        records_provisions=bool(raw.get("records_provisions", False)),
        tag=REFERENCE_TAGS.get(code, code.upper()),
        not_asked_columns=tuple(
            c for g in raw.get("not_asked", ()) for c in NOT_ASKED_GROUPS.get(g, ())
        ),
        minna_table8=table8,
        minna_sex=minna_sex,
    )


def _labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for name in ("department", "country"):
        v = _vocabulary(name)
        if v is not None:
            labels.update({t.code: t.label_es for t in v.terms})
    return labels


@cache
def build_plan(profile_path: str | None = None) -> Plan:
    """The profile turned into ready-to-draw distributions, checked against vocabularies."""
    profile = load_profile(profile_path)
    departments = _departments()
    default = profile["default"]
    shares = {k: float(v) for k, v in profile["institution_share"].items() if k != "source"}
    institutions = {}
    for code, share in shares.items():
        raw = {**default, **profile.get("institution", {}).get(code, {})}
        institutions[code] = _institution_plan(code, raw, share, departments)
    ict = profile["ict"]
    provisions = {
        k: tuple(_known(v, "legal_provision"))
        for k, v in profile["provisions"].items()
        if not k.endswith("source")
    }
    perpetrators = profile["perpetrators"]
    return Plan(
        years=Weighted(profile["years"]["weights"]),
        institutions=institutions,
        institution_pick=Weighted(shares),
        districts=_district_weights(profile, departments),
        ict={
            "adult": _weights(ict["platforms_adult"], "platform"),
            "minor": _weights(ict["platforms_minor"], "platform"),
            "second": _weights(ict["second_platform_pool"], "platform"),
            "payment": _weights(ict["payment"], "platform"),
            "transfer": _weights(ict["transfer_platforms"], "platform"),
            "exploitation": _weights(ict["exploitation_platforms"], "platform"),
            "advertising": _weights(ict["advertising"], "platform"),
            "modality": _weights(ict["modality"], "modality"),
            "lure": _weights(ict["lure"], "lure"),
            "recruiter_relation": _weights(ict["recruiter_relation"], "recruiter_relation"),
        },
        ict_rates={
            k: float(ict[k])
            for k in (
                "second_platform",
                "payment_share",
                "transfer_platform_share",
                "exploitation_online_share",
                "advertising_share",
                "online_sexual_share",
                "csam_share_minors",
            )
        },
        offline={
            k: _weights(v, k) for k, v in profile["offline"].items() if not k.endswith("_source")
        },
        destinations_international=_weights(profile["destinations"]["international"], "country"),
        destinations_internal=_weights(profile["destinations"]["internal"], "department"),
        perpetrator_count=Weighted(perpetrators["count"]),
        perpetrator_sex=_weights(perpetrators["sex"], "sex"),
        perpetrator_nationality=_weights(perpetrators["nationality"], "country"),
        perpetrator_role=_weights(perpetrators["role"], "perpetrator_role"),
        provisions=provisions,
        assistance=_weights(profile["assistance"]["types"], "assistance_type"),
        names={k: tuple(v) for k, v in profile["names"].items()},
        labels=_labels(),
    )


# ---------------------------------------------------------------------------------------
# Invented people


@dataclass(slots=True)
class Person:
    first: str
    surname1: str
    surname2: str
    document: str
    phone: str
    birth: int  # proleptic ordinal of the birth date
    sex: str
    minor: bool
    department: str
    institution: str = ""  # who referred this person
    record_day: int = 0  # when the receiving institution records them


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _name_as_recorded(person: Person, rnd: Callable[[], float]) -> str:
    """Institutions write the same name differently; linkage must cope."""
    r = rnd()
    if r < 0.15:
        return f"{person.first} {person.surname1}"
    if r < 0.25:
        return _strip_accents(f"{person.first} {person.surname1} {person.surname2}").upper()
    return f"{person.first} {person.surname1} {person.surname2}"


# ---------------------------------------------------------------------------------------
# The generator


class _Generator:
    def __init__(self, plan: Plan, seed: int, only: frozenset[str] | None, chunk: int) -> None:
        self.plan = plan
        # A string seed is hashed with SHA-512: the same stream on every machine.
        self.rng = random.Random(f"nanduti-demo/{seed}/{chunk}")
        self.only = only
        self.chunk = chunk
        self.serial: dict[str, int] = {}
        # Persons referred to an institution, waiting for its record: key (institution, sex,
        # minor, department) → recent persons. Bounded so memory stays flat on 1M cases.
        self.pool: dict[tuple, deque] = {}
        self.blank = dict.fromkeys(COLUMN_NAMES, "")
        self.blank.update(source="demo", synthetic="yes", summary=SUMMARY)
        self.year_start = {y: date(y, 1, 1).toordinal() for y in range(2015, 2026)}
        self.last_day = date(2024, 12, 31).toordinal()
        self.document_serial = 0

    # -- people --------------------------------------------------------------------------

    def new_person(self, sex: str, minor: bool, band: str, day: int, department: str) -> Person:
        rnd = self.rng.random
        names = self.plan.names
        firsts = names["male"] if sex == "male" else names["female"]
        surnames = names["surnames"]
        low, high = BAND_AGES.get(band, (18, 40) if not minor else (12, 17))
        age = low + int(rnd() * (high - low + 1))
        # Born between `age` and `age + 1` years before `day` (4 years = 1461 days).
        birth = day - (age * 1461 + 3) // 4 - int(rnd() * 365)
        self.document_serial += 1
        serial = self.document_serial
        # Unique per invented person; the "DEMO-" prefix is never on a real document.
        tag = f"{self.chunk:03d}-{serial:06d}"
        return Person(
            firsts[int(rnd() * len(firsts))],
            surnames[int(rnd() * len(surnames))],
            surnames[int(rnd() * len(surnames))],
            "DEMO-" + tag,
            "DEMO-09" + tag,
            birth,
            sex,
            minor,
            department,
        )

    # -- one case record -----------------------------------------------------------------

    def case(self, inst: InstitutionPlan) -> list[dict[str, str]]:
        """One case record of ``inst``: one row per victim."""
        rnd = self.rng.random
        plan = self.plan
        year = int(plan.years.draw(rnd))
        day = self.year_start[year] + int(rnd() * 365)
        department = inst.departments.draw(rnd)
        minna_category = ""
        if inst.minna_table8:
            minna_category = inst.minna_table8.get(year, inst.minna_table8[0]).draw(rnd)
        victims, referred_from, day = self.victims(inst, year, day, department, minna_category)
        when = date.fromordinal(day)
        year = when.year

        row = self.blank.copy()
        serial = self.serial.get(inst.code, 0) + 1
        self.serial[inst.code] = serial
        row["institution"] = inst.code
        row["case_reference"] = f"DEMO-{inst.tag}-{year}-{self.chunk:03d}{serial:05d}"
        row["year"] = str(year)
        row["reported_on"] = when.isoformat()
        row["department"] = department
        districts = plan.districts.get(department)
        if districts is not None and rnd() < 0.8:
            row["district"] = districts.draw(rnd)
        any_minor = any(p.minor for p, _r in victims)
        ict, relation = self.technology(row, inst, any_minor)
        types, group = self.exploitation(inst, minna_category, any_minor, bool(ict))
        row["exploitation_types"] = "|".join(types)
        self.transfer(row, inst, department, group, types, bool(ict))
        if "legal_status" not in inst.not_asked:
            row["legal_status"] = inst.legal_status.draw(rnd)
        if inst.records_provisions:
            row["provisions"] = "|".join(self.provisions(types, any_minor))
        if "perpetrators" not in inst.not_asked and rnd() < 0.7:
            self.perpetrators(row)
        row["referred_from"] = referred_from
        referred_to = [target for target, p in inst.refers_to if rnd() < p]
        row["referred_to"] = "|".join(referred_to)
        if inst.assists:
            k = 1 + int(rnd() * 3)
            row["assistance_types"] = "|".join(
                sorted({plan.assistance.draw(rnd) for _ in range(k)})
            )
        row["recruiter_relation"] = relation
        for column in inst.not_asked_columns:
            row[column] = "not_asked"
        rows = [
            self.victim_row(row, inst, person, recorded, n, when)
            for n, (person, recorded) in enumerate(victims, start=1)
        ]
        for person, _recorded in victims:
            self.refer(person, inst.code, day, referred_to)
        return rows

    def victims(
        self, inst: InstitutionPlan, year: int, day: int, department: str, minna_category: str
    ) -> tuple[list[tuple[Person, str]], str, int]:
        """The case's victims (person, how their age is recorded), who referred the first
        one (if anyone) and the record's day, which follows that referral."""
        rnd = self.rng.random
        sex_dist = (
            inst.minna_sex[minna_category]
            if minna_category
            else inst.sex_by_year.get(year, inst.sex)
        )
        victims: list[tuple[Person, str]] = []
        referred_from = ""
        for index in range(int(inst.victims_per_case.draw(rnd))):
            sex = sex_dist.draw(rnd)
            minor = rnd() < inst.minor_share
            recorded = inst.age_recorded.draw(rnd)
            person = None
            # Only the first victim comes from a referral: the record's date follows it.
            if index == 0 and rnd() < inst.received_share:
                waiting = self.pool.get((inst.code, sex, minor, department, year))
                if waiting:
                    person = waiting.pop()  # the most recent referral
                    referred_from = person.institution
                    day = person.record_day
            if person is None:
                band = (inst.minor_bands if minor else inst.adult_bands).draw(rnd)
                person = self.new_person(sex, minor, band, day, department)
            victims.append((person, recorded))
        return victims, referred_from, day

    def technology(self, row: dict, inst: InstitutionPlan, minor: bool) -> tuple[bool | None, str]:
        """Platforms per phase, lure, modality; returns (ICT used: True, False or None when
        unknown or not asked) and the recruiter relation for the victim rows."""
        rnd = self.rng.random
        plan = self.plan
        if "platforms" in inst.not_asked:
            return None, ""  # the not_asked columns are filled by the caller
        if rnd() < inst.ict_unknown:
            row["platforms_recruitment"] = row["lure"] = row["modality"] = "unknown"
            return None, "unknown"
        ict = rnd() < inst.ict_share
        if ict:
            row.update(self.platforms(inst, minor))
        source = plan.ict if ict else plan.offline
        if rnd() < 0.8:
            row["lure"] = source["lure"].draw(rnd)
        if rnd() < 0.7:
            row["modality"] = source["modality"].draw(rnd)
        relation = source["recruiter_relation"].draw(rnd) if rnd() < 0.85 else ""
        return ict, relation

    def victim_row(
        self,
        row: dict,
        inst: InstitutionPlan,
        person: Person,
        recorded: str,
        number: int,
        when: date,
    ) -> dict[str, str]:
        rnd = self.rng.random
        victim = row.copy()
        victim["victim_reference"] = VICTIM_REFERENCES[number]
        victim["victim_sex"] = person.sex
        victim["victim_nationality"] = inst.nationality.draw(rnd)
        victim["victim_residence_department"] = person.department
        born = date.fromordinal(person.birth)
        age = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
        if recorded == "unknown":
            victim["victim_age_band"] = "unknown"
        else:
            victim["victim_age_band"] = _BANDS[age] if age < 35 else "35_plus"
            if recorded == "exact":
                victim["victim_age"] = str(age)
                victim["victim_age_band_ctdc"] = _CTDC[age] if age < 48 else "48+"
        if rnd() < inst.identified:
            victim["victim_name"] = _name_as_recorded(person, rnd)
            if rnd() < 0.85:
                victim["victim_document"] = person.document
            if rnd() < 0.5:
                victim["victim_phone"] = person.phone
            if recorded == "exact" and rnd() < 0.8:
                victim["victim_birth_date"] = born.isoformat()
        return victim

    def refer(self, person: Person, institution: str, day: int, targets: list[str]) -> None:
        """Puts the person in the pools of the institutions the case was referred to."""
        rnd = self.rng.random
        for target in targets:
            # The receiving record follows the referral by days to months; its year is part
            # of the key so that the receiver's yearly figures stay as published.
            arrival = min(day + 10 + int(rnd() * 90), self.last_day)
            key = (target, person.sex, person.minor, person.department, _year(arrival))
            waiting = self.pool.get(key)
            if waiting is None:
                waiting = self.pool[key] = deque(maxlen=64)
            waiting.append(_referred_copy(person, institution, arrival))

    def platforms(self, inst: InstitutionPlan, minor: bool) -> dict[str, str]:
        rng = self.rng
        rnd = rng.random
        plan = self.plan
        rates = plan.ict_rates
        dist = inst.platforms or plan.ict["minor" if minor else "adult"]
        first = dist.draw(rnd)
        recruitment = [first]
        if inst.platforms is None and rnd() < rates["second_platform"]:
            second = plan.ict["second"].draw(rnd)
            if second != first:
                recruitment.append(second)
        found = {"platforms_recruitment": "|".join(recruitment)}
        if inst.platforms is None:
            if rnd() < rates["payment_share"]:
                found["platforms_payment"] = plan.ict["payment"].draw(rnd)
            if rnd() < rates["transfer_platform_share"]:
                found["platforms_transfer"] = plan.ict["transfer"].draw(rnd)
            if rnd() < rates["exploitation_online_share"]:
                found["platforms_exploitation"] = plan.ict["exploitation"].draw(rnd)
            if rnd() < rates["advertising_share"]:
                found["platforms_advertising"] = plan.ict["advertising"].draw(rnd)
        return found

    def exploitation(
        self, inst: InstitutionPlan, minna_category: str, minor: bool, ict: bool
    ) -> tuple[list[str], str]:
        rng = self.rng
        rates = self.plan.ict_rates
        rnd = rng.random
        if minna_category == "trafficking_labour_sexual":
            group = "sexual" if rnd() < 0.6 else "labour"
        elif minna_category == "esnna":
            group = "sexual"
        elif minna_category == "other":
            # "Other violations": the table names no type (assumption, see the profile).
            r = rnd()
            return [
                "criadazgo" if r < 0.5 else "forced_begging" if r < 0.75 else "unknown"
            ], "other"
        else:
            group = inst.exploitation.draw(rnd)
        if group == "sexual":
            types = ["esnna" if minor else "sexual"]
            if ict and rnd() < rates["online_sexual_share"]:
                types.append("online_sexual")
            if ict and minor and rnd() < rates["csam_share_minors"]:
                types.append("csam")
            return types, group
        if group == "labour":
            return ["labour"], group
        return ["unknown"], group  # international (type unrecorded) and unspecified

    def transfer(
        self,
        row: dict,
        inst: InstitutionPlan,
        department: str,
        group: str,
        types: list[str],
        ict: bool,
    ) -> None:
        rnd = self.rng.random
        plan = self.plan
        if "transfer" in inst.not_asked:
            return
        kind = "international" if group == "international" else inst.transfer.draw(rnd)
        if kind == "none" and not ict:
            kind = "internal"
        row["transfer_type"] = kind
        row["origin_department"] = department
        labels = plan.labels
        if kind == "international":
            country = plan.destinations_international.draw(rnd)
            row["destination_country"] = country
            row["exploitation_country"] = country
            row["travel_paid_by_recruiter"] = "yes" if rnd() < 0.7 else "unknown"
            if rnd() < 0.3:
                row["route"] = (
                    f"{labels.get(department, department)} → {labels.get(country, country)}"
                )
            row["exploitation_setting"] = "offline"
        elif kind == "internal":
            destination = plan.destinations_internal.draw(rnd)
            if destination != department:
                row["destination_department"] = destination
            row["exploitation_country"] = "PY"
            row["exploitation_setting"] = "both" if "online_sexual" in types else "offline"
        elif kind == "none":
            row["exploitation_country"] = "PY"
            row["exploitation_setting"] = "online"

    def provisions(self, types: list[str], minor: bool) -> list[str]:
        provisions = self.plan.provisions
        codes = list(provisions["trafficking"])
        if minor:
            codes += provisions["minor"]
        for kind in types:
            codes += provisions.get(kind, ())
        return codes

    def perpetrators(self, row: dict) -> None:
        rnd = self.rng.random
        plan = self.plan
        n = int(plan.perpetrator_count.draw(rnd))
        sex, nationality, role = (
            plan.perpetrator_sex,
            plan.perpetrator_nationality,
            plan.perpetrator_role,
        )
        if n == 1:  # the common case, without lists
            row["perpetrator_sexes"] = sex.draw(rnd)
            row["perpetrator_nationalities"] = nationality.draw(rnd)
            row["perpetrator_roles"] = role.draw(rnd)
            return
        row["perpetrator_sexes"] = "|".join([sex.draw(rnd) for _ in range(n)])
        row["perpetrator_nationalities"] = "|".join([nationality.draw(rnd) for _ in range(n)])
        row["perpetrator_roles"] = "|".join([role.draw(rnd) for _ in range(n)])

    def rows(self, cases: int) -> Iterator[dict[str, str]]:
        plan = self.plan
        produced = 0
        pick = plan.institution_pick
        institutions = plan.institutions
        rnd = self.rng.random
        while produced < cases:
            inst = institutions[pick.draw(rnd)]
            rows = self.case(inst)
            if self.only is not None and inst.code not in self.only:
                continue
            produced += 1
            yield from rows


def _referred_copy(person: Person, institution: str, day: int) -> Person:
    copy = Person(
        person.first,
        person.surname1,
        person.surname2,
        person.document,
        person.phone,
        person.birth,
        person.sex,
        person.minor,
        person.department,
        institution,
        day,
    )
    return copy


def _year(day: int) -> int:
    return date.fromordinal(day).year


# Age → band, by index (ages 0-34; 35 and more: "35_plus"; CTDC: 48 and more "48+").
_BANDS = ("0_11",) * 12 + ("12_14",) * 3 + ("15_17",) * 3 + ("18_24",) * 7 + ("25_34",) * 10


_CTDC = (
    ("0-8",) * 9
    + ("9-17",) * 9
    + ("18-20",) * 3
    + ("21-23",) * 3
    + ("24-26",) * 3
    + ("27-29",) * 3
    + ("30-38",) * 9
    + ("39-47",) * 9
)


def generate_rows(
    cases: int,
    seed: int = 0,
    institutions: Sequence[str] | None = None,
    max_rows: int | None = None,
    profile_path: str | None = None,
) -> Iterator[dict[str, str]]:
    """Rows (column name → string) of ``cases`` synthetic case records, one row per victim.

    ``institutions`` keeps only those institutions' records (codes of the ``institution``
    vocabulary); ``max_rows`` stops after that many rows (benchmarks ask for rows).
    """
    plan = build_plan(profile_path)
    only = _only(plan, institutions)
    rows = (
        row
        for chunk, size in _chunks(cases)
        for row in _Generator(plan, seed, only, chunk).rows(size)
    )
    return islice(rows, max_rows) if max_rows is not None else rows


def _only(plan: Plan, institutions: Sequence[str] | None) -> frozenset[str] | None:
    only = frozenset(institutions) if institutions else None
    if only is not None:
        unknown = only - set(plan.institutions)
        if unknown:
            raise ValueError(
                f"institución sin perfil de demostración / institution without a demo profile: "
                f"{', '.join(sorted(unknown))} (válidas / valid: "
                f"{', '.join(sorted(plan.institutions))})"
            )
    return only


def _chunks(cases: int) -> list[tuple[int, int]]:
    """(chunk number, cases) in blocks of CHUNK_CASES: each block has its own random stream,
    so blocks can be generated in parallel and a longer run starts with the same cases."""
    return [
        (k, min(CHUNK_CASES, cases - start)) for k, start in enumerate(range(0, cases, CHUNK_CASES))
    ]


def _chunk_csv(task: tuple[int, int, int, frozenset[str] | None]) -> tuple[str, int]:
    """One block as CSV text without header (runs in a worker process)."""
    seed, chunk, size, only = task
    out = io.StringIO()
    count = _write_lines(_Generator(build_plan(), seed, only, chunk).rows(size), out)
    return out.getvalue(), count


def write_csv_file(
    path,
    cases: int,
    seed: int = 0,
    institutions: Sequence[str] | None = None,
    max_rows: int | None = None,
    workers: int | None = None,
) -> int:
    """Generates straight into a CSV file, blocks in parallel on every CPU; the file is the
    same as ``write_csv(generate_rows(...))`` whatever the number of workers."""
    plan = build_plan()
    only = _only(plan, institutions)
    chunks = _chunks(cases)
    workers = min(workers or os.cpu_count() or 1, len(chunks))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            return write_csv(generate_rows(cases, seed, institutions, max_rows), fh)
        csv.writer(fh, lineterminator="\n").writerow(COLUMN_NAMES)
        tasks = [(seed, chunk, size, only) for chunk, size in chunks]
        written = 0
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for text, count in pool.imap(_chunk_csv, tasks):
                if max_rows is not None and written + count >= max_rows:
                    keep = max_rows - written
                    lines = text.splitlines(keepends=True)
                    fh.write("".join(_whole_records(lines, keep)))
                    return max_rows
                fh.write(text)
                written += count
        return written


def _whole_records(lines: list[str], records: int) -> list[str]:
    """The first ``records`` CSV records (a quoted value may span lines)."""
    text = "".join(lines)
    reader = csv.reader(io.StringIO(text))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for _ in range(records):
        writer.writerow(next(reader))
    return [out.getvalue()]


def institution_codes() -> list[str]:
    """Institutions the demo generates records for."""
    return list(build_plan().institutions)


def write_csv(rows: Iterable[dict[str, str]], out: TextIO) -> int:
    """Writes rows with the schema's English headers; returns how many rows were written."""
    csv.writer(out, lineterminator="\n").writerow(COLUMN_NAMES)
    return _write_lines(rows, out)


def _write_lines(rows: Iterable[dict[str, str]], out: TextIO) -> int:
    """Rows hold every column in schema order. Generated values rarely need CSV quoting, so
    a plain join is written when it is safe (2-3x faster than ``csv.writer``), else the row
    goes through ``csv.writer``."""
    writer = csv.writer(out, lineterminator="\n")
    commas = len(COLUMN_NAMES) - 1
    write, write_quoted = out.write, writer.writerow
    count = 0
    for row in rows:
        line = ",".join(row.values())
        if line.count(",") != commas or '"' in line or "\n" in line or "\r" in line:
            write_quoted(row.values())
        else:
            write(line + "\n")
        count += 1
    return count


# ---------------------------------------------------------------------------------------
# The database side, used by the ``demo`` and ``generate-demo`` commands (thin edges).

# (username, role, institution, password). Deterministic and printed on purpose: the demo
# runs on localhost with invented data; `nanduti demo` refuses production settings. The
# passwords pass the password validators (not like the user name, not a word plus digits).
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("demo-fiscalia", "officer", "mp_ufetesi", "lapacho-rosado-41"),
    ("demo-policia", "officer", "police_antitrata", "yerba-fresca-52"),
    ("demo-minna", "officer", "minna", "rio-tebicuary-63"),
    ("demo-mujer", "officer", "min_mujer", "cerro-kavaju-74"),
    ("demo-lunanueva", "officer", "luna_nueva", "encaje-ao-poi-85"),
    ("demo-responsable", "steward", "mp_ufetesi", "tatakua-caliente-96"),
    ("demo-analista", "analyst", "", "mburucuya-azul-17"),
    ("demo-admin", "admin", "", "palo-santo-firme-28"),
)


def default_csv_path(cases: int, seed: int) -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "demo" / f"demo-{cases}-casos-seed-{seed}.csv"


def ensure_institutions() -> int:
    """Every institution of the ``institution`` vocabulary as an Institution row; returns
    how many exist afterwards. Uses the importer's ``ensure_institution`` (idempotent)."""
    from nanduti.registry.importer import ensure_institution
    from nanduti.registry.models import Institution

    codes = [t.code for t in vocab.get("institution").terms]
    for code in codes:
        ensure_institution(code)
    return Institution.objects.count()


def ensure_users() -> list[tuple[str, str, str, str]]:
    """Creates (or resets) the demo users; returns (username, password, role, institution)."""
    from django.contrib.auth import get_user_model

    from nanduti.registry.importer import ensure_institution
    from nanduti.registry.models import Membership, Role

    user_model = get_user_model()
    created = []
    for username, role, institution_code, password in DEMO_USERS:
        user, _new = user_model.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = role in (Role.STEWARD, Role.ADMIN)
        user.is_superuser = role == Role.ADMIN
        user.save()
        institution = ensure_institution(institution_code) if institution_code else None
        Membership.objects.update_or_create(
            user=user, defaults={"role": role, "institution": institution}
        )
        created.append((username, password, role, institution_code))
    return created


def load_csv(path, user=None):
    """Imports a generated CSV through the importer (institution + reference: idempotent)."""
    from nanduti.registry.importer import import_file

    return import_file(path, user=user)


def load_demo_cases(cases: int, seed: int):
    """Generates ``cases`` case records into VAR_DIR/demo and imports them; the report."""
    path = default_csv_path(cases, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv_file(path, cases, seed)
    try:
        return load_csv(path)
    finally:
        path.unlink()  # the importer keeps its own content-addressed copy


def demo_counts() -> dict[str, int]:
    from nanduti.registry.models import Case, Victim

    cases = Case.objects.filter(synthetic=True)
    return {
        "cases": cases.count(),
        "victims": Victim.objects.filter(case__synthetic=True).count(),
        "institutions": cases.values("institution").distinct().count(),
    }
