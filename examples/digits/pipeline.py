"""
Which hand-made features help an RBF-SVM read handwritten digits?

A small research pipeline on scikit-learn's bundled 8x8 digits dataset
(no download), with every expensive step cached by ``@checkpoint``:

1. ``load_dataset``      load the images and labels;
2. ``extract_features``  build one feature matrix per feature set
                         (pixels, optionally deskewed, optionally plus
                         gradient histograms; helpers in ``features.py``);
3. ``cross_validate``    k-fold accuracy of an SVC (``model.py``) for every
                         feature set and every (C, gamma) of a small grid;
4. ``final_evaluation``  refit the best configuration on the training split
                         and score it on the held-out split.

Before each call the script asks ``step.explain(...)`` whether the call will
hit the cache, then prints ``hit``/``miss`` (with the reason of a miss) and
the wall time of the call. Run it twice: the second run is all hits. Edit a
helper in ``features.py`` and run again: only the steps that depend on it
rerun.

Usage (from any directory)::

    python examples/digits/pipeline.py                 # full run
    python examples/digits/pipeline.py --quick         # seconds; used by tests
    python examples/digits/pipeline.py --cache-dir /tmp/digits-cache --jobs 2
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, ParamSpec, TypedDict, TypeVar

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, confusion_matrix
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

from checkpointing import Checkpointed, checkpoint

# The helper modules live next to this script. Running the script puts its
# directory on sys.path already, except under ``python -P`` / PYTHONSAFEPATH.
_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

from features import (  # noqa: E402
    deskew_images,
    gradient_histograms,
    ink_profiles,
    normalize_images,
)
from model import make_classifier  # noqa: E402

log = logging.getLogger("digits")

P = ParamSpec("P")
R = TypeVar("R")


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureSet:
    """
    One variant of the features, i.e. one row of the ablation.

    Attributes:
        name: Short label used in the output.
        deskew: Whether the images are deskewed before feature extraction.
        gradients: Whether gradient-orientation histograms are appended.
    """

    name: str
    deskew: bool
    gradients: bool


FEATURE_SETS: Final = (
    FeatureSet("pixels", deskew=False, gradients=False),
    FeatureSet("pixels+gradients", deskew=False, gradients=True),
    FeatureSet("deskewed", deskew=True, gradients=False),
    FeatureSet("deskewed+gradients", deskew=True, gradients=True),
)


@dataclass(frozen=True)
class Settings:
    """
    Size of an experiment.

    Attributes:
        n_samples: Number of images to use (``None``: all 1797).
        folds: Number of stratified cross-validation folds.
        C_grid: Values of the SVC's ``C`` to try.
        gamma_grid: Values of the RBF kernel's ``gamma`` to try.
        test_fraction: Fraction of the images held out for the final score.
        seed: Seed of the train/test split and of the fold shuffling.
    """

    n_samples: int | None
    folds: int
    C_grid: tuple[float, ...]
    gamma_grid: tuple[float, ...]
    test_fraction: float = 0.25
    seed: int = 0


FULL: Final = Settings(
    n_samples=None,
    folds=5,
    C_grid=(1.0, 10.0, 100.0),
    gamma_grid=(0.001, 0.003, 0.01, 0.03),
)
QUICK: Final = Settings(n_samples=600, folds=3, C_grid=(1.0, 10.0), gamma_grid=(0.01,))


# ---------------------------------------------------------------------------
# The cached steps
# ---------------------------------------------------------------------------


class Evaluation(TypedDict):
    """
    Held-out performance of the final model.

    Keys:
        accuracy: Fraction of correctly classified test images.
        confusion: (10, 10) int64 confusion matrix, rows = true digit,
            columns = predicted digit.
        n_test: Number of test images.
    """

    accuracy: float
    confusion: np.ndarray
    n_test: int


@checkpoint
def load_dataset(n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """
    Load scikit-learn's bundled 8x8 handwritten digits.

    Args:
        n_samples: Keep only the first *n_samples* images (``None``: all 1797).

    Returns:
        ``(images, labels)``: images (n_samples, 8, 8) float64 in [0, 16],
        labels (n_samples,) int64 in [0, 9].
    """
    log.info("load_dataset: reading the bundled digits")
    digits = load_digits()
    images = np.asarray(digits.images, dtype=np.float64)
    labels = np.asarray(digits.target, dtype=np.int64)
    if n_samples is not None:
        images, labels = images[:n_samples], labels[:n_samples]
    return images, labels


@checkpoint
def extract_features(
    images: np.ndarray, *, deskew: bool, gradients: bool
) -> np.ndarray:
    """
    Turn raw images into a feature matrix.

    The features are the normalized (optionally deskewed) pixels, their row
    and column ink profiles and, optionally, gradient-orientation histograms.

    Args:
        images: (n_samples, 8, 8) float64 in [0, 16].
        deskew: Deskew the normalized images first.
        gradients: Append gradient-orientation histograms (72 columns).

    Returns:
        (n_samples, 80) float64, or (n_samples, 152) with *gradients*.
    """
    log.info(
        "extract_features: %d images (deskew=%s, gradients=%s)",
        len(images),
        deskew,
        gradients,
    )
    pixels = normalize_images(images)
    if deskew:
        pixels = deskew_images(pixels)
    blocks = [pixels.reshape(len(pixels), -1), ink_profiles(pixels)]
    if gradients:
        blocks.append(gradient_histograms(pixels))
    return np.hstack(blocks)


@checkpoint(ignore=("n_jobs",))
def cross_validate(
    features: np.ndarray,
    labels: np.ndarray,
    C: float,
    gamma: float,
    *,
    folds: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
) -> tuple[float, float]:
    """
    Stratified k-fold accuracy of the classifier for one hyperparameter pair.

    Args:
        features: (n_samples, n_features) float64.
        labels: (n_samples,) int64 in [0, 9].
        C: SVC regularization parameter.
        gamma: RBF kernel width.
        folds: Number of folds.
        seed: Seed of the fold shuffling.
        n_jobs: Parallel folds; does not change the result, hence ignored in
            the cache key (``ignore=("n_jobs",)``).

    Returns:
        ``(mean, std)`` of the per-fold accuracies.
    """
    log.info(
        "cross_validate: %d-fold CV, %d samples x %d features, C=%g, gamma=%g",
        folds,
        features.shape[0],
        features.shape[1],
        C,
        gamma,
    )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_score(
        make_classifier(C, gamma), features, labels, cv=splitter, n_jobs=n_jobs
    )
    return float(scores.mean()), float(scores.std())


@checkpoint
def final_evaluation(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    test_features: np.ndarray,
    test_labels: np.ndarray,
    C: float,
    gamma: float,
) -> Evaluation:
    """
    Fit the classifier on the training split and score it on the test split.

    Args:
        train_features: (n_train, n_features) float64.
        train_labels: (n_train,) int64 in [0, 9].
        test_features: (n_test, n_features) float64.
        test_labels: (n_test,) int64 in [0, 9].
        C: SVC regularization parameter.
        gamma: RBF kernel width.

    Returns:
        The held-out accuracy and confusion matrix.
    """
    log.info(
        "final_evaluation: fit on %d, test on %d, C=%g, gamma=%g",
        len(train_labels),
        len(test_labels),
        C,
        gamma,
    )
    classifier = make_classifier(C, gamma).fit(train_features, train_labels)
    predicted = classifier.predict(test_features)
    return Evaluation(
        accuracy=float(accuracy_score(test_labels, predicted)),
        confusion=confusion_matrix(test_labels, predicted, labels=np.arange(10)),
        n_test=len(test_labels),
    )


def split_indices(
    labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """
    Stratified train/test split (cheap, hence not cached).

    Args:
        labels: (n_samples,) int64.
        test_fraction: Fraction of samples in the test split.
        seed: Seed of the split.

    Returns:
        ``(train, test)`` index arrays, (n_train,) and (n_test,) int64.
    """
    indices = np.arange(len(labels))
    train, test = train_test_split(
        indices, test_size=test_fraction, stratify=labels, random_state=seed
    )
    return np.sort(train), np.sort(test)


# ---------------------------------------------------------------------------
# Running and reporting
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRecord:
    """
    One call of a cached step, as reported.

    Attributes:
        step: Function name.
        label: Short description of the call's arguments.
        status: ``"hit"`` or ``"miss"``, as predicted by ``explain``.
        reason: One-line reason of a miss (``""`` for a hit).
        seconds: Wall time of the call.
    """

    step: str
    label: str
    status: str
    reason: str
    seconds: float

    def format(self) -> str:
        """Return the report line, e.g. ``miss  load_dataset()  0.05 s  first call``."""
        call = f"{self.step}({self.label})"
        line = f"  {self.status:<4}  {call:<56} {self.seconds:7.2f} s"
        return f"{line}  {self.reason}" if self.reason else line


@dataclass
class StepLog:
    """Calls cached steps and prints one report line per call."""

    records: list[StepRecord] = field(default_factory=list)

    def run(
        self, label: str, step: Checkpointed[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """
        Call ``step(*args, **kwargs)``, reporting hit/miss and wall time.

        Args:
            label: Short description of the arguments, for the report.
            step: A ``@checkpoint``-decorated function.
            *args: Positional arguments of the step.
            **kwargs: Keyword arguments of the step.

        Returns:
            Whatever the step returns.
        """
        explanation = step.explain(*args, **kwargs)
        start = time.perf_counter()
        result = step(*args, **kwargs)
        seconds = time.perf_counter() - start
        reason = "" if explanation.status == "hit" else str(explanation)
        record = StepRecord(
            step.__wrapped__.__name__, label, explanation.status, reason, seconds
        )
        self.records.append(record)
        print(record.format(), flush=True)
        return result

    def count(self, status: str) -> int:
        """Return the number of recorded calls with the given *status*."""
        return sum(record.status == status for record in self.records)


@dataclass(frozen=True)
class Candidate:
    """
    One cross-validated configuration.

    Attributes:
        feature_set: The features it was trained on.
        C: SVC regularization parameter.
        gamma: RBF kernel width.
        mean: Mean cross-validated accuracy.
        std: Standard deviation of the per-fold accuracies.
    """

    feature_set: FeatureSet
    C: float
    gamma: float
    mean: float
    std: float

    def describe(self) -> str:
        """Return e.g. ``C=10, gamma=0.01: CV 0.9844 +/- 0.0061``."""
        return (
            f"C={self.C:g}, gamma={self.gamma:g}: CV {self.mean:.4f} +/- {self.std:.4f}"
        )


def run_experiment(settings: Settings, *, n_jobs: int = 1) -> None:
    """
    Run the whole pipeline, printing one line per step call and a summary.

    Args:
        settings: Size of the experiment.
        n_jobs: Parallel cross-validation folds (not part of any cache key).
    """
    start = time.perf_counter()
    steps = StepLog()

    label = "" if settings.n_samples is None else f"n_samples={settings.n_samples}"
    images, labels = steps.run(label, load_dataset, settings.n_samples)
    train, test = split_indices(labels, settings.test_fraction, settings.seed)

    matrices: dict[str, np.ndarray] = {}
    for feature_set in FEATURE_SETS:
        matrices[feature_set.name] = steps.run(
            feature_set.name,
            extract_features,
            images,
            deskew=feature_set.deskew,
            gradients=feature_set.gradients,
        )

    candidates: list[Candidate] = []
    for feature_set in FEATURE_SETS:
        features = matrices[feature_set.name][train]
        for C in settings.C_grid:
            for gamma in settings.gamma_grid:
                mean, std = steps.run(
                    f"{feature_set.name}, C={C:g}, gamma={gamma:g}",
                    cross_validate,
                    features,
                    labels[train],
                    C,
                    gamma,
                    folds=settings.folds,
                    seed=settings.seed,
                    n_jobs=n_jobs,
                )
                candidates.append(Candidate(feature_set, C, gamma, mean, std))

    # max() keeps the first of equal scores, so ties resolve in grid order.
    best = max(candidates, key=lambda candidate: candidate.mean)
    chosen = matrices[best.feature_set.name]
    evaluation = steps.run(
        f"{best.feature_set.name}, C={best.C:g}, gamma={best.gamma:g}",
        final_evaluation,
        chosen[train],
        labels[train],
        chosen[test],
        labels[test],
        best.C,
        best.gamma,
    )
    elapsed = time.perf_counter() - start

    print("\nresults")
    for feature_set in FEATURE_SETS:
        top = max(
            (c for c in candidates if c.feature_set == feature_set),
            key=lambda candidate: candidate.mean,
        )
        print(f"  {feature_set.name:<20} {top.describe()}")
    print(f"  best: {best.feature_set.name}, {best.describe()}")
    print(
        f"  test accuracy: {evaluation['accuracy']:.4f} "
        f"on {evaluation['n_test']} held-out images"
    )
    print("run")
    print(
        f"  {len(steps.records)} step calls: "
        f"{steps.count('miss')} misses, {steps.count('hit')} hits"
    )
    print(f"  total time: {elapsed:.2f} s (imports excluded)", flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description="Digits feature ablation, cached with checkpointing.",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="cache directory (default: $CHECKPOINTING_DIR, else ./.checkpointing)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="600 images, 3 folds, a 2-point grid: seconds instead of tens",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="joblib workers for the CV folds (pays off only on larger data); "
        "not part of any cache key",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log to stderr whenever a step's body actually runs",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = parse_args(argv)
    logging.basicConfig(format="[%(name)s] %(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO if args.verbose else logging.WARNING)
    if args.cache_dir is not None:
        # checkpointing resolves the directory at every call:
        # directory= > $CHECKPOINTING_DIR > ./.checkpointing.
        os.environ["CHECKPOINTING_DIR"] = str(args.cache_dir)
    settings = QUICK if args.quick else FULL
    print(
        f"digits ({'quick' if args.quick else 'full'}): "
        f"{len(FEATURE_SETS)} feature sets x "
        f"{len(settings.C_grid) * len(settings.gamma_grid)} grid points, "
        f"{settings.folds}-fold CV; cache: {load_dataset.directory}"
    )
    run_experiment(settings, n_jobs=args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
