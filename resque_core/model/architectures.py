"""Architectures a checkpoint can name: ours (a small CNN, a small ResNet, an MLP), or any torchvision classifier."""

from __future__ import annotations

from typing import Any

from torch import nn

from resque_core.errors import CheckpointError

# A ResNet-style stem: read from the weights, ImageNet's (7x7 conv, max-pool), or the small-image one
# (3x3 stride-1 conv) without or with the max-pool, which the weights cannot tell apart (``stem_choice``).
STEMS = ("auto", "imagenet", "small", "small-maxpool")


class SmallCNN(nn.Module):
    """A three-block CNN for small grey or RGB images (the embedded default model).

    The final linear classifier is ``classifier``; its input (the ``hidden``-wide ``relu`` output)
    is the penultimate representation RESQUE embeds by default.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, width: int = 16, hidden: int = 64):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1),
            nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(4 * width, hidden)
        self.relu = nn.ReLU()
        self.classifier = nn.Linear(hidden, num_classes)

    def forward(self, x):
        x = self.flatten(self.pool(self.features(x)))
        return self.classifier(self.relu(self.fc1(x)))


class _Block(nn.Module):
    """A ResNet basic block: two 3x3 convolutions with batch norm, and a 1x1 shortcut when the shape changes."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU()
        changes = stride != 1 or c_in != c_out
        self.shortcut = (
            nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
            if changes
            else nn.Identity()
        )

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class SmallResNet(nn.Module):
    """A three-stage ResNet for 32x32 images (widths ``width``, 2x, 4x; one basic block each).

    The penultimate representation is the pooled ``4 * width`` features, the input of ``classifier``.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 3, width: int = 16):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width))
        self.relu = nn.ReLU()
        self.layer1 = _Block(width, width)
        self.layer2 = _Block(width, 2 * width, stride=2)
        self.layer3 = _Block(2 * width, 4 * width, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(4 * width, num_classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.relu(self.stem(x)))))
        return self.classifier(self.flatten(self.pool(x)))


class MLP(nn.Module):
    """A two-hidden-layer perceptron on the flattened image (``in_features`` = channels x height x width).

    The penultimate representation is the second hidden layer's ``relu`` output, the input of ``classifier``.
    """

    def __init__(self, num_classes: int = 10, in_features: int = 64, hidden: int = 128):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(in_features, hidden)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(hidden, hidden // 2)
        self.relu = nn.ReLU()
        self.classifier = nn.Linear(hidden // 2, num_classes)

    def forward(self, x):
        return self.classifier(self.relu(self.fc2(self.relu1(self.fc1(self.flatten(x))))))


OUR_ARCHITECTURES = {"SmallCNN": SmallCNN, "SmallResNet": SmallResNet, "MLP": MLP}


def torchvision_classifiers() -> list[str]:
    """Names of torchvision's classification models ("resnet18", "vit_b_16", ...), sorted."""
    import torchvision

    return sorted(torchvision.models.list_models(module=torchvision.models))


def build_model(arch: dict[str, Any]) -> nn.Module:
    """Build an untrained model from ``{"kind": "resque"|"torchvision", "name": ..., "kwargs": {...}}``.

    A torchvision arch may add ``"stem": "small"`` or ``"small-maxpool"`` (see ``use_small_stem``).
    """
    kind, name, kwargs = arch.get("kind", "resque"), arch.get("name"), dict(arch.get("kwargs") or {})
    if kind == "resque":
        if name not in OUR_ARCHITECTURES:
            raise CheckpointError(f"unknown architecture {name!r}; ours are {sorted(OUR_ARCHITECTURES)}")
        return OUR_ARCHITECTURES[name](**kwargs)
    if kind == "torchvision":
        import torchvision

        try:
            model = torchvision.models.get_model(name, weights=None, **kwargs)
        except (ValueError, TypeError) as exc:
            raise CheckpointError(f"torchvision cannot build {name!r} with {kwargs}: {exc}", setting="arch") from exc
        stem = arch.get("stem")
        small = stem in ("small", "small-maxpool")
        return use_small_stem(model, name, keep_maxpool=stem == "small-maxpool") if small else model
    raise CheckpointError(f"architecture kind must be 'resque' or 'torchvision', not {kind!r}")


def use_small_stem(model: nn.Module, name: str = "the model", keep_maxpool: bool = False) -> nn.Module:
    """The common small-image (CIFAR) change of a ResNet-style stem: a 3x3 stride-1 ``conv1`` and, unless
    ``keep_maxpool``, no max-pool."""
    conv = getattr(model, "conv1", None)
    if not isinstance(conv, nn.Conv2d) or not hasattr(model, "maxpool"):
        raise CheckpointError(
            f"the small stem replaces conv1 and maxpool of a ResNet-style model; {name} has none", setting="stem"
        )
    model.conv1 = nn.Conv2d(conv.in_channels, conv.out_channels, 3, stride=1, padding=1, bias=conv.bias is not None)
    if not keep_maxpool:
        model.maxpool = nn.Identity()
    return model
