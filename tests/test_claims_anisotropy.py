"""Chapter 5's sentences, pinned: what the prose says must stay true of the numbers.

Two kinds of test. Those named ``..._on_the_page`` rerun the chapter's own computations
(``anisotropy_experiment(**CHAPTER_SETTINGS)``, five seeds; ``readout_alignment_study(range(20))``)
and check every count and direction the prose states. Those named ``..._over_more_seeds``
repeat the comparisons with other or more seeds (ten per task: 30 paired runs; 20 more seeds
for the alignment) and check the direction with a paired 95 % t interval, so that a change
of torch or of the seeds cannot silently make the prose false.
"""

import numpy as np
import pytest
import torch
from scipy import stats

from gatebook.learning import anisotropy as A
from gatebook.learning import alignment as AL
from gatebook.plots import anisotropy as P

PLAIN = "plain + Adam"
GATED = ("scalar + SGD", "multi + SGD")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def page(one_thread):
    return A.anisotropy_experiment(**A.CHAPTER_SETTINGS, progress=False)


@pytest.fixture(scope="module")
def ten(one_thread):
    return A.anisotropy_experiment(**{**A.CHAPTER_SETTINGS, "seeds": tuple(range(10))}, progress=False)


@pytest.fixture(scope="module")
def alignment(one_thread):
    return AL.readout_alignment_study(range(20))


def _interval(x):
    x = np.asarray(x, dtype=float)
    return stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))


def _wins(exp, arm, metric, step, task=None, kind="update", lag=None):
    a = exp.values(kind, metric, arm=arm, task=task, step=step, lag=lag)
    b = exp.values(kind, metric, arm=PLAIN, task=task, step=step, lag=lag)
    return int(np.sum(a >= b)), np.log(a / b)


def _ai_by_lag(exp, arm, step):
    lags = list(exp.settings["lags"])
    return lags, np.array([exp.values("propagation", "AI", arm=arm, step=step, lag=h) for h in lags])


# -- the exact examples --------------------------------------------------------------------------


def test_the_spectrum_examples_and_the_exercise_numbers():
    """'two equal strong directions give a large AI and a CE near one, but PR and r_eff say two';
    exercise solutions: 'a ratio of about 1.16 per step becomes about 5.9 after twelve steps',
    'about 7.6 of the 32 directions ... at lag 1 ... about 28'."""
    from gatebook.spectra import effective_rank, participation_ratio

    two = np.r_[1.0, 1.0, np.full(14, 0.05)]
    assert A.anisotropy_index(two, 10) == pytest.approx(20.0)
    assert round(participation_ratio(two**2)) == 2 and round(effective_rank(two)) == 2
    c = np.sort(1 - np.linspace(0.05, 0.5, 32))[::-1]
    assert c[0] / c[9] == pytest.approx(1.16, abs=0.005) and (c[0] / c[9]) ** 12 == pytest.approx(5.9, abs=0.05)
    gates = np.linspace(0.05, 0.5, 32)
    pr = [participation_ratio(A.frozen_gate_anisotropy(gates, [h])["singular_values"][0] ** 2) for h in (8, 1)]
    assert pr[0] == pytest.approx(7.6, abs=0.05) and pr[1] == pytest.approx(28, abs=0.5)


# -- training ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["page", "ten"])
def test_a_hundred_steps_learn_part_of_two_tasks_but_not_adding(which, request):
    """'A hundred steps are enough to learn part of the AR(2) and moving-average tasks but not
    the adding task': in every run, adding ends within 20 % of the mean predictor, the others
    below 0.7 of it. And 'Adam has moved the plain cell's weights further than SGD has moved
    the gated ones in every run'."""
    exp = request.getfixturevalue(which)
    for arm in exp.arm_labels:
        assert exp.values("training", "loss_ratio", arm=arm, task="adding").min() > 0.8, arm
        for task in ("moving_average", "ar2"):
            assert exp.values("training", "loss_ratio", arm=arm, task=task).max() < 0.7, (arm, task)
    plain = exp.values("training", "weight_change", arm=PLAIN)
    for arm in GATED:
        assert np.all(plain > exp.values("training", "weight_change", arm=arm)), arm


# -- propagation anisotropy ------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["page", "ten"])
def test_propagation_anisotropy_rises_with_the_lag_in_every_run(which, request):
    """'In every run of every arm, at both checkpoints, AI_10 rises with every step of the lag,
    by a factor of more than 15 between lags 1 and 16, close to a straight line (R^2 at least
    0.95), and CE_10 exceeds 0.98 from lag 8 on'; the summary repeats it."""
    exp = request.getfixturevalue(which)
    for arm in exp.arm_labels:
        for step in exp.checkpoints:
            lags, ai = _ai_by_lag(exp, arm, step)
            assert np.all(np.diff(np.log(ai), axis=0) > 0), (arm, step)
            assert np.all(ai[-1] / ai[0] > 15), (arm, step)
            assert min(np.corrcoef(lags, np.log(col))[0, 1] ** 2 for col in ai.T) >= 0.95, (arm, step)
            for h in (h for h in lags if h >= 8):
                assert exp.values("propagation", "CE", arm=arm, step=step, lag=h).min() > 0.98, (arm, step, h)


def test_training_steepens_the_propagator_most_for_plain_adam_on_the_page(page):
    """'training steepens the spectrum at long lags in most runs of every arm, and by far the
    most for plain + Adam, the arm whose weights moved most' (page: 14, 13, 13 of 15 runs;
    median factors about 7 against 1.5)."""
    end = page.checkpoints[-1]
    factor = {}
    for arm in page.arm_labels:
        _, a0 = _ai_by_lag(page, arm, 0)
        _, a1 = _ai_by_lag(page, arm, end)
        factor[arm] = a1[-1] / a0[-1]
        assert np.sum(factor[arm] > 1) >= 13, arm
    for arm in GATED:
        assert np.median(factor[PLAIN]) > 3 * np.median(factor[arm]), arm
    moved = {arm: np.median(page.values("training", "weight_change", arm=arm)) for arm in page.arm_labels}
    assert max(moved, key=moved.get) == PLAIN


def test_training_steepens_the_propagator_most_for_plain_adam_over_more_seeds(ten):
    """The same sentence over 30 paired runs: every arm's ln(AI at step 100 / AI at step 0) at
    lag 16 has a 95 % interval above zero, in at least two thirds of the runs, and plain + Adam's
    exceeds each gated arm's run by run (paired interval above zero)."""
    end = ten.checkpoints[-1]
    gain = {}
    for arm in ten.arm_labels:
        _, a0 = _ai_by_lag(ten, arm, 0)
        _, a1 = _ai_by_lag(ten, arm, end)
        gain[arm] = np.log(a1[-1] / a0[-1])
        assert np.sum(gain[arm] > 0) >= 2 * gain[arm].size / 3 and _interval(gain[arm])[0] > 0, arm
    for arm in GATED:
        assert _interval(gain[PLAIN] - gain[arm])[0] > 0, arm


# -- GradCov against plain + Adam ------------------------------------------------------------------


def test_the_honest_reading_on_the_page(page):
    """The counts of 'An honest reading' and of the per-task table."""
    end = page.checkpoints[-1]
    # step 0: both gated arms have a lower PR in every run; scalar a higher AI in 13 of 15;
    # multi higher on adding, lower on AR2, 8 of 15 overall
    for arm in GATED:
        assert _wins(page, arm, "PR", 0)[0] == 0, arm
    assert _wins(page, "scalar + SGD", "AI", 0)[0] == 13
    assert _wins(page, "multi + SGD", "AI", 0)[0] == 8
    assert _wins(page, "multi + SGD", "AI", 0, task="adding")[0] == 5
    assert _wins(page, "multi + SGD", "AI", 0, task="ar2")[0] == 0
    # step 100: on adding and moving average both gated arms higher AI and lower PR in every run
    for arm in GATED:
        for task in ("adding", "moving_average"):
            assert _wins(page, arm, "AI", end, task=task)[0] == 5, (arm, task)
            assert _wins(page, arm, "PR", end, task=task)[0] == 0, (arm, task)
    # on AR2 the multi-gate cell's AI below and PR above in every run; the scalar gate mixed
    assert _wins(page, "multi + SGD", "AI", end, task="ar2")[0] == 0
    assert _wins(page, "multi + SGD", "PR", end, task="ar2")[0] == 5
    assert 0 < _wins(page, "scalar + SGD", "AI", end, task="ar2")[0] < 5
    assert 0 < _wins(page, "scalar + SGD", "PR", end, task="ar2")[0] < 5
    # the scalar gate's AI advantage was there before training: x1.67 at step 0, x1.63 at step 100
    ratios = [page.paired_comparison("scalar + SGD", PLAIN, "AI", step=s)["median_ratio"] for s in (0, end)]
    assert [round(r, 2) for r in ratios] == [1.67, 1.63]
    # propagation at lag 16 after training: plain + Adam more anisotropic in 12 and 13 of 15 runs
    lag = max(page.settings["lags"])
    assert [15 - _wins(page, arm, "AI", end, kind="propagation", lag=lag)[0] for arm in GATED] == [12, 13]


def test_the_honest_reading_over_more_seeds(ten):
    """The directions the reading states, over ten seeds per task (paired, 95 % t intervals):
    at step 0 both gated arms have a lower PR and the scalar gate a higher AI; at step 100 both
    gated arms are more concentrated on adding and moving average, the multi-gate cell less on
    AR2; after training plain + Adam's propagator is the more anisotropic one."""
    end, lag = ten.checkpoints[-1], max(ten.settings["lags"])
    for arm in GATED:
        assert _interval(_wins(ten, arm, "PR", 0)[1])[1] < 0, arm
        for task in ("adding", "moving_average"):
            wins_ai, ai = _wins(ten, arm, "AI", end, task=task)
            wins_pr, pr = _wins(ten, arm, "PR", end, task=task)
            assert wins_ai >= 8 and _interval(ai)[0] > 0, (arm, task)
            assert wins_pr <= 2 and _interval(pr)[1] < 0, (arm, task)
        wins, prop = _wins(ten, arm, "AI", end, kind="propagation", lag=lag)
        assert wins <= 10 and _interval(prop)[1] < 0, arm
    assert _interval(_wins(ten, "scalar + SGD", "AI", 0)[1])[0] > 0
    wins, ai = _wins(ten, "multi + SGD", "AI", end, task="ar2")
    assert wins <= 2 and _interval(ai)[1] < 0


# -- readout alignment -----------------------------------------------------------------------------


def test_readout_alignment_on_the_page(alignment):
    """'At initialisation A/N is compatible with 1 in every arm and task'; 'training raises the
    mean in every arm and task (in 15 to 20 of the 20 seeds), to between about 3 and 11, with
    intervals that lie above 1'; 'against plain + SGD the multi-gate cell's gain is larger on
    adding and moving average and smaller on AR2, each interval excluding zero'; 'against plain
    + Adam it is larger on adding, and on moving average and AR2 the interval contains zero';
    'that holds on AR2 only'."""
    end = alignment.checkpoints[-1]
    for arm in alignment.arms:
        for task in alignment.tasks:
            _, low, high = alignment.summary(arm, task, 0)
            assert low < 1 < high, (arm, task)
            mean, low, _ = alignment.summary(arm, task, end)
            assert low > 1 and 2.5 < mean < 12 and mean > alignment.summary(arm, task, 0)[0], (arm, task)
            assert 15 <= np.sum(alignment.gain(arm, task) > 0) <= 20, (arm, task)
    sgd = {t: alignment.paired_gain("multi + SGD", "plain + SGD", t) for t in alignment.tasks}
    assert sgd["adding"]["low"] > 0 and sgd["moving_average"]["low"] > 0 and sgd["ar2"]["high"] < 0
    adam = {t: alignment.paired_gain("multi + SGD", PLAIN, t) for t in alignment.tasks}
    assert adam["adding"]["low"] > 0
    assert adam["moving_average"]["low"] < 0 < adam["moving_average"]["high"]
    assert adam["ar2"]["low"] < 0 < adam["ar2"]["high"]


def test_readout_alignment_over_more_seeds(one_thread):
    """Twenty other seeds, the gate as the only difference: training raises A/N in both cells on
    every task, and the multi-gate cell's gain over plain + SGD has the page's sign on every task
    (larger on adding and moving average, smaller on AR2)."""
    arms = [a for a in AL.ALIGNMENT_ARMS if a.optimizer == "sgd"]
    study = AL.readout_alignment_study(range(20, 40), arms=arms)
    for arm in study.arms:
        for task in study.tasks:
            assert _interval(study.gain(arm, task))[0] > 0, (arm, task)
    signs = {t: np.sign(study.paired_gain("multi + SGD", "plain + SGD", t)["mean"]) for t in study.tasks}
    assert signs == {"adding": 1, "moving_average": 1, "ar2": -1}
