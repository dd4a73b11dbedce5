"""The class-order check: a folder/zip whose alphabetical classes are not the model's order is found,
the right mapping proposed, refused until confirmed, and once confirmed the index equals the npz's."""

from __future__ import annotations

import json

import pytest
import torch

from resque_core.cli import main
from resque_core.data import build_pair, open_source
from resque_core.data.views import Relabeled
from resque_core.errors import DataError, ShiftError
from resque_core.index import IndexRequest, compute_index
from resque_core.index.class_check import check_class_order, confirmed_class_map, resolve_class_map
from resque_core.model.checkpoint import load_checkpoint
from tests.class_order_data import WORD_MAP, write_word_folder, zip_folder


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def word_data(tmp_path_factory):
    """(folder, zip, npz) of 40 digits per class; the folder's classes are "eight", "five", ..., "zero"."""
    root = tmp_path_factory.mktemp("words")
    folder, npz = write_word_folder(root, per_class=40)
    return folder, zip_folder(folder, root / "digits.zip"), npz


@pytest.fixture(scope="module")
def model():
    return load_checkpoint("default")


def test_the_check_finds_the_alphabetical_order_and_proposes_the_digits(word_data, model):
    check = check_class_order(model, open_source(str(word_data[1])))
    assert check.data_classes[:3] == ("eight", "five", "four")
    assert check.n_images == 300 and check.chance == pytest.approx(0.1)
    assert check.accuracy < 0.2 and check.reason == "accuracy"
    assert check.proposal == WORD_MAP
    assert check.proposed_accuracy > 0.95
    assert "the data's class 'eight' looks like the model's output 8" in check.message()


def test_data_in_the_model_order_passes(word_data, model):
    for source in ("digits", str(word_data[2])):
        check = check_class_order(model, open_source(source))
        assert check.proposal is None and check.accuracy > 0.95 and check.reason == ""
        assert resolve_class_map(check, None) is None


def test_same_names_in_another_order_are_mapped_by_name(model):
    from resque_core.data import ArrayDataset, DigitsDataset

    digits = DigitsDataset()
    order = [3, 1, 4, 0, 5, 9, 2, 6, 8, 7]  # data label k holds the digit order[k], named so
    inverse = {digit: k for k, digit in enumerate(order)}
    labels = [inverse[int(t)] for t in digits.targets]
    shuffled = ArrayDataset(digits.images, labels, [str(d) for d in order], "shuffled", scale=digits.scale)
    check = check_class_order(model, shuffled)
    assert check.reason == "names" and check.proposal == {str(d): d for d in order}
    assert check.proposed_accuracy > 0.95 and check.accuracy == pytest.approx(0.2, abs=0.02)  # "1" and "8" in place


def test_unconfirmed_mapping_is_refused_with_the_fix(word_data, model):
    with pytest.raises(DataError) as info:
        confirmed_class_map(model, open_source(str(word_data[0])), "dist", None)
    err = info.value
    assert err.setting == "class_map" and "--class-map auto" in str(err) and "eight=8" in str(err)
    assert "the 'Apply' button" in err.hint("the 'Apply' button") and "--class-map" not in err.hint("x")
    assert confirmed_class_map(model, open_source(str(word_data[0])), "dist", "auto").startswith("eight=8,five=5")


def test_relabeled_data_gets_the_model_names_and_order(word_data):
    words = open_source(str(word_data[0]))
    relabeled = Relabeled(words, WORD_MAP, [str(d) for d in range(10)])
    npz = open_source(str(word_data[2]))
    assert relabeled.class_names == [str(d) for d in range(10)]
    assert relabeled.targets.tolist() == npz.targets.tolist()
    assert torch.allclose(relabeled[5][0], npz[5][0], atol=1e-6)
    with pytest.raises(DataError, match="every class"):
        Relabeled(words, {"eight": 8}, [str(d) for d in range(10)])
    with pytest.raises(DataError, match="different model output"):
        Relabeled(words, {**WORD_MAP, "zero": 8}, [str(d) for d in range(10)])


@pytest.mark.parametrize("class_map", ["auto", ",".join(f"{w}={d}" for w, d in WORD_MAP.items())])
def test_index_after_mapping_equals_the_index_on_the_ordered_npz(word_data, class_map):
    shift = {"shift": "gaussian_noise:3", "seed": 1, "max_points": 0}
    mapped = compute_index(IndexRequest(original=str(word_data[1]), class_map=class_map, **shift))
    ordered = compute_index(IndexRequest(original=str(word_data[2]), **shift))
    assert mapped.value == pytest.approx(ordered.value, rel=1e-6)
    assert mapped.noise_floor == pytest.approx(ordered.noise_floor, rel=1e-6)
    assert list(mapped.per_class) == [str(d) for d in range(10)] == list(ordered.per_class)
    assert mapped.per_class["8"] == pytest.approx(ordered.per_class["8"], rel=1e-6)


def test_cli_refuses_then_accepts_the_class_map(word_data, capsys):
    assert main(["index", "--original", str(word_data[1]), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the model scores") and "--class-map auto" in err
    assert main(["index", "--original", str(word_data[1]), "--class-map", "auto", "--json"]) == 0
    mapped = json.loads(capsys.readouterr().out)
    assert main(["index", "--original", str(word_data[2]), "--json"]) == 0
    assert mapped["resque"] == pytest.approx(json.loads(capsys.readouterr().out)["resque"], rel=1e-6)
    assert main(["index", "--original", str(word_data[1]), "--class-map", "eight:8"]) == 2
    assert "is not NAME=OUTPUT" in capsys.readouterr().err


def test_new_data_with_other_classes_suggests_the_task_mode(word_data, capsys):
    with pytest.raises(DataError) as info:
        build_pair(open_source(str(word_data[2])), open_source(str(word_data[0])), kind="dist")
    assert info.value.setting == "kind" and "these look like new classes" in str(info.value)
    assert "--kind task" in str(info.value)
    assert main(["index", "--original", str(word_data[2]), "--new", str(word_data[0])]) == 2
    assert "use --kind task" in capsys.readouterr().err.replace("with --kind", "use --kind")


def test_task_without_new_data_needs_a_model_that_leaves_classes_unknown(capsys):
    with pytest.raises(ShiftError) as info:
        build_pair(open_source("digits"), kind="task", model_classes=[str(d) for d in range(10)])
    assert info.value.setting == "new" and "(--new)" in str(info.value)
    assert main(["index", "--kind", "task"]) == 2
    assert "already knows every class" in capsys.readouterr().err
    assert main(["index", "--checkpoint", "default-0-4", "--kind", "task", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_original"] == 901 and report["n_new"] == 896 and report["resque"] > 0.5


def test_a_model_without_class_scores_is_checked_by_name_only(model):
    from dataclasses import replace

    from resque_core.data import ArrayDataset, DigitsDataset

    embedder = replace(model, model=torch.nn.Sequential(model.model, torch.nn.Unflatten(1, (2, 5))))  # (B, 2, 5)
    digits = DigitsDataset()
    assert check_class_order(embedder, digits).proposal is None
    swapped = ArrayDataset(digits.images, digits.targets, ["1", "0", *map(str, range(2, 10))], "s", scale=digits.scale)
    check = check_class_order(embedder, swapped)
    assert check.reason == "names" and check.proposal["1"] == 1 and check.proposed_accuracy is None
    assert check.n_images == 0 and "another order" in check.message()
