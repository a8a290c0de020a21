"""Multiple-choice questions a reader answers by clicking, in a notebook and on the static site.

:func:`quiz` shows one of :data:`~gatebook.exercises.QUIZZES` with its options as radio
buttons; choosing one shows the feedback :func:`~gatebook.exercises.check_quiz` would give.
Like an explorable figure (:mod:`gatebook.explore`) it has two faces:

live
    With a kernel (JupyterLab, Colab): ``ipywidgets`` radio buttons and an HTML line for the
    feedback, displayed under ipywidgets 7 and 8 alike.
static
    On the built website (``GATEBOOK_STATIC_HTML=1``): plain HTML radio inputs and a few lines
    of inline JavaScript that show the feedback; no kernel and no network.

Where neither can be shown, the text form prints the question, the options and how to answer
with ``check_quiz(name, "<letter>")``.
"""

from __future__ import annotations

import html
import json
import os
import uuid

from ..explore import STATIC_ENV_VAR, widget_view_bundle
from .feedback import QUIZZES, check_quiz

__all__ = ["Quiz", "quiz"]


class Quiz:
    """One multiple-choice question, shown with clickable options (see :func:`quiz`)."""

    def __init__(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"name must be the name of a quiz (a string), got {type(name).__name__}")
        try:
            self.data = QUIZZES[name]
        except KeyError:
            raise ValueError(f"unknown quiz name {name!r}; choose one of {sorted(QUIZZES)}") from None
        self.name = name
        self._widget = None

    # --------------------------------------------------------------- text
    def __repr__(self) -> str:
        lines = [self.data["question"]]
        lines += [f"  ({letter}) {option}" for letter, option in self.data["options"].items()]
        lines.append(f'Answer with gb.exercises.check_quiz("{self.name}", "<letter>").')
        return "\n".join(lines)

    # ------------------------------------------------------------- static
    def to_html(self) -> str:
        """Self-contained HTML: the question, one radio input per option, inline feedback."""
        uid = f"gbq-{uuid.uuid4().hex[:10]}"
        feedback = {letter: str(check_quiz(self.name, letter)) for letter in self.data["options"]}
        rows = "".join(
            f'<label style="display:block;margin:0.2em 0;cursor:pointer">'
            f'<input type="radio" name="{uid}" value="{html.escape(letter)}"> '
            f"({html.escape(letter)}) {html.escape(option)}</label>"
            for letter, option in self.data["options"].items()
        )
        data = json.dumps(feedback, ensure_ascii=False).replace("</", "<\\/")
        script = (
            "(function(){"
            f'var root=document.getElementById("{uid}");'
            f'var fb=JSON.parse(document.getElementById("{uid}-data").textContent);'
            'var out=root.querySelector(".gatebook-quiz-feedback");'
            'root.querySelectorAll("input[type=radio]").forEach(function(r){'
            'r.addEventListener("change",function(){out.textContent=fb[r.value];'
            'root.setAttribute("data-answered",r.value);});});'
            "})();"
        )
        return (
            f'<div class="gatebook-quiz" id="{uid}" data-quiz="{html.escape(self.name)}" '
            'style="border-left:3px solid #1f77b4;padding:0.3em 0.8em;margin:0.5em 0">'
            f"<p><strong>Quiz.</strong> {html.escape(self.data['question'])}</p>{rows}"
            '<p class="gatebook-quiz-feedback" aria-live="polite" style="margin-top:0.4em"></p>'
            f'<script type="application/json" id="{uid}-data">{data}</script>'
            f"<script>{script}</script></div>"
        )

    # --------------------------------------------------------------- live
    def widget(self):
        """The live ``ipywidgets.VBox``: the question, radio buttons and the feedback line."""
        if self._widget is not None:
            return self._widget
        import ipywidgets as widgets

        question = widgets.HTML(f"<b>Quiz.</b> {html.escape(self.data['question'])}")
        options = [(f"({letter}) {option}", letter) for letter, option in self.data["options"].items()]
        buttons = widgets.RadioButtons(options=options, value=None, layout=widgets.Layout(width="auto"))
        feedback = widgets.HTML("")

        def on_change(change):
            if change["new"] is not None:
                feedback.value = html.escape(str(check_quiz(self.name, change["new"])))

        buttons.observe(on_change, names="value")
        self._widget = widgets.VBox([question, buttons, feedback])
        self._widget.add_class("gatebook-quiz")
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        if os.environ.get(STATIC_ENV_VAR, "").strip() == "1":
            return {"text/html": self.to_html(), "text/plain": repr(self)}
        bundle = dict(widget_view_bundle(self.widget(), include=include, exclude=exclude))
        bundle["text/plain"] = repr(self)
        return bundle


def quiz(name: str) -> Quiz:
    """Show the quiz ``name`` (a key of :data:`~gatebook.exercises.QUIZZES`) with clickable options.

    Choosing an option shows the same feedback as ``check_quiz(name, letter)``: why the right
    answer is right, or a hint. Works in JupyterLab and Colab (ipywidgets 7 or 8) and on the
    static website (plain HTML and JavaScript, no kernel). Used by every chapter's conceptual
    exercises.

    >>> print(repr(quiz("reorthonormalise")).splitlines()[0])
    Why must the tangent vectors be re-orthonormalised in the QR method?
    """
    return Quiz(name)
