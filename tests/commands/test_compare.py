"""``python -m resque_core compare``: the issue's check. Three candidates trained in the test (two SmallCNNs, one a
clear loser on accuracy, and an MLP), read as a user's bare weights with ``CKPT:ARCH``: one JSON row per option
(each checkpoint retrained, each architecture from scratch) with the figures the issue names, the Pareto front,
and a recommendation that meets the target at the least CO2. Bad input gets one line naming what to fix."""

from __future__ import annotations

import json

import pytest
import torch

from tests.commands.in_process import run_main
from tests.compare_fixtures import save_candidates

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
INTERVAL_KEYS = {"point", "low", "high"}


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    return save_candidates(tmp_path_factory.mktemp("candidates"))


@pytest.fixture(scope="module")
def answer(specs):
    capsys = _Capture()
    from resque_core.cli import main

    with capsys:
        code = main(["compare", *_candidates(specs), "--shift", "gaussian_noise:3", "--price-per-kwh", "0.3",
                     "--zone", "DE", "--json"])  # fmt: skip
    assert code == 0, capsys.err
    return json.loads(capsys.out), capsys.err


class _Capture:
    """stdout and stderr of a block (capsys is function-scoped; the comparison is run once per module)."""

    def __enter__(self):
        import contextlib
        import io

        self.out_buf, self.err_buf = io.StringIO(), io.StringIO()
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(contextlib.redirect_stdout(self.out_buf))
        self._stack.enter_context(contextlib.redirect_stderr(self.err_buf))
        return self

    def __exit__(self, *exc):
        self._stack.close()
        self.out, self.err = self.out_buf.getvalue(), self.err_buf.getvalue()


def _candidates(specs) -> list[str]:
    return [word for role in ("cnn", "weak_cnn", "mlp") for word in ("--candidate", specs[role])]


def test_one_row_per_option_each_checkpoint_retrained_and_each_architecture_from_scratch(answer):
    data, _ = answer
    names = [o["name"] for o in data["options"]]
    assert names == ["cnn.pt retrained", "weak_cnn.pt retrained", "mlp.pt retrained", "SmallCNN from scratch",
                     "MLP from scratch"]  # fmt: skip
    assert [o["kind"] for o in data["options"]] == ["retrain"] * 3 + ["scratch"] * 2


def test_every_row_carries_costs_expected_accuracy_chance_and_front(answer):
    data, _ = answer
    for option in data["options"]:
        for measure in ("epochs", "seconds", "kwh", "co2_kg", "money"):
            interval = option[measure]
            assert set(interval) == INTERVAL_KEYS, (option["name"], measure)
            assert 0 <= interval["low"] <= interval["high"], (option["name"], measure, interval)
        # CO2 is kWh at Germany's annual average, money kWh at the price given: one story per option
        assert option["co2_kg"]["point"] == pytest.approx(option["kwh"]["point"] * 0.38095, rel=0.01)
        assert option["money"]["point"] == pytest.approx(option["kwh"]["point"] * 0.3)
        acc = option["expected_acc"]
        assert set(acc) == INTERVAL_KEYS and 0 <= acc["low"] <= acc["point"] <= acc["high"] <= 1
        assert 0 <= option["p_reach_target"] <= 1 and isinstance(option["pareto"], bool)
        assert option["kwh_per_epoch"] > 0 and option["energy_basis"].startswith("modeled: ")


def test_the_weak_checkpoint_is_the_clear_loser(answer):
    data, _ = answer
    weak = next(o for o in data["options"] if o["name"] == "weak_cnn.pt retrained")
    good = next(o for o in data["options"] if o["name"] == "cnn.pt retrained")
    assert weak["reference_acc"] < good["reference_acc"] - 0.2
    assert weak["p_reach_target"] == 0 and not weak["meets_target"] and not weak["pareto"]
    assert weak["expected_acc"]["high"] < data["target_acc"]
    assert data["recommended"] != weak["name"]


def test_the_recommendation_meets_the_target_at_the_least_co2(answer):
    data, _ = answer
    meeting = [o for o in data["options"] if o["p_reach_target"] >= data["min_p_reach"]]
    assert meeting, "the fixture's good candidates reach the target"
    assert all(o["meets_target"] for o in meeting)
    cheapest = min(meeting, key=lambda o: o["co2_kg"]["point"])
    assert data["recommended"] == cheapest["name"]
    assert data["recommendation"].startswith(cheapest["name"])
    assert next(o for o in data["options"] if o["name"] == data["recommended"])["pareto"]


def test_the_front_is_the_options_no_other_beats(answer):
    data, _ = answer
    points = [(o["co2_kg"]["point"], o["expected_acc"]["point"], o["pareto"]) for o in data["options"]]
    for cost, acc, on_front in points:
        beaten = any(c <= cost and a >= acc and (c < cost or a > acc) for c, a, _ in points)
        assert on_front == (not beaten)


def test_the_target_is_two_points_below_the_best_clean_accuracy_and_said(answer):
    data, err = answer
    best = max(o["reference_acc"] for o in data["options"])
    assert data["target_acc"] == pytest.approx(best - 0.02)
    assert "2 points below the best candidate's clean accuracy" in data["target"]
    assert any("modeled" in note for note in data["notes"])
    assert "candidate 3 of 3 (mlp.pt)" in err  # progress on stderr, JSON alone on stdout


def test_the_table_says_what_the_json_says(answer):
    from resque_core.compare import Comparison
    from resque_core.compare.table import comparison_lines

    data, _ = answer
    lines = comparison_lines(Comparison.from_dict(data))  # what the command prints without --json
    text = "\n".join(lines)
    assert lines[0] == f"target: {data['target']}"
    assert "hardware: 2 CPU threads at codecarbon's generic 4 W per thread, fp32 (modeled)" in lines[1]
    assert f"recommended: {data['recommendation']}" in lines
    for option in data["options"]:
        assert option["name"] in text
    assert "e-0" not in text and "e+" not in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--devices", "0"], "--devices"),
        (["--budget-epochs", "5", "--budget-kwh", "1"], "not allowed with argument"),
        (["--target-acc", "1.5"], "--target-acc"),
        (["--profile", "no-such-gpu"], "unknown hardware profile 'no-such-gpu'"),
        (["--zone", "XX"], "XX"),
    ],
)
def test_bad_settings_are_one_line_naming_the_fix(capsys, argv, message):
    code, out, err = run_main(capsys, "compare", "--candidate", "default", "--shift", "gaussian_noise:1", *argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_a_file_that_is_not_a_model_names_the_candidate(capsys, tmp_path):
    junk = tmp_path / "notes.pt"
    junk.write_bytes(b"not a checkpoint at all")
    code, out, err = run_main(capsys, "compare", "--candidate", "default", "--candidate", str(junk),
                              "--shift", "gaussian_noise:1")  # fmt: skip
    assert code == 2 and out == ""
    assert "candidate notes.pt: " in err.strip().splitlines()[-1]


def test_no_candidate_is_refused(capsys):
    code, _, err = run_main(capsys, "compare", "--shift", "gaussian_noise:1")
    assert code == 2 and "--candidate" in err
