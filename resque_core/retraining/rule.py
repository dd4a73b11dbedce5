"""The stopping rule a retraining run used, as fields: what a calibration record keeps and a Validate run
compares, with ``describe`` for the label records have always carried ("min(base-2pt, 0.97*scratch)")."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["StoppingRule"]

# The labels ``describe`` writes, read back only where a file is read (``StoppingRule.from_label``).
_TOL = r"base-(?P<tol>[0-9.e+-]+)pt"
_FRAC = r"(?P<frac>[0-9.e+-]+)"
_LABELS = {
    "plateau": re.compile(r"plateau\((?P<band>2se|[0-9.e+-]+)x(?P<patience>[0-9]+)\)"),
    "fixed": re.compile(r"fixed\((?P<acc>[0-9.e+-]+)\)"),
    "base-minus": re.compile(_TOL),
    "case": re.compile(rf"case\(min\({_TOL}, {_FRAC}\*max\(scratch, finetune0(?P<margin>-2se)?\)\)\)"),
    "reachable": re.compile(rf"min\({_TOL}, {_FRAC}\*(?P<ref>scratch|max\(scratch, finetune\))\)"),
}
_PREFIXES = (("plateau", "plateau"), ("case", "case"), ("min(", "reachable"), ("reachable", "reachable"),
             ("base", "base-minus"), ("fixed", "fixed"))  # fmt: skip


@dataclass(frozen=True)
class StoppingRule:
    """When a retraining run counted as done (``RetrainConfig.stopping_rule``; see ``retraining.targets``).

    Attributes:
        name: "base-minus", "reachable", "case", "plateau" or "fixed"; None for a label of no known rule.
        tolerance: accuracy points (0..1) below the base accuracy ("base-minus", "reachable", "case").
        scratch_frac: fraction of the reference accuracy asked for ("reachable", "case").
        with_finetune: "reachable": the reference is the better of the from-scratch and the fine-tuned best
            (False: the from-scratch best alone). "case" always takes its first seed's fine-tuned best.
        margin_2se: "case": two standard errors of the validation slice taken off that best.
        fixed_acc: "fixed": the accuracy (0..1) asked for.
        plateau_delta: "plateau": the accuracy band (0..1); None: two standard errors.
        plateau_patience: "plateau": evaluations that must stay in the band.
        label: a label this version does not write, kept as an older file gave it (``describe`` returns it).
    """

    name: str | None
    tolerance: float | None = None
    scratch_frac: float | None = None
    with_finetune: bool = False
    margin_2se: bool = False
    fixed_acc: float | None = None
    plateau_delta: float | None = None
    plateau_patience: int | None = None
    label: str | None = None

    def describe(self) -> str:
        """The rule's label, as records write it: "plateau(2sex8)", "base-2pt", "fixed(0.9)",
        "min(base-2pt, 0.97*max(scratch, finetune))", "case(min(base-2pt, 0.97*max(scratch, finetune0-2se)))"."""
        if self.label is not None:
            return self.label
        if self.name == "plateau":
            band = "2se" if self.plateau_delta is None else f"{self.plateau_delta:g}"
            return f"plateau({band}x{self.plateau_patience})"
        if self.name == "fixed":
            return f"fixed({self.fixed_acc:g})"
        tol = f"base-{100 * self.tolerance:g}pt"
        if self.name == "case":
            return f"case(min({tol}, {self.scratch_frac:g}*max(scratch, finetune0{'-2se' if self.margin_2se else ''})))"
        if self.name == "reachable":
            reference = "max(scratch, finetune)" if self.with_finetune else "scratch"
            return f"min({tol}, {self.scratch_frac:g}*{reference})"
        return tol

    @classmethod
    def from_label(cls, text: str | None) -> StoppingRule | None:
        """The rule a record file's ``target_rule`` cell names; None for an empty cell.

        Only for reading files: runs pass the fields. A label this version does not write (a bare rule name,
        an older form) keeps its text whole, with the rule name its start gives, so it is written back as read.
        """
        text = str(text or "").strip()
        if not text:
            return None
        for name, pattern in _LABELS.items():
            found = pattern.fullmatch(text)
            rule = _from_match(name, found) if found else None
            if rule is not None and rule.describe() == text:
                return rule
        return cls(next((name for prefix, name in _PREFIXES if text.startswith(prefix)), None), label=text)


def _from_match(name: str, found: re.Match) -> StoppingRule | None:
    parts = found.groupdict()
    try:
        if name == "plateau":
            band = None if parts["band"] == "2se" else float(parts["band"])
            return StoppingRule(name, plateau_delta=band, plateau_patience=int(parts["patience"]))
        if name == "fixed":
            return StoppingRule(name, fixed_acc=float(parts["acc"]))
        tolerance = float(parts["tol"]) / 100
        if name == "base-minus":
            return StoppingRule(name, tolerance=tolerance)
        frac = float(parts["frac"])
        if name == "case":
            return StoppingRule(name, tolerance, frac, with_finetune=True, margin_2se=bool(parts["margin"]))
        return StoppingRule(name, tolerance, frac, with_finetune=parts["ref"] != "scratch")
    except ValueError:
        return None
