"""Settings from the environment: development by default, production refuses its defaults."""

import os
import secrets
import subprocess
import sys

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
