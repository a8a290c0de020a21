"""Print the built website to one PDF: ``_build/html/gatebook.pdf`` (run by scripts/build-book.sh).

    python scripts/book_pdf.py [--html _build/html] [--out _build/html/gatebook.pdf]

Each page of the table of contents is opened in Chromium (Playwright, the browser of the
site's tests), its math typeset by the site's own MathJax, and printed; the pages are joined in
reading order with one bookmark per page. Explorable figures print the frame the page opens
with (their sliders are hidden; the parameter values stay as text), quizzes print their
options, and folded solutions stay folded. Nothing is fetched from the network.
Needs Chromium (``GATEBOOK_CHROMIUM`` or ``/usr/bin/chromium``); exits 0 with a message if
there is none, so the website build does not depend on it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

PRINT_CSS = """
@media print {
  .gatebook-explorable input[type=range] { display: none !important; }
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .prev-next-area,
  .header-article, .bd-header-article, #pst-back-to-top { display: none !important; }
  .bd-main .bd-content .bd-article-container { max-width: 100% !important; }
}
"""


def toc_documents(toc_path: Path) -> list[str]:
    """Document names in reading order: the root, then every part's chapters and their sections."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return docs


def find_chromium() -> str | None:
    candidates = [os.environ.get("GATEBOOK_CHROMIUM", ""), "/usr/bin/chromium"]
    candidates += [shutil.which(n) or "" for n in ("chromium", "chromium-browser", "google-chrome")]
    return next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


def print_book(html: Path, out: Path) -> tuple[int, float]:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    docs = toc_documents(ROOT / "_toc.yml")
    writer = PdfWriter()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context()
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:", "blob:"))
                      else route.abort())
        page = context.new_page()
        for doc in docs:
            page.goto((html / f"{doc}.html").as_uri(), wait_until="load")
            # MathJax loads asynchronously: wait for it to exist (pages with math), then for its typesetting
            if page.locator(".math, .MathJax, span.math, div.math").count() > 0:
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                       timeout=60_000)
                page.evaluate("() => MathJax.startup.promise.then(() => true)")
            page.add_style_tag(content=PRINT_CSS)
            page.emulate_media(media="print")
            target = Path(tmp) / (doc.replace("/", "__") + ".pdf")
            page.pdf(path=str(target), format="A4", print_background=True,
                     margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
            first = len(writer.pages)
            for pdf_page in PdfReader(str(target)).pages:
                writer.add_page(pdf_page)
            title = page.title().split("—")[0].split(" - ")[0].strip() or doc
            writer.add_outline_item(title=title, page_number=first)
        browser.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        writer.write(fh)
    return len(writer.pages), time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or args.html / "gatebook.pdf"
    if find_chromium() is None:
        print("book_pdf: no Chromium found (set GATEBOOK_CHROMIUM); the PDF was not made")
        return 0
    pages, seconds = print_book(args.html, out)
    print(f"book_pdf: {out} ({pages} pages) in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
