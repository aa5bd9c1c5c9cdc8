"""winsim.plugin: plug-ins by name or as objects, for one host or a fleet."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

import winsim_stubs
from winsim.fleet import Fleet, FleetError, HostSpec
from winsim.plugin import PluginError, import_root, load_plugin


def test_a_plugin_by_module_path_or_attribute_or_as_an_object():
    assert load_plugin("winsim_stubs") is winsim_stubs
    holder = types.SimpleNamespace(invoke=lambda script, stdin: None)
    assert load_plugin(holder) is holder
    with pytest.raises(PluginError, match="has no attribute 'nothing'"):
        load_plugin("winsim_stubs:nothing")
    with pytest.raises(PluginError, match="cannot import 'no_such_plugin_module'"):
        load_plugin("no_such_plugin_module")
    with pytest.raises(PluginError, match=r"has no invoke\(script, stdin\)"):
        load_plugin("winsim_stubs:StubStore")


def test_the_folder_a_plugin_is_imported_from():
    assert import_root("winsim_stubs") == Path(winsim_stubs.__file__).resolve().parent
    assert import_root("winsim.plugin").name == "src"


def test_a_fleet_refuses_a_plugin_it_cannot_load_before_it_starts(tmp_path):
    fleet = Fleet(tmp_path / "fleet", plugins=["no_such_plugin_module"])
    with pytest.raises(FleetError, match="cannot import 'no_such_plugin_module'"):
        fleet.start([HostSpec("alpha", "ws2022")])
    assert not (tmp_path / "fleet" / "fleet.json").exists()
    with pytest.raises(FleetError, match="by name"):
        Fleet(tmp_path / "other", plugins=[winsim_stubs]).start([HostSpec("alpha", "ws2022")])
