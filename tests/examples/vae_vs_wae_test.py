"""//examples:vae_vs_wae in --quick mode (untrained smoke exports): shapes, numbers, PNG."""

import math
import os

import numpy as np
import pytest

from examples import vae_vs_wae


def _test_mse_by_hand(version_dir, num, seed):
    """Test-set MSE of an export's `reconstruct`, from NumPy and the raw signature."""
    import tensorflow as tf

    import otzoo.data
    from otzoo.evaluation import evaluator

    images = otzoo.data.load_numpy("fashion_mnist", "test", value_range=(0, 1))
    images, _ = evaluator.real_subset(images, num, seed, "test images")
    reconstruct = tf.saved_model.load(version_dir).signatures["reconstruct"]
    recon = np.concatenate([reconstruct(images=tf.constant(images[i:i + 100]))
                            ["reconstructions"].numpy() for i in range(0, num, 100)])
    return float(np.mean((images.astype(np.float64) - recon) ** 2))


def test_quick_run_compares_three_autoencoders(tmp_path):
    exports = vae_vs_wae.make_quick_exports(str(tmp_path / "exported"))
    results = vae_vs_wae.run(quick=True, output_dir=str(tmp_path / "figures"),
                             export_dir=str(tmp_path / "exported"))
    assert set(results["models"]) == set(vae_vs_wae.MODEL_NAMES)
    n = results["num_test"]
    for name, metrics in results["models"].items():
        for key in ("fid_fmnist", "reconstruction_mse", "latent_sw2", "latent_mmd",
                    "code_variance"):
            assert math.isfinite(metrics[key]), (name, key)
        assert metrics["reconstruction_mse"] == pytest.approx(
                _test_mse_by_hand(exports[name], n, seed=0), rel=1e-5)
        k = metrics["latent_dim"]
        shapes = results["shapes"][name]
        assert shapes["codes"] == (n, k) and shapes["prior_codes"] == (n, k)
        assert shapes["samples"] == (3 * 8, 28, 28, 1)
        assert shapes["interpolations"] == (3 * 8, 28, 28, 1)
        assert shapes["reconstructions"] == (32, 28, 28, 1)
    # Same latent dimension and prior: sample_n gives every model the same z.
    assert results["same_z"]
    assert all(math.isfinite(v) for v in results["floor"].values())
    path = results["figure"]
    assert path == os.path.join(str(tmp_path / "figures"), "vae_vs_wae.png")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(path) < 300 * 1024


def test_principal_axes_recover_the_long_axis():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(2000, 5)) * np.array([0.1, 3.0, 0.1, 1.0, 0.1]) + 7.0
    mean, components, explained = vae_vs_wae.principal_axes(codes)
    np.testing.assert_allclose(mean, 7.0, atol=0.2)
    assert abs(components[0, 1]) > 0.99 and abs(components[1, 3]) > 0.99
    assert explained > 0.98
    projected = vae_vs_wae.project(codes, mean, components)
    assert projected.shape == (2000, 2)
    np.testing.assert_allclose(projected.std(axis=0), [3.0, 1.0], rtol=0.05)


def test_projected_ellipse_of_an_axis_aligned_gaussian():
    components = np.eye(3)[[2, 0]]  # axes: coordinate 2, then coordinate 0
    log_var = np.log([4.0, 100.0, 1.0])  # sigma = 2, 10, 1
    width, height, angle = vae_vs_wae.projected_ellipse(log_var, components, num_std=1.0)
    # Projected covariance diag(1, 4): the long axis (2 sigma = 4) along the second PC.
    np.testing.assert_allclose([width, height], [4.0, 2.0])
    assert abs(abs(angle) - 90.0) < 1e-6


def test_missing_exports_are_named(tmp_path):
    (tmp_path / "vae").mkdir()
    with pytest.raises(FileNotFoundError, match="wae_mmd, wae_gan"):
        vae_vs_wae.load_models(str(tmp_path))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
