"""Production settings come from the environment and pass Django's deploy checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": "x7$kq!2v9-production-like-secret-key-of-enough-length-and-variety",
    "ALLOWED_HOSTS": "positionflow.example.gov.vn",
    "DATABASE_URL": "sqlite:///" + str(ROOT / "var" / "deploy-check.sqlite3"),
}


def _manage(*args, env):
    # Not the test run's own variables: DATABASE_URL of CI, and the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, which a deployment must never set.
    unwanted = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unwanted}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_default_language_is_vietnamese_with_english_available(settings):
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"


def test_pages_are_vietnamese_even_for_an_english_browser(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "vi"
    assert "Đăng nhập" in page.content.decode()


def test_chosen_language_is_kept(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="vi")
    assert page.headers["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "vi", "next": "/accounts/login/"})
    assert client.get("/accounts/login/").headers["Content-Language"] == "vi"


def test_collectstatic_builds_the_manifest_production_serves(tmp_path):
    """The README's ``collectstatic --noinput`` with DEBUG off writes a manifest in
    which every static file of the pages has its hashed name (without it every page
    of production answers 500)."""
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path)}
    result = _manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in (
        "viewflow/img/favicon.png",
        "viewflow/fonts/roboto/roboto-fontface.css",
        "viewflow/fonts/material-icons/material-icons.css",
    ):
        assert name in manifest
        assert (tmp_path / manifest[name]).exists()
    assert not any("node_modules" in name for name in manifest)
