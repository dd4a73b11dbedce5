"""Bare weights (a ``state_dict`` or a training-checkpoint dict): finding them in the file, the
architecture they fit (classes and stem read from their shapes), and loading them with the likely fix
named when they do not fit.
"""

from __future__ import annotations

import pathlib

import torch
from torch import nn

from resque_core.errors import CheckpointError

__all__ = [
    "arch_for",
    "describe_weights",
    "find_state_dict",
    "guess_arch",
    "load_weights",
    "read_num_classes",
    "read_stem",
]

# Where training scripts usually keep the weights in a checkpoint dict, most common first.
WEIGHT_KEYS = ("state_dict", "model_state_dict", "model_state", "model", "net", "network", "weights", "params")
PREFIXES = ("module.", "_orig_mod.")  # DataParallel / DistributedDataParallel, torch.compile
_RESNETS = {
    (2, 2, 2, 2, False): "resnet18",
    (3, 4, 6, 3, False): "resnet34",
    (3, 4, 6, 3, True): "resnet50",
    (3, 4, 23, 3, True): "resnet101",
    (3, 8, 36, 3, True): "resnet152",
}
_SHOW = 5  # how many offending keys an error message names


def find_state_dict(obj: dict) -> dict | None:
    """The weights in ``obj`` (itself, or under a usual key), with wrapper prefixes stripped; None if none."""
    state = obj if _is_state(obj) else next((obj[k] for k in WEIGHT_KEYS if _is_state(obj.get(k))), None)
    if state is None:
        return None
    for prefix in PREFIXES:
        if all(k.startswith(prefix) for k in state):
            state = {k.removeprefix(prefix): v for k, v in state.items()}
    return state


def _is_state(d: object) -> bool:
    return (
        isinstance(d, dict)
        and bool(d)
        and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in d.items())
    )


def read_stem(state: dict) -> str | None:
    """ "small" when ``conv1`` is 3x3, "imagenet" when it is larger, None when there is no ``conv1``."""
    conv = state.get("conv1.weight")
    if not isinstance(conv, torch.Tensor) or conv.ndim != 4:
        return None
    return "small" if conv.shape[-1] <= 3 else "imagenet"


def read_num_classes(state: dict) -> int | None:
    """Outputs of the last linear weight (the classifier), or None."""
    linear = [v for k, v in state.items() if k.endswith("weight") and v.ndim == 2]
    return int(linear[-1].shape[0]) if linear else None


def guess_arch(state: dict) -> str | None:
    """The architecture the key names point to (SmallCNN or a ResNet by block counts), or None."""
    if {"features.0.weight", "fc1.weight", "classifier.weight"} <= set(state):
        return "SmallCNN"
    if {"fc1.weight", "fc2.weight", "classifier.weight"} <= set(state):
        return "MLP"
    blocks = tuple(len({k.split(".")[1] for k in state if k.startswith(f"layer{i}.")}) for i in range(1, 5))
    return _RESNETS.get((*blocks, any(".conv3." in k for k in state)))


def _mlp_kwargs(state: dict, num_classes: int | None) -> dict:
    """Our ``MLP``'s sizes, read from its weights (its input is the flattened image: channels x height x width)."""
    first, second = state.get("fc1.weight"), state.get("fc2.weight")
    if not (isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor) and "classifier.weight" in state):
        raise CheckpointError("not an MLP state_dict: it needs fc1, fc2 and classifier weights", setting="arch",
                              value=guess_arch(state))  # fmt: skip
    if second.shape[0] != first.shape[0] // 2:
        raise CheckpointError(f"not our MLP: its second layer has {second.shape[0]} units, not half of "
                              f"{first.shape[0]}", setting="arch", value=guess_arch(state))  # fmt: skip
    return {"num_classes": int(num_classes), "in_features": int(first.shape[1]), "hidden": int(first.shape[0])}


def arch_for(name: str, state: dict, num_classes: int | None, stem: str) -> dict:
    """The architecture dict for weights ``state`` saved from ``name`` (sizes, classes, stem read from them)."""
    from resque_core.model.architectures import torchvision_classifiers

    found = read_num_classes(state)
    if name == "SmallCNN":
        try:
            conv = state["features.0.weight"]
            kwargs = {"num_classes": num_classes or found, "in_channels": conv.shape[1], "width": conv.shape[0]}
            kwargs["hidden"] = state["fc1.weight"].shape[0]
        except KeyError as exc:
            raise CheckpointError(
                f"not a SmallCNN state_dict: no {exc} weight", setting="arch", value=guess_arch(state)
            ) from exc
        return {"kind": "resque", "name": name, "kwargs": kwargs}
    if name == "MLP":
        return {"kind": "resque", "name": name, "kwargs": _mlp_kwargs(state, num_classes or found)}
    if name not in torchvision_classifiers():
        raise CheckpointError(
            f"unknown architecture {name!r}: use a torchvision classification model (resnet18, ...), SmallCNN or MLP",
            setting="arch",
            value=guess_arch(state),
        )
    if not (num_classes or found):
        raise CheckpointError(
            "the weights have no linear classifier to read the number of classes from", setting="num_classes"
        )
    arch = {"kind": "torchvision", "name": name, "kwargs": {"num_classes": int(num_classes or found)}}
    chosen = read_stem(state) if stem == "auto" else stem
    if chosen in ("small", "small-maxpool"):  # "auto" reads "small": the max-pool is chosen by ``stem_choice``
        arch["stem"] = chosen
    return arch


def load_weights(model: nn.Module, state: dict, path: pathlib.Path, name: str) -> None:
    """Load ``state`` into ``model``; a misfit names its keys and the setting that likely fixes it."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [k for k, v in expected.items() if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if not (missing or unexpected or mismatched):
        model.load_state_dict(state)
        return
    shown = [f"{k} {tuple(state[k].shape)} vs {tuple(expected[k].shape)}" for k in mismatched]
    problems = [
        f"{label}: {', '.join(items[:_SHOW])}{' ...' if len(items) > _SHOW else ''}"
        for label, items in (("missing", missing), ("unexpected", unexpected), ("mismatched", shown))
        if items
    ]
    why, setting, value = _likely_fix(model, state, mismatched, missing or unexpected, name)
    raise CheckpointError(
        f"{path.name}: {why}the weights do not fit {name} ({'; '.join(problems)})", setting=setting, value=value
    )


def _likely_fix(model: nn.Module, state: dict, mismatched: list[str], other: list[str], name: str):
    """``(reason, setting, value)``: what most likely went wrong, and the ``ModelSource`` setting to change."""
    if "conv1.weight" in mismatched:
        k = state["conv1.weight"].shape[-1]
        return f"conv1 is {k}x{k} in the weights; ", "stem", "small" if k <= 3 else "imagenet"
    classifier = next((n for n, m in reversed(list(model.named_modules())) if isinstance(m, nn.Linear)), None)
    if classifier and f"{classifier}.weight" in mismatched and not other and len(mismatched) <= 2:
        n = int(state[f"{classifier}.weight"].shape[0])
        return f"{classifier} has {n} outputs in the weights; ", "num_classes", n
    guess = guess_arch(state)
    if guess and guess != name:
        return f"they look like {guess}; ", "arch", guess
    return "", "arch", None


def describe_weights(path: pathlib.Path) -> dict:
    """What a file's bare weights tell about their architecture, read safely (never unpickling objects):
    ``{"arch": guess or None, "num_classes": n or None, "stem": "small"|"imagenet"|None}``; ``{}`` when
    the file is not bare weights (or not readable without trust). For pre-filling the page's fields."""
    from resque_core.model.pickle_guard import guarded_load

    try:
        obj = guarded_load(path, trust=False)
    except CheckpointError:
        return {}
    state = find_state_dict(obj) if isinstance(obj, dict) and "format" not in obj else None
    if state is None:
        return {}
    return {"arch": guess_arch(state), "num_classes": read_num_classes(state), "stem": read_stem(state)}
