"""RESQUE: estimate the cost of retraining a model on shifted data, from its representations."""

from __future__ import annotations

from resque_core.errors import ResqueError

__version__ = "0.1.0"
__all__ = ["ResqueError", "__version__"]
