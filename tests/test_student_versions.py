"""Tests of scripts/student_versions.py (solutions removed for student copies)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("student_versions", ROOT / "scripts" / "student_versions.py")
sv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sv)

EXERCISE = """:::{exercise}
:label: ex-radius

What is the spectral radius of $J$ for $g=2$?
:::
"""

COLON_SOLUTION = """:::{solution} ex-radius
:class: dropdown

About $2$: the circular law.
:::
"""

BACKTICK_SOLUTION = """````{solution} ex-radius
:class: dropdown

```python
print(2)
```
````
"""


def make_notebook():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    answer = code("answer = 2.0", metadata={"tags": ["solution"]})
    check = code("gatebook.exercises.check_radius(answer)")
    check.outputs = [nbformat.v4.new_output("stream", text="correct\n")]
    check.execution_count = 3
    nb.cells = [
        md("# Chapter"),
        md(EXERCISE + "\n" + COLON_SOLUTION + "\nText after the solution."),
        answer,
        check,
        md(BACKTICK_SOLUTION),
        md("Before the gated solution.\n\n```{solution-start} ex-radius\n:class: dropdown\n```"),
        code("secret = 42"),
        md("Still secret."),
        md("```{solution-end}\n```\n\nAfter the gated solution."),
        md("::::{note}\nA note with an inner block.\n:::{solution} ex-radius\nhidden\n:::\nstill in the note\n::::"),
    ]
    return nb


def test_notebook_solutions_removed_and_rest_kept():
    out = sv.student_notebook(make_notebook())
    text = json.dumps(out)
    for secret in ["About $2$", "print(2)", "answer = 2.0", "secret = 42", "Still secret", "hidden", "{solution"]:
        assert secret not in text, secret
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in out["cells"]]
    joined = "\n".join(sources)
    for kept in ["# Chapter", ":::{exercise}", "What is the spectral radius", "Text after the solution.",
                 "check_radius(answer)", "Before the gated solution.", "After the gated solution.",
                 "still in the note", "::::{note}"]:
        assert kept in joined, kept
    for cell in out["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    nbformat.validate(nbformat.from_dict(out))


def test_input_not_modified():
    nb = make_notebook()
    before = json.dumps(nb, sort_keys=True)
    sv.student_notebook(nb)
    assert json.dumps(nb, sort_keys=True) == before


def test_unclosed_blocks_are_errors():
    with pytest.raises(sv.StudentVersionError, match="never closed"):
        sv.strip_solution_blocks(":::{solution} ex\nno end\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("```{solution-start} ex\n```")]
    with pytest.raises(sv.StudentVersionError, match="without"):
        sv.student_notebook(nb)


def test_cli_writes_tree_under_out(tmp_path):
    src_dir = tmp_path / "chapters"
    src_dir.mkdir()
    nbformat.write(make_notebook(), src_dir / "01_x.ipynb")
    (src_dir / "page.md").write_text("# Page\n\n" + EXERCISE + "\n" + BACKTICK_SOLUTION + "\nEnd.\n")
    out = tmp_path / "student"
    assert sv.main([str(src_dir), "--out", str(out)]) == 0
    written = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert written == ["01_x.ipynb", "page.md"]
    page = next(out.rglob("page.md")).read_text()
    assert "print(2)" not in page and "End." in page and ":::{exercise}" in page
    nb = nbformat.read(next(out.rglob("01_x.ipynb")), as_version=4)
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)


def test_cli_missing_path(tmp_path, capsys):
    assert sv.main([str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err
