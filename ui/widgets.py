"""Input widgets shared by several pages: dataset and checkpoint pickers, and small renderers."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from resque_core.data.base import InputSpec
from resque_core.errors import DataError
from resque_core.model.source import STEMS, ModelSource
from ui import actions
from ui.kept import kept
from ui.model_file_input import model_file_input
from ui.plain_text import literal, plain
from ui.server_paths import HOW_TO_ENABLE, allowed_roots, check_server_path
from ui.upload_input import uploaded_path
from ui.uploads import limit_mb

DATA_SOURCES = ("Embedded digits", "Upload (.zip / .npz)", "Server path", "torchvision")
CHECKPOINTS = ("Default: digits 0-9", "Default: digits 0-4", "Upload", "Server path")
DEFAULT_CHECKPOINTS = {"Default: digits 0-9": "default", "Default: digits 0-4": "default-0-4"}
FROM_FILE = "recorded in the file"
MODEL_FILE = "my own class (model file)"
STEM_LABELS = {
    "auto": "auto (from the weights)",
    "imagenet": "ImageNet (7x7, max-pool)",
    "small": "small (3x3, no max-pool)",
    "small-maxpool": "small, max-pool kept (3x3, max-pool)",
}


def architectures() -> list[str]:
    """SmallCNN and torchvision's classification models, for the Architecture field."""
    from resque_core.model.architectures import torchvision_classifiers

    return ["SmallCNN", *torchvision_classifiers()]


def dataset_picker(prefix: str, label: str) -> str | None:
    """A dataset source chooser; returns the ``open_source`` spec, or None while incomplete."""
    choice = st.radio(label, DATA_SOURCES, **kept(f"{prefix}_source", options=DATA_SOURCES), horizontal=True)
    if choice == "Embedded digits":
        return "digits"
    if choice == "Upload (.zip / .npz)":
        upload = st.file_uploader(
            "A .zip of class folders (one sub-folder of PNG/JPEG images per class) or an .npz with arrays x and y",
            type=["zip", "npz"],
            key=f"{prefix}_upload",
            help=f"Up to {limit_mb()} MB.",
        )
        return uploaded_path(f"{prefix}_upload", upload)
    if choice == "Server path":
        return server_path("Path on the server (folder, .zip or .npz)", kept(f"{prefix}_path", ""))
    name = st.text_input("torchvision dataset (e.g. CIFAR10, or CIFAR10:test)", **kept(f"{prefix}_tv", ""))
    st.caption("Only datasets already in the local torchvision cache: nothing is downloaded.")
    return f"torchvision:{name.strip()}" if name.strip() else None


def checkpoint_picker(original: str | None = None) -> ModelSource | None:
    """The checkpoint and how to read it, as a ``ModelSource``; None while no file is chosen.

    ``original`` (the original data's source) pre-fills the input spec; the file's weights pre-fill
    the architecture, classes and stem.
    """
    choice = st.radio("Checkpoint", CHECKPOINTS, **kept("ckpt_source", options=CHECKPOINTS), horizontal=True)
    trust = st.toggle("Trust this file (allow full pickles and a model file)", **kept("ckpt_trust", False))
    if trust:
        st.warning(
            "A full pickle or a model file can run any code when it is loaded. Only trust files you made "
            "yourself or got from someone you trust.",
            icon=":material/warning:",
        )
    if choice in DEFAULT_CHECKPOINTS:
        return ModelSource(DEFAULT_CHECKPOINTS[choice], trust)
    if choice == "Upload":
        upload = st.file_uploader(
            "Checkpoint (.pt, .pth, TorchScript)",
            type=["pt", "pth", "ckpt", "bin", "tar"],
            key="ckpt_upload",
            help=f"Up to {limit_mb()} MB.",
        )
        path = uploaded_path("ckpt_upload", upload)
    else:
        path = server_path("Checkpoint path on the server", kept("ckpt_path", ""))
    return _how_to_read(path, trust, original) if path else None


def server_path(label: str, field: dict[str, Any]) -> str | None:
    """A path typed by the user, resolved, when it lies in a folder the operator allows; else None.

    ``field``: the text field's ``kept`` arguments. Off by default: the field is replaced by a sentence saying
    how to allow folders (``ui.server_paths``).
    """
    if not allowed_roots():
        st.info(HOW_TO_ENABLE, icon=":material/lock:")
        return None
    text = st.text_input(label, **field).strip()
    if not text:
        return None
    try:
        return check_server_path(text)
    except DataError as exc:
        st.error(plain(exc), icon=":material/block:")
        return None


def _how_to_read(path: str, trust: bool, original: str | None) -> ModelSource:
    """Architecture, classes, stem, model file and input spec of a user's checkpoint."""
    hints = actions.checkpoint_hints(path)
    st.caption(
        "How to read this file. A state_dict or a training checkpoint needs its architecture; our own "
        "checkpoints, TorchScript and full pickles carry it."
        + (f" The weights look like **{hints['arch']}**." if hints.get("arch") else "")
    )
    options = [FROM_FILE, MODEL_FILE, *architectures()]
    if st.session_state.get("ckpt_hints_for") != path:  # a new file: pre-fill from what its weights tell
        st.session_state["ckpt_hints_for"] = path
        st.session_state["ckpt_arch"] = hints.get("arch") if hints.get("arch") in options else FROM_FILE
        st.session_state["ckpt_num_classes"] = hints.get("num_classes")
        # a 3x3 conv1 leaves the max-pool open: "auto" measures both variants on the data and says which
        st.session_state["ckpt_stem"] = "imagenet" if hints.get("stem") == "imagenet" else "auto"
    left, mid, right = st.columns([2, 1, 1])
    arch = left.selectbox("Architecture", options, **kept("ckpt_arch", FROM_FILE, options=options))
    num_classes = mid.number_input(
        "Number of classes",
        min_value=1,
        step=1,
        **kept("ckpt_num_classes", None),
        help="Outputs of the classifier; empty: read from the weights.",
    )
    stem = right.selectbox("Stem", STEMS, format_func=STEM_LABELS.get, **kept("ckpt_stem", options=STEMS))
    model_file = None
    if arch == MODEL_FILE:
        model_file = model_file_input(trust)
    arch_name = None if arch in (FROM_FILE, MODEL_FILE) else arch
    return ModelSource(
        path,
        trust,
        arch=arch_name,
        num_classes=int(num_classes) if num_classes else None,
        stem=stem,
        input_spec=_input_spec(original, arch_name),
        model_file=model_file or None,
    )


def _input_spec(original: str | None, arch: str | None) -> InputSpec | None:
    """The input spec typed on the page, pre-filled from the data; None: the checkpoint's, else the data's."""
    by_hand = st.toggle(
        "Input spec: set it here",
        **kept("ckpt_spec_manual", False),
        help="Off: the checkpoint's own, else the original data's size and channels with assumed mean/std.",
    )
    if not by_hand:
        return None
    hint = actions.data_input_spec(original, arch) or {
        "size": [32, 32],
        "channels": 3,
        "mean": [0.5] * 3,
        "std": [0.5] * 3,
    }
    cols = st.columns(5)
    height = cols[0].number_input("Height", 1, 4096, **kept("ckpt_spec_h", int(hint["size"][0])))
    width = cols[1].number_input("Width", 1, 4096, **kept("ckpt_spec_w", int(hint["size"][1])))
    channels = cols[2].selectbox("Channels", (1, 3), **kept("ckpt_spec_c", int(hint["channels"]), options=(1, 3)))
    mean = cols[3].text_input("Mean", **kept("ckpt_spec_mean", ", ".join(f"{m:g}" for m in hint["mean"])))
    std = cols[4].text_input("Std", **kept("ckpt_spec_std", ", ".join(f"{v:g}" for v in hint["std"])))
    try:
        means, stds = [float(m) for m in mean.split(",")], [float(v) for v in std.split(",")]
    except ValueError as exc:
        raise DataError(f"Input spec: mean and std must be numbers separated by commas ({exc})") from exc
    if len(means) == 1:
        means, stds = means * channels, stds * channels
    return InputSpec.from_dict({"size": [height, width], "channels": channels, "mean": means, "std": stds})


def class_samples(dataset: Any, per_class: int = 3, max_classes: int = 10) -> list[tuple[np.ndarray, str]]:
    """The first images of each class as (H, W[, C]) arrays in [0, 1], with their class names."""
    out = []
    for c, members in list(dataset.class_indices().items())[:max_classes]:
        for i in members[:per_class]:
            image = dataset.image(int(i)).numpy()
            image = image[0] if image.shape[0] == 1 else np.transpose(image, (1, 2, 0))
            out.append((np.clip(image, 0, 1), dataset.class_names[c]))
    return out


def short_caption(name: str, limit: int = 8) -> str:
    """A class name that fits under a 64-pixel thumbnail: whole when short, else cut with an ellipsis.

    Long names would wrap mid-word under the image; the full names are in the class-count table.
    """
    name = str(name)
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def thumbnails(where: Any, samples: list[tuple[np.ndarray, str]], title: str) -> None:
    """Sample images, 64 px wide, each captioned and described by its class name (alt text for screen readers)."""
    where.image(
        [s[0] for s in samples],
        caption=[literal(short_caption(s[1])) for s in samples],
        alt=[f"{title} sample of class {s[1]}" for s in samples],
        width=64,
        clamp=True,
    )


def show_problems(problems: list[str], what: str) -> None:
    """Every validation note of a dataset, as readable lines."""
    if problems:
        st.warning(f"{what}: " + plain("; ".join(problems)), icon=":material/info:")


def secret(name: str) -> str | None:
    """A value from ``.streamlit/secrets.toml``, or None when there is no such secret (or no file)."""
    try:
        value = st.secrets.get(name)
    except (FileNotFoundError, KeyError, AttributeError, ValueError):
        return None
    return str(value) if value else None
