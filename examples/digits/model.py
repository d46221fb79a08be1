"""
The classifier of the digits example.

Kept in its own module so that editing it reruns only the steps that fit a
model (``cross_validate`` and ``final_evaluation``), never the feature
extraction.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

__all__ = ["make_classifier"]


def make_classifier(C: float, gamma: float) -> Pipeline:
    """
    An RBF-kernel support vector classifier on standardized features.

    Args:
        C: Inverse regularization strength of the SVC (> 0).
        gamma: RBF kernel width parameter (> 0), in units of standardized
            features.

    Returns:
        An unfitted :class:`~sklearn.pipeline.Pipeline`
        (``StandardScaler`` then ``SVC``), deterministic given its inputs.
    """
    return make_pipeline(StandardScaler(), SVC(C=C, gamma=gamma, kernel="rbf"))
