"""The synthetic case rows: invented cases whose proportions follow the profile.

:func:`generate_rows` yields rows of the flat case-row format (``registry.schema``: column
name → string), one per victim, from a seeded ``random.Random``: the same seed and the
same profile give the same rows, byte for byte.

Every row says ``synthetic=yes`` and ``source=demo``; case references, document numbers
and phone numbers start with ``DEMO-``; names are drawn from a short list of common first
names and surnames. The same invented person appears now and then in the records of
several institutions (MINNA → Prosecutor → Police referrals), with slightly different
spellings, so that record linkage has something to find. Pure apart from reading the
profile and the vocabularies.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import islice

from nanduti.demo.people import Person, name_as_recorded, referred_copy
from nanduti.demo.profile import InstitutionPlan, Plan, build_plan
from nanduti.registry import schema

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in schema.COLUMNS)
# Cases per block of the random stream (see chunks); fixed, or the data would change.
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
VICTIM_REFERENCES = [str(n) for n in range(100)]
SUMMARY = "SINTÉTICO: caso inventado de demostración / SYNTHETIC: invented demo case"


class Generator:
    """One block of cases from its own random stream (``chunk``), row by row."""

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
            victim["victim_name"] = name_as_recorded(person, rnd)
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
            waiting.append(referred_copy(person, institution, arrival))

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
    only = only_institutions(plan, institutions)
    rows = (
        row
        for chunk, size in chunks(cases)
        for row in Generator(plan, seed, only, chunk).rows(size)
    )
    return islice(rows, max_rows) if max_rows is not None else rows


def only_institutions(plan: Plan, institutions: Sequence[str] | None) -> frozenset[str] | None:
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


def chunks(cases: int) -> list[tuple[int, int]]:
    """(chunk number, cases) in blocks of CHUNK_CASES: each block has its own random stream,
    so blocks can be generated in parallel and a longer run starts with the same cases."""
    return [
        (k, min(CHUNK_CASES, cases - start)) for k, start in enumerate(range(0, cases, CHUNK_CASES))
    ]
