"""The layer rules of the architecture (docs/ARCHITECTURE.md), checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fluxcli"
LINE_LIMIT = 500
LONG_BY_NATURE = {"commands/optiondefs.py", "jobspec/_basemoji.py"}  # tables


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def imports(path: Path, top_level_only: bool = False) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in ``path`` (relative ones made absolute)."""
    tree = ast.parse(path.read_text())
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    found = []
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def offenders(layer: str, forbidden: tuple[str, ...], top_level_only=False, allowed=()) -> list:
    bad = []
    for path in modules(layer):
        for line, name in imports(path, top_level_only):
            hit = any(name == f or name.startswith(f + ".") for f in forbidden)
            if hit and not any(name == a or name.startswith(a + ".") for a in allowed):
                bad.append(f"{path.relative_to(PACKAGE)}:{line} imports {name}")
    return bad


def test_jobspec_imports_nothing_of_fluxcli_at_module_level():
    assert (
        offenders("jobspec", ("fluxcli",), top_level_only=True, allowed=("fluxcli.jobspec",)) == []
    )


def test_backends_never_import_the_layers_above_them():
    forbidden = (
        "click",
        "rich",
        "fluxcli.commands",
        "fluxcli.views",
        "fluxcli.job",
        "fluxcli.plugins",
    )
    assert offenders("backends", forbidden) == []


def test_commands_never_import_a_concrete_backend():
    concrete = ("fluxcli.backends.local", "fluxcli.backends.slurm", "fluxcli.backends.flux")
    assert offenders("commands", concrete) == []


def test_views_receive_typed_records_never_a_backend():
    allowed = ("fluxcli.backends.contract", "fluxcli.backends.iodata")
    assert offenders("views", ("fluxcli.backends",), allowed=allowed) == []
    assert offenders("views", ("fluxcli.commands", "fluxcli.job")) == []


@pytest.mark.parametrize("layer", ["backends", "commands", "views", "jobspec", "job", "plugins"])
def test_modules_stay_small(layer):
    long = [
        f"{p.relative_to(PACKAGE)} ({n} lines)"
        for p in modules(layer)
        if (n := len(p.read_text().splitlines())) > LINE_LIMIT
        and str(p.relative_to(PACKAGE)) not in LONG_BY_NATURE
    ]
    assert long == []


def test_the_rules_can_fail(tmp_path, monkeypatch):
    """A module that breaks a rule is found (the checks are not vacuous)."""
    fake = tmp_path / "fluxcli"
    (fake / "views").mkdir(parents=True)
    (fake / "views" / "bad.py").write_text("def f():\n    from fluxcli.backends.local import x\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert offenders("views", ("fluxcli.backends",)) == [
        "views/bad.py:2 imports fluxcli.backends.local"
    ]
