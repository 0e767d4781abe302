"""The subpackages depend on each other one way, along the flow of data (docs/architecture.md).

Every import of a ``pbpk`` module is read from the source (at module level and inside
functions; under ``TYPE_CHECKING`` too, except for cycles, since those imports never run),
and the test fails on an import against the flow, an import between two subpackages of
the same layer, or a cycle between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pbpk

#: Subpackages from the bottom up; a module may import its own subpackage and those of lower layers.
LAYERS = (
    ("core",),
    ("compound", "physiology"),
    ("disposition",),
    ("model",),
    ("engine",),
    ("simulation",),
    ("populations",),
    ("ddi",),
    ("pd",),
    ("mipd",),
    ("qualification",),
    ("web",),
    ("cli",),
)
LAYER = {name: level for level, names in enumerate(LAYERS) for name in names}
ROOT = Path(pbpk.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            inside.update(id(child) for statement in node.body for child in ast.walk(statement))
    return inside


def imported_modules(path: Path, modules: set[str], *, type_checking: bool = True) -> set[str]:
    """The pbpk modules that ``path`` imports (``from pbpk.x import y`` counts module ``pbpk.x.y`` if it is one).

    ``type_checking=False`` leaves out the imports under ``if TYPE_CHECKING:``.
    """
    found = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if type_checking else _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("pbpk"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if not target.startswith("pbpk"):
                continue
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in modules)
    return {name for name in found if name in modules}


def module_graph(*, type_checking: bool) -> dict[str, set[str]]:
    paths = {module_name(path): path for path in ROOT.rglob("*.py") if "_data" not in path.parts}
    modules = set(paths)
    return {name: imported_modules(path, modules, type_checking=type_checking) - {name}
            for name, path in paths.items()}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return module_graph(type_checking=True)


def subpackage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_subpackage_has_a_layer(graph):
    assert {subpackage(m) for m in graph if subpackage(m)} <= set(LAYER)


def test_imports_follow_the_flow(graph):
    against = []
    for module, targets in graph.items():
        source = subpackage(module)
        if source is None:  # pbpk/__init__.py: the lazy public names
            continue
        for target in targets:
            goal = subpackage(target)
            if goal is None:
                against.append(f"{module} imports the top-level pbpk package")
            elif goal != source and LAYER[goal] >= LAYER[source]:
                against.append(f"{module} → {target}")
    assert not against, "imports against the flow:\n" + "\n".join(sorted(against))


def test_no_import_cycles():
    graph = module_graph(type_checking=False)
    cycles = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" → ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_check_sees_an_import_against_the_flow(tmp_path):
    """The parser finds lazy imports inside functions (the test above cannot pass by seeing nothing)."""
    source = tmp_path / "pbpk" / "core" / "x.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from pbpk.simulation.simulate import simulate\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path / "pbpk"
    try:
        assert imported_modules(source, {"pbpk.simulation.simulate"}) == {"pbpk.simulation.simulate"}
    finally:
        ROOT = saved


#: Size limits (DESIGN §3: modules under ~600 lines; issue 11: ~500 lines, ~80-line functions).
MODULE_LINES, FUNCTION_LINES = 500, 80
#: A longer function says why in its docstring with these words.
LONG_BY_DESIGN = "long by design"


def test_modules_and_functions_stay_short():
    too_long = []
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MODULE_LINES:
            too_long.append(f"{module_name(path)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES and LONG_BY_DESIGN not in (ast.get_docstring(node) or ""):
                    too_long.append(f"{module_name(path)}.{node.name}: {lines} lines")
    assert not too_long, "too long:\n" + "\n".join(too_long)


def test_unit_tests_mirror_the_package():
    """Each folder of tests/unit is named after the subpackage it tests."""
    folders = {p.name for p in Path(__file__).parent.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders and folders <= set(LAYER)
