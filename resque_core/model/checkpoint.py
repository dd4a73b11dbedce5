"""Loading checkpoints safely and saving ours.

Four formats are understood: the project's own dict (``save_checkpoint``), TorchScript, a bare
``state_dict`` plus an architecture name, and a pickled ``nn.Module`` (only with ``trust=True``,
because unpickling arbitrary objects can run code; see ``pickle_guard``). Everything except the last
is read with ``torch.load(weights_only=True)`` or ``torch.jit.load``, which never execute code from
the file. Naming and listing a model's layers is in ``layers``.
"""

from __future__ import annotations

import json
import logging
import pathlib
import warnings
import zipfile
from typing import Any

import torch
from torch import nn

from resque_core.assets import asset_path
from resque_core.data.base import InputSpec
from resque_core.errors import CheckpointError
from resque_core.model.loaded import LoadedModel
from resque_core.model.pickle_guard import guarded_load

log = logging.getLogger(__name__)

FORMAT_TAG = "resque-checkpoint"
FORMAT_VERSION = 1
DEFAULT_NAMES = {"default": "default_digits_0-9.pt", "default-0-4": "default_digits_0-4.pt"}
IMAGENET_SPEC = InputSpec((224, 224), 3, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
_SHOW = 5  # how many offending keys an error message names


def resolve_path(path_or_name: str) -> pathlib.Path:
    """Map "default"/"default-0-4" to the shipped assets; anything else is a file path."""
    if path_or_name in DEFAULT_NAMES:
        return asset_path(DEFAULT_NAMES[path_or_name])
    return pathlib.Path(path_or_name).expanduser()


def load_checkpoint(
    path_or_name: str,
    *,
    trust: bool = False,
    arch: str | None = None,
    input_spec: InputSpec | None = None,
    class_names: list[str] | None = None,
    num_classes: int | None = None,
    stem: str = "auto",
    model_file: str | None = None,
) -> LoadedModel:
    """Load a checkpoint in any supported format, safely.

    Args:
        path_or_name: a file path, or "default" (digits 0-9 model) / "default-0-4" (digits 0-4).
        trust: allow unpickling a full ``nn.Module`` (can execute code from the file).
        arch: architecture of a bare state_dict: a torchvision name ("resnet18") or "SmallCNN".
        input_spec: overrides (or supplies) the checkpoint's input spec.
        class_names: overrides (or supplies) the class names.
        num_classes: outputs of a bare state_dict's classifier (None: read from the weights).
        stem: a bare ResNet-style state_dict's stem: "imagenet", "small" (3x3 stride-1 conv, no max-pool)
            or "auto" (read from the weights).
        model_file: "my_model.py:ClassName" that builds the architecture of bare weights (needs ``trust``).

    Raises:
        CheckpointError: the file is missing, not a model, unsafe without ``trust``, or does not
            fit the architecture.
    """
    path = resolve_path(path_or_name)
    if not path.is_file():
        hint = " (run `make assets` to build the default models)" if path_or_name in DEFAULT_NAMES else ""
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist{hint}")
    if _is_torchscript(path):
        loaded = _load_torchscript(path, input_spec, class_names)
    else:
        obj = guarded_load(path, trust)
        loaded = _from_object(obj, path, arch, input_spec, class_names)
    loaded.model.eval()
    log.info("loaded %s checkpoint %s (%d classes)", loaded.format, path, len(loaded.class_names))
    return loaded


def _is_torchscript(path: pathlib.Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    return any(n.endswith("/constants.pkl") or "/code/" in n for n in names)


def _from_object(
    obj: Any, path: pathlib.Path, arch: str | None, spec: InputSpec | None, names: list[str] | None
) -> LoadedModel:
    if isinstance(obj, nn.Module):
        return _finish(obj, None, spec, names, None, path, "pickle", {})
    if isinstance(obj, dict) and obj.get("format") == FORMAT_TAG:
        return _load_ours(obj, path, spec, names)
    if isinstance(obj, dict):
        state = _find_state_dict(obj)
        if state is not None:
            return _load_bare(state, path, arch, spec, names)
        keys = ", ".join(map(str, list(obj)[:_SHOW]))
        raise CheckpointError(f"{path.name} holds a dict without model weights (keys: {keys})")
    raise CheckpointError(f"{path.name} holds a {type(obj).__name__}, not a model or a state_dict")


def _find_state_dict(obj: dict) -> dict | None:
    if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    for key in ("state_dict", "model_state_dict", "model"):
        inner = obj.get(key)
        if isinstance(inner, dict) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
            return inner
    return None


def _load_ours(obj: dict, path: pathlib.Path, spec: InputSpec | None, names: list[str] | None) -> LoadedModel:
    from resque_core.model.architectures import build_model

    if obj.get("version") != FORMAT_VERSION:
        raise CheckpointError(f"{path.name} is resque-checkpoint version {obj.get('version')}; this reads 1")
    try:
        arch, state = dict(obj["arch"]), obj["state_dict"]
        spec = spec or InputSpec.from_dict(obj["input_spec"])
    except (KeyError, TypeError) as exc:
        raise CheckpointError(f"{path.name} lacks {exc} (needs arch, state_dict, input_spec)") from exc
    model = build_model(arch)
    _load_state(model, state, path)
    names = names or list(obj.get("class_names") or [])
    return _finish(model, arch, spec, names, obj.get("accuracy"), path, "resque", dict(obj.get("meta") or {}))


def _load_bare(
    state: dict, path: pathlib.Path, arch_name: str | None, spec: InputSpec | None, names: list[str] | None
) -> LoadedModel:
    from resque_core.model.architectures import build_model

    if not arch_name:
        raise CheckpointError(
            f"{path.name} is a bare state_dict: say which architecture it is for (arch='resnet18', CLI --arch resnet18)"
        )
    if all(k.startswith("module.") for k in state):  # saved from DataParallel
        state = {k.removeprefix("module."): v for k, v in state.items()}
    arch = _infer_arch(arch_name, state)
    model = build_model(arch)
    _load_state(model, state, path)
    if spec is None:
        if arch["kind"] != "torchvision":
            raise CheckpointError(f"{path.name}: give the input spec (size, channels, mean, std) for {arch_name}")
        log.warning("no input spec given for %s: assuming ImageNet preprocessing at 224x224", path.name)
        spec = IMAGENET_SPEC
    return _finish(model, arch, spec, names, None, path, "state_dict", {})


def _infer_arch(name: str, state: dict) -> dict:
    """Architecture dict for ``name`` with num_classes (and SmallCNN sizes) read from the weights."""
    linear = [v for k, v in state.items() if k.endswith("weight") and v.ndim == 2]
    if not linear:
        raise CheckpointError("the state_dict has no linear classifier weight to infer num_classes from")
    if name == "SmallCNN":
        try:
            conv = state["features.0.weight"]
            kwargs = {"num_classes": linear[-1].shape[0], "in_channels": conv.shape[1], "width": conv.shape[0]}
            kwargs["hidden"] = state["fc1.weight"].shape[0]
        except KeyError as exc:
            raise CheckpointError(f"not a SmallCNN state_dict: no {exc} weight") from exc
        return {"kind": "resque", "name": name, "kwargs": kwargs}
    return {"kind": "torchvision", "name": name, "kwargs": {"num_classes": int(linear[-1].shape[0])}}


def _load_state(model: nn.Module, state: dict, path: pathlib.Path) -> None:
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [
        f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape)
    ]
    problems = [
        f"{label}: {', '.join(items[:_SHOW])}{' ...' if len(items) > _SHOW else ''}"
        for label, items in (("missing", missing), ("unexpected", unexpected), ("mismatched", mismatched))
        if items
    ]
    if problems:
        raise CheckpointError(f"{path.name}: the weights do not fit the architecture ({'; '.join(problems)})")
    model.load_state_dict(state)


def _load_torchscript(path: pathlib.Path, spec: InputSpec | None, names: list[str] | None) -> LoadedModel:
    extra = {"resque.json": ""}
    try:
        with warnings.catch_warnings():  # torch.jit.load is deprecated but still the way to read TorchScript
            warnings.simplefilter("ignore", FutureWarning)
            model = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    except Exception as exc:
        raise CheckpointError(f"{path.name} looks like TorchScript but cannot be loaded: {exc}") from exc
    meta = json.loads(extra["resque.json"]) if extra["resque.json"] else {}
    if spec is None and "input_spec" in meta:
        spec = InputSpec.from_dict(meta["input_spec"])
    return _finish(model, None, spec, names or meta.get("class_names"), meta.get("accuracy"), path, "torchscript", meta)


def _finish(model, arch, spec, names, accuracy, path, fmt, meta) -> LoadedModel:
    if spec is None:
        raise CheckpointError(
            f"{path.name} ({fmt}) does not record its input spec: pass input_spec "
            '(CLI --input-spec \'{"size": [H, W], "channels": C, "mean": [...], "std": [...]}\')'
        )
    model.eval()
    if not names:
        names = [str(i) for i in range(_num_outputs(model, spec))]
    acc = float(accuracy) if accuracy is not None else None
    return LoadedModel(model, spec, [str(n) for n in names], arch, acc, str(path), fmt, meta)


def _num_outputs(model: nn.Module, spec: InputSpec) -> int:
    with torch.inference_mode():
        out = model(torch.zeros(1, spec.channels, *spec.size))
    if not isinstance(out, torch.Tensor) or out.ndim != 2:
        raise CheckpointError("the model does not output (batch, classes) logits; pass class_names")
    return int(out.shape[1])


def save_checkpoint(
    path: str | pathlib.Path,
    model: nn.Module,
    arch: dict,
    input_spec: InputSpec,
    class_names: list[str],
    accuracy: float | None = None,
    meta: dict | None = None,
) -> None:
    """Write a checkpoint in the project's own format (readable with ``weights_only=True``)."""
    # Plain JSON data only (str subclasses such as torch.__version__ become str): the file must load
    # with weights_only=True, which refuses every Python class.
    meta = json.loads(json.dumps(dict(meta or {})))
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    obj = {
        "format": FORMAT_TAG,
        "version": FORMAT_VERSION,
        "state_dict": state,
        "arch": arch,
        "input_spec": input_spec.to_dict(),
        "class_names": [str(c) for c in class_names],
        "accuracy": None if accuracy is None else float(accuracy),
        "meta": meta,
    }
    torch.save(obj, path)
