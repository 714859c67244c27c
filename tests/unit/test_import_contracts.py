"""The layers of docs/contracts.md hold: import-linter's contracts pass on the tree, and the
contracts themselves catch a wrong-way import (a copy of the tree with one added)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    if not LINT.exists():
        pytest.fail("lint-imports is missing: install the dev extra (import-linter)")
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)})


def test_the_tree_keeps_every_layer_contract() -> None:
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def _copy_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("client", "server", "protocol"):
        shutil.copytree(ROOT / name, tree / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.qm", "*.png"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("client/services/_wrong.py", "from PySide6 import QtCore\n", "Qt only in client.ui"),
    ("client/services/_wrong.py", "from client.sync import engine\n", "client layers"),
    ("server/_wrong.py", "from client import models\n", "never import each other"),
    ("protocol/_wrong.py", "import server.models\n", "protocol imports neither"),
    ("client/ui/_wrong.py", "from client.models import Task\n", "UI reaches the cache"),
])
def test_a_wrong_way_import_breaks_its_contract(tmp_path: Path, module: str, line: str,
                                                contract: str) -> None:
    tree = _copy_tree(tmp_path)
    (tree / module).write_text(line, encoding="utf-8")
    run = _lint(tree)
    assert run.returncode != 0, run.stdout
    broken = run.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, run.stdout
