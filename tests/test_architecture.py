"""The dependency rule of STYLE.md, read from the imports themselves:
orgchart <- appraisal <- workflows <- config; only workflows imports viewflow."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCAL_APPS = {"orgchart", "appraisal", "workflows", "config"}
FORBIDDEN = {
    "orgchart": {"appraisal", "workflows", "config", "viewflow"},
    "appraisal": {"workflows", "config", "viewflow"},
    "workflows": {"config"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_imports_only_what_it_may(app):
    offenders = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        bad = _imports(path) & FORBIDDEN[app]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offenders == []


def test_nothing_but_config_imports_workflows():
    offenders = []
    for app in ("orgchart", "appraisal"):
        for path in (ROOT / app).rglob("*.py"):
            if "workflows" in _imports(path):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
