"""Input widgets shared by several pages: dataset and checkpoint pickers, and small renderers."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from ui.uploads import limit_mb, save_upload

DATA_SOURCES = ("Embedded digits", "Upload (.zip / .npz)", "Server path", "torchvision")
CHECKPOINTS = ("Default: digits 0-9", "Default: digits 0-4", "Upload", "Server path")
DEFAULT_CHECKPOINTS = {"Default: digits 0-9": "default", "Default: digits 0-4": "default-0-4"}


def dataset_picker(prefix: str, label: str) -> str | None:
    """A dataset source chooser; returns the ``open_source`` spec, or None while incomplete."""
    choice = st.radio(label, DATA_SOURCES, key=f"{prefix}_source", horizontal=True)
    if choice == "Embedded digits":
        return "digits"
    if choice == "Upload (.zip / .npz)":
        upload = st.file_uploader(
            "A .zip of class folders (one sub-folder of PNG/JPEG images per class) or an .npz with arrays x and y",
            type=["zip", "npz"],
            key=f"{prefix}_upload",
            help=f"Up to {limit_mb()} MB.",
        )
        return str(save_upload(upload.name, upload.getvalue())) if upload is not None else None
    if choice == "Server path":
        path = st.text_input("Path on the server (folder, .zip or .npz)", key=f"{prefix}_path")
        return path.strip() or None
    name = st.text_input("torchvision dataset (e.g. CIFAR10, or CIFAR10:test)", key=f"{prefix}_tv")
    st.caption("Only datasets already in the local torchvision cache: nothing is downloaded.")
    return f"torchvision:{name.strip()}" if name.strip() else None


def checkpoint_picker() -> tuple[str | None, bool]:
    """A checkpoint chooser; returns ``(spec for load_checkpoint, trust)``."""
    choice = st.radio("Checkpoint", CHECKPOINTS, key="ckpt_source", horizontal=True)
    trust = st.toggle("Trust this file (allow full pickles)", key="ckpt_trust", value=False)
    if trust:
        st.warning(
            "A full pickle can run any code when it is loaded. Only trust files you made yourself or got "
            "from someone you trust.",
            icon=":material/warning:",
        )
    if choice in DEFAULT_CHECKPOINTS:
        return DEFAULT_CHECKPOINTS[choice], trust
    if choice == "Upload":
        upload = st.file_uploader(
            "Checkpoint (.pt, .pth, TorchScript)",
            type=["pt", "pth", "ckpt", "bin"],
            key="ckpt_upload",
            help=f"Up to {limit_mb()} MB.",
        )
        return (str(save_upload(upload.name, upload.getvalue())) if upload is not None else None), trust
    path = st.text_input("Checkpoint path on the server", key="ckpt_path")
    return (path.strip() or None), trust


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


def show_problems(problems: list[str], what: str) -> None:
    """Every validation note of a dataset, as readable lines."""
    if problems:
        st.warning(f"{what}: " + "; ".join(problems), icon=":material/info:")


def secret(name: str) -> str | None:
    """A value from ``.streamlit/secrets.toml``, or None when there is no such secret (or no file)."""
    try:
        value = st.secrets.get(name)
    except (FileNotFoundError, KeyError, AttributeError, ValueError):
        return None
    return str(value) if value else None
