"""The options a comparison weighs, the Pareto front of cost against expected accuracy, and the recommendation.

An option is one way to get a model for the new data: retrain one of the candidate checkpoints, or train one of
their architectures from scratch. Each carries the forecast cost of getting to the team's target (``measures``:
epochs, seconds, kWh, CO2, money, each with its interval), the accuracy it is expected to reach within the budget
and the chance it reaches the target (``compare.accuracy``). An option is on the front when no other costs no
more and is expected to reach no less, one of them strictly. The recommendation is the option of least CO2
(point) among those that meet the target: that reach it in at least ``min_p_reach`` of their similar runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import resque_core.compare.checked as checked
from resque_core.compare.accuracy import ExpectedAccuracy
from resque_core.forecast.result import Interval
from resque_core.units import percent_text

__all__ = ["COST_AXES", "MEASURES", "Comparison", "Option", "pareto_flags", "recommend", "with_front"]

MEASURES = ("epochs", "seconds", "kwh", "co2_kg", "money")
COST_AXES = ("co2_kg", "money", "kwh")  # what the front may be drawn against; the recommendation uses CO2


@dataclass(frozen=True)
class Option:
    """One option of a comparison.

    Attributes:
        name: how tables and charts name it ("digits_cnn.pt retrained", "SmallCNN from scratch").
        kind: "retrain" or "scratch"; arch: the architecture's name; checkpoint: the file (None: from scratch).
        index, acc_drop: the candidate's RESQUE index and accuracy drop on the new data (None from scratch).
        reference_acc: the clean accuracy the expected accuracy is carried under (``compare.accuracy``).
        measures: forecast cost to the target, an ``Interval`` per measure of ``MEASURES`` it has.
        expected: the accuracy expected within the budget and the chance of reaching the target.
        meets_target: reaches it in at least the comparison's ``min_p_reach`` of its similar runs.
        pareto: on the front of CO2 (kWh when there is no CO2) against expected accuracy.
        energy_basis: how its seconds and kWh per epoch were modeled (``energy.cost_model.EpochCost.note``).
        notes: what else a reader must know (another family's records, lower bounds...).
    """

    name: str
    kind: str
    arch: str
    checkpoint: str | None
    index: float | None
    acc_drop: float | None
    reference_acc: float
    measures: dict[str, Interval]
    expected: ExpectedAccuracy
    meets_target: bool = False
    pareto: bool = False
    energy_basis: str = ""
    seconds_per_epoch: float | None = None
    kwh_per_epoch: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def p_reach_target(self) -> float:
        return self.expected.p_reach_target

    def cost(self, axis: str = "co2_kg") -> float | None:
        """The point cost on ``axis`` (None: not known, e.g. money without a price)."""
        measure = self.measures.get(axis)
        return None if measure is None else measure.point

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "arch": self.arch,
            "checkpoint": self.checkpoint,
            "index": self.index,
            "acc_drop": self.acc_drop,
            "reference_acc": self.reference_acc,
        }
        out.update({m: self.measures[m].to_dict() if m in self.measures else None for m in MEASURES})
        out.update(
            expected_acc=self.expected.accuracy.to_dict(),
            p_reach_target=self.p_reach_target,
            n_similar=self.expected.n_similar,
            budget_epochs=self.expected.budget_epochs,
            budget_past_cap=self.expected.capped,
            meets_target=self.meets_target,
            pareto=self.pareto,
            seconds_per_epoch=self.seconds_per_epoch,
            kwh_per_epoch=self.kwh_per_epoch,
            energy_basis=self.energy_basis,
            notes=list(self.notes),
        )
        return out

    @classmethod
    def from_dict(cls, doc: dict[str, Any], where: str = "option") -> Option:
        """Read back ``to_dict``'s layout (``compare --json``'s rows), every number checked at the edge: costs
        finite and >= 0, accuracies and shares in [0, 1] (``ReportError`` naming the value's place)."""

        def get(key: str) -> Any:
            return checked.field(doc, key, where)

        def number(key: str, low: float | None = None, high: float | None = None) -> float | None:
            return checked.number(get(key), f"{where}.{key}", low, high, optional=True)

        expected = {"accuracy": get("expected_acc"), "capped": get("budget_past_cap")}
        expected |= {k: get(k) for k in ("p_reach_target", "n_similar", "budget_epochs")}
        measures = {m: checked.interval(get(m), f"{where}.{m}", 0.0) for m in MEASURES if get(m) is not None}
        return cls(
            name=checked.text(get("name"), f"{where}.name"),
            kind=checked.text(get("kind"), f"{where}.kind"),
            arch=checked.text(get("arch"), f"{where}.arch"),
            checkpoint=checked.text(get("checkpoint"), f"{where}.checkpoint", optional=True),
            index=number("index"),
            acc_drop=number("acc_drop", -1.0, 1.0),
            reference_acc=checked.number(get("reference_acc"), f"{where}.reference_acc", 0.0, 1.0),
            measures=measures,
            expected=ExpectedAccuracy.from_dict(expected, f"{where}.expected_acc"),
            meets_target=checked.boolean(get("meets_target"), f"{where}.meets_target"),
            pareto=checked.boolean(get("pareto"), f"{where}.pareto"),
            energy_basis=checked.text(get("energy_basis") or "", f"{where}.energy_basis"),
            seconds_per_epoch=number("seconds_per_epoch", 0.0),
            kwh_per_epoch=number("kwh_per_epoch", 0.0),
            notes=checked.texts(get("notes"), f"{where}.notes"),
        )


@dataclass(frozen=True)
class Comparison:
    """Every option, the front and the recommendation, with what they assume.

    Attributes:
        options: retrained candidates first, in the order given, then each architecture from scratch.
        target_acc: the team's target, an accuracy on the new data; target_words: how it was set.
        budget: the budget in words ("30 epochs, the calibration runs' cap").
        min_p_reach: the share of similar runs an option must reach the target in to meet it.
        recommended: the recommended option's name (None: no option meets the target).
        recommendation: one sentence saying which and why, or why none.
        level: the intervals' coverage; hardware: the profile and devices the cost is modeled on.
        currency: the price's currency (None: not priced, no money figures).
        notes: assumptions every figure shares (modeled energy, the records used).
    """

    options: tuple[Option, ...]
    target_acc: float
    target_words: str
    budget: str
    min_p_reach: float
    recommended: str | None
    recommendation: str
    level: float
    hardware: str
    currency: str | None = None
    notes: tuple[str, ...] = field(default=())

    def option(self, name: str) -> Option:
        return next(o for o in self.options if o.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target_acc": self.target_acc,
            "target": self.target_words,
            "budget": self.budget,
            "min_p_reach": self.min_p_reach,
            "level": self.level,
            "hardware": self.hardware,
            "currency": self.currency,
            "options": [o.to_dict() for o in self.options],
            "recommended": self.recommended,
            "recommendation": self.recommendation,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Comparison:
        """Read back ``to_dict``'s layout (what ``compare --json`` prints), every number checked at the edge and
        the recommendation one of the options (``ReportError`` naming the value's place in the file)."""

        def get(key: str) -> Any:
            return checked.field(doc, key, "")

        rows = get("options")
        if not isinstance(rows, list) or not rows:
            raise checked.refused("options", "a list of at least one option", rows)
        options = tuple(Option.from_dict(row, f"options[{i}]") for i, row in enumerate(rows))
        recommended = checked.text(get("recommended"), "recommended", optional=True)
        if recommended is not None and recommended not in {o.name for o in options}:
            raise checked.refused("recommended", "the name of one of the options", recommended)
        return cls(
            options=options,
            target_acc=checked.number(get("target_acc"), "target_acc", 0.0, 1.0),
            target_words=checked.text(get("target"), "target"),
            budget=checked.text(get("budget"), "budget"),
            min_p_reach=checked.number(get("min_p_reach"), "min_p_reach", 0.0, 1.0),
            recommended=recommended,
            recommendation=checked.text(get("recommendation"), "recommendation"),
            level=checked.number(get("level"), "level", 0.0, 1.0),
            hardware=checked.text(get("hardware"), "hardware"),
            currency=checked.text(get("currency"), "currency", optional=True),
            notes=checked.texts(get("notes"), "notes"),
        )


def pareto_flags(costs: list[float | None], accuracies: list[float]) -> list[bool]:
    """Whether each point is on the front of low cost and high accuracy (an unknown cost is never on it)."""
    flags = []
    for i, (cost, acc) in enumerate(zip(costs, accuracies, strict=True)):
        if cost is None:
            flags.append(False)
            continue
        beaten = any(
            c is not None and c <= cost and a >= acc and (c < cost or a > acc)
            for j, (c, a) in enumerate(zip(costs, accuracies, strict=True))
            if j != i
        )
        flags.append(not beaten)
    return flags


def front_axis(options: tuple[Option, ...] | list[Option]) -> str:
    """CO2 when every option has it, else kWh."""
    return "co2_kg" if all(o.cost("co2_kg") is not None for o in options) else "kwh"


def with_front(options: list[Option], min_p_reach: float) -> list[Option]:
    """``options`` with ``pareto`` and ``meets_target`` set."""
    axis = front_axis(options)
    flags = pareto_flags([o.cost(axis) for o in options], [o.expected.accuracy.point for o in options])
    return [
        replace(o, pareto=flag, meets_target=o.p_reach_target >= min_p_reach - 1e-12)
        for o, flag in zip(options, flags, strict=True)
    ]


def recommend(options: list[Option], min_p_reach: float, target_words: str) -> tuple[str | None, str]:
    """The option of least CO2 among those that meet the target, and one sentence saying so (or why none)."""
    axis = front_axis(options)
    meeting = [o for o in options if o.meets_target and o.cost(axis) is not None]
    if not meeting:
        best = max(options, key=lambda o: o.p_reach_target)
        return None, (
            f"No option reaches {target_words} in at least {percent_text(min_p_reach)} of its similar runs; the "
            f"closest is {best.name} ({percent_text(best.p_reach_target)})."
        )
    pick = min(meeting, key=lambda o: o.cost(axis))
    what = "CO2" if axis == "co2_kg" else "energy"
    if len(meeting) == 1:
        return pick.name, (
            f"{pick.name}: the only option that reaches {target_words} in at least {percent_text(min_p_reach)} "
            "of its similar runs."
        )
    return pick.name, (
        f"{pick.name}: the least {what} of the {len(meeting)} options that reach {target_words} in at least "
        f"{percent_text(min_p_reach)} of their similar runs."
    )
