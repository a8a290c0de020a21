"""Progress bars for long computations (tqdm), quiet when the book is being built.

Every long routine in Gatebook accepts ``progress=True/False``. Bars use
``tqdm.auto`` (a widget in JupyterLab and Colab, text in a terminal). While the book's
pages are built (environment variable ``GATEBOOK_STATIC_HTML=1``) bars are switched off,
so no widget state ends up on the static website.
"""

from __future__ import annotations

import os

from ._validation import check_bool, check_nonnegative_float

__all__ = ["progress_bar", "static_html_build"]


def static_html_build() -> bool:
    """True while the book's static HTML is being built (``GATEBOOK_STATIC_HTML=1``)."""
    return os.environ.get("GATEBOOK_STATIC_HTML", "") not in ("", "0")


def progress_bar(iterable=None, *, total=None, desc=None, enabled=True, **kwargs):
    """Return a ``tqdm.auto.tqdm`` bar, disabled when ``enabled`` is false or during a book build.

    ``iterable`` is ``None`` or an iterable, ``total`` ``None`` or a number of items ``>= 0``,
    ``desc`` ``None`` or a string and ``enabled`` a bool; anything else raises a
    :class:`TypeError`/:class:`ValueError` naming the argument.
    """
    from tqdm.auto import tqdm

    if iterable is not None and not hasattr(iterable, "__iter__"):
        raise TypeError(f"iterable must be None or an iterable, got {type(iterable).__name__}")
    if total is not None:
        check_nonnegative_float(total, "total")
    if desc is not None and not isinstance(desc, str):
        raise TypeError(f"desc must be None or a string, got {desc!r}")
    enabled = check_bool(enabled, "enabled")
    disable = (not enabled) or static_html_build()
    return tqdm(iterable, total=total, desc=desc, disable=disable, leave=False, **kwargs)
