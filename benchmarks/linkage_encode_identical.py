"""Checks that two versions of the code encode the same records into the same bytes.

    python benchmarks/linkage_encode_identical.py --old /work/wt/old/src [--new src] [--n 20000]

Runs itself once under each source tree (``PYTHONPATH``), each run encoding the same
generator records (``linkage_records.py``) plus hand-made awkward ones (no identifier,
accents and letters outside a-z, combining marks, placeholder documents, impossible dates)
two ways: the federated file ``files.write`` writes (what ``nanduti link encode`` writes)
and the pipeline's Arrow feature tables of both modes (``pipeline.features_table``:
schema and values).
Prints the SHA-256 of each output under each tree and exits 1 unless all are identical.
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
KEY = b"benchmark key, not a secret"
# full name | document | birth date | sex | nationality | department
AWKWARD = [
    tuple(line.split("|"))
    for line in """\
|||||
|1.234.567||female||
  |0|31/02/2005|unknown|not_asked|unknown
María José de la Cruz Benítez|000|2005-3-4|FEMALE|PY|Central
ÑANDÚ  o'higgins-PÉREZ|4.5.6.7|20050304|male|ar|alto_parana
Øyvind Sørensen Ærø|12a34|04-03-2005|male||itapua
İlkay Çelik Şahin||1999-12-31T00:00|female||
José\u0301 Lu\u0301is|99999999|3.4.2001|male|py|central
Pepe Nacho Lupe||2001/04/03|||
ΣΟΦΙΑ Ωμέγα||1/1/1900|female||
Ana|||||
Ana Benítez||2005-02-29|female|py|central""".splitlines()
]


def outputs(n: int, seed: int, directory: Path) -> None:
    """Encodes with whatever ``nanduti`` the path gives; writes the three outputs."""
    sys.path.insert(0, str(HERE))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")
    django.setup()  # records.py imports the registry's models
    from linkage_records import stream

    from nanduti.linkage import files, pipeline
    from nanduti.linkage.encoding import Encoder
    from nanduti.linkage.normalise import identity
    from nanduti.linkage.records import VictimRecord

    rows = [
        (r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)
        for r in stream(n, seed)
    ]
    for k, i in enumerate(range(0, len(rows), 997)):  # awkward records among the others
        rows[i] = AWKWARD[k % len(AWKWARD)]
    rows += AWKWARD
    people = [identity(*row) for row in rows]
    records = [VictimRecord(i, "MINNA", f"C-{i}", f"V-{i}", p) for i, p in enumerate(people)]
    print(nanduti_path(), file=sys.stderr)
    files.write(directory / "encoded.csv", "MINNA", records, Encoder(KEY))
    for mode in ("encoded", "clear"):
        table = pipeline.features_table(iter(people), mode, Encoder(KEY), chunk=4096).table
        # The table's schema and values (not Arrow's buffers, which may be laid out
        # differently for the same values).
        with open(directory / f"{mode}.table", "w", encoding="utf-8") as out:
            out.write(f"{table.schema}\n")
            for name, values in table.to_pydict().items():
                out.write(f"{name} {values!r}\n")


def nanduti_path() -> str:
    import nanduti

    return nanduti.__file__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="source tree of the reference code")
    parser.add_argument("--new", default=str(HERE.parent / "src"))
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", help=argparse.SUPPRESS)  # the child run's output folder
    args = parser.parse_args()
    if args.write:
        outputs(args.n, args.seed, Path(args.write))
        return
    digests = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, tree in (("old", args.old), ("new", args.new)):
            folder = Path(tmp, name)
            folder.mkdir()
            env = {**os.environ, "PYTHONPATH": str(Path(tree).resolve())}
            command = [sys.executable, __file__, "--old", args.old, "--n", str(args.n)]
            command += ["--seed", str(args.seed), "--write", str(folder)]
            subprocess.run(command, env=env, check=True)
            digests[name] = {
                f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())
            }
    for output in digests["old"]:
        old, new = digests["old"][output], digests["new"].get(output)
        verdict = "same" if old == new else "DIFFERENT"
        print(f"{output:13s} old {old[:16]} new {(new or '-')[:16]} {verdict}")
    sys.exit(0 if digests["old"] == digests["new"] else 1)


if __name__ == "__main__":
    main()
