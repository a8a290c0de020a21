"""Local Sphinx extension of the Gatebook (loaded through ``_config.yml``).

What it does, and why:

1. **Static explorables.** It sets ``GATEBOOK_STATIC_HTML=1`` in the build
   process's environment before any notebook runs. The Jupyter kernels that
   myst-nb starts inherit it, so ``gatebook.explorable`` publishes
   self-contained HTML (precomputed frames) instead of live widgets, which
   would be inert on a static page.
2. **No nbclient stall.** It replaces
   ``nbclient.output_widget.OutputWidget.sync_state`` with a no-op. The
   original sends a message on the shell socket while another coroutine polls
   it; the reply is then only noticed at the cell timeout (nbclient issue
   #312). Widget state is still recorded without it.
3. **Offline MathJax.** It copies the needed part of MathJax 3 from the
   ``mathjax`` Python package (installed by ``django-static-mathjax``) into a
   staging folder next to the HTML output, adds that folder to
   ``html_static_path`` (not the book's own ``_static/``, whose scripts
   Jupyter Book would inject into every page) and points ``mathjax_path`` at
   the local ``tex-mml-chtml.js``.
4. **One repository URL.** It exposes ``repository.url`` from ``_config.yml``
   to the pages as the MyST substitutions ``{{ repository_url }}`` and
   ``{{ repository_link }}``.
5. **Optional JupyterHub button.** ``GATEBOOK_JUPYTERHUB_URL`` (environment)
   fills ``launch_buttons.jupyterhub_url`` when the config leaves it empty.
6. **No dormant CDN loaders.** sphinx-thebe (always loaded by Jupyter Book)
   puts an inline script holding an ``unpkg.com`` URL, and its loader, on
   every page. Thebe is off in this book, so both are dropped.
7. **Offline check.** After an HTML build it scans every page for a
   ``script``, ``link``, ``img`` (and similar) element whose source points off
   the site, and warns for each, so ``-W`` turns such a page into a failed
   build.
8. **One BLAS thread per kernel** (``OPENBLAS_NUM_THREADS`` etc., unless set):
   the chapters' matrices are small and extra threads only oversubscribe.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

STATIC_ENV_VAR = "GATEBOOK_STATIC_HTML"
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
VENDOR_DIRNAME = ".gatebook_vendor"
MATHJAX_ENTRY = "tex-mml-chtml.js"
# Parts of MathJax's es5 tree that tex-mml-chtml.js may load at run time:
# TeX extensions (autoload), CHTML fonts, the menu and accessibility add-ons.
MATHJAX_PARTS = ("input/tex/extensions", "output/chtml", "ui", "a11y", "adaptors")


def patch_nbclient_output_widget() -> bool:
    """Make nbclient's Output-widget mimic skip its state sync (see module doc).

    Returns True if the patch was applied (nbclient importable), else False.
    """
    try:
        from nbclient import output_widget
    except ImportError:  # pragma: no cover - nbclient comes with myst-nb
        return False

    def sync_state(self) -> None:  # noqa: ARG001 - same signature as the original
        return None

    sync_state.__doc__ = "No-op (Gatebook): avoids the nbclient#312 stall."
    output_widget.OutputWidget.sync_state = sync_state
    return True


def find_mathjax_es5() -> Path:
    """Folder of the MathJax 3 ``es5`` build shipped by the ``mathjax`` package."""
    try:
        import mathjax
    except ImportError as err:
        raise RuntimeError(
            "The book serves MathJax locally from the `mathjax` Python package "
            "(pip install django-static-mathjax, pinned in requirements.txt)."
        ) from err
    es5 = Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"
    if not (es5 / MATHJAX_ENTRY).is_file():
        raise RuntimeError(f"MathJax entry point not found at {es5 / MATHJAX_ENTRY}")
    return es5


def stage_mathjax(target: Path) -> Path:
    """Copy the MathJax files the book needs into ``target/mathjax``."""
    es5 = find_mathjax_es5()
    dest = target / "mathjax"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(es5 / MATHJAX_ENTRY, dest / MATHJAX_ENTRY)
    for part in MATHJAX_PARTS:
        if (es5 / part).is_dir():
            shutil.copytree(es5 / part, dest / part, dirs_exist_ok=True)
    licence = es5.parent / "LICENSE"
    if licence.is_file():
        shutil.copy2(licence, dest / "LICENSE")
    return dest


def on_config_inited(app: Sphinx, config: Config) -> None:
    # 3. local MathJax
    vendor = Path(app.outdir).resolve().parent / VENDOR_DIRNAME
    stage_mathjax(vendor)
    static_path = list(config.html_static_path or [])
    if str(vendor) not in static_path:
        static_path.append(str(vendor))
    config.html_static_path = static_path
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"

    theme = dict(config.html_theme_options or {})
    # 4. repository URL as substitutions
    repo_url = str(theme.get("repository_url", "")).rstrip("/")
    subs = dict(config.myst_substitutions or {})
    if repo_url:
        subs.setdefault("repository_url", repo_url)
        subs.setdefault("repository_link", f"[{repo_url}]({repo_url})")
    config.myst_substitutions = subs

    # 5. JupyterHub button from the environment
    hub = os.environ.get("GATEBOOK_JUPYTERHUB_URL", "").strip()
    launch = dict(theme.get("launch_buttons") or {})
    if hub and not launch.get("jupyterhub_url"):
        launch["jupyterhub_url"] = hub
        theme["launch_buttons"] = launch
        config.html_theme_options = theme


_OFFSITE = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?"
    r"\b(src|href|data)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)
# <link> relations that never load anything while the page is shown.
_HARMLESS_LINK_RELS = re.compile(r"\brel\s*=\s*[\"']?(canonical|alternate|author|license)\b", re.I)


def offsite_references(html_text: str) -> list[str]:
    """Off-site URLs that a page would *load* (script, stylesheet, image...)."""
    found = []
    for match in _OFFSITE.finditer(html_text):
        tag = match.group(0)
        if match.group(1).lower() == "link" and _HARMLESS_LINK_RELS.search(tag):
            continue
        found.append(match.group(3))
    return found


def drop_thebe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Remove sphinx-thebe's scripts from a page when thebe is not enabled."""
    launch = (app.config.html_theme_options or {}).get("launch_buttons") or {}
    if launch.get("thebe") or "script_files" not in context:
        return

    def is_thebe(script) -> bool:
        filename = str(getattr(script, "filename", script) or "")
        body = str((getattr(script, "attributes", None) or {}).get("body", ""))
        return filename.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body or "thebe@" in filename

    context["script_files"] = [s for s in context["script_files"] if not is_thebe(s)]


#: Where the student versions of the chapters (no solutions, exercises as plain Markdown; see
#: scripts/student_versions.py --plain) live in the repository: what Colab and JupyterHub open.
STUDENT_FOLDER = "student"
_LAUNCHERS = ("colab.research.google.com", "/git-pull?")


def launch_student_versions(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Point the Colab and JupyterHub launch buttons of a chapter at its student version.

    Plain notebook front ends show MyST directives as raw text and would show the solutions;
    the student version (``student/chapters/<name>.ipynb``) has neither problem. Runs after
    sphinx-book-theme has built the buttons (priority 900) and rewrites their URLs.
    """
    if not pagename.startswith("chapters/"):
        return

    def visit(item):
        if isinstance(item, dict):
            url = item.get("url")
            if isinstance(url, str) and any(key in url for key in _LAUNCHERS):
                item["url"] = url.replace(f"/{pagename}.ipynb", f"/{STUDENT_FOLDER}/{pagename}.ipynb").replace(
                    f"%2F{pagename}.ipynb", f"%2F{STUDENT_FOLDER}%2F{pagename}.ipynb")
            for value in item.values():
                visit(value)
        elif isinstance(item, (list, tuple)):
            for value in item:
                visit(value)

    visit(context.get("header_buttons", []))


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in sorted(outdir.rglob("*.html")):
        urls = offsite_references(page.read_text(encoding="utf-8", errors="replace"))
        for url in sorted(set(urls)):
            logger.warning(
                "page %s loads %s from off the site; the book must work offline",
                page.relative_to(outdir),
                url,
                type="gatebook",
                subtype="offsite",
            )


_CHAPTER_DOC = re.compile(r"(?:^|/)(\d+)_[^/]*$")


def number_exercises_by_chapter(app: Sphinx, env) -> list:
    """Number exercises per chapter: "Exercise 11.2", not the book-wide "Exercise 42".

    Sphinx numbers enumerable nodes (sphinx-exercise's ``exercise``) across the whole book when
    the pages themselves are not numbered (ours carry their number in the title, see _toc.yml).
    After Sphinx has assigned them (``env-get-updated``, priority 900: after the toctree
    collector), each chapter's exercises are renumbered (chapter, 1), (chapter, 2), ... in the
    order Sphinx found them; titles, solutions and ``{numref}`` all read these numbers.
    """
    for docname, types in env.toc_fignumbers.items():
        match = _CHAPTER_DOC.search(docname)
        exercises = types.get("exercise")
        if not match or not exercises:
            continue
        chapter = int(match.group(1))
        order = sorted(exercises, key=lambda ident: exercises[ident])
        types["exercise"] = {ident: (chapter, k) for k, ident in enumerate(order, start=1)}
    return []


def _import_dotted(path: str):
    """The object at a dotted path (module attributes walked after the longest importable module)."""
    import importlib

    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def resolve_api_aliases(app: Sphinx, env, node, contnode):
    """Resolve a Python cross-reference to wherever the API reference documents the same object.

    Each object is documented once, at its public address (``gatebook.meanfield.dmft``), but
    docstrings may name it where it is defined (``gatebook.meanfield.solve.dmft``) or relative
    to their module (``GatedNetwork.reduced_network``). The target is imported (absolute, then
    relative to the referring module and class), and the documented name of that very object is
    looked up. A name that exists but has no entry (a constant outside ``__all__``) is shown as
    code without a link; a name that does not exist stays a warning (and fails the -W build).
    """
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    index = getattr(env, "_gatebook_api_index", None)
    if index is None or index[0] != len(domain.objects):
        by_id, by_last = {}, {}
        for name in domain.objects:
            obj = _import_dotted(name)
            if obj is None:
                continue
            if isinstance(obj, (int, float, str, bool, tuple)):
                by_last.setdefault(name.rsplit(".", 1)[-1], []).append((name, obj))
            else:
                by_id.setdefault(id(getattr(obj, "__func__", obj)), name)
        index = env._gatebook_api_index = (len(domain.objects), by_id, by_last)
    target = node["reftarget"].lstrip("~.")
    module, cls = node.get("py:module"), node.get("py:class")
    candidates = [target]
    if module:
        candidates += [f"{module}.{cls}.{target}"] if cls else []
        candidates.append(f"{module}.{target}")
    candidates += [f"gatebook.{target}"] + [f"gatebook.{p}.{target}" for p in ("meanfield", "learning", "plots", "exercises")]
    # an object documented at its package's address refers to names of the module defining it
    head = target.split(".")[0]
    candidates += sorted(f"{name}.{target}" for name, mod in list(sys.modules.items())
                         if name.startswith("gatebook.") and mod is not None and hasattr(mod, head))
    exists = False
    for candidate in candidates:
        obj = _import_dotted(candidate)
        if obj is None:
            continue
        exists = True
        if isinstance(obj, (int, float, str, bool, tuple)):
            matches = [n for n, v in index[2].get(candidate.rsplit(".", 1)[-1], []) if v == obj]
            documented = matches[0] if matches else None
        else:
            documented = index[1].get(id(getattr(obj, "__func__", obj)))
        if documented:
            found = domain.resolve_any_xref(env, node["refdoc"], app.builder, documented, node, contnode)
            if found:
                return found[0][1]
    # the name exists but has no entry of its own (a constant outside __all__, a deprecated
    # module): shown as code, without a link; a name that does not exist stays a warning
    return contnode if exists else None


#: Abbreviations the chapters use in code (``import gatebook as gb``, ``from gatebook import
#: meanfield as mf``, ``learning as L``, ``plots``).
_ALIASES = {"gb": "gatebook", "gatebook": "gatebook", "mf": "gatebook.meanfield", "L": "gatebook.learning",
            "plots": "gatebook.plots"}
_INLINE_NAME = re.compile(r"^(?P<head>gb|gatebook|mf|L|plots)\.(?P<rest>[A-Za-z_][\w.]*)(?:\(.*\))?$", re.S)


def link_inline_code_to_api(app: Sphinx, doctree, docname: str) -> None:
    """Turn a chapter's inline code naming a gatebook function (```gb.simulate```,
    ```mf.dmft(3.0, alpha_r=20)```) into a link to its entry in the API reference.

    The name is resolved like a cross-reference (see :func:`resolve_api_aliases`); code that
    names nothing documented stays plain code.
    """
    from docutils import nodes
    from sphinx.addnodes import pending_xref

    if not docname.startswith("chapters/") or app.builder.format != "html":
        return
    env = app.env
    for literal in list(doctree.findall(nodes.literal)):
        if isinstance(literal.parent, (nodes.reference, pending_xref)) or "code" in literal.parent.tagname:
            continue
        m = _INLINE_NAME.match(literal.astext().strip())
        if not m:
            continue
        target = f"{_ALIASES[m.group('head')]}.{m.group('rest')}"
        probe = pending_xref("", refdomain="py", reftype="obj", reftarget=target, refdoc=docname)
        resolved = resolve_api_aliases(app, env, probe, literal.deepcopy())
        if isinstance(resolved, nodes.reference):
            resolved["classes"].append("gatebook-api-link")
            literal.replace_self(resolved)


def setup(app: Sphinx) -> dict:
    # 1. and 2. must happen before the first notebook executes.
    os.environ[STATIC_ENV_VAR] = "1"
    # Kernels inherit this environment: make sure figures are drawn by the inline
    # backend (a caller's MPLBACKEND=Agg, e.g. from pytest, would turn them into text).
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # The chapters' linear algebra is small matrices; several BLAS/OpenMP threads per
    # kernel only oversubscribe the cores (measured 5-100x slower SVDs on a loaded
    # 2-core machine). One thread each, unless the caller chose otherwise.
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    patch_nbclient_output_widget()
    app.connect("config-inited", on_config_inited, priority=900)
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    app.connect("env-get-updated", number_exercises_by_chapter, priority=900)
    app.connect("html-page-context", launch_student_versions, priority=900)
    app.connect("missing-reference", resolve_api_aliases)
    app.connect("doctree-resolved", link_inline_code_to_api)
    app.connect("build-finished", on_build_finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
