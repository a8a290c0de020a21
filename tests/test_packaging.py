"""Packaging and the install cell (issue 14): what a reader's environment gets, and keeps.

- pyproject: Python 3.11-3.13, lower bounds only, torch an optional extra (``gatebook[learning]``);
- without torch, ``import gatebook``, the theory, the figures and the self-checks of chapter 1 and
  Part III work, and ``gatebook.learning`` says which extra to install;
- every chapter's first code cell is the generated install cell; run in IPython it does nothing
  where gatebook is present at the book's version, installs the pinned release (with the
  ``[learning]`` extra in Part II only) where it is missing, and asks for a restart when an
  imported package changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import install_cell  # noqa: E402

import gatebook  # noqa: E402


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_pyproject_declares_lower_bounds_and_an_optional_torch():
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.11"
    deps = project["dependencies"]
    assert all(">=" in d and "<" not in d and "==" not in d for d in deps), deps
    assert not any(d.startswith("torch") for d in deps)
    assert project["optional-dependencies"]["learning"] == ["torch>=2.1"]
    assert project["version"] == gatebook.__version__
    numpy = next(d for d in deps if d.startswith("numpy"))
    assert numpy == "numpy>=2.0"  # np.trapezoid; scripts/reader-routes.sh minimum installs exactly this


def test_the_minimum_route_installs_exactly_the_declared_bounds():
    text = (ROOT / "scripts" / "reader-routes.sh").read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("MINIMUM=("))
    pins = dict(p.split("==") for p in line.removeprefix("MINIMUM=(").rstrip(")").split())
    for dep in _pyproject()["project"]["dependencies"]:
        name, bound = dep.split(">=")
        assert pins[name] == bound or pins[name].startswith(bound + ".") or pins[name] == bound + ".0", (name, pins)


def test_chapter_one_and_part_three_work_without_torch(tmp_path):
    blocker = tmp_path / "torch"
    blocker.mkdir()
    (blocker / "__init__.py").write_text('raise ImportError("No module named torch (blocked by the test)")\n')
    code = textwrap.dedent("""
        import sys
        import gatebook as gb
        from gatebook import meanfield as mf, plots, exercises
        net = gb.GatedNetwork(20, g_h=3.0, alpha_z=1.0, seed=0)
        gb.max_lyapunov(net, t_transient=2.0, t_measure=5.0, seed=1)
        mf.dmft(2.0)
        plots.plot_traces({"g = 2": gb.simulate(gb.RandomRateNetwork(10, 2.0, seed=0), 5.0, 0.1, seed=1)})
        exercises.load_chapter_modules()
        # the committed runs Part III quotes (chapters 9-11) load without torch
        for name in ("census", "finite-size-lambda", "marginal", "phase-diagrams"):
            gb.committed_summary(name)
        mf.PhaseDiagram.from_dict(gb.committed_summary("phase-diagrams")["diagrams"]["alpha_r"])
        gb.MarginalFixedPoints.from_dict(gb.committed_summary("marginal")["results"]["400"])
        assert "torch" not in sys.modules or sys.modules["torch"] is None
        try:
            import gatebook.learning
        except ImportError as err:
            assert "gatebook[learning]" in str(err), err
        else:
            raise AssertionError("gatebook.learning imported without torch")
        print("ok")
    """)
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-2000:]


def test_every_chapter_starts_with_the_generated_install_cell():
    for path in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text())
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        source = "".join(first["source"])
        assert source == install_cell.install_cell(path.stem), f"{path.name}: run scripts/install_cell.py --write"
        assert f'GATEBOOK_RELEASE = "{gatebook.__version__}"' in source
        assert ("[learning]" in source) == path.stem.startswith(install_cell.PART_TWO)


class _Shell:
    """Run an install cell in a real IPython shell whose %pip is recorded, not executed."""

    def __init__(self, monkeypatch, installed_version, after=None):
        from IPython.core.interactiveshell import InteractiveShell

        self.shell = InteractiveShell.instance()
        self.calls = []
        self.after = after or {}
        fake = type(sys)("gatebook")
        fake.__version__ = installed_version
        if installed_version is None:
            monkeypatch.setitem(sys.modules, "gatebook", None)  # import gatebook -> ImportError
        else:
            monkeypatch.setitem(sys.modules, "gatebook", fake)
        import importlib.metadata as md

        real = md.version
        self.versions = {"numpy": "2.1.3", "gatebook": installed_version or "0"}

        def version(name):
            if name in self.versions:
                return self.versions[name]
            return real(name)

        monkeypatch.setattr(md, "version", version)

        def pip(line):
            self.calls.append(line)
            self.versions.update(self.after)
            monkeypatch.setitem(sys.modules, "gatebook", gatebook)

        self.shell.register_magic_function(pip, "line", "pip")

    def run(self, source, capsys):
        result = self.shell.run_cell(source)
        assert result.error_in_exec is None, result.error_in_exec
        return capsys.readouterr().out


def test_install_cell_does_nothing_when_the_release_is_present(monkeypatch, capsys):
    shell = _Shell(monkeypatch, gatebook.__version__)
    out = shell.run(install_cell.install_cell("01_random_networks"), capsys)
    assert shell.calls == [] and out == ""


@pytest.mark.parametrize("chapter, extra", [("01_random_networks", ""), ("03_scalar_gate", "[learning]")])
def test_install_cell_installs_the_pinned_release_where_missing(monkeypatch, capsys, chapter, extra):
    shell = _Shell(monkeypatch, None)
    out = shell.run(install_cell.install_cell(chapter), capsys)
    v = gatebook.__version__
    assert shell.calls == [f'install -q "gatebook{extra} @ git+{install_cell.REPOSITORY}@v{v}"']
    assert f"Installing gatebook {v} (found none)" in out and "Restart" not in out


def test_install_cell_asks_for_a_restart_when_a_loaded_package_changed(monkeypatch, capsys):
    shell = _Shell(monkeypatch, "0.0.9", after={"gatebook": gatebook.__version__})
    out = shell.run(install_cell.install_cell("06_gated_network"), capsys)
    assert len(shell.calls) == 1 and "found 0.0.9" in out
    assert "Restart the kernel" in out and "gatebook changed while loaded" in out
