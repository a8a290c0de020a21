"""Self-checks accept right answers, reject wrong ones, and say something useful either way."""

import numpy as np
import pytest

import gatebook as gb
from gatebook import exercises as ex


def test_feedback_is_truthy_only_when_passed_and_prints_a_mark():
    assert ex.Feedback(True, "ok") and not ex.Feedback(False, "no")
    assert str(ex.Feedback(True, "ok")).startswith("✅")
    assert ex.Feedback(False, "no")._repr_markdown_().startswith("❌")


@pytest.mark.parametrize("check", [ex.check_critical_gain, lambda a: ex.check_spectral_radius(a, 50, 1.0, 0),
                                   lambda a: ex.check_lyapunov_estimate(a)])
@pytest.mark.parametrize("answer, text", [(None, "No answer yet"), ("one", "single number"), (float("nan"), "nan")])
def test_checks_handle_missing_or_malformed_answers(check, answer, text):
    fb = check(answer)
    assert not fb and text in fb.message


def test_critical_gain():
    assert ex.check_critical_gain(1.0)
    assert ex.check_critical_gain(1.02)
    low, high = ex.check_critical_gain(0.5), ex.check_critical_gain(2.0)
    assert not low and "stable" in low.message
    assert not high and "crosses" in high.message
    assert "cancels" in ex.check_critical_gain(2.0, tau=2.0).message


def test_spectral_radius_against_the_real_matrix():
    N, g, seed = 120, 1.3, 4
    eig = np.linalg.eigvals(gb.RandomRateNetwork(N, g, seed=seed).weights)
    assert ex.check_spectral_radius(np.abs(eig).max(), N, g, seed)
    jac = ex.check_spectral_radius(np.abs(eig - 1.0).max(), N, g, seed)
    assert not jac and "Jacobian" in jac.message
    assert not ex.check_spectral_radius(g, N, g, seed)


def test_lyapunov_estimate_uses_the_library_reference():
    ref = gb.max_lyapunov(gb.RandomRateNetwork(200, 2.0, seed=0), seed=0)
    assert ref.maximum > 0.02  # this network is chaotic
    assert ex.check_lyapunov_estimate(ref.maximum)
    assert ex.check_lyapunov_estimate(ref.maximum + ref.stderr[0])
    wrong_sign = ex.check_lyapunov_estimate(-0.5)
    assert not wrong_sign and "sign" in wrong_sign.message


def test_quizzes():
    for name, quiz in ex.QUIZZES.items():
        assert ex.check_quiz(name, quiz["answer"])
        wrong = next(k for k in quiz["options"] if k != quiz["answer"])
        assert not ex.check_quiz(name, wrong)
    assert "letters" in ex.check_quiz("finite_size", "z").message
    with pytest.raises(ValueError, match="quiz"):
        ex.check_quiz("nope", "a")


@pytest.mark.parametrize("call, err, name", [
    (lambda: ex.load_chapter_modules(until=1.0), TypeError, "until"),  # was "'float' object is not callable"
    (lambda: ex.check_quiz(1.0, "a"), TypeError, "name"),
    (lambda: ex.check_quiz("nope", "a"), ValueError, "name"),
    (lambda: ex.register_quizzes(1.0), TypeError, "quizzes"),
    (lambda: ex.register_quizzes({"q": {"question": "?"}}), TypeError, "quizzes"),
    (lambda: ex.as_number(1.0, what=None), TypeError, "what"),
    (lambda: ex.check_critical_gain(1.0, tau=float("nan")), ValueError, "tau"),
    (lambda: ex.check_spectral_radius(1.0, 10**12, 1.0, 0), ValueError, "N"),
    (lambda: ex.check_lyapunov_estimate(0.1, N=10**12), ValueError, "N"),
])
def test_bad_parameters_name_the_argument(call, err, name):
    with pytest.raises(err, match=rf"\b{name}\b"):
        call()


def test_a_malformed_answer_gets_feedback_without_echoing_arrays():
    fb = ex.check_critical_gain([float("nan"), 1.0])
    assert not fb and "single number" in fb.message and "nan" not in fb.message


def test_quiz_shows_clickable_options_with_check_quiz_feedback(monkeypatch):
    """gb.exercises.quiz: static HTML and a live widget give exactly check_quiz's feedback."""
    import html as _html
    import json as _json
    import re as _re

    for name, data in ex.QUIZZES.items():
        q = ex.quiz(name)
        page = q.to_html()
        assert f'data-quiz="{name}"' in page
        for letter, option in data["options"].items():
            assert f'value="{letter}"' in page and _html.escape(option) in page
        feedback = _json.loads(_re.search(r'<script type="application/json"[^>]*>(.*?)</script>', page, _re.S).group(1))
        assert feedback == {letter: str(ex.check_quiz(name, letter)) for letter in data["options"]}
        assert repr(q).splitlines()[0] == data["question"] and name in repr(q).splitlines()[-1]
    q = ex.quiz("finite_size")
    buttons, line = q.widget().children[1], q.widget().children[2]
    answer = ex.QUIZZES["finite_size"]["answer"]
    buttons.value = answer
    assert line.value == _html.escape(str(ex.check_quiz("finite_size", answer))) and line.value.startswith("✅")
    monkeypatch.setenv("GATEBOOK_STATIC_HTML", "1")
    assert "text/html" in ex.quiz("finite_size")._repr_mimebundle_()
    monkeypatch.setenv("GATEBOOK_STATIC_HTML", "0")
    assert "application/vnd.jupyter.widget-view+json" in ex.quiz("finite_size")._repr_mimebundle_()
    with pytest.raises(ValueError, match="name"):
        ex.quiz("no_such_quiz")
    with pytest.raises(TypeError, match="name"):
        ex.quiz(3)
