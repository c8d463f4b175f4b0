"""Which part may import which (ARCHITECTURE.md, "Parts and arrows"), checked from source.

Every module of our packages is read with `ast`, not imported: an import inside a
function counts as much as one at the top (issue 11: kiosk/cli.py imported ui inside
`run`, invisible to the Qt-free import test). Also counted: `importlib.import_module("x")`
and `__import__("x")` with a literal name, and `[..., "-m", "x", ...]` in a list or tuple
(a child process running our module `x` is an arrow too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("kiosk", "drivers", "offline_cache", "ui", "mock_backend", "kiosk_cli")
QT = ("PySide6", "shiboken6")

# The rule, as what each part may import of ours and of Qt; everything else of ours is
# forbidden. Third-party and standard-library imports are not this rule's business.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "kiosk": frozenset({"kiosk", "drivers", "offline_cache"}),
    "drivers": frozenset({"drivers"}),
    "offline_cache": frozenset({"offline_cache"}),
    "ui": frozenset({"ui", "kiosk", "drivers", "offline_cache", *QT}),
    "mock_backend": frozenset({"mock_backend"}),
    "kiosk_cli": frozenset({*PACKAGES, *QT}),  # the composition root
}
RULED = frozenset({*PACKAGES, *QT})


@dataclass(frozen=True)
class Import:
    path: Path  # the importing file, relative to the root
    line: int
    importer: str  # the importing module, e.g. kiosk.flow
    target: str  # the module named, resolved if relative, e.g. kiosk.submission
    names: tuple[str, ...]  # for `from target import a, b`: (a, b)
    how: str  # import, from, import_module, python -m
    type_only: bool  # under `if TYPE_CHECKING:`: never runs

    @property
    def arrow(self) -> str:
        return f"{self.importer} -> {self.target} ({self.how})"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Module name -> file, for every .py file of the packages under `root`."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "__pycache__" not in path.parts:
                found[module_name(root, path)] = path
    return found


class _ImportFinder(ast.NodeVisitor):
    def __init__(self, root: Path, path: Path) -> None:
        self.root, self.path = root, path
        self.importer = module_name(root, path)
        is_package = path.name == "__init__.py"
        self.package = self.importer if is_package else self.importer.rpartition(".")[0]
        self.type_only = False
        self.found: list[Import] = []

    def _add(self, node: ast.AST, target: str, how: str, names: tuple[str, ...] = ()) -> None:
        relative = self.path.relative_to(self.root)
        self.found.append(
            Import(relative, node.lineno, self.importer, target, names, how, self.type_only)
        )

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        guarded = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )
        if not guarded:
            self.generic_visit(node)
            return
        self.visit(node.test)
        before, self.type_only = self.type_only, True
        for child in node.body:
            self.visit(child)
        self.type_only = before
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name, "import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        self._add(node, target, "from", tuple(alias.name for alias in node.names))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("import_module", "__import__") and node.args:
            first = node.args[0]
            # A relative name ("..x", package=...) is left out: rare, and not ours today.
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if literal and not first.value.startswith("."):
                self._add(node, first.value, name)
        self.generic_visit(node)

    def _visit_sequence(self, node: ast.List | ast.Tuple) -> None:
        items = node.elts
        for flag, module in zip(items, items[1:], strict=False):
            if (
                isinstance(flag, ast.Constant)
                and flag.value == "-m"
                and isinstance(module, ast.Constant)
                and isinstance(module.value, str)
            ):
                self._add(module, module.value, "python -m")
        self.generic_visit(node)

    visit_List = _visit_sequence
    visit_Tuple = _visit_sequence


def imports_of(root: Path, path: Path) -> list[Import]:
    finder = _ImportFinder(root, path)
    finder.visit(ast.parse(path.read_bytes(), filename=str(path)))
    return finder.found


def all_imports(root: Path, packages: tuple[str, ...] = PACKAGES) -> Iterator[Import]:
    for path in modules(root, packages).values():
        yield from imports_of(root, path)


def rule_violations(root: Path) -> list[str]:
    """One line per import against MAY_IMPORT: file, line and the arrow. Type-only
    imports count: a part that must not know another must not know its types either."""
    problems = []
    for found in all_imports(root):
        part = found.importer.split(".")[0]
        imported = found.target.split(".")[0]
        if imported in RULED and imported not in MAY_IMPORT[part]:
            allowed = [name for name in (*PACKAGES, *QT) if name in MAY_IMPORT[part]]
            allowed.sort(key=lambda name: name != part)  # itself first
            qt = "" if set(QT) <= MAY_IMPORT[part] else " (never Qt)"
            problems.append(
                f"{found.path}:{found.line}: {found.arrow} breaks the rule: "
                f"{part} may import only {', '.join(allowed)}{qt}"
            )
    return problems


def _resolve(target: str, known: dict[str, Path]) -> str | None:
    """The longest prefix of `target` that is one of our modules."""
    parts = target.split(".")
    while parts:
        if ".".join(parts) in known:
            return ".".join(parts)
        parts.pop()
    return None


def import_graph(root: Path, package: str) -> dict[str, dict[str, Import]]:
    """module -> {module it imports at run time -> the first such import}, inside one
    package. `from a import b` is an edge to a.b when that is a module, else to a."""
    known = modules(root, (package,))
    graph: dict[str, dict[str, Import]] = {name: {} for name in known}
    for found in all_imports(root, (package,)):
        if found.type_only or found.how == "python -m":
            # A type-only import is the usual way to name a type without a cycle at run
            # time; a child process is a process boundary, not an import.
            continue
        candidates = [f"{found.target}.{name}" for name in found.names] or [found.target]
        for candidate in candidates:
            target = _resolve(candidate, known)
            if target is not None and target != found.importer:
                graph[found.importer].setdefault(target, found)
    return graph


def _strongly_connected(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on a long chain)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _a_cycle_through(first: str, members: set[str], graph: dict[str, dict[str, Import]]):
    """The shortest path first -> ... -> first inside one strongly connected component."""
    paths = {first: [first]}
    queue = [first]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node]):
            if child == first:
                return [*paths[node], first]
            if child in members and child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError("a strongly connected component always has a cycle")


def cycles(root: Path, package: str) -> list[str]:
    """One line per import cycle between modules of `package`, each arrow with the file
    and line that makes it. Function-local imports count: they hide a cycle, not end it."""
    graph = import_graph(root, package)
    problems = []
    for component in _strongly_connected(graph):
        if len(component) < 2:
            continue
        members = set(component)
        # The shortest circle names the import to undo; the others of the tangle follow.
        path = min(
            (_a_cycle_through(first, members, graph) for first in component),
            key=lambda path: (len(path), path),
        )
        arrows = [graph[a][b] for a, b in zip(path, path[1:], strict=False)]
        where = ", ".join(f"{found.path}:{found.line}" for found in arrows)
        others = sorted(members - set(path))
        tangle = f"; also in the tangle: {', '.join(others)}" if others else ""
        problems.append(f"cycle {' -> '.join(path)} ({where}){tangle}")
    return problems
