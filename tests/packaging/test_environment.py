"""environment.yml: conda-forge only (the `pytorch` channel no longer receives builds).

That its packages and ranges agree with pyproject.toml is
``test_packaging.py::test_environment_yml_matches_pyproject``.
"""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_environment_yml_takes_everything_from_conda_forge():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"][0] == "conda-forge"
    assert set(env["channels"]) <= {"conda-forge", "nodefaults"}, f"other channels: {env['channels']}"
    named = [entry for entry in env["dependencies"] if isinstance(entry, str)]
    pinned_to_a_channel = [entry for entry in named if "::" in entry]
    assert not pinned_to_a_channel, f"packages from another channel: {pinned_to_a_channel}"
    assert any(entry.startswith("pytorch") for entry in named), "conda-forge's name for torch is pytorch"
