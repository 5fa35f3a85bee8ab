"""The parts' boundaries: the import contracts hold (and would catch a breach), a part uses
another only through its public modules, and only settings.py reads the environment."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

import nanduti

ROOT = Path(__file__).resolve().parent.parent
SRC = Path(nanduti.__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
READS_ENVIRONMENT = re.compile(r"os\.environ|getenv\(|from os import .*environ")


def lint_imports(src: Path) -> subprocess.CompletedProcess:
    command = [str(LINT_IMPORTS)] if LINT_IMPORTS.exists() else ["lint-imports"]
    return subprocess.run(
        [*command, "--no-cache", str(ROOT / "pyproject.toml")],
        env={**os.environ, "PYTHONPATH": str(src)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contracts_hold():
    result = lint_imports(SRC)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_the_contracts_catch_the_api_importing_the_web_and_a_hidden_cycle(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(SRC / "nanduti", copy / "nanduti", ignore=shutil.ignore_patterns("*.pyc"))
    with open(copy / "nanduti/api/schemas.py", "a") as fh:
        fh.write("\nfrom nanduti.web import menu  # noqa\n")
    with open(copy / "nanduti/registry/models.py", "a") as fh:
        fh.write("\n\ndef _audit():\n    from nanduti.registry import audit  # noqa\n")
    result = lint_imports(copy)
    assert result.returncode == 1
    assert "nanduti.api is not allowed to import nanduti.web" in result.stdout
    assert "No cycles are allowed in nanduti.registry" in result.stdout


def _public(app: str) -> set[str]:
    """The modules an app's package docstring names after "Public:"."""
    doc = ast.get_docstring(ast.parse((SRC / "nanduti" / app / "__init__.py").read_text()))
    assert doc and "Public:" in doc, f"nanduti/{app}/__init__.py names no public modules"
    listed = doc.split("Public:", 1)[1].split("\n\n")[0]
    return {name.strip() for name in listed.replace("\n", " ").split(",") if name.strip()}


def test_parts_use_each_other_only_through_their_public_modules():
    graph = grimp.build_graph("nanduti")
    apps = {p.name for p in (SRC / "nanduti").iterdir() if (p / "apps.py").exists()}
    public = {app: _public(app) for app in apps}
    breaches = []
    for importer in graph.modules:
        parts = importer.split(".")
        if len(parts) < 2 or parts[1] not in apps or "migrations" in parts:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = imported.split(".")
            if len(target) < 3 or target[1] == parts[1] or target[1] not in apps:
                continue
            if ".".join(target[2:]) not in public[target[1]]:
                breaches.append(f"{importer} -> {imported}")
    assert breaches == []


def test_only_settings_reads_the_environment():
    readers = []
    for path in (SRC / "nanduti").rglob("*.py"):
        if path.name == "settings.py" and path.parent.name == "nanduti":
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            # Pointing Django at the settings module is not reading a setting.
            if READS_ENVIRONMENT.search(line) and 'setdefault("DJANGO_SETTINGS_MODULE"' not in line:
                readers.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert readers == []
