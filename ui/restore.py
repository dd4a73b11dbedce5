"""Widget values from the stored choice, so the Data & model page shows what is loaded when the user returns.

Streamlit forgets the widget state of a page that is not shown, so on return its widgets would fall
back to their defaults while "What is loaded" below them shows the user's data. ``restore`` puts the
stored ``DataChoice`` and ``ModelSource`` back as the fields' kept values (``ui.kept``) before the page
draws them. An uploaded file comes back as the upload it was (``upload_input.uploaded_path`` uses it
while it is still in this session's folder), never as a server path: the upload folder is never a
server path. Any other path comes back in the "Server path" field, which checks it against the
folders the operator allows: a path outside them shows why, and nothing is loaded from it.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from ui.kept import SHADOWS
from ui.settings import DataChoice
from ui.state import result
from ui.upload_input import RESTORED
from ui.uploads import is_upload
from ui.widgets import CHECKPOINTS, DATA_SOURCES, DEFAULT_CHECKPOINTS


def dataset_widgets(prefix: str, spec: str) -> dict[str, Any]:
    """The ``dataset_picker(prefix)`` widget values that give ``spec`` back."""
    if spec == "digits":
        return {f"{prefix}_source": "Embedded digits"}
    if spec.startswith("torchvision:"):
        return {f"{prefix}_source": "torchvision", f"{prefix}_tv": spec.removeprefix("torchvision:")}
    if is_upload(spec):
        return {f"{prefix}_source": DATA_SOURCES[1], RESTORED.format(key=f"{prefix}_upload"): spec}
    return {f"{prefix}_source": "Server path", f"{prefix}_path": spec}


def data_widgets(data: DataChoice, modes: Sequence[str]) -> dict[str, Any]:
    """The data widgets' values for ``data``; ``modes``: the page's (simulated shift, new classes, another dataset)."""
    values = {**dataset_widgets("orig", data.original), "shift_seed": int(data.seed)}
    if data.new is not None:
        values.update(dataset_widgets("new", data.new), new_mode=modes[2], new_is_task=data.kind == "task")
    else:
        values["new_mode"] = modes[1] if data.kind == "task" else modes[0]
    values["extra_shift"] = data.shift is not None
    if data.shift:
        kind, _, level = data.shift.partition(":")
        values["shift_type"] = kind
        if level.isdigit():
            values["shift_level"] = int(level)
    return values


def model_widgets(model: Any) -> dict[str, Any]:
    """The checkpoint picker's values for a ``ModelSource`` (a default checkpoint by name, else its path)."""
    names = {spec: label for label, spec in DEFAULT_CHECKPOINTS.items()}
    values: dict[str, Any] = {"ckpt_trust": bool(model.trust)}
    if model.checkpoint in names:
        values["ckpt_source"] = names[model.checkpoint]
    elif is_upload(model.checkpoint):
        values.update({"ckpt_source": CHECKPOINTS[2], RESTORED.format(key="ckpt_upload"): str(model.checkpoint)})
    else:
        values.update(ckpt_source="Server path", ckpt_path=str(model.checkpoint))
    return values


def restore(state: MutableMapping, modes: Sequence[str]) -> None:
    """Fill the Data & model widget keys from the stored choice (none before one is loaded): all of them when
    a choice was loaded elsewhere since the page last showed (the demo's), else those the user has not entered."""
    data, model = result(state, "data"), result(state, "model")
    values = {**(data_widgets(data, modes) if data is not None else {})}
    values.update(model_widgets(model) if model is not None else {})
    fresh, shadows = state.get("shown_choice") != _loaded(state), state.setdefault(SHADOWS, {})
    for key, value in values.items():  # a new load shows itself; else what the user entered since comes first
        if key.endswith(RESTORED.format(key="")):  # an upload's path: a plain key, not a widget's
            if fresh or key not in state:
                state[key] = value
        elif fresh or (key not in state and key not in shadows):
            shadows[key] = value  # the widget starts from it (``ui.kept``): no value set through session state
            state.pop(key, None)


def _loaded(state: MutableMapping) -> tuple:
    return state["sigs"].get("data"), state["sigs"].get("model")


def shown(state: MutableMapping) -> None:
    """Note the choice loaded when the page was drawn: only a later load elsewhere replaces what was entered."""
    state["shown_choice"] = _loaded(state)
