"""The package's layering: no import cycles, and nothing in the library imports the CLI.

Imports are read from the source (module level and inside functions alike; a lazy import
still ties two modules together); those under `if TYPE_CHECKING:` do not run and are skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "facekit"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_by(path: Path, modules: set[str]) -> set[str]:
    """The facekit modules a source file imports (a package's module, when it names one)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: imported_by(path, modules) for name, path in paths.items()}


def test_the_graph_sees_relative_and_lazy_imports() -> None:
    graph = import_graph()
    assert "facekit.resources._containers" in graph["facekit.resources.person_groups"]
    # connect() imports the emulator inside the function, only when no endpoint is set.
    assert "facekit.emulator" in graph["facekit.cli.connection"]
    assert "facekit.client" in graph["facekit.cli.connection"]


def in_cli(name: str) -> bool:
    return name == "facekit.cli" or name.startswith("facekit.cli.")


def test_nothing_outside_the_cli_imports_it() -> None:
    for name, imports in import_graph().items():
        if in_cli(name) or name == "facekit.__main__":  # the entry point runs the CLI
            continue
        assert not {m for m in imports if in_cli(m)}, name


def test_no_two_modules_of_facekit_import_each_other_even_through_others() -> None:
    graph = import_graph()
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name) :], name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for imported in sorted(graph[name]):
            walk(imported, [*path, name])
        done.add(name)

    for name in sorted(graph):
        walk(name, [])
