"""Data sources, views, shift simulation and the split protocol.

Every dataset is an ``ImageDataset`` of float32 (C, H, W) images in [0, 1] with ``name``,
``class_names``, ``targets`` and ``problems`` (notes on what was skipped or converted).
Heavy or optional modules (folder, zip, npz, torchvision readers) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resque_core.data.arrays import ArrayDataset
from resque_core.data.base import ImageDataset, InputSpec
from resque_core.data.digits import DigitsDataset
from resque_core.data.shifts import SEVERITIES, SHIFT_TYPES, ShiftSpec, apply_shift
from resque_core.data.sources import open_source
from resque_core.data.split import check_class_alignment, paper_split, task_split
from resque_core.data.views import ClassSubset, Preprocessed, Shifted, Subset

if TYPE_CHECKING:
    from resque_core.data.folder import FolderDataset
    from resque_core.data.npz import NpzDataset
    from resque_core.data.thumbnails import sample_grid
    from resque_core.data.torchvision_source import TorchvisionDataset
    from resque_core.data.zipped import ZipDataset

_LAZY = {
    "FolderDataset": "resque_core.data.folder",
    "ZipDataset": "resque_core.data.zipped",
    "NpzDataset": "resque_core.data.npz",
    "TorchvisionDataset": "resque_core.data.torchvision_source",
    "sample_grid": "resque_core.data.thumbnails",
}

__all__ = [
    "SEVERITIES",
    "SHIFT_TYPES",
    "ArrayDataset",
    "ClassSubset",
    "DigitsDataset",
    "FolderDataset",
    "ImageDataset",
    "InputSpec",
    "NpzDataset",
    "Preprocessed",
    "ShiftSpec",
    "Shifted",
    "Subset",
    "TorchvisionDataset",
    "ZipDataset",
    "apply_shift",
    "check_class_alignment",
    "open_source",
    "paper_split",
    "sample_grid",
    "task_split",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'resque_core.data' has no attribute {name!r}")
