"""Chapter 1 in a real JupyterLab, driven by a real Chromium (issue 14): the reader's route.

Starts ``jupyter lab`` on a copy of chapter 1, opens it in Chromium (Playwright), runs all
cells, and checks what a reader sees: every code cell ran with no error output; the exercise
prompts are rendered by jupyterlab-myst (no raw ``:label:`` directive text); the explorable
figure is a live widget whose image changes when its slider moves; a self-check prints its
feedback. Marked ``browser``: the session's Chromium comes from tests/conftest.py (skipped
without Chromium/Playwright unless CI is set).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_random_networks.ipynb"
TOKEN = "gatebook-e2e"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "chapters" / CHAPTER, folder / CHAPTER)
    port = _free_port()
    home = tmp_path_factory.mktemp("home")  # no user settings, workspaces or news leak in
    # render every cell (no windowing), so the page's text is the whole notebook
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), GATEBOOK_STATIC_HTML="0")
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={folder}", "--allow-root",
           "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--ContentsManager.allow_hidden=True"]
    log = open(folder / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("jupyter lab exited: " + (folder / "lab.log").read_text()[-2000:])
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("jupyter lab did not start in 90 s: " + (folder / "lab.log").read_text()[-2000:])
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def page(lab, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{lab}/lab/tree/{CHAPTER}?token={TOKEN}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.content"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
                           " === 'idle'", timeout=120_000)
    start = time.perf_counter()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        """() => {
            const nb = window.jupyterapp.shell.currentWidget;
            const cells = nb.content.widgets.filter(c => c.model.type === 'code');
            return cells.every(c => c.model.executionCount !== null)
                && nb.sessionContext.session.kernel.status === 'idle';
        }""", timeout=300_000, polling=500)
    page.run_seconds = time.perf_counter() - start
    yield page
    context.close()


def test_every_cell_runs_without_an_error_output(page):
    errors = page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
            .filter(c => c.model.type === 'code')
            .flatMap((c, i) => c.model.outputs.toJSON()
                .filter(o => o.output_type === 'error')
                .map(o => `cell ${i}: ${o.ename}: ${o.evalue}`))""")
    assert errors == []
    print(f"chapter 1 ran in JupyterLab in {page.run_seconds:.1f} s")


def test_exercise_prompts_are_rendered_not_raw_directives(page):
    text = page.inner_text(".jp-Notebook")
    assert ":label: ex-critical-gain" not in text and "```{exercise}" not in text
    # the exercises' titles, numbered and rendered by jupyterlab-myst
    assert "The critical gain" in text and "Measure the spectral radius" in text


def test_the_explorable_slider_changes_the_figure(page):
    explorable = page.locator(".gatebook-explorable").first
    explorable.scroll_into_view_if_needed()
    image = explorable.locator("img").first
    before = image.get_attribute("src")
    handle = explorable.locator(".noUi-handle, .ui-slider-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), before],
                           timeout=60_000)
    assert image.get_attribute("src") != before


def test_a_self_check_prints_its_feedback(page):
    outputs = page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
            .filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().includes('check_critical_gain'))
            .flatMap(c => c.model.outputs.toJSON())
            .map(o => JSON.stringify(o))""")
    assert outputs and any("No answer yet" in o for o in outputs), outputs
