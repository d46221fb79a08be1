"""
A statistics analysis script, decorated the way its author would decorate it.

The script is written in the style of a published analysis of a two-arm trial
(simulated here, from a seeded ``numpy.random.Generator``): descriptive
statistics per arm with pandas, a normality check, Welch's t-test with an
effect size, a percentile bootstrap of the mean difference, a permutation test,
an ordinary least squares regression with statsmodels, p-values computed by
hand with ``scipy.stats.t.sf`` (the call of the issue that first made every
call warn "cannot build the key"), and maximum likelihood fits of the residuals
by several ``scipy.stats`` distributions passed as arguments. Helpers live in
``stats_helpers.py``, imported with aliases as people do
(``from scipy.stats import t as student``).

The user's process runs with ``PYTHONWARNINGS=error`` and the default cache
directory. Asserted:

* the first run computes every cached call, and prints its results;
* a second process hits every call and prints the same results;
* after an edit to one helper (the effect size gets Hedges' small-sample
  correction), exactly the calls that reach that helper rerun, and their new
  results differ; every other call is a hit;
* the analysis works the same from a fresh copy under another hash seed.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from .harness import run_user, user_env

pytest.importorskip("scipy")
pytest.importorskip("pandas")
pytest.importorskip("statsmodels")

MARKER = "RUN "

HELPERS = '''
"""Effect sizes and test statistics for the trial analysis."""

import numpy as np
from scipy.stats import t as student


def pooled_sd(a, b):
    """Pooled standard deviation of two samples."""
    na, nb = len(a), len(b)
    return np.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / (na + nb - 2))


def effect_size(a, b):
    """Cohen's d of sample a against sample b."""
    return (np.mean(a) - np.mean(b)) / pooled_sd(a, b)


def mean_difference(a, b):
    return np.mean(a) - np.mean(b)


def two_sided_p(statistic, dof):
    """Two-sided p-value of a t statistic."""
    return 2.0 * student.sf(np.abs(statistic), dof)
'''

#: The helper edit: Hedges' g (Cohen's d with the small-sample correction).
HEDGES = HELPERS.replace(
    '''    """Cohen's d of sample a against sample b."""
    return (np.mean(a) - np.mean(b)) / pooled_sd(a, b)''',
    '''    """Hedges' g of sample a against sample b."""
    correction = 1 - 3 / (4 * (len(a) + len(b)) - 9)
    return correction * (np.mean(a) - np.mean(b)) / pooled_sd(a, b)''',
)

ANALYSIS = '''
"""Two-arm trial: does the treatment lower systolic blood pressure at 12 weeks?"""

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from scipy.stats import t

from checkpointing import checkpoint
from stats_helpers import effect_size, mean_difference, two_sided_p

SEED = 20240611
ARMS = ("placebo", "treatment")


@checkpoint
def load_trial(n_per_arm, seed):
    print("RUN load_trial")
    rng = np.random.default_rng(seed)
    arm = np.repeat(ARMS, n_per_arm)
    age = rng.normal(58, 9, size=arm.size).round()
    baseline = rng.normal(148, 12, size=arm.size)
    effect = np.where(arm == "treatment", -6.5, 0.0)
    outcome = baseline - 4 + effect + 0.15 * (age - 58) + rng.normal(0, 9, size=arm.size)
    return pd.DataFrame({"arm": arm, "age": age, "baseline": baseline, "sbp_12w": outcome})


@checkpoint
def describe(trial):
    print("RUN describe")
    table = trial.groupby("arm")["sbp_12w"].agg(["count", "mean", "std"])
    return table.round(2)


@checkpoint
def normality(trial):
    print("RUN normality")
    return {
        arm: float(stats.shapiro(group["sbp_12w"]).pvalue)
        for arm, group in trial.groupby("arm")
    }


@checkpoint
def welch_test(trial):
    print("RUN welch_test")
    treated = trial.loc[trial["arm"] == "treatment", "sbp_12w"].to_numpy()
    control = trial.loc[trial["arm"] == "placebo", "sbp_12w"].to_numpy()
    result = stats.ttest_ind(treated, control, equal_var=False)
    return {
        "t": float(result.statistic),
        "p": float(result.pvalue),
        "d": float(effect_size(treated, control)),
    }


@checkpoint
def bootstrap_ci(trial, n_resamples, seed, level=0.95):
    print("RUN bootstrap_ci")
    rng = np.random.default_rng(seed)
    treated = trial.loc[trial["arm"] == "treatment", "sbp_12w"].to_numpy()
    control = trial.loc[trial["arm"] == "placebo", "sbp_12w"].to_numpy()
    draws = [
        mean_difference(rng.choice(treated, treated.size), rng.choice(control, control.size))
        for _ in range(n_resamples)
    ]
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


@checkpoint
def permutation_p(trial, n_permutations, seed):
    print("RUN permutation_p")
    rng = np.random.default_rng(seed)
    values = trial["sbp_12w"].to_numpy()
    treated = (trial["arm"] == "treatment").to_numpy()
    observed = abs(mean_difference(values[treated], values[~treated]))
    count = 0
    for _ in range(n_permutations):
        shuffled = rng.permutation(treated)
        count += abs(mean_difference(values[shuffled], values[~shuffled])) >= observed
    return (count + 1) / (n_permutations + 1)


@checkpoint
def adjusted_model(trial):
    print("RUN adjusted_model")
    fit = smf.ols("sbp_12w ~ C(arm) + age + baseline", data=trial).fit()
    return pd.DataFrame({"estimate": fit.params, "se": fit.bse, "dof": fit.df_resid})


@checkpoint
def wald_pvalues(model):
    print("RUN wald_pvalues")
    tstat = model["estimate"] / model["se"]
    by_hand = pd.Series(2 * t.sf(np.abs(tstat), model["dof"]), index=model.index)
    helper = pd.Series(two_sided_p(tstat, model["dof"]), index=model.index)
    return {"scipy": by_hand.round(6).to_dict(), "helper": helper.round(6).to_dict()}


@checkpoint
def fit_residuals(model, trial, family):
    print(f"RUN fit_residuals {family.name}")
    design = np.column_stack([
        np.ones(len(trial)),
        (trial["arm"] == "treatment").to_numpy(float),
        trial["age"].to_numpy(),
        trial["baseline"].to_numpy(),
    ])
    residuals = trial["sbp_12w"].to_numpy() - design @ model["estimate"].to_numpy()
    parameters = family.fit(residuals)
    return family.name, float(np.sum(family.logpdf(residuals, *parameters)))


if __name__ == "__main__":
    trial = load_trial(120, SEED)
    print("describe", describe(trial).to_dict())
    print("normality", normality(trial))
    print("welch", welch_test(trial))
    print("bootstrap", bootstrap_ci(trial, 2000, SEED + 1))
    print("permutation", permutation_p(trial, 2000, SEED + 2))
    model = adjusted_model(trial)
    print("model", model.round(4).to_dict())
    print("pvalues", wald_pvalues(model))
    for family in (stats.norm, stats.laplace, stats.logistic):
        print("fit", fit_residuals(model, trial, family))
'''

#: Every cached call of one run, as its RUN line prints it.
EVERY_CALL = [
    "load_trial",
    "describe",
    "normality",
    "welch_test",
    "bootstrap_ci",
    "permutation_p",
    "adjusted_model",
    "wald_pvalues",
    "fit_residuals norm",
    "fit_residuals laplace",
    "fit_residuals logistic",
]


def write_project(directory: Path, helpers: str = HELPERS) -> None:
    """Write the analysis script and its helper module into *directory*."""
    (directory / "analysis.py").write_text(textwrap.dedent(ANALYSIS), "utf-8")
    (directory / "stats_helpers.py").write_text(textwrap.dedent(helpers), "utf-8")


def analyse(directory: Path, seed: str = "0") -> tuple[list[str], list[str]]:
    """Run ``python analysis.py``; return (the calls computed, the results printed)."""
    done = run_user(
        "python analysis.py", cwd=directory, env=user_env({"PYTHONHASHSEED": seed})
    )
    lines = done.stdout.splitlines()
    computed = [line[len(MARKER) :] for line in lines if line.startswith(MARKER)]
    return computed, [line for line in lines if not line.startswith(MARKER)]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("trial")
    write_project(directory)
    return directory


@pytest.fixture(scope="module")
def first_two_runs(project: Path) -> tuple[tuple[list[str], list[str]], ...]:
    """The analysis run twice, in two processes."""
    return analyse(project, "0"), analyse(project, "1")


def test_first_run_computes_every_call(first_two_runs):
    """A cold cache: every cached call runs once, and the script prints its results."""
    (computed, results), _ = first_two_runs
    assert EVERY_CALL == computed
    assert 10 == len(results)
    assert any(line.startswith("welch {'t': ") for line in results)


def test_second_process_hits_every_call(first_two_runs):
    """Another process, another hash seed: no call runs, the results are the same."""
    (_, first_results), (computed, results) = first_two_runs
    assert [] == computed
    assert first_results == results


def test_helper_edit_reruns_exactly_its_callers(project, first_two_runs):
    """Hedges' correction in effect_size: welch_test reruns, every other call hits."""
    (_, before), _ = first_two_runs
    edited = project.parent / f"{project.name}-edited"
    shutil.copytree(project, edited)
    write_project(edited, HEDGES)
    computed, after = analyse(edited, "2")
    assert ["welch_test"] == computed
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert 1 == len(changed)
    assert changed[0][0].startswith("welch ")
    assert [] == analyse(edited, "3")[0]  # the edit is cached in turn


def test_helper_used_by_two_calls_reruns_both(project, first_two_runs):
    """An edit of mean_difference reaches the bootstrap and the permutation test."""
    edited = project.parent / f"{project.name}-difference"
    shutil.copytree(project, edited)
    write_project(
        edited,
        HELPERS.replace(
            "def mean_difference(a, b):\n    return np.mean(a) - np.mean(b)",
            "def mean_difference(a, b):\n    return np.median(a) - np.median(b)",
        ),
    )
    computed, _ = analyse(edited, "4")
    assert ["bootstrap_ci", "permutation_p"] == computed
