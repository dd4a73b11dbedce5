"""Loading checkpoints safely and saving ours.

Formats understood: the project's own dict (``save_checkpoint``), TorchScript, bare weights (a
``state_dict`` or a training-checkpoint dict, see ``weights``) plus an architecture name or the user's
own class (``model_file``, trusted only), and a pickled ``nn.Module`` (only with ``trust=True``,
because unpickling arbitrary objects can run code; see ``pickle_guard``). Everything except the
trusted cases is read with ``torch.load(weights_only=True)`` or ``torch.jit.load``, which never
execute code from the file. A checkpoint without an input spec gets one from its data
(``input_spec``) or is refused: no size is guessed. Naming and listing layers is in ``layers``.
"""

from __future__ import annotations

import io
import json
import logging
import pathlib
import warnings
import zipfile
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from resque_core.assets import asset_path
from resque_core.atomic_write import write_bytes
from resque_core.data.base import ImageDataset, InputSpec
from resque_core.errors import CheckpointError
from resque_core.model.architectures import STEMS
from resque_core.model.input_spec import infer_input_spec
from resque_core.model.layers import TORCHSCRIPT_NOTE
from resque_core.model.loaded import LoadedModel
from resque_core.model.pickle_guard import guarded_load
from resque_core.model.stem_choice import choose_stem
from resque_core.model.weights import arch_for, find_state_dict, guess_arch, load_weights

log = logging.getLogger(__name__)

FORMAT_TAG = "resque-checkpoint"
FORMAT_VERSION = 1
DEFAULT_NAMES = {"default": "default_digits_0-9.pt", "default-0-4": "default_digits_0-4.pt"}
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
    data: ImageDataset | Callable[[], ImageDataset] | None = None,
) -> LoadedModel:
    """Load a checkpoint in any supported format, safely.

    Args:
        path_or_name: a file path, or "default" (digits 0-9 model) / "default-0-4" (digits 0-4).
        trust: allow unpickling a full ``nn.Module``, or importing ``model_file`` (both can execute code).
        arch: architecture of bare weights: a torchvision classification model ("resnet18") or "SmallCNN".
        input_spec: overrides (or supplies) the checkpoint's input spec.
        class_names: overrides (or supplies) the class names.
        num_classes: outputs of bare weights' classifier (None: read from the weights).
        stem: a ResNet-style torchvision arch's stem: "imagenet", "small" (3x3 stride-1 conv, no
            max-pool), "small-maxpool" (3x3 stride-1 conv, max-pool kept) or "auto" (read from the
            weights' conv1; a 3x3 one leaves the max-pool open: ``stem_choice`` measures both on ``data``).
        model_file: "my_model.py:ClassName" that builds the architecture of bare weights (needs ``trust``).
        data: the model's original data; when neither the checkpoint nor ``input_spec`` gives the input
            spec, it is inferred from it (``input_spec.infer_input_spec``; recorded in
            ``meta["input_spec_source"]``). Without it such a checkpoint is refused.

    Raises:
        CheckpointError: the file is missing, not a model, unsafe without ``trust``, or does not
            fit the architecture; ``setting`` names what to change.
    """
    if stem not in STEMS:
        raise CheckpointError(f"stem must be one of {', '.join(STEMS)}, not {stem!r}", setting="stem")
    path = resolve_path(path_or_name)
    if not path.is_file():
        hint = " (run `make assets` to build the default models)" if path_or_name in DEFAULT_NAMES else ""
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist{hint}")
    if _is_torchscript(path):
        found = _load_torchscript(path)
    else:
        bare = {"arch": arch, "num_classes": num_classes, "stem": stem, "model_file": model_file, "trust": trust}
        found = _from_object(guarded_load(path, trust), path, bare)
    loaded = _finish(found, path, input_spec, class_names, data)
    log.info("loaded %s checkpoint %s (%d classes)", loaded.format, path, len(loaded.class_names))
    return loaded


def _is_torchscript(path: pathlib.Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    return any(n.endswith("/constants.pkl") or "/code/" in n for n in names)


def _from_object(obj: Any, path: pathlib.Path, bare: dict) -> dict:
    """What the file holds: ``{"model", "arch", "spec", "names", "accuracy", "format", "meta"}``."""
    if isinstance(obj, nn.Module):
        return {"model": obj, "format": "pickle"}
    if isinstance(obj, dict) and obj.get("format") == FORMAT_TAG:
        return _load_ours(obj, path)
    if isinstance(obj, dict):
        state = find_state_dict(obj)
        if state is not None:
            return _load_bare(state, path, **bare)
        keys = ", ".join(map(str, list(obj)[:_SHOW]))
        raise CheckpointError(f"{path.name} holds a dict without model weights (keys: {keys})")
    raise CheckpointError(f"{path.name} holds a {type(obj).__name__}, not a model or a state_dict")


def _load_ours(obj: dict, path: pathlib.Path) -> dict:
    from resque_core.model.architectures import build_model

    if obj.get("version") != FORMAT_VERSION:
        raise CheckpointError(f"{path.name} is resque-checkpoint version {obj.get('version')}; this reads 1")
    try:
        arch, state, spec = dict(obj["arch"]), obj["state_dict"], InputSpec.from_dict(obj["input_spec"])
    except (KeyError, TypeError) as exc:
        raise CheckpointError(f"{path.name} lacks {exc} (needs arch, state_dict, input_spec)") from exc
    model = build_model(arch)
    load_weights(model, state, path, arch.get("name", "the architecture"))
    names = list(obj.get("class_names") or [])
    meta = dict(obj.get("meta") or {})
    return {
        "model": model,
        "arch": arch,
        "spec": spec,
        "names": names,
        "accuracy": obj.get("accuracy"),
        "format": "resque",
        "meta": meta,
    }


def _load_bare(
    state: dict,
    path: pathlib.Path,
    *,
    arch: str | None,
    num_classes: int | None,
    stem: str,
    model_file: str | None,
    trust: bool,
) -> dict:
    from resque_core.model.architectures import build_model
    from resque_core.model.model_file import build_from_file

    if model_file:
        model = build_from_file(model_file, trust, num_classes)
        load_weights(model, state, path, model_file)
        arch_dict = {"kind": "file", "name": type(model).__name__, "file": model_file}
        return {"model": model, "arch": arch_dict, "format": "state_dict"}
    if not arch:
        guess = guess_arch(state)
        looks = f" (they look like {guess})" if guess else ""
        raise CheckpointError(
            f"{path.name} holds bare weights{looks}: say which architecture they are for", setting="arch", value=guess
        )
    arch_dict = arch_for(arch, state, num_classes, stem)
    model = build_model(arch_dict)
    load_weights(model, state, path, arch)
    found = {"model": model, "arch": arch_dict, "format": "state_dict"}
    if stem == "auto" and arch_dict.get("stem") == "small":  # the weights cannot say whether the max-pool stayed
        kept = build_model({**arch_dict, "stem": "small-maxpool"})
        load_weights(kept, state, path, arch)
        found["stems"] = {"small": model, "small-maxpool": kept}
    return found


def _load_torchscript(path: pathlib.Path) -> dict:
    extra = {"resque.json": ""}
    try:
        with warnings.catch_warnings():  # torch.jit.load is deprecated but still the way to read TorchScript
            warnings.simplefilter("ignore", FutureWarning)
            model = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    except Exception as exc:
        raise CheckpointError(f"{path.name} looks like TorchScript but cannot be loaded: {exc}") from exc
    meta = json.loads(extra["resque.json"]) if extra["resque.json"] else {}
    spec = InputSpec.from_dict(meta["input_spec"]) if "input_spec" in meta else None
    meta["layer_note"] = TORCHSCRIPT_NOTE
    return {
        "model": model,
        "spec": spec,
        "names": meta.get("class_names"),
        "accuracy": meta.get("accuracy"),
        "format": "torchscript",
        "meta": meta,
    }


def _finish(
    found: dict, path: pathlib.Path, spec: InputSpec | None, names: list[str] | None, data: ImageDataset | None
) -> LoadedModel:
    model, arch, meta = found["model"], found.get("arch"), dict(found.get("meta") or {})
    model.eval()
    spec = spec or found.get("spec")
    if spec is None and data is None:
        raise CheckpointError(
            f"{path.name} ({found['format']}) does not record its input spec (image size, channels, mean/std), "
            "and no data was given to read the size from: give the input spec",
            setting="input_spec",
        )
    data = data() if callable(data) and (spec is None or "stems" in found) else data
    if spec is None:
        spec, meta["input_spec_source"] = infer_input_spec(model, arch, data)
        log.warning("%s: %s", path.name, meta["input_spec_source"])
    if "stems" in found:
        meta["stem"], model, meta["stem_note"] = choose_stem(found["stems"], spec, None if callable(data) else data)
        arch = {**arch, "stem": meta["stem"]}
        log.warning("%s: %s", path.name, meta["stem_note"])
    names = names or found.get("names") or [str(i) for i in range(_num_outputs(model, spec))]
    accuracy = found.get("accuracy")
    acc = float(accuracy) if accuracy is not None else None
    return LoadedModel(model, spec, [str(n) for n in names], arch, acc, str(path), found["format"], meta)


def _num_outputs(model: nn.Module, spec: InputSpec) -> int:
    try:
        with torch.inference_mode():
            out = model(torch.zeros(1, spec.channels, *spec.size))
    except RuntimeError as exc:
        raise CheckpointError(
            f"the model does not run on {spec.channels}x{spec.size[0]}x{spec.size[1]} input: {exc}",
            setting="input_spec",
        ) from exc
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
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    write_bytes(path, buffer.getvalue())  # whole or not at all
