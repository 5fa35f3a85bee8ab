"""Grouping the same story across outlets, days and languages.

Three outlets rewriting one police report share most of their word trigrams; their
MinHash signatures collide in the LSH index (``datasketch``), and every article joins the
group of the first one it resembles. The group id is that first article's id, so a case
reported three times counts once. Reports in other languages (es/en/pt) share facts rather
than words: :func:`group_by_facts` joins them (date window, places, platforms, numbers,
proper names; see :func:`same_story`).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import date

from datasketch import MinHash, MinHashLSH

from .gazetteer import fold_keep_length

NUM_PERM = 64
THRESHOLD = 0.4  # estimated Jaccard of word trigrams; rewrites of one story sit above it
SHINGLE_CHARS = 1200  # the lead carries the story; boilerplate tails differ by outlet
_WORD = re.compile(r"[a-z0-9ñ]+")


def shingles(text: str, size: int = 3, folded: bool = False) -> set[bytes]:
    head = text[:SHINGLE_CHARS]
    words = _WORD.findall(head if folded else fold_keep_length(head))
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=zlib.crc32)


def signature(text: str, folded: bool = False) -> MinHash | None:
    grams = shingles(text, folded=folded)
    if not grams:
        return None
    # the permutations depend only on the seed: drawing them once saves most of the cost
    minhash = MinHash(
        num_perm=NUM_PERM,
        seed=1,
        hashfunc=zlib.crc32,
        permutations=_TEMPLATE.permutations,
        scheme=_TEMPLATE.scheme,
    )
    minhash.update_batch(list(grams))
    return minhash


class StoryGrouper:
    """Streams articles in; returns each one's group id (the first similar article's id)."""

    def __init__(self, threshold: float = THRESHOLD):
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.group_of: dict[str, str] = {}
        self.signatures: dict[str, MinHash] = {}
        self.order: dict[str, int] = {}
        self.threshold = threshold

    def add(self, item_id: str, text: str, folded: bool = False) -> str:
        minhash = signature(text, folded)
        if minhash is None:
            self.group_of.setdefault(item_id, item_id)
            return item_id
        return self.add_signature(item_id, minhash)

    def add_signature(self, item_id: str, minhash: MinHash) -> str:
        best, best_rank = None, None
        for other in self.lsh.query(minhash):  # a set: its order changes between processes
            similarity = minhash.jaccard(self.signatures[other])
            rank = (-similarity, self.order[other])  # most similar, then earliest: stable
            if similarity >= self.threshold and (best_rank is None or rank < best_rank):
                best, best_rank = other, rank
        group = self.group_of[best] if best else item_id
        key = item_id if item_id not in self.signatures else f"{item_id}#{len(self.signatures)}"
        self.lsh.insert(key, minhash)
        self.order[key] = len(self.order)
        self.signatures[key] = minhash
        self.group_of[key] = group
        self.group_of.setdefault(item_id, group)
        return group


def group_stories(items: list[tuple[str, str]], threshold: float = THRESHOLD) -> dict[str, str]:
    """{id: group id} for (id, text) pairs."""
    grouper = StoryGrouper(threshold)
    return {item_id: grouper.add(item_id, text) for item_id, text in items}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


# --- the same story across languages: shared facts, not shared words --------------------------
# A Spanish and an English report of one rescue share almost no word trigrams, but they share
# the facts: the days, the places and countries (canonical names), the platforms, the numbers
# (three women, 140 dollars, 16 years) and the proper names. Two stories are one when they fall
# in one date window, contradict each other on no fact, and share enough specific facts.

DATE_WINDOW_DAYS = 14
FACT_CHARS = 1500  # the lead states the facts; the tail is background and page furniture
MIN_SPECIFIC = 2  # shared numbers + proper names that make two reports one story …
MIN_SPECIFIC_WITH_CONTEXT = 1  # … or one of them with this many shared places/platforms:
MIN_CONTEXT = 3
COMMON_SHARE = 0.2  # a name or number in more than this share of the items is not specific,
COMMON_MAX = 30  # nor one in more reports than this (it names a place or an institution)
NUMBER_WORDS = {
    # Spanish, Portuguese, English; "one"/"two" say too little to join stories
    "tres": 3, "cuatro": 4, "quatro": 4, "four": 4, "cinco": 5, "five": 5,
    "seis": 6, "six": 6, "siete": 7, "sete": 7, "seven": 7, "ocho": 8, "oito": 8, "eight": 8,
    "nueve": 9, "nove": 9, "nine": 9, "diez": 10, "dez": 10, "ten": 10,
    "onze": 11, "eleven": 11, "doce": 12, "twelve": 12, "quince": 15, "quinze": 15,
    "fifteen": 15, "veinte": 20, "vinte": 20, "twenty": 20, "three": 3,
}  # fmt: skip
_NUMBER = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:[.,]\d{3})*|\d+)(?![\w/-]|[.,]\d)")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b")
_NOT_A_COUNT = re.compile(r"(ley|lei|law|art|arts|articulo|artigo|article|n|no|nro|num)\W*$")
_CAPITAL = "[A-ZÁÉÍÓÚÑÂÊÔÃÕÇ]"
_NAME = re.compile(  # capitalised words not opening a sentence, joined by de/do/da/del
    rf"(?<![.!?:\n]\s)(?<!^)\b({_CAPITAL}[\w'-]{{3,}}"
    rf"(?:\s+(?:de\s+|do\s+|da\s+|del\s+)?{_CAPITAL}[\w'-]+)*)"
)
# Capitalised words that are not names of a story's people or places (institutions, months).
NOT_NAMES = frozenset(
    fold_keep_length(w)
    for w in [
        "Policía",
        "Nacional",
        "Fiscalía",
        "Ministerio",
        "Público",
        "Publico",
        "Justicia",
        "Juzgado",
        "Tribunal",
        "Unidad",
        "Especializada",
        "Trata",
        "Personas",
        "Policia",
        "Federal",
        "Polícia",
        "Civil",
        "Police",
        "Prosecutor",
        "Office",
        "Paraguay",
        "Paraguai",
        "Brasil",
        "Brazil",
        "Argentina",
        "España",
        "Espanha",
        "Spain",
        "Asunción",
        "Gobierno",
        "Government",
        "Secretaría",
        "Departamento",
        "Department",
        "Estado",
        "State",
        "Capital",
        "Según",
        "According",
        "Enero",
        "Febrero",
        "Marzo",
        "Abril",
        "Mayo",
        "Junio",
        "Julio",
        "Agosto",
        "Septiembre",
        "Setiembre",
        "Octubre",
        "Noviembre",
        "Diciembre",
        "January",
        "February",
        "March",
        "April",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Janeiro",
        "Fevereiro",
        "Março",
        "Maio",
        "Junho",
        "Julho",
        "Setembro",
        "Outubro",
        "Novembro",
        "Dezembro",
        "Lunes",
        "Martes",
        "Miércoles",
        "Jueves",
        "Viernes",
        "Sábado",
        "Domingo",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Niñez",
        "Adolescencia",
        "Mujer",
        "Mujeres",
        "Women",
        "Ministry",
        "Ministério",
        "Interior",
        "Cancillería",
        "Consulado",
        "Embajada",
        "Embassy",
        "Consulate",
    ]
)


_LINKS = frozenset({"de", "do", "da", "del"})


@dataclass(frozen=True)
class StoryFacts:
    """What a report says that another language would say the same way."""

    day: date | None
    places: frozenset[str]
    platforms: frozenset[str]
    countries: frozenset[str]
    ages: frozenset[int]
    numbers: frozenset[int]
    names: frozenset[str]


def _numbers(folded: str) -> set[int]:
    found: set[int] = set()
    for m in _NUMBER.finditer(folded):
        if _NOT_A_COUNT.search(folded[max(0, m.start() - 12) : m.start()]):
            continue
        value = int(re.sub(r"[.,]", "", m.group(1)))
        if value >= 3 and not 1900 <= value <= 2100:
            found.add(value)
    found.update(NUMBER_WORDS[m.group(1)] for m in _NUMBER_WORD.finditer(folded))
    return found


def _names(text: str, known: set[str]) -> set[str]:
    names = set()
    for m in _NAME.finditer(text):
        words = [w for w in _WORD.findall(fold_keep_length(m.group(1))) if w not in NOT_NAMES]
        name = " ".join(w for w in words if w not in known and w not in _LINKS)
        if len(name) >= 4:
            names.add(name)
    return names


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def story_facts(result: dict, title: str, text: str, published=None) -> StoryFacts:
    """The facts of one report: the pipeline's output (``result``) and its title and lead."""
    lead = f"{title}\n{text[:FACT_CHARS]}"
    places = {fold_keep_length(p) for k in ("departments", "cities") for p in result.get(k) or []}
    known = {w for p in places for w in p.split()}
    body = text[:FACT_CHARS]
    words = title.split()
    title_case = len(words) > 3 and sum(w[:1].isupper() for w in words) / len(words) > 0.6
    return StoryFacts(
        day=_day(result.get("date")) or _day(published),
        places=frozenset(places),
        platforms=frozenset(result.get("platforms") or []),
        countries=frozenset(result.get("destination_countries") or []),
        ages=frozenset(a for a in result.get("victim_ages") or [] if isinstance(a, int)),
        numbers=frozenset(_numbers(fold_keep_length(lead))),
        names=frozenset(_names(body if title_case else f"{title}.\n{body}", known)),
    )


def same_story(a: StoryFacts, b: StoryFacts, common: frozenset = frozenset()) -> bool:
    """Two reports tell one story: same date window, no contradiction, enough shared facts.

    ``common``: names and numbers too frequent in the collection to tell stories apart.
    """
    if a.day and b.day and abs((a.day - b.day).days) > DATE_WINDOW_DAYS:
        return False
    if a.ages and b.ages and not a.ages & b.ages:
        return False  # two victims of different ages: two stories
    if a.countries and b.countries and not a.countries & b.countries:
        return False
    specific = len((a.numbers & b.numbers) - common) + len((a.names & b.names) - common)
    context = len(a.places & b.places) + len(a.platforms & b.platforms)
    context += len(a.countries & b.countries)
    if not (a.day and b.day):
        specific -= 1  # no date window to lean on: ask for one more shared fact
    return specific >= MIN_SPECIFIC or (
        specific >= MIN_SPECIFIC_WITH_CONTEXT and context >= MIN_CONTEXT
    )


def group_by_facts(
    items: list[tuple[str, StoryFacts]], groups: dict[str, str] | None = None
) -> dict[str, str]:
    """{id: group id}: ``groups`` (e.g. from :func:`group_stories`) joined wherever two
    reports tell the same story by :func:`same_story`. A group's id is its first item's."""
    order = {item_id: n for n, (item_id, _) in enumerate(items)}
    parent = {item_id: (groups or {}).get(item_id, item_id) for item_id, _ in items}
    for item_id in list(parent):
        parent.setdefault(parent[item_id], parent[item_id])

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(x: str, y: str) -> None:
        rx, ry = root(x), root(y)
        if rx != ry:
            first, second = sorted((rx, ry), key=lambda r: order.get(r, -1))
            parent[second] = first

    df: dict[object, int] = {}
    for _, facts in items:
        for token in (*facts.numbers, *facts.names):
            df[token] = df.get(token, 0) + 1
    limit = max(3, min(COMMON_SHARE * len(items), COMMON_MAX))
    common = frozenset(t for t, n in df.items() if n > limit)
    index: dict[object, list[int]] = {}
    for n, (_, facts) in enumerate(items):
        for token in (*facts.numbers, *facts.names):
            if token not in common:
                index.setdefault(token, []).append(n)
    checked: set[tuple[int, int]] = set()
    for members in index.values():
        for i, m in enumerate(members):
            for n in members[i + 1 :]:
                if (m, n) in checked:
                    continue
                checked.add((m, n))
                if same_story(items[m][1], items[n][1], common):
                    join(items[m][0], items[n][0])
    return {item_id: root(item_id) for item_id, _ in items}
