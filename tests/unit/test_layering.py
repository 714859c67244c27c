"""Layering rule: only client/ui may import Qt; the logic stays importable headless."""

from __future__ import annotations

import ast
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "client"
QT_ROOTS = {"PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "qtpy"}


def _qt_imports(path: Path, root: Path = CLIENT.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
              and getattr(node.func, "id", getattr(node.func, "attr", "")) in
              {"import_module", "__import__"}
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            names = [node.args[0].value]
        else:
            continue
        found += [f"{path.relative_to(root)}:{node.lineno} {n}" for n in names
                  if n.split(".")[0] in QT_ROOTS]
    return found


def _non_ui_modules() -> list[Path]:
    ui = CLIENT / "ui"
    return [p for p in CLIENT.rglob("*.py") if ui not in p.parents]


def test_no_qt_outside_client_ui() -> None:
    files = _non_ui_modules()
    assert files, "client/ has no Python modules outside client/ui?"
    offenders = [hit for path in files for hit in _qt_imports(path)]
    assert offenders == [], "Qt imported outside client/ui:\n" + "\n".join(offenders)


def test_detector_sees_qt_imports(tmp_path: Path) -> None:
    # The check above is only worth something if it recognises every import form.
    probe = tmp_path / "probe.py"
    probe.write_text("import PySide6.QtCore\nfrom PySide6 import QtWidgets\n"
                     "import importlib\nimportlib.import_module('PySide6.QtGui')\n"
                     "import os\nfrom . import PySide6_named_module\n", encoding="utf-8")
    assert len(_qt_imports(probe, tmp_path)) == 3
