"""Tests of the built book: the build gate, the static HTML and a real browser.

The book is built once per session with the same command as
``scripts/build-book.sh`` (``jupyter-book build . -W -n --keep-going``), into a
temporary folder (``--path-output``), so a build running in the working tree is
not disturbed. Set ``GATEBOOK_BUILT_HTML=/path/to/_build/html`` to test an
existing build instead (e.g. in CI, right after ``scripts/build-book.sh``).

Markers: ``book`` (everything that needs the build) and ``browser`` (Chromium
through Playwright). ``pytest -m "not book"`` skips both quickly.

The browser tests need Playwright (pip) and a Chromium binary. They look for
``$GATEBOOK_CHROMIUM``, then ``/usr/bin/chromium`` and similar names on PATH.
Without one they are skipped locally and fail when ``CI`` is set.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTER1 = "chapters/01_random_networks"
BUILD_ARGS = ["build", ".", "-W", "-n", "--keep-going"]
LOG_TAIL = 80

_spec = importlib.util.spec_from_file_location("gatebook_sphinx", ROOT / "_ext" / "gatebook_sphinx.py")
gatebook_sphinx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gatebook_sphinx)


# ---------------------------------------------------------------- helpers
def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def toc_files() -> list[str]:
    """Every document named in _toc.yml (root first), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", f) for f in files]


def chapter_notebooks() -> list[Path]:
    return [ROOT / f"{f}.ipynb" for f in toc_files() if (ROOT / f"{f}.ipynb").exists()]


#: Every chapter in the table of contents, as document names (``chapters/NN_name``).
CHAPTERS = [p.relative_to(ROOT).with_suffix("").as_posix() for p in chapter_notebooks()]


def jupyter_book_executable() -> str:
    """The ``jupyter-book`` script of this Python environment."""
    beside = Path(sys.executable).parent / "jupyter-book"
    found = str(beside) if beside.is_file() else shutil.which("jupyter-book")
    if not found:
        pytest.fail("jupyter-book is not installed in this environment (pip install -r requirements.txt)")
    return found


def run_build(source: Path, output: Path, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run the gated Jupyter Book build of ``source`` with output under ``output``."""
    env = dict(os.environ)
    # The kernels import the working tree's gatebook, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.pop("GATEBOOK_STATIC_HTML", None)  # the book's extension sets it
    return subprocess.run(
        [jupyter_book_executable(), *BUILD_ARGS, "--path-output", str(output)],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def log_tail(proc: subprocess.CompletedProcess) -> str:
    lines = (proc.stdout + proc.stderr).splitlines()
    return "\n".join(lines[-LOG_TAIL:])


def html_pages(html_dir: Path) -> list[Path]:
    return sorted(html_dir.rglob("*.html"))


def strip_data_uris(text: str) -> str:
    return re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:", text)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def built_html(tmp_path_factory) -> Path:
    existing = os.environ.get("GATEBOOK_BUILT_HTML")
    if existing:
        html = Path(existing).resolve()
        if not (html / "index.html").is_file():
            pytest.fail(f"GATEBOOK_BUILT_HTML={existing} has no index.html")
        return html
    missing = [f for f in toc_files() if not any((ROOT / f"{f}{s}").exists() for s in (".md", ".ipynb"))]
    if missing:
        pytest.fail(f"_toc.yml names files that do not exist: {missing}")
    out = tmp_path_factory.mktemp("book")
    start = time.perf_counter()
    proc = run_build(ROOT, out)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        pytest.fail(f"book build failed (exit {proc.returncode}) after {seconds:.0f} s:\n{log_tail(proc)}")
    html = out / "_build" / "html"
    if not (html / "index.html").is_file():
        pytest.fail(f"the build exited 0 but wrote no {html / 'index.html'}:\n{log_tail(proc)}")
    print(f"\nbook built in {seconds:.1f} s into {out}")
    return html


# ------------------------------------------------------- no build needed
def test_config_and_toc_are_consistent():
    config = book_config()
    assert config["execute"]["execute_notebooks"] == "force"
    assert config["execute"]["raise_on_error"] is True
    assert config["repository"]["url"].startswith("https://github.com/")
    assert config["sphinx"]["config"]["nb_ipywidgets_js"] == {}
    files = toc_files()
    assert files[0] == "intro" and CHAPTER1 in files
    for page in ["notation", "instructors", "execution", "research_scale", "reproductions", "bibliography",
                 "parts/learning",
                 "parts/dynamics", "parts/synthesis"]:
        assert page in files and (ROOT / f"{page}.md").is_file()


def test_reproductions_tables_are_the_committed_summaries():
    """The Reproductions page is written from data/reproductions/*-paper/summary.json."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "reproductions_page.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    page = (ROOT / "reproductions.md").read_text(encoding="utf-8")
    for study in ("s1", "appB", "s2"):  # run at the paper's scale and committed
        assert (ROOT / "data" / "reproductions" / f"{study}-paper" / "summary.json").is_file()
        block = page.split(f"<!-- measured:{study} -->")[1].split(f"<!-- /measured:{study} -->")[0]
        assert block.count("\n| ") >= 3, f"the {study} table is empty"  # a header and two or more rows
    # the page's sentences about the s1 table
    table = json.loads((ROOT / "data" / "reproductions" / "s1-paper" / "summary.json").read_text())["table"]
    for model, rows in table.items():
        for step, q in rows.items():
            assert q["r2_lag_carry"]["mean"] >= q["r2_carry"]["mean"], (model, step)
            assert q["r2_gain_carry"]["mean"] < 0.002, (model, step)
            if model == "scalar":
                assert q["within_lag_corr_carry"]["mean"] > 0, step
            if model == "multi":
                assert q["within_lag_corr_carry"]["mean"] < 0, step


def test_research_scale_tables_are_the_committed_benchmarks():
    """The measured tables of the Research scale page are written from benchmarks/summaries/issue15.json."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "research_scale.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    page = (ROOT / "research_scale.md").read_text(encoding="utf-8")
    for name in ("speed", "scaling", "reach", "sweeps"):
        block = page.split(f"<!-- measured:{name} -->")[1].split(f"<!-- /measured:{name} -->")[0]
        assert block.count("|") > 10, f"the {name} table is empty"


def test_install_cells_point_at_the_configured_repository():
    url = book_config()["repository"]["url"].rstrip("/")
    for path in chapter_notebooks():
        nb = json.loads(path.read_text())
        installs = [
            "".join(c["source"]) for c in nb["cells"]
            if c["cell_type"] == "code" and "pip install" in "".join(c["source"])
        ]
        assert installs, f"{path.name}: no install cell (see CONTRIBUTING.md)"
        for source in installs:
            assert f"git+{url}" in source, f"{path.name}: install cell does not use {url}"
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name}: notebooks are stored without outputs"


def test_offsite_detector():
    page = (
        '<script src="https://cdn.example.org/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.googleapis.com/css">'
        '<link rel="canonical" href="https://gatebook.org/intro.html">'
        '<img src="data:image/png;base64,AAAA//BB"><a href="https://github.com/x">repo</a>'
        '<script src="_static/mathjax/tex-mml-chtml.js"></script>'
    )
    assert gatebook_sphinx.offsite_references(page) == ["https://cdn.example.org/x.js", "//fonts.googleapis.com/css"]


# ---------------------------------------------------------- the build gate
def _mini_book(tmp: Path, pages: dict[str, str]) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in ["_config.yml", "references.bib"]:
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "_ext", src / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in pages.items():
        (src / name).write_text(text)
    chapters = "\n".join(f"  - file: {Path(n).stem}" for n in pages if n != "intro.md")
    toc = "format: jb-book\nroot: intro\n" + (f"chapters:\n{chapters}\n" if chapters else "")
    (src / "_toc.yml").write_text(toc)
    return src


def _notebook(source: str) -> str:
    return json.dumps({
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Broken"},
            {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    })


@pytest.mark.book
@pytest.mark.parametrize(
    ("pages", "should_pass"),
    [
        pytest.param({"intro.md": "# Intro\n\nMath $x$.\n", "fine.ipynb": _notebook("1 + 1")}, True, id="control"),
        pytest.param({"intro.md": "# Intro\n\nSee {doc}`no_such_page`.\n"}, False, id="broken-reference"),
        pytest.param({"intro.md": "# Intro\n", "broken.ipynb": _notebook("1 / 0")}, False, id="failing-cell"),
    ],
)
def test_build_gate(tmp_path, pages, should_pass):
    """The gated build passes a sound mini book and fails on each kind of error."""
    src = _mini_book(tmp_path, pages)
    proc = run_build(src, tmp_path / "out", timeout=600)
    if should_pass:
        assert proc.returncode == 0, f"the control book failed to build:\n{log_tail(proc)}"
        assert (tmp_path / "out" / "_build" / "html" / "fine.html").is_file()
    else:
        assert proc.returncode != 0, f"the gated build passed a broken book:\n{log_tail(proc)}"
        expected = "no_such_page" if "intro.md" in pages and "no_such_page" in pages["intro.md"] else "ZeroDivisionError"
        assert expected in proc.stdout + proc.stderr


# ------------------------------------------------------ static HTML checks
@pytest.mark.book
def test_every_toc_page_is_built(built_html):
    for doc in toc_files():
        assert (built_html / f"{doc}.html").is_file(), doc
    assert (built_html / "index.html").is_file()


@pytest.mark.book
def test_nothing_is_loaded_from_off_the_site(built_html):
    offenders = {}
    for page in html_pages(built_html):
        text = page.read_text(encoding="utf-8", errors="replace")
        urls = gatebook_sphinx.offsite_references(text)
        words = re.findall(r"cdn\.|unpkg|jsdelivr|googleapis|cdnjs", strip_data_uris(text), re.I)
        if urls or words:
            offenders[str(page.relative_to(built_html))] = urls + words
    assert not offenders, f"pages that would load from the internet: {offenders}"
    assert (built_html / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    assert any((built_html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_download_and_launch_buttons(built_html, chapter):
    config = book_config()
    url = config["repository"]["url"].rstrip("/")
    branch = config["repository"]["branch"]
    org_repo = urlparse(url).path.strip("/")
    page = (built_html / f"{chapter}.html").read_text()
    assert f'href="../_sources/{chapter}.ipynb"' in page
    nb = json.loads((built_html / "_sources" / f"{chapter}.ipynb").read_text())
    assert nb["cells"], "downloadable notebook is empty"
    # Colab opens the student version: no solutions, exercises as plain Markdown (issue 14)
    colab = f"https://colab.research.google.com/github/{org_repo}/blob/{branch}/student/{chapter}.ipynb"
    assert colab in page
    assert (ROOT / "student" / f"{chapter}.ipynb").is_file()
    assert (built_html / "student" / f"{chapter}.ipynb").is_file()  # published with the site
    assert f'href="{url}"' in page  # repository button
    assert "mybinder.org" not in page


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_explorable_is_static_html(built_html, chapter):
    page = (built_html / f"{chapter}.html").read_text()
    assert 'class="gatebook-explorable"' in page
    assert "application/vnd.jupyter.widget-view+json" not in page, "a live widget leaked into the page"
    assert "application/vnd.jupyter.widget-state+json" not in page


@pytest.mark.book
def test_every_chapter_figure_is_a_picture(built_html):
    """Figures returned by gatebook.plots are drawn as images, never as their text repr."""
    for nb_path in chapter_notebooks():
        doc = nb_path.relative_to(ROOT).with_suffix("").as_posix()
        page = (built_html / f"{doc}.html").read_text()
        assert "&lt;Figure size" not in page, f"{doc}: a figure was printed as text"
        nb = json.loads(nb_path.read_text())
        returns_figure = sum(
            1 for c in nb["cells"] if c["cell_type"] == "code" and re.search(r"^plots\.plot_\w+\(", "".join(c["source"]), re.M)
        )
        images = re.findall(r'<img[^>]+src="\.\./_images/[^"]+\.png"', page)
        assert len(images) >= returns_figure > 0, f"{doc}: {len(images)} images for {returns_figure} figure cells"


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_summary_table_is_rendered_as_a_table(built_html, chapter):
    """Markdown outputs (the computed summary tables) are parsed as MyST, not shown as pipes."""
    page = (built_html / f"{chapter}.html").read_text()
    assert "<table" in page, f"{chapter}: no HTML table on the page"
    assert not re.search(r"<p>\|[^<]*\|\s*</p>", page), f"{chapter}: a Markdown table was left as text"


# ---------------------------------------------------------- real browser
# (the session's Chromium, `browser`, is a fixture of tests/conftest.py: one Playwright per session)
@pytest.fixture(scope="session")
def http_root(built_html):
    handler = functools.partial(_QuietHandler, directory=str(built_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Visit:
    """One page in a fresh browser context that refuses to leave the machine."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        parsed = urlparse(url)
        local = parsed.scheme in ("file", "data", "blob") or parsed.hostname == "127.0.0.1"
        if local:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, doc: str):
        self.page.goto(f"{self.base}/{doc}.html", wait_until="load")
        return self.page

    def wait_for_math(self, timeout: float = 30_000) -> int:
        self.page.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=timeout)
        return self.page.locator("mjx-container").count()

    def check_offline(self):
        offsite = [u for u in self.requests if urlparse(u).scheme not in ("file", "data", "blob")
                   and urlparse(u).hostname != "127.0.0.1"]
        assert not self.blocked and not offsite, f"requests left the machine: {self.blocked or offsite}"
        assert not self.errors, f"JavaScript errors: {self.errors}"

    def close(self):
        self.context.close()


@pytest.fixture(params=["http", "file"])
def visit(request, browser, built_html):
    base = request.getfixturevalue("http_root") if request.param == "http" else built_html.as_uri()
    v = Visit(browser, base)
    yield v
    v.close()


@pytest.mark.book
@pytest.mark.browser
def test_intro_renders_math_offline(visit):
    visit.open("intro")
    assert visit.wait_for_math() > 0
    # MathJax's fonts came from the book, not from the internet
    assert any("/_static/mathjax/" in u for u in visit.requests)
    visit.check_offline()


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_math_figures_and_explorable(visit, chapter):
    page = visit.open(chapter)
    assert visit.wait_for_math() > 0
    images = page.evaluate(
        "Array.from(document.querySelectorAll('main img, article img'))"
        ".map(i => [i.complete, i.naturalWidth, i.src.slice(0, 40)])"
    )
    assert images, "no figures on the chapter page"
    assert all(complete and width > 0 for complete, width, _ in images), images

    explorable = page.locator(".gatebook-explorable").first
    explorable.scroll_into_view_if_needed()
    slider = explorable.locator("input[type=range]").first
    img = explorable.locator("img").first
    before_src = img.get_attribute("src")
    before_key = explorable.get_attribute("data-current")
    lo, hi, value = (int(slider.get_attribute(a)) for a in ("min", "max", "value"))
    assert hi > lo, "the first parameter of the first explorable has a single value"
    target = lo if value != lo else hi
    slider.evaluate(
        "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true})); }", target
    )
    assert img.get_attribute("src") != before_src, "moving the slider did not change the figure"
    assert explorable.get_attribute("data-current") != before_key
    width = img.evaluate("i => i.naturalWidth")
    assert width > 0
    # keyboard works too
    slider.focus()
    page.keyboard.press("ArrowRight" if target == lo else "ArrowLeft")
    assert int(slider.input_value()) != target
    visit.check_offline()


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("doc", ["instructors", *CHAPTERS])
def test_solution_dropdown_opens(visit, doc):
    page = visit.open(doc)
    solutions = page.locator("div.solution")
    assert solutions.count() > 0 or doc == "instructors", f"{doc} has no solution blocks"
    solution = solutions.first
    button = solution.locator("button.toggle-button").first
    button.wait_for(state="visible", timeout=10_000)
    body = solution.locator("section, .admonition-body, p").last
    assert "toggle-hidden" in (solution.get_attribute("class") or "") or not body.is_visible()
    button.click()
    page.wait_for_function(
        "el => !el.classList.contains('toggle-hidden')", arg=solution.element_handle(), timeout=5_000
    )
    assert body.is_visible()
    visit.check_offline()


@pytest.mark.book
@pytest.mark.browser
def test_offline_guard_catches_external_requests(visit):
    """The request guard used above really sees (and stops) off-site requests."""
    page = visit.open("intro")
    page.evaluate("() => { const i = new Image(); i.src = 'https://example.org/pixel.png'; }")
    page.wait_for_timeout(500)
    assert any("example.org" in u for u in visit.blocked)
    with pytest.raises(AssertionError, match="left the machine"):
        visit.check_offline()


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_exercises_are_numbered_within_their_chapter(built_html, chapter):
    """"Exercise 11.2", never the book-wide "Exercise 42" (_ext/gatebook_sphinx.py)."""
    page = (built_html / f"{chapter}.html").read_text(encoding="utf-8")
    number = int(re.search(r"/(\d+)_", "/" + chapter).group(1))
    found = sorted({tuple(map(int, m)) for m in re.findall(r"Exercise (\d+)\.(\d+)", page)})
    assert found, f"{chapter}: no numbered exercise"
    assert {c for c, _ in found} == {number}, f"{chapter}: exercises numbered {found}"
    assert [k for _, k in found] == list(range(1, len(found) + 1))
    assert not re.search(r"Exercise \d+(?![.\d])", page), f"{chapter}: an exercise without its chapter number"


@pytest.mark.book
def test_execution_status_page_lists_every_chapter_with_its_run_time(built_html):
    page = (built_html / "execution.html").read_text(encoding="utf-8")
    assert "<table" in page
    for chapter in CHAPTERS:
        name = chapter.split("/")[-1]
        row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{name}(?:(?!</tr>).)*</tr>", page, re.S)
        assert row, f"{name} is missing from the execution table"
        assert re.search(r"\d+\.\d+", row.group(0)), f"{name}: no run time in its row"


def test_student_versions_in_the_repository_are_up_to_date_and_plain():
    """student/ holds what the Colab and JupyterHub buttons open: regenerated, it is unchanged;
    it has no solution, no raw MyST exercise or admonition, and numbered exercise titles."""
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "student_versions.py"), "--plain",
                          "--out", str(ROOT / "student"), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    for path in chapter_notebooks():
        student = json.loads((ROOT / "student" / "chapters" / path.name).read_text())
        text = "\n".join("".join(c["source"]) for c in student["cells"])
        assert "{solution" not in text and "{exercise}" not in text and "{admonition}" not in text
        assert ":label:" not in text
        number = int(path.name.split("_")[0])
        assert f"**Exercise {number}.1" in text, path.name


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_quizzes_can_be_answered_on_the_static_site(visit, chapter):
    """Every chapter's quizzes are clickable on the static page: choosing the right option shows
    the explanation (✅), a wrong one the hint (❌), with no kernel and no network (issue 14)."""
    from gatebook import exercises

    page = visit.open(chapter)
    quizzes = page.locator(".gatebook-quiz")
    assert quizzes.count() >= 1, f"{chapter}: no quiz on the page"
    for k in range(quizzes.count()):
        box = quizzes.nth(k)
        name = box.get_attribute("data-quiz")
        answer = exercises.QUIZZES[name]["answer"]
        wrong = next(letter for letter in exercises.QUIZZES[name]["options"] if letter != answer)
        box.scroll_into_view_if_needed()
        feedback = box.locator(".gatebook-quiz-feedback")
        box.locator(f"input[value='{wrong}']").check()
        assert feedback.inner_text().startswith("❌")
        box.locator(f"input[value='{answer}']").check()
        assert feedback.inner_text() == str(exercises.check_quiz(name, answer))
    visit.check_offline()


def test_api_reference_pages_are_up_to_date():
    """api/*.md are written by scripts/api_reference.py from the __all__ lists (the build rewrites them)."""
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "api_reference.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def _object_at(dotted: str):
    import importlib

    module, _, attr = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr, None)
    except ImportError:
        return None


@pytest.mark.book
def test_api_reference_documents_every_public_callable(built_html):
    """Every public function and class has an entry (an anchor) in the offline API reference."""
    import importlib
    import inspect

    pages = "".join(p.read_text(encoding="utf-8") for p in (built_html / "api").glob("*.html"))
    anchors = set(re.findall(r'<dt class="sig sig-object py" id="([^"]+)"', pages))
    missing = []
    for package in ("gatebook", "gatebook.meanfield", "gatebook.learning", "gatebook.plots", "gatebook.exercises"):
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            documented_here = f"{package}.{name}" in anchors
            documented_elsewhere = any(a.rsplit(".", 1)[-1] == name and _object_at(a) is obj for a in anchors)
            if not (documented_here or documented_elsewhere):
                missing.append(f"{package}.{name}")
    assert not missing, f"not in the API reference: {missing}"
    assert (built_html / "api" / "index.html").is_file()


@pytest.mark.book
def test_the_whole_book_is_one_pdf_in_reading_order(built_html):
    """scripts/book_pdf.py prints every page of the table of contents into _build/html/gatebook.pdf."""
    if not (built_html / "gatebook.pdf").is_file():
        _unavailable_pdf = "no gatebook.pdf: the build found no Chromium to print it"
        if os.environ.get("CI"):
            pytest.fail(_unavailable_pdf)
        pytest.skip(_unavailable_pdf)
    from pypdf import PdfReader

    sys.path.insert(0, str(ROOT / "scripts"))
    from book_pdf import toc_documents

    reader = PdfReader(built_html / "gatebook.pdf")
    outline = [(reader.get_destination_page_number(o), o.title) for o in reader.outline if not isinstance(o, list)]
    assert len(outline) == len(toc_documents(ROOT / "_toc.yml"))
    starts = [page for page, _ in outline]
    assert starts == sorted(starts) and len(reader.pages) > starts[-1]
    titles = [title for _, title in outline]
    for k, chapter in enumerate(CHAPTERS, start=1):
        assert any(t.startswith(f"{k}. ") for t in titles), f"chapter {k} missing from the PDF's bookmarks"
    text = reader.pages[starts[titles.index(next(t for t in titles if t.startswith("1. ")))]].extract_text()
    assert "Random recurrent networks and the edge of chaos" in " ".join(text.split())


@pytest.mark.book
def test_chapters_link_the_functions_they_name_to_the_api_reference(built_html):
    """Inline code such as `mf.dmft` or `gb.GatedNetwork` in a chapter links to its API entry."""
    links = {}
    for chapter in CHAPTERS:
        page = (built_html / f"{chapter}.html").read_text(encoding="utf-8")
        for href in re.findall(r'<a class="[^"]*gatebook-api-link[^"]*" href="([^"]+)"', page):
            links.setdefault(chapter, []).append(href)
    assert len(links) >= 8, f"only {sorted(links)} link to the API reference"
    for chapter, hrefs in links.items():
        for href in hrefs:
            path, _, anchor = href.partition("#")
            target = (built_html / chapter).parent / path
            assert target.is_file(), (chapter, href)
            assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), (chapter, href)
    nine = (built_html / "chapters/09_mean_field.html").read_text(encoding="utf-8")
    assert re.search(r'gatebook-api-link[^"]*" href="\.\./api/gatebook_meanfield\.html#gatebook\.meanfield\.dmft"', nine)
