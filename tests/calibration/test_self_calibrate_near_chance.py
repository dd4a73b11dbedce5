"""A self-calibration refuses a model that scores near chance on its original data before any training,
as the index does (the shipped digits model on rendered letters), unless the user accepts it."""

from __future__ import annotations

from resque_core.calibration.campaigns import self_calibrate
from resque_core.calibration.config import SelfCalibration
from resque_core.model import ModelSource
from tests.commands.in_process import run_main
from tests.letters_data import write_letters

DIGITS_MODEL = "resque_core/assets/default_digits_0-9.pt"


def test_calibrate_on_letters_with_the_digits_model_is_refused_naming_the_option(tmp_path, capsys):
    letters, db = write_letters(tmp_path, per_class=30), tmp_path / "records.sqlite"
    code, out, err = run_main(
        capsys, "calibrate", "--checkpoint", DIGITS_MODEL, "--original", str(letters), "--db", str(db)
    )
    assert code == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: the model scores") and "(chance 10%)" in last
    assert last.endswith("use the model anyway with --accept-low-accuracy")
    assert "timing a few training steps" not in err  # refused before the plan trains anything


def test_accepted_it_goes_on_to_plan(tmp_path):
    letters, heard = write_letters(tmp_path, per_class=30), []
    settings = SelfCalibration(shifts=("gaussian_noise:3",), max_minutes=0.01)
    model = ModelSource(DIGITS_MODEL)
    result = self_calibrate(model, str(letters), settings, heard.append, accept_low_accuracy=True)
    assert any("timing a few training steps" in e.message for e in heard)  # past the check, to the plan
    assert not result.rows and result.notes[-1] == "time budget of 0.01 min reached after 0 of 2 cases; stopped"
