"""Files shipped inside the package: the default models, the default calibration and hardware profiles.

Read them through ``asset_path`` (``importlib.resources``), so they are found the same way from a
source checkout and from ``pip install .``.
"""

from __future__ import annotations

import pathlib
from importlib import resources

__all__ = ["asset_path"]


def asset_path(name: str) -> pathlib.Path:
    """The path of a shipped file, e.g. ``asset_path("calibration_default.csv")``; it may not exist yet."""
    return pathlib.Path(str(resources.files(__name__).joinpath(name)))
