"""The demonstration: a clearly labelled synthetic data set across every part.

What other code may use (tests, benchmarks, the ``demo`` and ``generate-demo`` commands):

- generating: :func:`generate_rows` (rows of the flat case-row format), :func:`write_csv`,
  :func:`write_csv_file` (blocks in parallel, same file), :func:`build_plan`,
  :func:`institution_codes`, ``COLUMN_NAMES``;
- the database: :func:`ensure_institutions`, :func:`ensure_users` (``DEMO_USERS``),
  :func:`load_csv` / :func:`load_demo_cases` (through the importer), :func:`demo_counts`,
  :func:`run_sample_monitoring`.

Modules: ``profile`` (the proportions and their sources), ``people`` (invented persons),
``generator`` (case rows), ``csvfile``, ``accounts``, ``cases``, ``press``, ``run`` (the
command's steps) and ``summary`` (what it prints). No other part imports the demo; it sits
above them all.

Public: generator, profile, run, summary
"""

from nanduti.demo.accounts import DEMO_USERS, ensure_institutions, ensure_users
from nanduti.demo.cases import demo_counts, load_csv, load_demo_cases
from nanduti.demo.csvfile import default_csv_path, write_csv, write_csv_file
from nanduti.demo.generator import COLUMN_NAMES, generate_rows
from nanduti.demo.press import run_sample_monitoring
from nanduti.demo.profile import build_plan, institution_codes

__all__ = [
    "COLUMN_NAMES",
    "DEMO_USERS",
    "build_plan",
    "default_csv_path",
    "demo_counts",
    "ensure_institutions",
    "ensure_users",
    "generate_rows",
    "institution_codes",
    "load_csv",
    "load_demo_cases",
    "run_sample_monitoring",
    "write_csv",
    "write_csv_file",
]
