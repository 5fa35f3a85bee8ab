"""One language at a time: every page of every role, read in Spanish, holds no English word of
the interface, and read in English no Spanish one.

The words come from the English catalogue: an English word is one of its translations that
no Spanish source string uses (so "Total", "Real" or "API", the same in both, never count),
and a Spanish word the reverse. Names (institutions) and what users typed are not the
interface and are left out of the scan.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.contrib.auth import get_user_model

import nanduti
from nanduti.monitoring.models import Article, Extraction, ReviewDecision
from nanduti.registry.importer import import_file
from nanduti.registry.models import Case, Institution, Membership, Role, TechnologyUse, Victim
from nanduti.taxonomy import vocab

PO = Path(nanduti.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
WORD = re.compile(r"[^\W\d_]{3,}")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}|<[^>]+>")


def _words(text: str) -> set[str]:
    # Abbreviations in capitals (the map's tiles: CAN, CON, PAR) are names, not words.
    found = WORD.findall(PLACEHOLDER.sub(" ", text))
    return {w.lower() for w in found if not (w.isupper() and len(w) <= 4)}


# The alt text of Django admin's search icon is written in its template, not translatable.
THIRD_PARTY = ('alt="Search"',)


def catalogue_words() -> tuple[set[str], set[str]]:
    """(English-only words, Spanish-only words) of the interface: the catalogue's source
    strings and translations, with the vocabularies' labels in both languages (so "social",
    Spanish as much as English, is never foreign)."""
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="en")
    spanish, english = set(), set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, list | tuple) else [message.id]
        strings = message.string if isinstance(message.string, list | tuple) else [message.string]
        for text in ids:
            spanish |= _words(text)
        for text in strings:
            english |= _words(text)
    for name in vocab.manifest():
        for term in _terms(name):
            spanish |= _words(term.label_es)
            english |= _words(term.label_en)
    return english - spanish, spanish - english


def _terms(name: str) -> list:
    try:
        return list(vocab.get(name).terms)
    except (KeyError, FileNotFoundError):
        return []


class VisibleText(HTMLParser):
    """The text a person reads or hears: content, titles, labels, placeholders; not what is
    marked as written in another language (``lang``), such as a news story."""

    # Code is what one types (commands, header names a file may use), not the interface.
    SKIP = {"script", "style", "code"}
    SPOKEN = ("title", "aria-label", "placeholder", "alt")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self, language: str):
        super().__init__()
        self.language = language
        self.parts: list[str] = []
        self._skipping: list[str] = []  # open tags whose content is not read

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if not self._skipping:
                self._attributes(tag, attrs)
            return
        own = dict(attrs).get("lang")
        if self._skipping or tag in self.SKIP or (own and own != self.language):
            self._skipping.append(tag)
            return
        self._attributes(tag, attrs)

    def _attributes(self, tag, attrs):
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str, language: str) -> str:
    parser = VisibleText(language)
    parser.feed(html)
    return " ".join(parser.parts)


PASSWORD = "clave-segura-123"
CSV = (
    "referencia_caso,anio,departamento,plataformas_captacion,sexo,edad\n"
    "IMP-1,2023,Itapúa,tik tok,F,15\n"
    "IMP-2,2023,Atlántida,whatsapp,M,17\n"
)


def _user(username, role, institution=None, *, staff=False, superuser=False):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.is_staff, user.is_superuser = staff, superuser
    user.save()
    Membership.objects.create(user=user, role=role, institution=institution)
    return user


@pytest.fixture
def site(db, tmp_path, settings):
    """Users of every role and a little of everything their pages show."""
    settings.VAR_DIR = tmp_path / "var"
    ufetesi = Institution.objects.create(
        code="mp_ufetesi", name="Ministerio Público – UFETESI", kind="prosecution"
    )
    users = {
        # User names are names: neither Spanish nor English words.
        "officer": _user("u-of", Role.OFFICER, ufetesi),
        "analyst": _user("u-an", Role.ANALYST),
        "steward": _user("u-re", Role.STEWARD, ufetesi, staff=True),
        "admin": _user("u-ad", Role.ADMIN, staff=True, superuser=True),
    }
    for n in range(12):
        case = Case.objects.create(
            institution=ufetesi,
            reference=f"UF-{n}",
            year=2022 + n % 3,
            department=["central", "itapua"][n % 2],
            summary="Captación por redes sociales.",
            created_by=users["officer"],
        )
        Victim.objects.create(case=case, sex="female", age=15, age_band="15_17")
        TechnologyUse.objects.create(case=case, phase="recruitment", platform="tiktok")
    sheet = tmp_path / "f-1.csv"
    sheet.write_text(CSV, encoding="utf-8")
    batch = import_file(sheet, institution="mp_ufetesi", user=users["officer"]).batch_id
    article = Article.objects.create(
        canonical_url="https://example.org/nota-1",
        title="Rescatan a adolescente captada por Facebook",
        text="Una adolescente fue captada por Facebook en Ciudad del Este.",
        outlet="Diario Ejemplo",
        language="es",
    )
    Extraction.objects.create(
        article=article,
        result={
            "is_trafficking": True,
            "score": 0.9,
            "platforms": ["Facebook"],
            "departments": ["Alto Paraná"],
            "cities": ["Ciudad del Este"],
            "destination_countries": [],
            "victim_minor": True,
            "victim_gender": "female",
            "exploitation": ["esnna"],
            "date": None,
            "evidence": {"platforms": ["captada por Facebook"]},
        },
        score=0.9,
        is_trafficking=True,
    )
    case = Case.objects.filter(institution=ufetesi).first()
    return {"users": users, "case": case.pk, "batch": batch, "article": article}


PAGES = {
    None: ["/", "/cuenta/entrar/", "/estadisticas/publico/", "/cifras-oficiales/"],
    "officer": [
        "/casos/",
        "/casos/{case}/",
        "/casos/{case}/editar/",
        "/casos/{case}/historial/",
        "/casos/nuevo/",
        "/importar/",
        "/importar/{batch}/",
        "/estadisticas/?rows=department&cols=sex",
    ],
    "analyst": [
        "/revision/",
        "/revision/decisiones/",
        "/casos/",
        "/estadisticas/?rows=year&cols=platform",
        "/estadisticas/publicaciones/",
        "/estadisticas/privacidad/",
        "/estadisticas/informe/",
        "/cifras-oficiales/",
    ],
    "steward": ["/enlace/", "/importar/", "/estadisticas/publicaciones/"],
    "admin": ["/estadisticas/?rows=department&cols=sex", "/admin/", "/admin/registry/case/"],
}


def names() -> list[str]:
    """What is not the interface: institutions, news outlets, and the names a
    vocabulary writes the same in both languages (places, platforms such as «Mercado
    Libre»). Longest first, so a long name goes before a name inside it."""
    found = set(Institution.objects.values_list("name", flat=True))
    for article in Article.objects.all():
        found |= {article.outlet}
    for name in vocab.manifest():
        found |= {t.label_es for t in _terms(name) if t.label_es == t.label_en}
    return sorted((n for n in found if n), key=len, reverse=True)


def scan(client, site, language: str, foreign: set[str]) -> dict[str, list[str]]:
    """Foreign words found on each page, for every role's pages in ``language``."""
    not_interface = names()
    found = {}
    for role, paths in PAGES.items():
        client.logout()
        if role:
            client.force_login(site["users"][role])
        client.cookies["django_language"] = language
        for path in paths:
            url = path.format(case=site["case"], batch=site["batch"])
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            html = response.content.decode()
            for string in THIRD_PARTY:
                html = html.replace(string, " ")
            text = visible_text(html, language)
            for name in not_interface:
                text = text.replace(name, " ")
            words = sorted(_words(text) & foreign)
            if words:
                found[f"{role or 'public'} {url}"] = words
    return found


def _report(found: dict) -> str:
    return "\n".join(f"{page}: {' '.join(words)}" for page, words in found.items())


def test_spanish_pages_hold_no_english_word(client, site):
    english, _ = catalogue_words()
    found = scan(client, site, "es", english)
    assert not found, _report(found)


def test_english_pages_hold_no_spanish_word(client, site):
    _, spanish = catalogue_words()
    found = scan(client, site, "en", spanish)
    assert not found, _report(found)


def test_the_word_lists_are_the_interfaces():
    english, spanish = catalogue_words()
    assert {"cases", "statistics", "import"} <= english
    assert {"casos", "estadísticas", "importar"} <= spanish
    # The same in both languages: never counted as foreign.
    assert "total" not in english and "total" not in spanish


def test_a_decided_story_keeps_one_language(client, site):
    analyst = site["users"]["analyst"]
    ReviewDecision.objects.create(
        article=site["article"], decision="reject", label=False, analyst=analyst
    )
    client.force_login(analyst)
    client.cookies["django_language"] = "en"
    english_text = visible_text(client.get("/revision/decisiones/").content.decode(), "en")
    for name in names():
        english_text = english_text.replace(name, " ")
    _, spanish = catalogue_words()
    assert not _words(english_text) & spanish
