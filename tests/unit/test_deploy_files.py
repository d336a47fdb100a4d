"""The deployment files stay true: requirements.txt matches the lock, the Procfile's commands exist."""

from __future__ import annotations

import importlib
import os
import runpy
import shlex
import sys
from pathlib import Path

from wikifile_transfer.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]


def test_requirements_txt_is_generated_from_the_lock() -> None:
    render = runpy.run_path(str(ROOT / "deploy" / "requirements.py"))["render"]
    assert (ROOT / "requirements.txt").read_text(encoding="utf-8") == render(), (
        "requirements.txt is stale: run `make requirements.txt`"
    )
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pinned = {line.split("==")[0].lower() for line in lines if "==" in line}
    assert {"flask", "gunicorn", "celery", "pymysql", "redis", "prometheus_client"} <= pinned
    assert not {"pytest", "mypy", "schemathesis", "ruff"} & pinned  # no development tools in production
    assert lines[-1] == "."  # and the project itself


def test_procfile_names_a_web_and_a_worker_process_that_exist() -> None:
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines() if line
    )
    assert set(processes) == {"web", "worker"}
    web = shlex.split(processes["web"])
    assert web[0] == "gunicorn"
    config = web[web.index("--config") + 1].removeprefix("python:")
    module, _, attribute = web[-1].partition(":")
    assert importlib.util.find_spec(config) is not None and importlib.util.find_spec(module) is not None
    assert attribute == "app"
    worker = shlex.split(processes["worker"])
    assert worker[0] == "wikifile-transfer"
    assert build_parser().parse_args(worker[1:]).command == "worker"


def test_python_version_pin_matches_the_project() -> None:
    assert (ROOT / ".python-version").read_text(encoding="utf-8").strip() == "3.11"


def test_gunicorn_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("WFT_WEB_THREADS", "6")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    sys.modules.pop("wikifile_transfer.web.gunicorn_conf", None)
    conf = importlib.import_module("wikifile_transfer.web.gunicorn_conf")
    try:
        assert conf.bind == "0.0.0.0:8123"
        assert (conf.workers, conf.threads, conf.worker_class) == (3, 6, "gthread")
        assert conf.accesslog is None and conf.preload_app is False
        # several workers: their metrics are summed through a shared folder
        assert Path(conf.os.environ["PROMETHEUS_MULTIPROC_DIR"]).is_dir()
        assert conf.logconfig_dict["formatters"]["wft"]["()"].endswith("JsonFormatter")
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)  # set by the module itself, not by monkeypatch
        sys.modules.pop("wikifile_transfer.web.gunicorn_conf", None)


def test_a_wheel_carries_the_built_web_app_only_when_there_is_one(tmp_path: Path) -> None:
    hook_module = runpy.run_path(str(ROOT / "hatch_build.py"))
    hook_class = hook_module["FrontendHook"]

    def included(version: str, target: str = "wheel") -> dict[str, str]:
        hook = hook_class(str(tmp_path), {}, None, None, str(tmp_path / "out"), target)
        build_data: dict[str, dict[str, str]] = {"force_include": {}}
        hook.initialize(version, build_data)
        return build_data["force_include"]

    assert included("standard") == {}  # not built: a wheel without the web app (the API still works)
    (tmp_path / "frontend" / "dist").mkdir(parents=True)
    (tmp_path / "frontend" / "dist" / "index.html").write_text("<!doctype html>", encoding="utf-8")
    dist = str(tmp_path / "frontend" / "dist")
    assert included("standard") == {dist: "wikifile_transfer/_frontend"}
    assert included("editable") == {}  # an editable install serves the checkout's frontend/dist itself
    assert included("standard", target="sdist") == {}
