"""``monitor batch --engine spark`` as users deploy it: a standalone cluster (a master and a
worker started here on loopback), the command called by its path with a PATH that has no
Python of the project's environment — as cron or a service runs it."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pyspark = pytest.importorskip("pyspark")

MASTER_PORT, MASTER_UI, WORKER_PORT, WORKER_UI, DRIVER_PORT, BLOCK_PORT = range(8180, 8186)
SPARK_CLASS = Path(pyspark.__file__).parent / "bin" / "spark-class"


def _wait_for_port(port: int, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def _wait_for_worker(seconds: float = 240) -> None:
    """The master's status page lists the worker once it has registered."""
    from urllib.error import URLError
    from urllib.request import ProxyHandler, build_opener

    loopback = build_opener(ProxyHandler({}))  # never through a proxy from the environment
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with loopback.open(f"http://127.0.0.1:{MASTER_UI}/json/", timeout=5) as page:
                if json.load(page).get("aliveworkers", 0) >= 1:
                    return
        except (URLError, OSError, ValueError):
            pass  # the status page is not up yet
        time.sleep(0.5)
    raise TimeoutError("the Spark worker did not register with the master")


def _missing(reason: str):
    """Skipped on a developer's machine without it; a failure in CI, which must run this."""
    if os.environ.get("CI"):
        pytest.fail(f"CI cannot run the Spark cluster test: {reason}")
    pytest.skip(reason)


@pytest.fixture
def cluster(tmp_path):
    java = shutil.which("java")
    if java is None:
        _missing("Spark needs a Java runtime")
    env = {
        "PATH": f"{Path(java).resolve().parent}:/usr/bin:/bin",
        "SPARK_HOME": str(SPARK_CLASS.parents[1]),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(tmp_path / "logs"),
        "SPARK_WORKER_DIR": str(tmp_path / "work"),
        "HOME": str(tmp_path),
    }
    with open(tmp_path / "cluster.log", "w") as logs:
        yield from _run_cluster(env, logs)


def _run_cluster(env: dict, logs):
    master = subprocess.Popen(
        [str(SPARK_CLASS), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
         "--port", str(MASTER_PORT), "--webui-port", str(MASTER_UI)],
        env=env, stdout=logs, stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = None
    try:
        _wait_for_port(MASTER_PORT)
        worker = subprocess.Popen(
            [str(SPARK_CLASS), "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
             "--port", str(WORKER_PORT), "--webui-port", str(WORKER_UI), "--cores", "1",
             "--memory", "1g", f"spark://127.0.0.1:{MASTER_PORT}"],
            env=env, stdout=logs, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait_for_worker()
        yield f"spark://127.0.0.1:{MASTER_PORT}", env
    finally:
        for process in (worker, master):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def _nanduti_command() -> str:
    """The ``nanduti`` script of the interpreter running the tests, by its full path."""
    script = Path(sys.executable).parent / "nanduti"
    if not script.exists():
        _missing("the nanduti console script is not installed beside this interpreter")
    return str(script)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_spark_cluster_gives_the_processes_output_when_called_by_path(cluster, shards, tmp_path):
    master, cluster_env = cluster
    shards, _ = shards
    nanduti = _nanduti_command()
    # No Python of the project's environment on PATH: Spark would start /usr/bin/python3.
    env = {
        **cluster_env,
        "NANDUTI_HOME": str(tmp_path / "home"),
        # the package under test, as an installed one would be found (the suite may run
        # from a source checkout that is not the installed copy)
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        "PYSPARK_SUBMIT_ARGS": (
            f"--conf spark.driver.port={DRIVER_PORT} --conf spark.blockManager.port={BLOCK_PORT}"
            " --conf spark.port.maxRetries=8 pyspark-shell"
        ),
    }
    env.pop("DATABASE_URL", None)
    common = [nanduti, "monitor", "batch", str(shards)]
    spark = subprocess.run(
        [*common, "-o", str(tmp_path / "spark.jsonl"), "--engine", "spark", "--master", master],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert spark.returncode == 0, spark.stderr[-3000:]
    assert "No module named 'nanduti'" not in spark.stderr
    local = subprocess.run(
        [*common, "-o", str(tmp_path / "processes.jsonl"), "--workers", "1"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert local.returncode == 0, local.stderr[-3000:]
    assert len(_rows(tmp_path / "spark.jsonl")) == 17  # the shards' broken line is reported
    assert _rows(tmp_path / "spark.jsonl") == _rows(tmp_path / "processes.jsonl")
    assert os.path.getsize(tmp_path / "spark.jsonl") > 0
