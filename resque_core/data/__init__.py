"""Data sources, views, shift simulation, the split protocol and the (original, new) pair an index compares.

Every dataset is an ``ImageDataset`` of float32 (C, H, W) images in [0, 1] with ``name``,
``class_names``, ``targets`` and ``problems`` (notes on what was skipped or converted).
Optional heavy libraries (Pillow, scikit-learn, torchvision) are imported on first use.
"""

from __future__ import annotations

from resque_core.data.arrays import ArrayDataset
from resque_core.data.base import ImageDataset, InputSpec
from resque_core.data.digits import DigitsDataset
from resque_core.data.folder import FolderDataset
from resque_core.data.generated import ShapesDataset
from resque_core.data.npz import NpzDataset
from resque_core.data.pair import DataPair, build_pair
from resque_core.data.shift_spec import SEVERITIES, SHIFT_TYPES, ShiftSpec
from resque_core.data.shifts import apply_shift
from resque_core.data.sources import open_source
from resque_core.data.split import check_class_alignment, paper_split, task_split
from resque_core.data.thumbnails import sample_grid
from resque_core.data.torchvision_source import TorchvisionDataset
from resque_core.data.views import ClassSubset, Preprocessed, Relabeled, Shifted, Subset
from resque_core.data.zipped import ZipDataset

__all__ = [
    "SEVERITIES",
    "SHIFT_TYPES",
    "ArrayDataset",
    "ClassSubset",
    "DataPair",
    "DigitsDataset",
    "FolderDataset",
    "ImageDataset",
    "InputSpec",
    "NpzDataset",
    "Preprocessed",
    "Relabeled",
    "ShapesDataset",
    "ShiftSpec",
    "Shifted",
    "Subset",
    "TorchvisionDataset",
    "ZipDataset",
    "apply_shift",
    "build_pair",
    "check_class_alignment",
    "open_source",
    "paper_split",
    "sample_grid",
    "task_split",
]
