"""One small error hierarchy. Every message should tell the user what to do next."""

from __future__ import annotations


class ResqueError(Exception):
    """Base class for every error the engine raises on purpose (bad input, unreachable service...).

    ``setting`` (with an optional ``value``) names the one setting that fixes it, e.g. ``class_map``:
    the message writes ``{setting}`` where that setting belongs, and each front end names it its own
    way: ``str(exc)`` as the CLI flag (``--class-map``), the dashboard as its control (``hint``).
    """

    def __init__(self, *args: object, setting: str | None = None, value: str | None = None) -> None:
        super().__init__(*args)
        self.setting, self.value = setting, value

    def hint(self, control: str | None = None) -> str:
        """The message with ``{setting}`` written as ``control``, or as the CLI flag when None."""
        text = super().__str__()
        if self.setting is None:
            return text
        flag = "--" + self.setting.replace("_", "-") + (f" {self.value}" if self.value else "")
        return text.replace("{setting}", control or flag)

    def __str__(self) -> str:
        return self.hint()


class InputError(ResqueError):
    """A number or setting refused at the edge: not finite, or out of its range (``setting`` names it)."""


class DataError(ResqueError):
    """A dataset cannot be read or does not fit what was asked (corrupt file, missing class...)."""


class ShiftError(ResqueError):
    """An unknown shift type or level, or a class split that cannot be made."""


class CheckpointError(ResqueError):
    """A checkpoint cannot be loaded safely, or it does not describe a usable model.

    Attributes:
        message: what is wrong, without the fix.
        setting: the ``ModelSource`` field that fixes it ("arch", "num_classes", "stem", "input_spec",
            "trust", "model_file"), or None; the CLI names it as a flag, the dashboard as its control.
        value: a suggested value for ``setting`` (e.g. "small" for the stem), or None.
    """

    def __init__(self, message: str, *, setting: str | None = None, value: object = None):
        super().__init__(message)
        self.message, self.setting, self.value = message, setting, value

    def __str__(self) -> str:
        if self.setting is None:
            return self.message
        suggested = "" if self.value is None else f"={self.value!r}"
        return f"{self.message} (set {self.setting}{suggested})"


class LayerError(ResqueError):
    """A layer name that does not exist in the model, or whose output cannot be embedded."""


class EmbeddingError(ResqueError):
    """The index cannot be computed from these embeddings (NaN/inf activations, one class...)."""


class RecordsError(ResqueError):
    """Calibration records that are missing, malformed or too few to fit a forecaster."""


class ProviderError(ResqueError):
    """A carbon-intensity provider failed (bad key, rate limit, timeout, malformed answer)."""


class ScheduleError(ResqueError):
    """A job that cannot be scheduled in the given series (too long, past the deadline...)."""


class RetrainError(ResqueError):
    """A retraining run that cannot start or was cancelled."""


class EnergyError(ResqueError):
    """Energy cannot be measured or modeled (unknown hardware profile, meter failure)."""


class ReportError(ResqueError):
    """A scenario or report that cannot be built or exported."""


class WriteError(ResqueError):
    """A file cannot be written (disk full, no permission, read-only, no such folder); the earlier one is kept."""
