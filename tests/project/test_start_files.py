"""The list of files a start reads ahead (decision 0191): what the process loaded, in the order it loaded it,
written beside the environment only when it changed, and a start that cannot write it goes on without."""

from __future__ import annotations

import sys

import django
import pytest

import gongdan.accounts.views.auth
import gongdan.tickets.models
from gongdan.project import start_files


def test_the_list_names_what_was_loaded_in_the_order_it_was_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert start_files.record() is True
    listed = (tmp_path / start_files.LIST_NAME).read_bytes().decode().split("\0")
    assert listed[-1] == ""  # every name ends with a NUL, as `xargs -0` reads them
    names = listed[:-1]
    assert len(names) == len(set(names)) and all(name.startswith("/") for name in names)
    # compiled modules rather than their sources, in import order: Django, then the models (django.setup),
    # then a view (the URL map), though the view's path sorts before the models'
    modules = [django.__cached__, gongdan.tickets.models.__cached__, gongdan.accounts.views.auth.__cached__]
    assert [names.index(name) for name in modules] == sorted(names.index(name) for name in modules)
    assert sorted(modules) != modules
    assert not any(name.endswith(".py") for name in names)
    # the translation catalogues the pages read, and (on Linux) the interpreter's libraries from its memory map
    assert any(
        name.endswith("zh_Hans/LC_MESSAGES/django.mo") and "/gongdan/tickets/" in name for name in names
    )
    if sys.platform == "linux":
        assert any(".so" in name for name in names)

    # Unchanged: not written again
    stamp = (tmp_path / start_files.LIST_NAME).stat().st_mtime_ns
    assert start_files.record(names) is False
    assert (tmp_path / start_files.LIST_NAME).stat().st_mtime_ns == stamp


@pytest.mark.parametrize("prefix", ["a-file", "missing/folder"])
def test_a_start_that_cannot_write_the_list_goes_on_without_it(tmp_path, monkeypatch, prefix):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setattr(sys, "prefix", str(tmp_path / prefix))
    assert start_files.record(["/bin/sh"]) is False
