"""The embedding's precision is a choice: fp32 by default, bf16/fp16 autocast on CUDA only, said so elsewhere."""

from __future__ import annotations

import contextlib
import json

import pytest
import torch

import resque_core.index.embed as embed
from resque_core.cli import main
from resque_core.commands import index as index_command
from resque_core.errors import EmbeddingError, ResqueError
from resque_core.index.compute import compute_index
from resque_core.index.embed import autocast_for, precision_on
from resque_core.index.request import PRECISIONS, IndexRequest
from resque_core.model.source import ModelSource
from tests.app.conftest import _navigation_only, errors, fresh_app, goto  # noqa: F401 (AppTest routing fixture)
from ui.settings import IndexSettings

torch.set_num_threads(1)
CPU, CUDA = torch.device("cpu"), torch.device("cuda")
REQUEST = {"shift": "gaussian_noise:3", "device": "cpu", "max_points": 0}


@pytest.fixture(scope="module")
def fp32():
    return compute_index(IndexRequest(**REQUEST))


def test_the_cli_offers_the_engine_s_precisions():
    assert index_command.PRECISIONS == PRECISIONS == ("fp32", "bf16", "fp16")


def test_reduced_precision_is_for_cuda_only():
    assert [precision_on(CPU, p) for p in PRECISIONS] == ["fp32", "fp32", "fp32"]
    assert precision_on(torch.device("mps"), "fp16") == "fp32"
    assert (precision_on(CUDA, "fp32"), precision_on(CUDA, "fp16")) == ("fp32", "fp16")
    assert all(isinstance(autocast_for(CPU, p), contextlib.nullcontext) for p in PRECISIONS)
    with pytest.raises(EmbeddingError, match="unknown precision 'fp64'; use fp32, bf16, fp16"):
        precision_on(CPU, "fp64")


def test_fp32_is_the_default_and_says_nothing(fp32):
    assert IndexRequest().precision == "fp32" and IndexSettings().precision == "fp32"
    assert fp32.precision == "fp32" and fp32.notes == ()
    assert fp32.to_dict()["precision"] == "fp32" and fp32.to_dict()["notes"] == []


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_on_the_cpu_reduced_precision_runs_in_fp32_and_the_report_says_so(precision, fp32):
    report = compute_index(IndexRequest(**REQUEST, precision=precision))
    assert report.value == fp32.value and report.per_class == fp32.per_class  # the same fp32 pass, bit for bit
    assert report.precision == "fp32"
    assert report.notes == (f"precision {precision} applies on CUDA only: the embedding ran in fp32 on cpu",)


def test_the_cli_prints_the_precision_and_the_note(capsys, fp32):
    assert main(["index", "--shift", "gaussian_noise:3", "--device", "cpu", "--precision", "bf16", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["resque"] == pytest.approx(fp32.value, abs=1e-12) and data["precision"] == "fp32"
    assert data["notes"] == ["precision bf16 applies on CUDA only: the embedding ran in fp32 on cpu"]
    assert main(["index", "--shift", "gaussian_noise:3", "--device", "cpu", "--precision", "fp16"]) == 0
    text = capsys.readouterr().out
    assert "device cpu (fp32)" in text and "note: precision fp16 applies on CUDA only" in text


def test_a_bad_precision_is_refused_before_anything_loads(capsys):
    with pytest.raises(ResqueError, match="unknown precision 'int8'; use one of fp32, bf16, fp16"):
        compute_index(IndexRequest(model=ModelSource("/nonexistent/model.pt"), precision="int8"))
    with pytest.raises(SystemExit) as exited:
        main(["index", "--precision", "fp64"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--precision" in err and len(err.strip().splitlines()) == 1


def test_the_page_s_choice_reaches_the_request_and_its_cache_key():
    settings = IndexSettings(precision="bf16")
    assert settings.inputs()["precision"] == "bf16" != IndexSettings().inputs()["precision"]
    assert IndexRequest(**settings.inputs()).precision == "bf16"


def test_emulated_bf16_moves_the_index_a_little(fp32, monkeypatch):
    """The forward autocast to bf16 (emulated on the CPU, at the engine's autocast point) moves the index
    by about 1e-3 relative (bench/precision.py): why fp32 is the default."""
    monkeypatch.setattr(embed, "autocast_for", lambda _device, _precision: torch.autocast("cpu", dtype=torch.bfloat16))
    bf16 = compute_index(IndexRequest(**REQUEST))
    assert 1e-5 < abs(bf16.value - fp32.value) / fp32.value < 1e-2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_on_cuda_bf16_runs_in_bf16_close_to_fp32():
    cuda = {**REQUEST, "device": "cuda"}
    reference = compute_index(IndexRequest(**cuda))
    bf16 = compute_index(IndexRequest(**cuda, precision="bf16"))
    assert (reference.precision, bf16.precision, bf16.notes) == ("fp32", "bf16", ())
    assert abs(bf16.value - reference.value) / reference.value < 0.05


def test_the_index_page_offers_the_choice_and_shows_the_note():
    at = goto(fresh_app(), "pages/index.py")
    at.button(key="index_defaults").click().run()
    choice = at.selectbox(key="index_precision")
    assert (choice.label, choice.value, choice.options) == ("Embedding precision (GPU only)", "fp32", list(PRECISIONS))
    choice.set_value("bf16").run()
    at.selectbox(key="index_device").set_value("cpu").run()
    at.button(key="compute_index").click().run()
    assert not errors(at), errors(at)
    report = at.session_state["results"]["index"]
    assert (report.precision, at.session_state["inputs"]["index"]["precision"]) == ("fp32", "bf16")
    assert "precision bf16 applies on CUDA only: the embedding ran in fp32 on cpu" in [c.value for c in at.caption]
