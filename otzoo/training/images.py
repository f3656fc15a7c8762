"""Image grids as uint8 arrays and PNG files (samples, reconstructions, 2-D scatters)."""

import io
import math

import numpy as np
from PIL import Image


def to_uint8(batch, value_range):
    """Maps images in `value_range` (e.g. (-1, 1) or (0, 1)) to uint8, clipping."""
    low, high = value_range
    scaled = (np.asarray(batch, np.float32) - low) / (high - low)
    return np.clip(np.round(scaled * 255.0), 0, 255).astype(np.uint8)


def make_grid(batch, value_range, columns=None, padding=2):
    """Tiles a batch [n, H, W, C] into one image [rows·(H+p)+p, cols·(W+p)+p, C].

    2-D point batches [n, 2] are drawn as a scatter plot instead.
    """
    batch = np.asarray(batch)
    if batch.ndim == 2:
        return scatter_image(batch)
    if batch.ndim != 4:
        raise ValueError(f"expected images [n, H, W, C] or points [n, 2], got {batch.shape}")
    n, h, w, c = batch.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    grid = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, c),
                   255, np.uint8)
    pixels = to_uint8(batch, value_range)
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top:top + h, left:left + w] = pixels[i]
    return grid


def scatter_image(points, size=4.0):
    """A scatter plot of 2-D points rendered to an RGB uint8 array."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(size, size), dpi=64)
    ax.scatter(points[:, 0], points[:, 1], s=4, alpha=0.6)
    ax.set_aspect("equal")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def save_png(image, path):
    """Writes a uint8 [H, W, C] (C = 1 or 3) array as a PNG."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    Image.fromarray(image).save(path)
