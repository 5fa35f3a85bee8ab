"""Checks that two versions of the code give byte-identical ``nanduti monitor extract`` output.

    python benchmarks/monitor_extract_identical.py --old /work/wt/old/src [--new src] [--n 1000]

Inputs: every item of the dev set (``benchmarks/data/monitoring_devset/devset.jsonl``, all
splits: only the extraction output is compared, no label is read or scored), ``--n``
real-length benchmark articles and ``--n`` synthetic ones (``monitor_extract.py``'s
generators, fixed seed). Each input is extracted by ``python -m nanduti.cli monitor extract``
once under each source tree (``PYTHONPATH``); the SHA-256 of each output is printed and the
script exits 1 unless every pair is identical (the first differing line is shown).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEVSET = HERE / "data" / "monitoring_devset" / "devset.jsonl"


def extract(tree: Path, source: Path, target: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(tree), DJANGO_SETTINGS_MODULE="nanduti.settings")
    command = [sys.executable, "-m", "nanduti.cli", "monitor", "extract", str(source)]
    subprocess.run([*command, "-o", str(target)], check=True, env=env, stdout=subprocess.DEVNULL)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def first_difference(a: Path, b: Path) -> str:
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        for number, (line_a, line_b) in enumerate(zip(fa, fb, strict=False), 1):
            if line_a != line_b:
                return f"line {number}:\n  old {line_a[:400]}\n  new {line_b[:400]}"
    return "one output is a prefix of the other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the old tree's src folder")
    parser.add_argument("--new", type=Path, default=HERE.parent / "src")
    parser.add_argument("--n", type=int, default=1000, help="benchmark articles of each kind")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")
    import django

    django.setup()
    from monitor_extract import generate, generate_real

    work = Path(tempfile.mkdtemp(prefix="nanduti-identical-"))
    inputs = {"devset": DEVSET}
    if args.n:
        inputs["real"], inputs["synthetic"] = work / "real.jsonl", work / "synthetic.jsonl"
        generate_real(args.n, inputs["real"])
        generate(args.n, inputs["synthetic"])
    same = True
    for name, source in inputs.items():
        old, new = work / f"{name}.old.jsonl", work / f"{name}.new.jsonl"
        extract(args.old.resolve(), source, old)
        extract(args.new.resolve(), source, new)
        equal = old.read_bytes() == new.read_bytes()
        same &= equal
        print(f"{name:10s} old {digest(old)[:16]}  new {digest(new)[:16]}  ", end="")
        print("identical" if equal else "DIFFERENT: " + first_difference(old, new))
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
