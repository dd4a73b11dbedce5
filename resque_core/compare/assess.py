"""Which model to update: every candidate checkpoint retrained, and each architecture trained from scratch, costed
to the team's target on one hardware profile, with the accuracy each is expected to reach within a budget.

``compare_candidates`` is the one call the Compare page, the ``compare`` command and the report make. Per candidate
it computes the index on the same new data (``index.compute``), forecasts the epochs to the target from the
records of the candidate's model family (``calibration.model_forecast.forecast_for_model``), and prices them
with seconds and kWh per epoch modeled from the model's FLOPs on the chosen hardware
(``energy.cost_model.model_epoch_cost``: every time, kWh, CO2 and money figure here is modeled, and labelled so).
The team's target is one accuracy on the new data for every option: given, or the best candidate's clean
accuracy less a drop. Each option's accuracy within the budget and its chance of reaching the target come from
the curves of its most similar calibration runs (``compare.accuracy``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from resque_core.compare.accuracy import expected_accuracy
from resque_core.compare.candidates import Candidate, CompareSettings, budget_epochs, team_target
from resque_core.compare.options import Comparison, Option, recommend, with_front
from resque_core.errors import CheckpointError, ResqueError
from resque_core.forecast.pipeline import Evidence, FitSettings
from resque_core.forecast.targets import Target

__all__ = ["compare_candidates"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class _Assessed:
    """One candidate measured: its model, index report, family's records, modeled epoch cost and the costing
    (grid and price included) its forecasts are priced with."""

    candidate: Candidate
    loaded: Any
    report: Any
    records: Any
    cost: Any
    arch: str
    costing: Any


def compare_candidates(
    candidates: Sequence[Candidate],
    original: Any,
    new: Any = None,
    *,
    shift: str | None = None,
    settings: CompareSettings | None = None,
    class_map: str | None = None,
    accept_low_accuracy: bool = False,
    progress: Progress | None = None,
) -> Comparison:
    """Compare ``candidates`` (at least one) on the same new data.

    Args:
        original: the data the candidates were trained on (an ``open_source`` spec or an opened dataset).
        new: the new data (None: simulated from ``original`` with ``shift``, as ``index`` does).
        settings: target, budget, hardware, grid and price (default ``CompareSettings()``).
        progress: called with one line per step ("candidate 2 of 3: index").

    Raises:
        ResqueError: a bad candidate (not a model, wrong input), bad data, bad settings; the message names which.
    """
    from resque_core.data import open_source
    from resque_core.forecast.costing import build_costing

    settings = settings or CompareSettings()
    if not candidates:
        raise ResqueError("compare needs at least one candidate checkpoint")
    build_costing(settings.cost)  # an unknown zone fails here, before any model loads
    say = progress or (lambda line: None)
    original = open_source(original) if isinstance(original, str) else original
    new = open_source(new) if isinstance(new, str) and new else new
    assessed = []
    for i, candidate in enumerate(candidates, 1):
        say(f"candidate {i} of {len(candidates)} ({candidate.name}): index and cost")
        assessed.append(_assess(candidate, original, new, shift, settings, class_map, accept_low_accuracy))
    target_acc, target_words = team_target(settings, [a.report.base_acc for a in assessed])
    options = [_retrained(a, target_acc, settings) for a in assessed]
    options += [_scratch(b, target_acc, settings) for b in _best_per_arch(assessed)]
    options = with_front([o for o in options if o is not None], settings.min_p_reach)
    name, sentence = recommend(options, settings.min_p_reach, target_words)
    return Comparison(
        options=tuple(options),
        target_acc=target_acc,
        target_words=target_words,
        budget=settings.budget_words(),
        min_p_reach=settings.min_p_reach,
        recommended=name,
        recommendation=sentence,
        level=settings.level,
        hardware=settings.hardware_words(),
        currency=settings.cost.currency
        if settings.cost.price_per_kwh is not None or settings.cost.hourly_rate is not None
        else None,
        notes=_notes(assessed),
    )


def _assess(candidate, original, new, shift, settings: CompareSettings, class_map, accept_low) -> _Assessed:
    """Index, records and epoch cost of one candidate; a failure names the candidate."""
    from resque_core.forecast.costing import flops_costing
    from resque_core.forecast.family import family_of
    from resque_core.forecast.pipeline import choose_records
    from resque_core.forecast.pooling import family_runs
    from resque_core.index.compute import index_of, prepare_index
    from resque_core.index.request import IndexRequest

    request = IndexRequest(
        model=candidate.model,
        original=original,
        new=new,
        shift=shift,
        class_map=class_map,
        accept_low_accuracy=accept_low,
        max_points=0,
    )
    try:
        loaded, pair = prepare_index(request)
        report = index_of(request, loaded, pair)
        if report.base_acc is None:
            raise ResqueError("its clean accuracy on the original data could not be measured")
        costing, cost = flops_costing(settings.flops_cost(len(pair.new)), loaded)
    except ResqueError as exc:
        raise _named(exc, candidate.name) from exc
    family = family_of(loaded)
    records, _ = family_runs(choose_records("default", family), family)
    return _Assessed(candidate, loaded, report, records, cost, family.arch, costing)


def _named(exc: ResqueError, name: str) -> ResqueError:
    """``exc`` with the candidate's name in front, of the same class and with the same fix (``setting``)."""
    text = exc.message if isinstance(exc, CheckpointError) else Exception.__str__(exc)
    return type(exc)(f"candidate {name}: {text}", setting=exc.setting, value=exc.value)


def _retrained(a: _Assessed, target_acc: float, settings: CompareSettings) -> Option:
    """The candidate retrained: ``forecast_for_model`` (records of another family are carried to it)."""
    from resque_core.calibration.model_forecast import forecast_for_model

    fit = _fit(a, target_acc, settings)
    forecast = forecast_for_model(Evidence.of(a.report), a.records, loaded=a.loaded, settings=fit, costing=a.costing)
    runs = _runs(a.records, "retrain")
    signals = {"index_value": a.report.value, "acc_drop": a.report.acc_drop}
    return _option(
        a,
        name=f"{a.candidate.name} retrained",
        kind="retrain",
        measures=forecast.measures,
        expected=_expected(a, runs, signals, a.report.base_acc, target_acc, settings, a.report.accuracy_new),
        notes=tuple(n for n in (forecast.family_note, forecast.target_note) if n),
    )


def _scratch(a: _Assessed, target_acc: float, settings: CompareSettings) -> Option | None:
    """The candidate's architecture trained from scratch, from the records' scratch runs, whose family the
    forecast's ``family_note`` names when it is another (None: the records have no scratch runs)."""
    from resque_core.forecast.family import family_of
    from resque_core.forecast.pipeline import make_forecast

    fit = _fit(a, target_acc, settings)
    forecast = make_forecast(Evidence.of(a.report), a.records, family=family_of(a.loaded), settings=fit,
                             costing=a.costing)  # fmt: skip
    runs = _runs(a.records, "scratch")
    if not forecast.scratch or runs.empty:
        return None
    signals = {"index_value": a.report.value}
    notes = tuple(n for n in (forecast.scratch_note(), forecast.family_note) if n)
    return _option(
        a,
        name=f"{a.arch} from scratch",
        kind="scratch",
        measures=forecast.scratch,
        expected=_expected(a, runs, signals, a.report.base_acc, target_acc, settings),
        notes=notes,
    )


def _option(a: _Assessed, *, name, kind, measures, expected, notes) -> Option:
    retrain = kind == "retrain"
    return Option(
        name=name,
        kind=kind,
        arch=a.arch,
        checkpoint=a.candidate.model.checkpoint if retrain else None,
        index=a.report.value if retrain else None,
        acc_drop=a.report.acc_drop if retrain else None,
        reference_acc=float(a.report.base_acc),
        measures=dict(measures),
        expected=expected,
        energy_basis=a.cost.note,
        seconds_per_epoch=a.cost.seconds_per_epoch,
        kwh_per_epoch=a.cost.kwh_per_epoch,
        notes=notes,
    )


def _fit(a: _Assessed, target_acc: float, settings: CompareSettings) -> FitSettings:
    """The fit that forecasts to ``target_acc``: T as a drop below each record's clean accuracy, carried from the
    candidate's (``compare.accuracy`` carries its expected accuracy the same way)."""
    return FitSettings(level=settings.level, target=Target.drop(float(a.report.base_acc) - target_acc))


def _expected(a: _Assessed, runs, signals, reference: float, target_acc: float, settings, floor=None):
    budget = budget_epochs(settings, a.cost.kwh_per_epoch, runs)
    curves = a.records.curves
    if curves is None or curves.empty:
        raise ResqueError(f"candidate {a.candidate.name}: its records carry no evaluation curves")
    return expected_accuracy(
        runs, curves, signals, float(reference), target_acc, budget, settings.level, floor_acc=floor
    )


def _runs(records: Any, kind: str) -> Any:
    frame = records.frame
    return frame[(frame["run_kind"] == kind) & (frame["index_kind"] == "dist")]


def _best_per_arch(assessed: list[_Assessed]) -> list[_Assessed]:
    """Per architecture, the candidate of the best clean accuracy: its scratch option's reference."""
    best: dict[str, _Assessed] = {}
    for a in assessed:
        key = a.arch
        if key not in best or a.report.base_acc > best[key].report.base_acc:
            best[key] = a
    return list(best.values())


def _notes(assessed: list[_Assessed]) -> tuple[str, ...]:
    sources = sorted({a.records.source for a in assessed})
    notes = [
        "time, kWh, CO2 and money are modeled from each model's FLOPs per training step on the hardware profile, "
        "not measured",
        f"epochs and expected accuracies come from the calibration records: {', '.join(sources)}",
    ]
    measured = [a.candidate.name for a in assessed if a.report.base_acc_source != "checkpoint"]
    if measured:
        notes.append(
            f"the clean accuracy of {', '.join(measured)} was measured on the original data given, which may be "
            "its training data: an optimistic figure, and the target is set from the best one"
        )
    return tuple(notes)
