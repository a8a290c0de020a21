"""The API fuzz harness (issue 13): every public callable, every argument, ten bad values.

``harness`` calls and classifies, ``api`` enumerates the public callables from ``__all__``,
``bases_*`` hold one valid call per callable (one file per part of the package), ``allowed``
lists the outcomes accepted with a reason. ``python -m tests.fuzz`` prints the outcome table.
"""
