"""Embedding extraction: values, pooling, early stop, hook clean-up, bad activations, devices."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from resque_core.errors import EmbeddingError, LayerError
from resque_core.index.capture import pool
from resque_core.index.embed import class_sums, collect_embeddings, iter_embeddings, resolve_device
from resque_core.model.architectures import SmallCNN

torch.set_num_threads(1)


def _model() -> SmallCNN:
    torch.manual_seed(0)
    return SmallCNN(num_classes=3, width=4, hidden=8).eval()


def _data(n: int = 37) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.rand(n, 1, 16, 16, generator=g), torch.arange(n) % 3)


def _penultimate(model: SmallCNN, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model.relu(model.fc1(model.flatten(model.pool(model.features(x)))))


def _hooks(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_default_layer_gives_penultimate_features_in_batches():
    model, data = _model(), _data()
    seen = []
    batches = list(iter_embeddings(model, data, batch_size=10, device="cpu", progress=lambda d, t: seen.append((d, t))))
    emb = torch.cat([b[0] for b in batches])
    labels = torch.cat([b[1] for b in batches])
    assert [len(b[0]) for b in batches] == [10, 10, 10, 7]
    assert emb.dtype == torch.float32 and emb.shape == (37, 8)
    assert torch.allclose(emb, _penultimate(model, data.tensors[0]), atol=1e-6)
    assert torch.equal(labels, data.tensors[1])
    assert seen == [(10, 37), (20, 37), (30, 37), (37, 37)]
    assert _hooks(model) == 0


def test_spatial_output_is_averaged_and_flatten_keeps_all():
    model, data = _model(), _data(8)
    with torch.no_grad():
        feats = model.features(data.tensors[0])  # (8, 16, 4, 4)
    avg = collect_embeddings(model, data, "features", device="cpu")
    flat = collect_embeddings(model, data, "features", device="cpu", flatten=True)
    assert np.allclose(avg.x, feats.mean(dim=(2, 3)).numpy(), atol=1e-6)
    assert flat.x.shape == (8, 16 * 4 * 4)
    assert np.allclose(flat.x, feats.reshape(8, -1).numpy(), atol=1e-6)


def test_pool_shapes():
    assert torch.equal(pool(torch.ones(2, 5, 3)), torch.ones(2, 3))  # tokens averaged
    assert pool(torch.ones(2, 4, 3, 3)).shape == (2, 4)
    assert pool(torch.ones(2, 7)).shape == (2, 7)


class _Boom(nn.Module):
    def forward(self, x):
        raise AssertionError("a layer after the chosen one ran")


def test_forward_stops_at_the_chosen_layer():
    model = _model()
    model.classifier = _Boom()
    emb = collect_embeddings(model, _data(5), "relu", device="cpu")
    assert emb.x.shape == (5, 8)
    assert _hooks(model) == 0


def test_hook_removed_when_the_consumer_stops_or_fails():
    model = _model()
    gen = iter_embeddings(model, _data(), batch_size=4, device="cpu")
    next(gen)
    assert _hooks(model) == 1
    gen.close()
    assert _hooks(model) == 0
    with pytest.raises(EmbeddingError, match="labels must lie in 0..1"):
        class_sums(model, _data(), num_classes=2, device="cpu")
    assert _hooks(model) == 0


def test_class_sums_match_a_plain_sum_in_float64():
    model, data = _model(), _data()
    result = class_sums(model, data, num_classes=3, batch_size=8, device="cpu")
    feats = _penultimate(model, data.tensors[0]).double().numpy()
    labels = data.tensors[1].numpy()
    for c in range(3):
        assert np.allclose(result.sums[c], feats[labels == c].sum(axis=0), atol=1e-5)
    assert result.sums.dtype == np.float64
    assert result.counts.tolist() == [13, 12, 12]
    assert result.stats.n_images == 37 and result.stats.images_per_s > 0
    assert result.stats.layer == "classifier:input" and result.stats.device == "cpu"


def test_nan_activations_name_the_layer():
    model = _model()
    with torch.no_grad():
        model.fc1.bias[0] = float("nan")
    with pytest.raises(EmbeddingError, match="'classifier:input' produced NaN or inf"):
        class_sums(model, _data(), num_classes=3, device="cpu")
    with torch.no_grad():
        model.fc1.bias[0] = float("inf")
        model.relu = nn.Identity()
    with pytest.raises(EmbeddingError, match="NaN or inf"):
        collect_embeddings(model, _data(), device="cpu")
    assert _hooks(model) == 0


def test_unknown_layer_and_non_tensor_output():
    with pytest.raises(LayerError, match="valid layers"):
        collect_embeddings(_model(), _data(), "features.99", device="cpu")

    class TupleOut(nn.Module):
        def __init__(self):
            super().__init__()
            self.split = _Split()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(self.split(x)[0])

    data = TensorDataset(torch.rand(4, 4), torch.zeros(4, dtype=torch.long))
    with pytest.raises(LayerError, match="outputs a tuple"):
        collect_embeddings(TupleOut(), data, "split", device="cpu")


class _Split(nn.Module):
    def forward(self, x):
        return x, x


def test_module_called_twice_keeps_its_first_call():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.act = nn.Identity()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(self.act(self.act(x) * 2))

    x = torch.rand(4, 3)
    emb = collect_embeddings(Twice(), TensorDataset(x, torch.zeros(4, dtype=torch.long)), "act", device="cpu")
    assert np.allclose(emb.x, x.numpy())


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(EmbeddingError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(EmbeddingError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_class_sums_keeps_the_embeddings_asked_for():
    model, data = _model(), _data()
    keep = np.array([0, 9, 10, 36])
    result = class_sums(model, data, num_classes=3, keep=keep, batch_size=10, device="cpu")
    assert np.allclose(result.kept, _penultimate(model, data.tensors[0][keep]).numpy(), atol=1e-6)
    assert class_sums(model, data, num_classes=3, device="cpu").kept is None


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_torchscript_model_embeds_its_output_only():
    model, data = _model(), _data(6)
    scripted = torch.jit.script(model)
    emb = collect_embeddings(scripted, data, device="cpu")
    with torch.no_grad():
        assert np.allclose(emb.x, model(data.tensors[0]).numpy(), atol=1e-5)
    assert emb.stats.layer == "output"
    with pytest.raises(LayerError, match="only 'output'.*the logits"):
        collect_embeddings(scripted, data, "relu", device="cpu")
