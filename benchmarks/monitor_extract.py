"""Throughput of ``monitor extract`` on one core, against the floor.

Articles (default 3,000) have **real lengths and real wording**: each takes the title of one
quote of the real dev set (``benchmarks/data/monitoring_devset/devset.jsonl``, Spanish and
Portuguese published news) and appends quotes until a length drawn between 2,000 and 7,000
characters (400–1,200 words, the length of a Paraguayan or Brazilian news article). With
``--synthetic`` they are composed from the project's written snippets instead (the earlier,
shorter benchmark: mean ~1,460 characters).

The texts come from every split of the dev set, test splits included: only texts are read,
never labels, so throughput figures are not evaluation figures.

Measured in one run, pinned to one core, in CPU seconds (the machine is shared):

- floor: the fastest simple matcher written for the same names: read the JSONL and count the
  platform vocabulary's folded names and aliases (labels, code, aliases: the names the
  pipeline's platform finder looks for) in each lower-cased title + text. Three matchers are
  timed and the fastest is the floor: an Aho-Corasick automaton (``pyahocorasick``, longest
  match left to right, kept when it is a whole word), one prefix-tree regex
  (``gazetteer.trie_pattern``) and one flat alternation regex (Python's ``re`` tries every
  branch at every position, so that one is 30-40x slower; shown for reference). Building the
  matcher and Python's start-up are not in the floor's time: the floor is in process, the bar
  compares it with the whole ``nanduti monitor extract`` process.
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


def platform_names() -> list[str]:
    """The names the pipeline's platform finder looks for: every label, code and alias of
    the platform vocabulary, folded (lower case, no accents)."""
    from nanduti.taxonomy import vocab

    names = set()
    for term in vocab.get("platform"):
        for alias in (term.label_es, term.label_en, term.code.replace("_", " "), *term.aliases):
            if vocab.fold(alias):
                names.add(vocab.fold(alias))
    return sorted(names)


def automaton_matcher(names: list[str]):
    """Aho-Corasick (``pyahocorasick``): longest names left to right, kept when whole words."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for name in names:
        automaton.add_word(name, len(name))
    automaton.make_automaton()

    def count(text: str) -> int:
        text, found = text.lower(), 0
        last = len(text) - 1
        for end, size in automaton.iter_long(text):
            start = end - size + 1
            if (start == 0 or not text[start - 1].isalnum()) and (
                end == last or not text[end + 1].isalnum()
            ):
                found += 1
        return found

    return count


def regex_matcher(names: list[str], trie: bool):
    """One compiled regex of all names: a prefix tree, or a flat alternation."""
    from nanduti.monitoring.extract.gazetteer import trie_pattern

    if trie:
        body = trie_pattern(names)
    else:
        body = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    regex = re.compile(r"\b(?:" + body + r")\b")
    return lambda text: len(regex.findall(text.lower()))


FLOORS = {  # the simple matchers tried for the floor; the fastest one is the floor
    "Aho-Corasick automaton (pyahocorasick, longest match, whole words)": automaton_matcher,
    "one prefix-tree regex (gazetteer.trie_pattern)": lambda names: regex_matcher(names, True),
    "one flat alternation regex": lambda names: regex_matcher(names, False),
}


def floor(path: Path, count) -> tuple[float, float, int]:
    """Read the JSONL and count the names in each title + text with ``count``.

    Returns (wall seconds, CPU seconds of this process, matches)."""
    started, cpu = time.perf_counter(), time.process_time()
    found = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            found += count(item["title"] + "\n" + item["text"])
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

    names = platform_names()
    print(f"floor's names: the {len(names)} folded names and aliases of the platform vocabulary")
    rates = {}
    for label, make in FLOORS.items():
        seconds, cpu, hits = floor(source, make(names))
        rates[label] = args.n / cpu
        print(
            f"matcher : {rates[label]:9.0f} articles per CPU-second: {label} over the "
            f"lower-cased text ({args.n / seconds:.0f}/s wall, {hits} names found)"
        )
    fastest = max(rates, key=rates.__getitem__)
    floor_rate = rates[fastest]
    print(f"floor   : {floor_rate:9.0f} articles per CPU-second ({fastest})")

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
    print(
        f"bars    : >= 300 articles per CPU-second, whole process: {whole_rate:.0f} -> "
        f"{'MET' if whole_rate >= 300 else 'NOT MET'}; <= 10x the floor's time: {ratio:.1f}x -> "
        f"{'MET' if ratio <= 10 else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
