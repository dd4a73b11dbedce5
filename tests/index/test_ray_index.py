"""``index --executor ray``: the embedding passes streamed through Ray Data give the local path's index.

A real local Ray (``ray.init(num_cpus=2)``), the embedded digits and the default checkpoints; the
local and Ray reports are compared value by value (within 1e-6: only the order of the float64
additions differs).
"""

from __future__ import annotations

import importlib.util
import socket

import numpy as np
import pytest

from resque_core.cli import main
from resque_core.data import DigitsDataset
from resque_core.data.arrays import ArrayDataset
from resque_core.errors import EmbeddingError, LayerError
from resque_core.index.compute import compute_index
from resque_core.index.request import IndexRequest
from resque_core.model.source import ModelSource

# ray is imported by the tests that run, not at collection
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed"),
    pytest.mark.xdist_group("ray"),  # one local Ray at a time: with make test's -n, on one worker
]


def _both(**fields):
    """The local report, the Ray report (two model actors) and the progress the Ray pass reported."""
    local = compute_index(IndexRequest(device="cpu", **fields))
    seen: list[tuple[int, int]] = []
    on_ray = compute_index(
        IndexRequest(device="cpu", executor="ray", workers=2, **fields), progress=lambda *a: seen.append(a)
    )
    return local, on_ray, seen


@pytest.mark.slow  # a Ray Data pass starts its actors: about 40-70 s on a loaded 2-core machine
def test_a_shifted_dist_index_on_ray_equals_the_local_one(local_ray):
    local, on_ray, seen = _both(shift="gaussian_noise:3", seed=1, max_points=200, batch_size=128)
    assert 0.02 < local.value < 0.1 and local.noise_floor < local.value
    assert on_ray.value == pytest.approx(local.value, abs=1e-6)
    assert on_ray.noise_floor == pytest.approx(local.noise_floor, abs=1e-6)
    assert on_ray.per_class == pytest.approx(local.per_class, abs=1e-6)
    for signal in ("accuracy_new", "mean_conf", "base_acc", "index_free"):
        assert getattr(on_ray, signal) == pytest.approx(getattr(local, signal), abs=1e-6), signal
    assert (on_ray.n_original, on_ray.n_new, on_ray.layer, on_ray.device) == (1258, 898, "classifier:input", "cpu")
    assert np.abs(on_ray.projection.xy - local.projection.xy).max() < 1e-4  # the kept samples, in the same order
    assert list(on_ray.projection.label) == list(local.projection.label)
    assert seen[-1] == (1797 + 898, 1797 + 898) and all(a[0] < b[0] for a, b in zip(seen, seen[1:], strict=False))


@pytest.mark.slow
def test_a_task_index_on_ray_equals_the_local_one_and_a_bad_layer_is_refused_alike(local_ray):
    local, on_ray, _ = _both(model=ModelSource("default-0-4"), kind="task", max_points=0)
    assert 0.5 < local.value < 1 and local.noise_floor < local.value
    assert on_ray.value == pytest.approx(local.value, abs=1e-6)
    assert on_ray.noise_floor == pytest.approx(local.noise_floor, abs=1e-6)
    assert (on_ray.n_original, on_ray.n_new) == (local.n_original, local.n_new)
    with pytest.raises(LayerError) as local_error:
        compute_index(IndexRequest(device="cpu", layer="no_such_layer", max_points=0))
    with pytest.raises(LayerError) as ray_error:  # refused before any model actor starts
        compute_index(IndexRequest(device="cpu", layer="no_such_layer", max_points=0, executor="ray"))
    assert str(ray_error.value) == str(local_error.value)


@pytest.mark.slow
def test_an_error_in_a_model_actor_reaches_the_user_as_the_local_path_says_it(local_ray):
    digits = DigitsDataset()
    images = np.array(digits.images, dtype=np.float32)
    images[7, 0, 3, 3] = np.nan  # one image the model turns into NaN activations
    broken = ArrayDataset(images, digits.targets, digits.class_names, "broken", scale=digits.scale)
    with pytest.raises(EmbeddingError) as local_error:
        compute_index(IndexRequest(device="cpu", new=broken, max_points=0))
    with pytest.raises(EmbeddingError) as ray_error:
        compute_index(IndexRequest(device="cpu", new=broken, max_points=0, executor="ray", workers=2))
    assert "produced NaN or inf activations" in str(local_error.value)
    assert str(ray_error.value) == str(local_error.value)


def test_the_executor_says_how_not_what():
    assert IndexRequest(executor="ray", address="auto", workers=3, gpus_per_run=1) == IndexRequest()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_bad_address_or_a_ray_flag_without_ray_is_one_sentence(capsys):
    port = _free_port()  # nothing listens there
    assert main(["index", "--executor", "ray", "--address", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: nothing answers at the Ray address 127.0.0.1:{port} (")
    assert err.endswith("start a cluster there with `ray start --head`, or pass --address auto on one of its nodes")
    assert "\n" not in err
    assert main(["index", "--executor", "ray", "--address", "head.example"]) == 2
    assert "is not auto, HOST:PORT or ray://HOST:PORT; check --address" in capsys.readouterr().err
    assert main(["index", "--workers", "2"]) == 2
    assert capsys.readouterr().err.strip() == "error: --address, --workers and --gpus-per-run go with --executor ray"
    assert main(["index", "--executor", "ray", "--workers", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --workers must be a positive integer; got 0"
