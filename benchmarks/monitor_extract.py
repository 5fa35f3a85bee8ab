"""Throughput of ``monitor extract`` on one core, against the floor.

Articles (default 3,000) have **real lengths and real wording**: each takes the title of one
quote of the real dev set (``benchmarks/data/monitoring_devset/devset.jsonl``, Spanish and
Portuguese published news) and appends quotes until a length drawn between 2,000 and 7,000
characters (400–1,200 words, the length of a Paraguayan or Brazilian news article). With
``--synthetic`` they are composed from the project's written snippets instead (the earlier,
shorter benchmark: mean ~1,460 characters).

Measured in one run, pinned to one core, in CPU seconds (the machine is shared):

- floor: the fastest simple matcher written for the same names: read the JSONL and run the
  platform vocabulary's names and aliases as ONE prefix-tree regex (``gazetteer.trie_pattern``)
  over each lower-cased text. (The same names as a flat alternation are shown for reference:
  Python's ``re`` tries every branch at every position, so that "floor" is 30-40x slower.)
- extract, in process: ``extract_jsonl`` (the function behind ``nanduti monitor extract``:
  cleaning, language, relevance with the model batched per chunk, facts, dates, story
  grouping), after a warm-up item;
- extract, whole process: ``nanduti monitor extract IN -o OUT`` as a child process on one
  core, its user+sys CPU time from ``getrusage`` (start-up, Django, model loading included).

The bar (issue 12): >= 300 articles/s on one core for the whole process, and at most 10x the
floor's time. Usage: python benchmarks/monitor_extract.py [--n 3000] [--synthetic] [--profile]
[--stages] (``--profile`` prints a pyinstrument profile of the in-process run; ``--stages``
its CPU time per pipeline stage, each stage's functions timed with ``time.process_time``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import subprocess
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


def _one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def whole_process(source: Path, target: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``nanduti monitor extract`` as a child on one core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nanduti.cli", "monitor", "extract", str(source), "-o", str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
        preexec_fn=_one_core,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


STAGES = {  # label → (module, attribute) of the function that does the stage
    "clean": ("pipeline", "clean"),
    "fold": ("pipeline", "fold_keep_length"),
    "relevance": ("pipeline", "score_many"),
    "  lexicon": ("relevance", "lexicon"),
    "  model": ("relevance", "RelevanceModel.logits"),
    "facts": ("pipeline", "extract_facts"),
    "  destinations": ("facts", "read_destinations"),
    "  victims (sex, then age)": ("facts", "read_victims"),
    "    age": ("facts", "read_minor"),
    "  platforms": ("facts", "read_platforms"),
    "  exploitation": ("facts", "read_exploitation"),
    "  places": ("facts", "read_places"),
    "language": ("language", "detect"),
    "story groups": ("dedup", "StoryGrouper.add"),
    "cross-item boilerplate (first pass)": ("pipeline", "sample_boilerplate"),
}


def time_stages() -> dict[str, float]:
    """Wrap each stage's function to add up its CPU time; returns the running totals."""
    import importlib

    spent = dict.fromkeys(STAGES, 0.0)
    for label, (module_name, attribute) in STAGES.items():
        owner = importlib.import_module(f"nanduti.monitoring.extract.{module_name}")
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        function = getattr(owner, name)

        def timed(*args, _function=function, _label=label, **kwargs):
            started = time.process_time()
            try:
                return _function(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - started

        setattr(owner, name, timed)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3_000)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the extract run")
    parser.add_argument("--synthetic", action="store_true", help="written snippets, not real")
    parser.add_argument("--stages", action="store_true", help="CPU time per pipeline stage")
    args = parser.parse_args()

    import django

    django.setup()
    from nanduti.monitoring.extract.pipeline import extract_jsonl

    _one_core()
    work = Path(tempfile.mkdtemp(prefix="nanduti-bench-"))
    source, target = work / "articles.jsonl", work / "out.jsonl"
    chars = (generate if args.synthetic else generate_real)(args.n, source)
    print(f"machine: {platform.processor() or platform.machine()}, python {sys.version.split()[0]}")
    kind = "synthetic (written snippets)" if args.synthetic else "real-length, real news quotes"
    print(f"articles: {args.n} {kind}, mean length {chars / args.n:.0f} characters")
    print(f"load average before the run: {os.getloadavg()[0]:.1f} (2 cores shared)")

    trie_seconds, trie_cpu, trie_hits = floor(source, trie=True)
    flat_seconds, flat_cpu, flat_hits = floor(source)
    floor_rate = args.n / trie_cpu
    print(
        f"floor   : {floor_rate:9.0f} articles per CPU-second: platform names as one prefix-tree"
        f" regex over the lower-cased text ({args.n / trie_seconds:.0f}/s wall, {trie_hits} hits)"
    )
    print(
        f"flat    : {args.n / flat_cpu:9.0f} articles per CPU-second: the same names as a flat "
        f"alternation, for reference ({flat_hits} hits)"
    )

    # warm-up: load vocabularies, regexes and the model once, as a long run would
    warm = work / "warm.jsonl"
    with open(source, encoding="utf-8") as fh, open(warm, "w") as out:
        out.write(fh.readline())
    extract_jsonl(warm, work / "warm.out.jsonl")

    spent = time_stages() if args.stages else None
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    started, cpu = time.perf_counter(), time.process_time()
    report = extract_jsonl(source, target)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
    rate = args.n / cpu
    print(
        f"extract : {rate:9.0f} articles per CPU-second in process "
        f"({args.n / seconds:.0f}/s wall, {seconds:.2f} s, {report.relevant} relevant); "
        f"{floor_rate / rate:.1f}x the floor's time"
    )
    for label, seconds_in_stage in (spent or {}).items():  # nested stages are indented
        print(f"  {label:38s} {seconds_in_stage / args.n * 1000:6.2f} ms per article")
    whole_wall, whole_cpu = whole_process(source, work / "whole.out.jsonl")
    whole_rate = args.n / whole_cpu
    ratio = floor_rate / whole_rate
    print(
        f"process : {whole_rate:9.0f} articles per CPU-second, whole `nanduti monitor extract` "
        f"process ({whole_cpu:.2f} CPU-s, {whole_wall:.2f} s wall); {ratio:.1f}x the floor's time"
    )
    met = whole_rate >= 300 and ratio <= 10
    print(
        "target  : >= 300 articles/s on one core (whole process), within 10x of the floor -> "
        + ("MET" if met else "NOT MET")
    )


if __name__ == "__main__":
    main()
