from __future__ import annotations

import numpy as np
import pytest

from resque_core.data import ClassSubset, Subset, check_class_alignment, paper_split, task_split
from resque_core.data.split import part_sizes
from resque_core.errors import DataError, ShiftError


def _base_indices(subset: Subset, c: int) -> set[int]:
    return set(subset.indices[subset.targets == c].tolist())


def test_part_sizes_sum_to_n_and_follow_the_fractions():
    assert part_sizes(178, (0.5, 0.3, 0.2)) == [89, 53, 36]
    assert part_sizes(183, (0.5, 0.3, 0.2)) == [91, 55, 37]
    assert part_sizes(10, (0.5, 0.3, 0.2)) == [5, 3, 2]
    assert sum(part_sizes(7, (0.5, 0.3, 0.2))) == 7


def test_paper_split_sizes_per_class_and_the_shared_part(digits):
    original, new = paper_split(digits, seed=0)
    for c, members in digits.class_indices().items():
        n = len(members)
        n1, n2, n3 = part_sizes(n, (0.5, 0.3, 0.2))
        assert abs(n1 - 0.5 * n) <= 1 and abs(n2 - 0.3 * n) <= 1 and abs(n3 - 0.2 * n) <= 1
        old_c, new_c = _base_indices(original, c), _base_indices(new, c)
        assert len(old_c) == n1 + n3 and len(new_c) == n2 + n3
        assert len(old_c & new_c) == n3  # only part 3 is shared
        assert old_c | new_c == set(members.tolist())  # nothing lost
        assert all(int(digits.targets[i]) == c for i in old_c | new_c)
    assert len(original) == 1258 and len(new) == 898  # about 70 % and 50 % of 1,797, per-class rounding
    check_class_alignment(original, new)


def test_paper_split_is_seeded(digits):
    a, _ = paper_split(digits, seed=1)
    b, _ = paper_split(digits, seed=1)
    c, _ = paper_split(digits, seed=2)
    assert np.array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)


def test_paper_split_custom_fractions_and_bad_fractions(digits):
    original, new = paper_split(digits, seed=0, fractions=(0.4, 0.4, 0.2))
    assert abs(len(original) - len(new)) <= 10
    for bad in [(0.5, 0.5), (0.5, 0.3, 0.3), (1.2, -0.4, 0.2)]:
        with pytest.raises(DataError, match="fractions"):
            paper_split(digits, seed=0, fractions=bad)


def test_paper_split_names_classes_too_small(digits):
    tiny = Subset(digits, [0, 1, 2, 3, int(np.flatnonzero(digits.targets == 5)[0])])
    with pytest.raises(DataError, match="'5' \\(1 samples\\)"):
        paper_split(ClassSubset(tiny, ["0", "5"]), seed=0)


def test_alignment_names_every_missing_or_empty_class(digits):
    without_7 = Subset(digits, np.flatnonzero(digits.targets != 7))
    with pytest.raises(DataError) as err:
        check_class_alignment(digits, without_7)
    assert "class '7' has no samples in the new dataset" in str(err.value)
    with pytest.raises(DataError) as err:
        check_class_alignment(without_7, Subset(digits, np.flatnonzero(digits.targets != 3)))
    assert "'7' has no samples in the original" in str(err.value) and "'3' has no samples in the new" in str(err.value)


def test_alignment_refuses_different_class_names(digits):
    with pytest.raises(DataError) as err:
        check_class_alignment(ClassSubset(digits, ["0", "1"]), ClassSubset(digits, ["0", "2"]))
    assert "'1' is missing from the new dataset" in str(err.value)
    assert "'2' is missing from the original dataset" in str(err.value)
    with pytest.raises(DataError, match="different order"):
        check_class_alignment(ClassSubset(digits, ["0", "1"]), ClassSubset(digits, ["1", "0"]))


def test_task_split_digits_0_4_vs_5_9(digits):
    old, new = task_split(digits, ["0", "1", "2", "3", "4"], [5, 6, 7, 8, 9])
    assert old.class_names == ["0", "1", "2", "3", "4"] and new.class_names == ["5", "6", "7", "8", "9"]
    assert len(old) + len(new) == 1797
    assert set(new.targets.tolist()) == {0, 1, 2, 3, 4}
    assert new.class_counts()["5"] == 182
    with pytest.raises(ShiftError, match="'4'.*both"):
        task_split(digits, ["0", "4"], ["4", "5"])
