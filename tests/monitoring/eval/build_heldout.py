"""Build ``heldout.jsonl`` from the hand-written sources in ``source/*.txt``.

Every item was written by the Ñandutí project for evaluation (see README.md). The sources keep
one item per block so that a reviewer can read and correct the gold labels comfortably:

    @@ ID | YYYY-MM-DD | OUTLET_KEY | REL | PLATFORMS | DEPARTMENTS | COUNTRIES | NOISE
    Title line
    Body paragraphs (blank line between paragraphs) ...

REL is ``T`` or ``F``; list fields are ``;``-separated canonical names (``-`` for none); NOISE is a
set of letters: ``m`` menu line, ``b`` byline, ``t`` a "Lea también" teaser, ``f`` follow-us
lines, ``p`` "Publicidad" markers. The noise lines are drawn deterministically from the pools
below; their places and platforms are NEVER gold (that is the point of them).

Run ``python tests/monitoring/eval/build_heldout.py [--check]``: it validates every gold name
against the taxonomy files, counts words (150-600) and, with ``--check``, lists for each item the
taxonomy names found in the story body but absent from its gold, as an aid to the second
annotation pass.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
TAXONOMY = HERE.parents[2] / "src" / "nanduti" / "taxonomy" / "data"
ORIGIN = "written by the Ñandutí project (evaluation set)"

OUTLETS = {
    "cronica": ("Diario Crónica Guaraní", "https://www.cronicaguarani.com.py"),
    "observador": ("El Observador del Sur", "https://observadordelsur.com.py"),
    "apn": ("Agencia Paraguaya de Noticias", "https://www.apn.gov.py"),
    "tarde": ("La Tarde Digital", "https://latardedigital.com.py"),
    "yvytu": ("Radio Yvytu 90.5 FM", "https://radioyvytu.com.py"),
    "norte": ("Diario Norte de Concepción", "https://diarionorte.com.py"),
    "este": ("Portal Este Noticias", "https://esteinfo.com.py"),
    "independiente": ("El Independiente PY", "https://elindependiente.com.py"),
    "chaco": ("Chaco Al Día", "https://chacoaldia.com.py"),
    "canal": ("Canal 11 Noticias", "https://canal11noticias.com.py"),
}

MENUS = [
    "Inicio | Nacionales | Política | Economía | Policiales | Deportes | Mundo | Opinión",
    "Portada · Regionales: Concepción · Alto Paraná · Itapúa · Central · Canindeyú · Amambay",
    "Últimas noticias  Nacionales  Interior  Judiciales  Tecnología  Espectáculos  Clasificados",
    "Menú  Inicio  País  Ciudad del Este  Encarnación  Deportes  Radio en vivo  TV en vivo",
]

TEASERS = [
    "Lea también: Choque entre motocicleta y camión deja dos heridos en Luque",
    "Lea también: Estafas por WhatsApp: cómo reconocer el cuento del familiar en apuros",
    "Lea también: Intensas lluvias afectan a familias ribereñas de Pilar",
    "Lea también: Detienen a sujeto con 40 kilos de marihuana en Pedro Juan Caballero",
    "Lea también: Festival del Takuare'ẽ reúne a miles de visitantes en Guarambaré",
    "LEA TAMBIÉN: Cerro Porteño se impone en el clásico y sigue en la cima",
    "Lea también: Usuarios de TikTok reportan caída del servicio en todo el país",
    "Lea también: Habilitan nuevo puesto de salud en Mariscal Estigarribia",
    "Lea también: Comerciantes de Salto del Guairá denuncian baja en las ventas",
    "Te puede interesar: Capturan a presunto abigeo en Horqueta",
    "Te puede interesar: Rescatan a adolescentes en Encarnación tras denuncia de trata",
    "Lea también: Instagram lanza nuevas herramientas de control parental",
    "Lea también: Vecinos de Limpio reclaman por el mal estado de calles",
    "Lea también: Suspenden clases presenciales en Filadelfia por el calor extremo",
    "Lea también: Caacupé se prepara para recibir a los peregrinos",
    "Relacionado: Cae red de explotación sexual que operaba en Villarrica",
    "Lea también: Incautan mercaderías de contrabando en Presidente Franco",
    "Lea también: Productores de San Pedro reclaman precios justos para el sésamo",
    "Te puede interesar: Telegram, el nuevo canal de venta de datos robados",
    "Lea también: Hallan sin vida a un hombre en Fuerte Olimpo",
    "Lea también: Anuncian corte de agua en Fernando de la Mora y Lambaré",
    "Lea también: Discord y Roblox: lo que los padres deben saber",
    "MÁS NOTICIAS: Ciudad del Este: incendio consume un depósito en el microcentro",
    "Lea también: Feria de empleo en Coronel Oviedo ofrece 500 vacancias",
    "Lea también: Alerta por estafas con falsos premios en Facebook",
    "Lea también: Concepción: inauguran puerto multimodal sobre el río Paraguay",
    "Te puede interesar: Detienen a falso médico en Caaguazú",
    "Lea también: Misiones: el San Juan Ára convoca a miles de personas en San Ignacio",
    "Lea también: Furor por Free Fire: torneo escolar en San Lorenzo",
    "Lea también: Policía de Ayolas recupera motocicletas robadas",
]

FOLLOWS = [
    "Seguinos en Instagram y TikTok para más noticias.",
    "Únete a nuestro canal de WhatsApp y recibí las noticias al instante.",
    "Suscribite a nuestro canal de Telegram.",
    "Seguinos en Facebook, X y YouTube: @cronicaguarani",
    "Escuchanos en vivo por nuestra app y por Spotify. Escribinos al WhatsApp de la redacción.",
    "¿Tenés una denuncia? Envianos un mensaje por WhatsApp o Messenger.",
]

BYLINES = [
    "Por Redacción",
    "Por Corresponsalía",
    "Por Redacción Policiales",
    "Por Redacción Judiciales",
    "Por Corresponsal regional",
    "Por Equipo de Investigación",
]

HEADER = re.compile(r"^@@\s*(.+)$")


def _pick(pool: list[str], key: str, salt: str) -> str:
    digest = hashlib.sha256((key + salt).encode()).hexdigest()
    return pool[int(digest, 16) % len(pool)]


def _labels(name: str, column: str = "label_en") -> set[str]:
    with open(TAXONOMY / f"{name}.csv", encoding="utf-8") as fh:
        return {row[column] for row in csv.DictReader(fh)}


def _split(field: str) -> list[str]:
    field = field.strip()
    return [] if field in ("", "-") else [v.strip() for v in field.split(";") if v.strip()]


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:70]


def parse_sources(paths: list[Path]) -> list[dict]:
    """One dict per block: header fields, title and body paragraphs."""
    blocks: list[dict] = []
    for path in paths:
        current: dict | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            m = HEADER.match(line)
            if m:
                parts = [p.strip() for p in m.group(1).split("|")]
                if len(parts) != 8:
                    sys.exit(f"{path}: bad header {line!r}")
                current = {"header": parts, "lines": [], "source": path.name}
                blocks.append(current)
            elif current is not None:
                current["lines"].append(line)
    return blocks


def compose(block: dict) -> dict:
    """The published item: noise lines around the story, and the gold labels."""
    item_id, date, outlet_key, rel, plats, deps, countries, noise = block["header"]
    lines = block["lines"]
    while lines and not lines[0].strip():
        lines.pop(0)
    title = lines[0].strip()
    body = "\n".join(lines[1:]).strip()
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    out: list[str] = []
    if "m" in noise:
        out.append(_pick(MENUS, item_id, "menu"))
    if "b" in noise:
        out.append(f"{_pick(BYLINES, item_id, 'by')} | {date}")
    teaser_at = min(2, len(paragraphs) - 1)
    for i, para in enumerate(paragraphs):
        out.append(para)
        if "t" in noise and i == teaser_at - 1:
            out.append(_pick(TEASERS, item_id, "teaser"))
        if "p" in noise and i == 0:
            out.append("Publicidad")
    if "t" in noise and len(paragraphs) > 4:
        out.append(_pick(TEASERS, item_id, "teaser2"))
    if "f" in noise:
        out.append(_pick(FOLLOWS, item_id, "follow"))
        out.append(_pick(FOLLOWS, item_id, "follow2"))
    name, site = OUTLETS[outlet_key]
    return {
        "id": item_id,
        "title": title,
        "text": "\n\n".join(dict.fromkeys(out)),
        "date": date,
        "outlet": name,
        "url": f"{site}/{date[:4]}/{date[5:7]}/{_slug(title)}",
        "origin": ORIGIN,
        "gold": {
            "is_trafficking": rel == "T",
            "platforms": _split(plats),
            "departments": _split(deps),
            "destination_countries": _split(countries),
        },
        "_body": "\n\n".join([title, *paragraphs]),
    }


def validate(items: list[dict]) -> list[str]:
    platforms = _labels("platform")
    departments = _labels("department", "label_es")
    countries = _labels("country")
    problems: list[str] = []
    seen: set[str] = set()
    for item in items:
        gold = item["gold"]
        if item["id"] in seen:
            problems.append(f"{item['id']}: duplicate id")
        seen.add(item["id"])
        for field, allowed in (
            ("platforms", platforms),
            ("departments", departments),
            ("destination_countries", countries),
        ):
            for value in gold[field]:
                if value not in allowed:
                    problems.append(f"{item['id']}: {field} {value!r} not in taxonomy")
        if "Paraguay" in gold["destination_countries"]:
            problems.append(f"{item['id']}: Paraguay is never a destination")
        words = len((item["title"] + " " + item["text"]).split())
        if not 150 <= words <= 600:
            problems.append(f"{item['id']}: {words} words (150-600 expected)")
    return problems


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def second_pass_hints(item: dict) -> list[str]:
    """Taxonomy names present in the story body but absent from gold (for the human re-check)."""
    body = _fold(item["_body"])
    hints = []
    with open(TAXONOMY / "district.csv", encoding="utf-8") as fh:
        districts = [(r["label_es"], r["parent"]) for r in csv.DictReader(fh)]
    with open(TAXONOMY / "department.csv", encoding="utf-8") as fh:
        dep_label = {r["code"]: r["label_es"] for r in csv.DictReader(fh)}
    for name, parent in districts + [(v, k) for k, v in dep_label.items()]:
        pattern = rf"\b{re.escape(_fold(name))}\b"
        absent = len(name) > 3 and dep_label[parent] not in item["gold"]["departments"]
        if absent and re.search(pattern, body):
            hints.append(f"place {name} -> {dep_label[parent]}")
    with open(TAXONOMY / "platform.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            pattern = rf"\b{re.escape(_fold(r['label_en']))}\b"
            if r["label_en"] not in item["gold"]["platforms"] and re.search(pattern, body):
                hints.append(f"platform {r['label_en']}")
    return sorted(set(hints))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print second-pass hints")
    parser.add_argument("-o", "--output", default=str(HERE / "heldout.jsonl"))
    args = parser.parse_args()
    blocks = parse_sources(sorted((HERE / "source").glob("*.txt")))
    items = [compose(b) for b in blocks]
    problems = validate(items)
    for p in problems:
        print("PROBLEM", p)
    if args.check:
        for item in items:
            hints = second_pass_hints(item)
            if hints:
                print(item["id"], item["gold"], "\n    ", "; ".join(hints))
    with open(args.output, "w", encoding="utf-8") as fh:
        for item in items:
            public = {k: v for k, v in item.items() if not k.startswith("_")}
            fh.write(json.dumps(public, ensure_ascii=False) + "\n")
    relevant = sum(i["gold"]["is_trafficking"] for i in items)
    print(f"{len(items)} items ({relevant} relevant) -> {args.output}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
