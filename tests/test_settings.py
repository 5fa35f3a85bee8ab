"""Settings from the environment: development by default, production refuses its defaults."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet


def nanduti(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NANDUTI_", "DATABASE_URL", "DJANGO_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "nanduti", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_development_defaults(tmp_path):
    result = nanduti("check", env={"NANDUTI_ENV": "production"}, cwd=tmp_path)
    assert result.returncode == 2
    for name in ("NANDUTI_SECRET_KEY", "NANDUTI_FIELD_KEYS", "DATABASE_URL"):
        assert name in result.stderr
    assert "Producción requiere" in result.stderr and "production requires" in result.stderr


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        "NANDUTI_ENV": "production",
        "NANDUTI_SECRET_KEY": secrets.token_urlsafe(60),
        "NANDUTI_FIELD_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "NANDUTI_ALLOWED_HOSTS": "nanduti.example.org",
    }
    result = nanduti("check", "--deploy", "--fail-level", "WARNING", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_development_default_database_lives_under_nanduti_home(tmp_path):
    result = nanduti("migrate", "--noinput", env={"NANDUTI_HOME": str(tmp_path)}, cwd="/")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "nanduti.sqlite3").exists()


def test_a_new_home_folder_is_made_for_a_new_install(tmp_path):
    home = tmp_path / "nueva" / "instalacion"
    result = nanduti("migrate", "-v0", env={"NANDUTI_HOME": str(home)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (home / "nanduti.sqlite3").is_file()


def test_a_home_that_cannot_be_made_is_named_in_both_languages(tmp_path):
    blocker = tmp_path / "archivo"
    blocker.write_text("no es una carpeta")
    result = nanduti("check", env={"NANDUTI_HOME": str(blocker / "sub")}, cwd=tmp_path)
    assert result.returncode == 2
    assert (
        "no se puede crear la carpeta" in result.stderr
        and "cannot create the folder" in result.stderr
    )


SRC = Path(__file__).resolve().parents[1] / "src" / "nanduti"
READS = re.compile(r"""os\.(?:environ\.get\(|environ\[|getenv\()\s*["']([A-Z_]+)["']""")


def test_only_settings_reads_the_environment_and_the_readme_lists_every_variable():
    readers = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if READS.search(path.read_text(encoding="utf-8"))
    }
    assert readers == {"settings.py"}
    variables = set(READS.findall((SRC / "settings.py").read_text(encoding="utf-8")))
    assert {"NANDUTI_HOME", "DATABASE_URL", "NANDUTI_CRAWLER_CONTACT"} <= variables
    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    table = {line.split("|")[1].strip(" `") for line in readme.splitlines() if line[:3] == "| `"}
    assert variables - table == set()


def test_nothing_in_the_package_looks_outside_it():
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "NANDUTI_SHARED_DIR" not in text and '"shared"' not in text, path
