"""An import-linter contract type of our own: no import cycle between any two modules.

import-linter's built-in ``acyclic_siblings`` looks for cycles between the children of each
package, so it misses a package's ``__init__`` and one of its own modules importing each other
(``cli`` runs ``cli.replay``, which reaches back for a private helper of ``cli``). This contract
looks at the module graph itself: every strongly connected component of more than one module is
a cycle, reported with one shortest loop through it. ``TYPE_CHECKING`` imports count (the
``exclude_type_checking_imports`` session option stays false), and function-level imports count:
a lazy import still ties the two modules' designs together.

Registered in ``[tool.importlinter] contract_types``; ``lint-imports`` imports this module from
the repository root (it puts the working directory on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Iterator

import grimp
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    """Options: ``root`` (the package whose modules are checked), ``ignore_imports`` (as in the
    built-in contracts: ``importer -> imported`` lines left out of the graph, each a known debt)."""

    type_name = "acyclic_modules"

    root = fields.StringField()
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        root = str(self.root)
        modules = {m for m in graph.modules if m == root or m.startswith(root + ".")}
        edges = {
            m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i in modules)
            for m in modules
        }
        cycles = [_loop(component, edges) for component in _components(edges)]
        return ContractCheck(
            kept=not cycles,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": sorted(cycles)},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"An import cycle: {' -> '.join(cycle)}")
            output.new_line()


def _components(edges: dict[str, list[str]]) -> Iterator[set[str]]:
    """Tarjan's strongly connected components of more than one module (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    yield component


def _loop(component: set[str], edges: dict[str, list[str]]) -> tuple[str, ...]:
    """A shortest cycle through the first module (by name) of ``component``, closed."""
    start = min(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in edges[node]:
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return (*reversed(path), start)
                if child in component and child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return (start, start)  # unreachable for a component of more than one module
