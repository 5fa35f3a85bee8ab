"""The demo profile (``data/profile.toml``) resolved against the vocabularies: a :class:`Plan`
of weighted draws, each proportion with its source in the profile (the TEDIC / Luna Nueva 2024
study's Tables 4-8, the National Police 2019-2023 victim profile it cites, the Ministry of
Women's answer) or marked as an assumption."""

from __future__ import annotations

import tomllib
from bisect import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nanduti.taxonomy import vocab

PROFILE_PATH = Path(__file__).resolve().parent / "data" / "profile.toml"


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


def institution_codes() -> list[str]:
    """Institutions the demo generates records for."""
    return list(build_plan().institutions)
