"""The package's shape: explicit public names, light imports, no import cycles, no private imports.

See ``/work/shared/architecture.md`` (layers; "a package's ``__init__`` imports its public
names explicitly and lists them in ``__all__``; heavy parts load on first use").
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "gatebook"

#: Every package with a public namespace of its own.
PACKAGES = (
    "gatebook",
    "gatebook.meanfield",
    "gatebook.plots",
    "gatebook.exercises",
    "gatebook.learning",
)

#: Packages that re-export every public name of their submodules (one module per chapter
#: or per topic), with the private submodules whose names they re-export as well.
REEXPORTING = {
    "gatebook.meanfield": ("_result",),
    "gatebook.plots": (),
    "gatebook.exercises": (),
}

#: ``import gatebook`` loads the models and chapter 1's measurements and nothing else:
#: 15 gatebook modules when this was written (gatebook, _lazy, _linalg, _validation, correlations,
#: dynamical_system, gated_network, inputs, integrators, lyapunov, progress, quiet_state,
#: random_network, simulate, sweeps; 44 before the lazy imports). Raise it only for a
#: module every chapter needs.
MAX_MODULES_ON_IMPORT = 15

#: What an import statement must not load, in a fresh interpreter.
MUST_NOT_LOAD = {
    "import gatebook": ("torch", "matplotlib", "scipy.optimize", "gatebook.meanfield", "gatebook.plots",
                        "gatebook.exercises", "gatebook.learning", "gatebook.explore"),
    "import gatebook.meanfield": ("torch", "matplotlib", "gatebook.meanfield.phases"),
    "import gatebook.exercises": ("torch", "matplotlib"),
    "import gatebook.plots": ("torch", "gatebook.meanfield"),
    "import gatebook.learning": ("matplotlib", "gatebook.learning.plots"),
}

#: Private names that one module may still import from another, each with its reason.
#: Keyed by (module that defines it, name). Delete an entry once its import is gone.
PRIVATE_IMPORTS_ALLOWED: dict = {}  # none left: every shared helper is public in its home


# --------------------------------------------------------------------------- helpers


def _module_files(package_dir: Path = PACKAGE_DIR) -> dict[str, tuple[Path, bool]]:
    """``{dotted module name: (path, is_package)}`` for every module of the package."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules[".".join(parts)] = (path, is_package)
    return modules


MODULES = _module_files()


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` statement reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _module_level_statements(body):
    """Statements executed on import: recurse into if/try/with/class bodies, not functions."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node):
            continue
        yield node
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                yield from _module_level_statements(inner)
        for handler in getattr(node, "handlers", ()):
            yield from _module_level_statements(handler.body)


def _imported_modules(module: str, statements) -> set[str]:
    """The gatebook modules these import statements load (a submodule if one is named)."""
    path, is_package = MODULES[module]
    deps = set()
    for node in statements:
        if isinstance(node, ast.Import):
            deps |= {alias.name for alias in node.names if alias.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node)
            if target not in MODULES:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                deps.add(sub if sub in MODULES else target)
    deps.discard(module)
    return deps


def _import_graph() -> dict[str, set[str]]:
    graph = {}
    for module, (path, _) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[module] = _imported_modules(module, _module_level_statements(tree.body))
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph, as a list of nodes, or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    stack: list[str] = []

    def visit(node):
        colour[node] = GREY
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if colour.get(dep) == GREY:
                return stack[stack.index(dep):] + [dep]
            if colour.get(dep) == WHITE:
                cycle = visit(dep)
                if cycle:
                    return cycle
        stack.pop()
        colour[node] = BLACK
        return None

    for node in sorted(graph):
        if colour[node] == WHITE:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def _private_imports():
    """``(importer, source, name)`` for every private name imported from another gatebook module.

    Imports inside functions count too. Importing a private *module* (``_validation``,
    ``_linalg``) is fine; importing a private *name* is not.
    """
    found = []
    for module, (path, is_package) in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _resolve(module, is_package, node)
            if source not in MODULES or source == module:
                continue
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not name.startswith("__") and f"{source}.{name}" not in MODULES:
                    found.append((module, source, name))
    return found


def _fresh_import(statement: str) -> list[str]:
    """The modules loaded by ``statement`` in a fresh interpreter."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.splitlines()[-1])


# ------------------------------------------------------- (a) explicit public names


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves_and_is_listed_by_dir(package):
    pkg = importlib.import_module(package)
    assert len(pkg.__all__) == len(set(pkg.__all__)), f"{package}.__all__ lists a name twice"
    listed = dir(pkg)
    assert listed == sorted(listed)
    for name in pkg.__all__:
        assert getattr(pkg, name) is not None, f"{package}.{name}"
        assert name in listed, f"dir({package}) does not list {name}"


def _is_deprecated_shim(pkg, name: str) -> bool:
    """A module kept for one release after a move: its docstring starts with "Deprecated"."""
    path = Path(pkg.__path__[0]) / f"{name}.py"
    return path.exists() and path.read_text().lstrip().startswith('"""Deprecated')


@pytest.mark.parametrize("package", sorted(REEXPORTING))
def test_packages_reexport_every_public_name_of_their_modules(package):
    pkg = importlib.import_module(package)
    submodules = [m.name for m in pkgutil.iter_modules(pkg.__path__)
                  if not m.name.startswith("_") and not _is_deprecated_shim(pkg, m.name)]
    for sub in (*submodules, *REEXPORTING[package]):
        module = importlib.import_module(f"{package}.{sub}")
        assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"
        for name in module.__all__:
            assert name in pkg.__all__, f"{package} does not re-export {module.__name__}.{name}"
            assert getattr(pkg, name) is getattr(module, name), f"{package}.{name} is not {module.__name__}.{name}"


def test_unknown_names_raise_attribute_error():
    for package in PACKAGES:
        pkg = importlib.import_module(package)
        assert not hasattr(pkg, "no_such_name")
        with pytest.raises(AttributeError, match="no_such_name"):
            getattr(pkg, "no_such_name")


def test_a_broken_lazy_name_fails_loudly(monkeypatch):
    import gatebook.meanfield as mf

    monkeypatch.setitem(mf._LAZY, "renamed_solver", "gated")
    with pytest.raises(ImportError, match="gatebook.meanfield.gated"):
        mf.renamed_solver  # noqa: B018
    monkeypatch.setitem(mf._LAZY, "missing_module", "no_such_module")
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        mf.missing_module  # noqa: B018


def _notebook_code(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            lines += [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def _dotted(node) -> list[str] | None:
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(names)]
    return None


@pytest.mark.parametrize("notebook", sorted((ROOT / "chapters").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_gatebook_name_a_chapter_uses_resolves(notebook):
    """``from gatebook... import x`` and ``gb.a.b`` chains in the chapter's code all resolve."""
    tree = ast.parse(_notebook_code(notebook))
    aliases = {}  # local name -> the gatebook module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "gatebook":
                    module = importlib.import_module(alias.name)
                    aliases[alias.asname or "gatebook"] = module if alias.asname else sys.modules["gatebook"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "gatebook":
            module = importlib.import_module(node.module)
            for alias in node.names:
                try:
                    value = getattr(module, alias.name)
                except AttributeError:  # what the import statement does next: a submodule
                    value = importlib.import_module(f"{node.module}.{alias.name}")
                aliases[alias.asname or alias.name] = value
    assert aliases, f"{notebook.name} imports nothing from gatebook"
    for node in ast.walk(tree):
        chain = _dotted(node) if isinstance(node, ast.Attribute) else None
        if not chain or chain[0] not in aliases:
            continue
        value = aliases[chain[0]]
        if not isinstance(value, type(sys)):
            continue  # an attribute of a class or function, not of a package
        for i, attr in enumerate(chain[1:], start=1):
            assert hasattr(value, attr), f"{notebook.name}: {'.'.join(chain[:i + 1])} does not resolve"
            value = getattr(value, attr)
            if not isinstance(value, type(sys)):
                break


# ----------------------------------------------------------- (b) light imports


@pytest.mark.parametrize("statement", sorted(MUST_NOT_LOAD))
def test_imports_stay_light(statement):
    loaded = set(_fresh_import(statement))
    heavy = sorted(name for name in MUST_NOT_LOAD[statement] if name in loaded)
    assert not heavy, f"{statement!r} loads {heavy}"


def test_import_gatebook_loads_few_gatebook_modules():
    ours = [name for name in _fresh_import("import gatebook") if name.split(".")[0] == "gatebook"]
    assert len(ours) <= MAX_MODULES_ON_IMPORT, f"import gatebook loads {len(ours)} modules: {ours}"


# -------------------------------------------------------------- (c) no cycles


def test_gatebook_has_no_import_cycles():
    graph = _import_graph()
    assert "gatebook.simulate" in graph["gatebook"]  # the graph sees the package's own imports
    assert "gatebook.integrators" in graph["gatebook.simulate"]
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_benchmarks_have_no_import_cycles():
    """The benchmark scripts import each other by bare name; count imports inside functions too."""
    bench = ROOT / "benchmarks"
    names = {p.stem for p in bench.glob("*.py")}
    graph = {}
    for path in bench.glob("*.py"):
        deps = set()
        with warnings.catch_warnings():  # a docstring's invalid escape is not this test's business
            warnings.simplefilter("ignore")
            tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module in names:
                deps.add(node.module)
        graph[path.stem] = deps - {path.stem}
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle among benchmarks/: " + " -> ".join(cycle)


# -------------------------------------------------------- (d) no private imports


def test_no_private_names_are_imported_across_modules():
    offending = [
        f"{importer} imports {name} from {source}"
        for importer, source, name in _private_imports()
        if (source, name) not in PRIVATE_IMPORTS_ALLOWED
    ]
    assert not offending, "make these public or move them to gatebook._validation:\n" + "\n".join(offending)


def test_private_import_allow_list_is_not_stale():
    used = {(source, name) for _, source, name in _private_imports()}
    stale = sorted(set(PRIVATE_IMPORTS_ALLOWED) - used)
    assert not stale, f"no module imports these any more; remove them from PRIVATE_IMPORTS_ALLOWED: {stale}"


def test_check_model_agrees_with_the_protocol():
    import numpy as np

    import gatebook as gb
    from gatebook._validation import check_model

    class Partial:
        dim = 2

        def vector_field(self, x, t=0.0):
            return -x

    candidates = [gb.RandomRateNetwork(4, 1.0, seed=0), gb.GatedNetwork(4, 2.0, seed=0), Partial(), object(),
                  np.zeros(3), "model"]
    for model in candidates:
        conforms = isinstance(model, gb.DynamicalSystem)
        if conforms:
            check_model(model)
        else:
            with pytest.raises(TypeError, match="model must provide dim"):
                check_model(model)
    assert sum(isinstance(m, gb.DynamicalSystem) for m in candidates) == 2


RENAMED_MODULES = [
    ("gatebook.plots.dmft", "gatebook.plots.mean_field"),
    ("gatebook.plots.transitions", "gatebook.plots.chaotic_transitions"),
    ("gatebook.learning.plots.leaky", "gatebook.plots.leaky_integrator"),
    ("gatebook.learning.plots.adam", "gatebook.plots.per_neuron_gates_and_adam"),
    ("gatebook.learning.plots.leaky_integrator", "gatebook.plots.leaky_integrator"),
    ("gatebook.learning.plots.scalar_gate", "gatebook.plots.scalar_gate"),
    ("gatebook.learning.plots.per_neuron_gates_and_adam", "gatebook.plots.per_neuron_gates_and_adam"),
    ("gatebook.learning.plots.anisotropy", "gatebook.plots.anisotropy"),
    ("gatebook.exercises.dmft", "gatebook.exercises.mean_field"),
    ("gatebook.exercises.transitions", "gatebook.exercises.chaotic_transitions"),
    ("gatebook.exercises.adam", "gatebook.exercises.per_neuron_gates_and_adam"),
    ("gatebook.anisotropy", "gatebook.spectra"),
    ("gatebook.tasks", "gatebook.learning.tasks"),
    ("gatebook.presets", "gatebook.learning.presets"),
]


@pytest.mark.parametrize("old, new", RENAMED_MODULES)
def test_renamed_modules_keep_working_for_one_release(old, new):
    # a chapter module renamed after its notebook (or a concept module after its concept):
    # the old path warns with the new one and gives the same objects
    new_module = importlib.import_module(new)
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        old_module = importlib.reload(importlib.import_module(old)) if old in sys.modules else importlib.import_module(old)
    shared = [name for name in old_module.__all__ if name != "participation_ratio"]  # its old meaning is kept
    assert shared and all(getattr(old_module, name) is getattr(new_module, name) for name in shared)


def test_the_old_part2_plots_package_forwards_every_name_with_a_warning():
    import gatebook.learning.plots as old
    import gatebook.plots as plots

    for name in ("leaky_explorer", "plot_scalar_gate_traces", "plot_lag_credit", "anisotropy_explorer"):
        with pytest.warns(DeprecationWarning, match=f"gatebook.plots.{name}"):
            assert getattr(old, name) is getattr(plots, name)
    with pytest.raises(AttributeError):
        old.no_such_figure  # noqa: B018
