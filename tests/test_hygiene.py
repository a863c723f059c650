import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).parent / "ruff"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_code_is_ruff_clean(args):
    result = subprocess.run([str(RUFF), *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_apps_keep_the_import_contracts():
    # The app layers of docs/architecture.md, as import-linter contracts in pyproject.toml.
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_package_of_ours_has_a_layer():
    # import-linter checks only the root packages it is given: a new app must join a layer.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    ours = {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}
    layers = next(c for c in config["contracts"] if c["id"] == "layers")["layers"]
    layered = {name.strip(" ()") for layer in layers for name in layer.split("|")}
    assert ours - {"tests", "bench"} <= set(config["root_packages"]) <= layered


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_test_module_imports_another_test_module():
    # Shared fixtures live in conftest.py and helpers in modules not named test_*: a test
    # module imported elsewhere runs its fixtures and tests twice and ties the files together.
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imported_modules(path) if name.rsplit(".", 1)[-1].startswith("test_")
        )
        for path in (ROOT / "tests").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_owner_initiative_and_staff_are_declared_once():
    declared = {
        str(path.relative_to(ROOT)): [
            node.name
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.FunctionDef)
            and node.name in {"owner", "initiative", "staff"}
            and any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)
        ]
        for path in (ROOT / "tests").rglob("*.py")
    }
    assert {path: names for path, names in declared.items() if names} == {
        "tests/conftest.py": ["owner", "initiative", "staff"]
    }
