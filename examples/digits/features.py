"""
Feature helpers for the digits example.

Every helper is a pure function of an image stack of shape
``(n_samples, 8, 8)``; none of them is cached itself.
They are *called* by the cached step ``extract_features`` in ``pipeline.py``,
so checkpointing includes their code in that step's fingerprint:
editing any helper here reruns ``extract_features``,
and the later steps rerun only if the features they receive actually changed.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = [
    "deskew_images",
    "gradient_histograms",
    "ink_profiles",
    "normalize_images",
]


def normalize_images(images: np.ndarray) -> np.ndarray:
    """
    Scale raw pixel intensities to the unit interval.

    Args:
        images: (n_samples, 8, 8) float64 in [0, 16], as returned by
            :func:`sklearn.datasets.load_digits`.

    Returns:
        (n_samples, 8, 8) float64 in [0, 1].
    """
    scaled = np.asarray(images, dtype=np.float64) / 16.0
    return np.clip(scaled, 0.0, 1.0)


def deskew_images(images: np.ndarray) -> np.ndarray:
    """
    Straighten slanted digits with a shear estimated from image moments.

    Each image is sheared so that its principal stroke direction becomes
    vertical, and shifted so that its centre of mass lands in the centre
    (the classic moment-based deskewing used for MNIST).
    Blank images are returned unchanged.

    Args:
        images: (n_samples, 8, 8) float64 in [0, 1].

    Returns:
        (n_samples, 8, 8) float64, approximately in [0, 1]
        (linear interpolation, so no overshoot beyond the input range).
    """
    height, width = images.shape[1:]
    rows, cols = np.mgrid[:height, :width].astype(np.float64)
    centre = np.array([(height - 1) / 2.0, (width - 1) / 2.0])
    out = np.empty_like(images)
    for i, image in enumerate(images):
        total = image.sum()
        if total <= 0.0:
            out[i] = image
            continue
        mean_row = (rows * image).sum() / total
        mean_col = (cols * image).sum() / total
        var_row = (((rows - mean_row) ** 2) * image).sum() / total
        cov = ((rows - mean_row) * (cols - mean_col) * image).sum() / total
        shear = cov / var_row if var_row > 0.0 else 0.0
        # affine_transform maps *output* coordinates to *input* coordinates.
        matrix = np.array([[1.0, 0.0], [shear, 1.0]])
        offset = np.array([mean_row, mean_col]) - matrix @ centre
        out[i] = ndimage.affine_transform(
            image, matrix, offset=offset, order=1, mode="constant", cval=0.0
        )
    return out


def ink_profiles(images: np.ndarray) -> np.ndarray:
    """
    Mean ink per row and per column: a cheap description of a digit's shape.

    Args:
        images: (n_samples, height, width) float64.

    Returns:
        (n_samples, height + width) float64: the row means followed by the
        column means.
    """
    return np.concatenate([images.mean(axis=2), images.mean(axis=1)], axis=1)


def gradient_histograms(
    images: np.ndarray, *, cells: int = 3, bins: int = 8, upsample: int = 3
) -> np.ndarray:
    """
    Histograms of oriented gradients (a small HOG) on upsampled images.

    Each image is upsampled by *upsample* with cubic splines, split into a
    ``cells`` x ``cells`` grid, and in every cell the gradient magnitudes are
    accumulated into *bins* unsigned orientation bins over [0, pi).
    Each image's histogram vector is L2-normalized.

    Args:
        images: (n_samples, 8, 8) float64 in [0, 1].
        cells: Number of cells along each axis; ``8 * upsample`` must be
            divisible by it.
        bins: Number of orientation bins.
        upsample: Integer zoom factor applied before taking gradients.

    Returns:
        (n_samples, cells * cells * bins) float64, each row of unit L2 norm
        (or all zeros for a blank image).
    """
    n_samples = images.shape[0]
    zoomed = ndimage.zoom(images, (1, upsample, upsample), order=3)
    size = zoomed.shape[1]
    if size % cells:
        msg = f"{size} upsampled pixels cannot be split into {cells} cells"
        raise ValueError(msg)
    grad_rows, grad_cols = np.gradient(zoomed, axis=(1, 2))
    magnitude = np.hypot(grad_rows, grad_cols)
    orientation = np.mod(np.arctan2(grad_rows, grad_cols), np.pi)
    bin_index = np.minimum((orientation / np.pi * bins).astype(np.int64), bins - 1)
    cell_of_pixel = np.arange(size) // (size // cells)
    cell_index = cell_of_pixel[:, None] * cells + cell_of_pixel[None, :]
    n_features = cells * cells * bins
    flat_index = (
        np.arange(n_samples)[:, None, None] * n_features
        + cell_index[None, :, :] * bins
        + bin_index
    )
    histograms = np.bincount(
        flat_index.ravel(), weights=magnitude.ravel(), minlength=n_samples * n_features
    ).reshape(n_samples, n_features)
    norms = np.linalg.norm(histograms, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(
        histograms, norms, out=np.zeros_like(histograms), where=norms > 0.0
    )
    return unit
