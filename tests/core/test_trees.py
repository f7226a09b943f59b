"""Reading a materialised path (categories, places, assets): the ids from the root down to the node."""

from __future__ import annotations

import pytest

from gongdan.core.trees import path_ids


@pytest.mark.parametrize(
    ("path", "ids"),
    [
        ("/1/4/9/", [1, 4, 9]),  # root first, the node itself last
        ("/12/", [12]),
        ("/", []),
        ("", []),
        ("1/4", [1, 4]),  # without the outer slashes
        ("/3//7/", [3, 7]),  # an empty step is no id
        ("/3/x/²/7/", [3, 7]),  # nor is text, or a digit that is not ASCII
    ],
)
def test_the_ids_on_a_path_read_from_the_root_down(path, ids):
    assert path_ids(path) == ids
