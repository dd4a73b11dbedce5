"""One training step's FLOPs, counted by PyTorch on small real models whose counts are known by hand."""

from __future__ import annotations

import pytest
import torch

from resque_core.energy.flops import BACKWARD_PER_FORWARD, training_step_flops
from resque_core.errors import EnergyError


class Scale(torch.nn.Module):
    """Trainable, but element-wise only: nothing the counter counts."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x.flatten(1) * self.w


def mlp() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))


def test_an_mlp_step_is_its_matrix_products_forward_and_twice_that_backward():
    flops = training_step_flops(mlp(), (1, 8, 8))
    forward = 2 * (64 * 128 + 128 * 10)  # a multiply and an add per weight, per image
    assert flops.forward_per_image == forward == 18_944
    assert flops.per_image == forward * (1 + BACKWARD_PER_FORWARD) == 56_832
    assert flops.counted_step_per_image == pytest.approx(flops.per_image, rel=0.35)  # the counter agrees for dense ops
    assert flops.to_dict()["input_shape"] == [1, 8, 8]


def test_a_convolution_counts_every_output_pixel_and_channel():
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.Flatten(), torch.nn.Linear(4 * 8 * 8, 10))
    flops = training_step_flops(net, (1, 8, 8), batch_size=3)
    assert flops.forward_per_image == 2 * (8 * 8 * 4 * 9) + 2 * (256 * 10)  # per image, whatever the batch


def test_a_grouped_convolution_backward_is_overcounted_by_torch_so_the_step_is_three_forwards():
    """Why ``per_image`` is three forwards: torch's counter ignores groups in a convolution's backward."""
    depthwise = torch.nn.Sequential(
        torch.nn.Conv2d(32, 32, 3, padding=1, groups=32), torch.nn.Flatten(), torch.nn.Linear(32 * 8 * 8, 10)
    )
    flops = training_step_flops(depthwise, (32, 8, 8))
    assert flops.counted_step_per_image > 5 * flops.forward_per_image  # dense would be about 3x
    assert flops.per_image == pytest.approx(3 * flops.forward_per_image)


def test_the_model_is_left_as_it_was_found():
    model = mlp().eval()
    before = [p.detach().clone() for p in model.parameters()]
    training_step_flops(model, (1, 8, 8))
    assert not model.training
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


@pytest.mark.parametrize(
    ("model", "shape", "words"),
    [
        (mlp(), (8, 8), "(channels, height, width)"),
        (mlp(), (1, 0, 8), "(channels, height, width)"),
        (mlp(), (3, 8, 8), "cannot run a training step at input shape (3, 8, 8)"),
        (Scale(), (1, 8, 8), "no matrix product or convolution"),
        (torch.nn.Flatten(), (1, 8, 8), "cannot run a training step"),  # nothing to train
    ],
)
def test_what_cannot_be_counted_says_why(model, shape, words):
    with pytest.raises(EnergyError, match=words.replace("(", r"\(").replace(")", r"\)")):
        training_step_flops(model, shape)


def test_a_model_that_does_not_return_logits_is_refused():
    class Pair(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(x.flatten(1)), None

    with pytest.raises(EnergyError, match="not \\(batch, classes\\) logits"):
        training_step_flops(Pair(), (1, 2, 2))
