"""Throughput of ``monitor extract`` on one core, against the floor.

Generates N articles (default 10,000) composed from the project's written snippets
(``monitoring/data/written_snippets.toml``) with random fill sentences and boilerplate
lines, so lengths and topics vary like a news feed. Then, in the same run:

- floor: read the same JSONL and run ONE compiled regex of all platform names and aliases
  over each text (the least any extractor must do);
- extract: ``nanduti.monitoring.extract.pipeline.extract_jsonl`` (cleaning, language,
  relevance with the model batched per chunk, facts, dates, story grouping).

With ``--real``, the articles are built from the real dev set's quotes of published news
(``benchmarks/data/monitoring_devset/devset.jsonl``, both languages) instead: each article
takes the title of one quote and appends quotes until it reaches a length drawn between 2,000
and 7,000 characters (400–1,200 words, the length of a Paraguayan or Brazilian news
article), so the texts have real wording, real page furniture and real lengths.

Usage: python benchmarks/monitor_extract.py [--n 10000] [--real] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")

FILL = [
    "La información fue confirmada por fuentes policiales consultadas por este medio.",
    "El caso generó preocupación entre los vecinos del barrio, que pidieron más seguridad.",
    "Las autoridades recordaron que las denuncias pueden hacerse de forma anónima.",
    "En los últimos meses se registraron hechos similares en otras ciudades del país.",
    "El expediente pasará al juzgado de garantías en los próximos días.",
    "Según el último informe oficial, los casos denunciados crecieron respecto al año anterior.",
    "La audiencia de imposición de medidas fue fijada para la semana próxima.",
    "Los familiares de la víctima agradecieron el trabajo de los investigadores.",
    "El Ministerio Público no descarta la participación de otras personas en el hecho.",
    "La defensa sostuvo que su cliente es inocente y que demostrará su inocencia.",
]
BOILERPLATE = [
    "Únete a nuestro canal de WhatsApp",
    "Síguenos en Facebook, Instagram y TikTok",
    "Lea también: Lluvias intensas en Concepción y San Pedro",
    "Compartir en Facebook | X | WhatsApp",
]
DATES = ["2023-05-04", "2024-03-20", "2024-07-30", "2024-11-12", "2025-01-15"]


def generate(n: int, path: Path, seed: int = 42) -> int:
    from nanduti.monitoring.training import snippets

    rng = random.Random(seed)
    data = snippets()
    items = data["positive"] + data["negative"]
    details = data["details"]["positive"] + data["details"]["neutral"] + data["details"]["negative"]
    total = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            base = rng.choice(items)
            paragraphs = [base["text"]]
            for _ in range(rng.randint(2, 8)):
                paragraphs.append(" ".join(rng.sample(FILL + details, rng.randint(2, 4))))
            paragraphs += rng.sample(BOILERPLATE, rng.randint(0, 3))
            outlet = rng.choice(["ABC Color", "Última Hora", "La Nación", "IP"])
            total += _write(fh, f"bench-{i}", base["title"], paragraphs, rng.choice(DATES), outlet)
    return total


def _write(fh, identifier: str, title: str, paragraphs: list[str], day, outlet: str) -> int:
    """One article as a JSONL line; returns its text's length."""
    text = "\n".join(paragraphs)
    row = {"id": identifier, "title": title, "text": text, "date": day, "outlet": outlet}
    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(text)


DEVSET = Path(__file__).resolve().parent / "data" / "monitoring_devset" / "devset.jsonl"
REAL_LENGTHS = (2000, 7000)


def generate_real(n: int, path: Path, seed: int = 42) -> int:
    """Articles of real length from the dev set's quotes of published news (see above)."""
    rng = random.Random(seed)
    with open(DEVSET, encoding="utf-8") as fh:
        quotes = [json.loads(line) for line in fh if line.strip()]
    total = 0
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            first = rng.choice(quotes)
            target = rng.randint(*REAL_LENGTHS)
            paragraphs, length = [first["text"]], len(first["text"])
            while length < target:
                quote = rng.choice(quotes)["text"]
                paragraphs.append(quote)
                length += len(quote) + 1
            day = first["date"] if first["date"] and len(first["date"]) == 10 else None
            total += _write(out, f"real-{i}", first["title"], paragraphs, day, first["outlet"])
    return total


def floor(path: Path, trie: bool = False) -> tuple[float, float, int]:
    """Read the JSONL and run one compiled regex of all platform names over each text.

    Returns (wall seconds, CPU seconds of this process, matches)."""
    from nanduti.taxonomy import vocab

    names = set()
    for term in vocab.get("platform"):
        for alias in (term.label_es, term.label_en, *term.aliases):
            if alias.strip():
                names.add(re.escape(alias.strip().lower()))
    if trie:  # the same names as a prefix tree: what the pipeline's own finders use
        from nanduti.monitoring.extract.gazetteer import trie_pattern

        keys = {vocab.fold(a) for t in vocab.get("platform") for a in (t.label_en, *t.aliases)}
        regex = re.compile(r"\b(?:" + trie_pattern(sorted(k for k in keys if k)) + r")\b")
    else:
        alternation = "|".join(sorted(names, key=len, reverse=True))
        regex = re.compile(r"\b(?:" + alternation + r")\b", re.I)
    started, cpu = time.perf_counter(), time.process_time()
    found = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            text = item["title"] + "\n" + item["text"]
            found += len(regex.findall(text.lower() if trie else text))
    return time.perf_counter() - started, time.process_time() - cpu, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the extract run")
    parser.add_argument("--real", action="store_true", help="articles from real news quotes")
    args = parser.parse_args()

    import django

    django.setup()
    from nanduti.monitoring.extract.pipeline import extract_jsonl

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    work = Path(tempfile.mkdtemp(prefix="nanduti-bench-"))
    source, target = work / "articles.jsonl", work / "out.jsonl"
    chars = (generate_real if args.real else generate)(args.n, source)
    print(f"machine: {platform.processor() or platform.machine()}, python {sys.version.split()[0]}")
    print(f"articles: {args.n}, mean length {chars / args.n:.0f} characters")

    floor_seconds, floor_cpu, hits = floor(source)
    trie_seconds, trie_cpu, trie_hits = floor(source, trie=True)
    print(f"load average before the run: {os.getloadavg()[0]:.1f} (2 cores shared)")
    print(
        f"floor  : {args.n / floor_cpu:9.0f} articles per CPU-second "
        f"({args.n / floor_seconds:.0f}/s wall, {floor_seconds:.2f} s, {hits} hits)"
    )

    # warm-up: load vocabularies, regexes and the model once, as a long run would
    extract_jsonl_warm = work / "warm.jsonl"
    with open(source, encoding="utf-8") as fh, open(extract_jsonl_warm, "w") as out:
        out.write(fh.readline())
    extract_jsonl(extract_jsonl_warm, work / "warm.out.jsonl")

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    report = extract_jsonl(source, target)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    rate = args.n / cpu
    print(
        f"extract: {rate:9.0f} articles per CPU-second "
        f"({args.n / seconds:.0f}/s wall, {seconds:.2f} s, {report.relevant} relevant)"
    )
    ratio = (args.n / floor_cpu) / rate
    print(f"ratio  : {ratio:9.1f}x the floor's time")
    print(
        f"floor2 : {args.n / trie_cpu:9.0f} articles per CPU-second with the names as a prefix "
        f"tree ({trie_hits} hits); extract is {(args.n / trie_cpu) / rate:.1f}x that"
    )
    met = rate >= 300 and ratio <= 10
    print(
        "target : >= 300 articles/s on one core, within 10x of the floor -> "
        + ("MET" if met else "NOT MET")
    )


if __name__ == "__main__":
    main()
