"""What a versions screen shows as changed: one line per changed value by its dotted path, and a list row that
changed in many values (a stage moved into another's place) as one line with the whole row."""

from __future__ import annotations

from gongdan.core.snapshot_diff import snapshot_diff

FLOW = {"name": "装修审批", "stages": [
    {"name": "物业经理", "mode": "any", "people": ["a"], "hours": 8},
    {"name": "工程部", "mode": "all", "people": ["b", "c"], "hours": 16},
]}  # fmt: skip


def test_one_changed_value_is_one_line_by_its_path():
    after = {**FLOW, "stages": [FLOW["stages"][0], {**FLOW["stages"][1], "people": ["b"]}]}
    assert snapshot_diff(FLOW, after) == {"stages.2.people": [["b", "c"], ["b"]]}


def test_a_row_that_changed_in_many_values_is_one_line_with_the_whole_row():
    swapped = {**FLOW, "name": "新", "stages": list(reversed(FLOW["stages"]))}
    assert snapshot_diff(FLOW, swapped) == {
        "name": ["装修审批", "新"],
        "stages.1": [FLOW["stages"][0], FLOW["stages"][1]],
        "stages.2": [FLOW["stages"][1], FLOW["stages"][0]],
    }


def test_an_added_row_and_unchanged_snapshots():
    longer = {
        **FLOW,
        "stages": [*FLOW["stages"], {"name": "财务", "mode": "all", "people": ["d"], "hours": 4}],
    }
    assert snapshot_diff(FLOW, longer) == {"stages.3": [None, longer["stages"][2]]}
    assert snapshot_diff(FLOW, FLOW) == {}
