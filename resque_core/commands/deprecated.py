"""Old flag names kept for one release: they still work, and say what replaced them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["DeprecatedAlias"]


class DeprecatedAlias(argparse.Action):
    """Store the value under the new flag's ``dest`` and print one line on stderr naming the new flag."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None
    ) -> None:
        new = "--" + self.dest.replace("_", "-")
        print(f"warning: {option} is deprecated and will be removed; use {new}", file=sys.stderr)
        setattr(namespace, self.dest, values)
