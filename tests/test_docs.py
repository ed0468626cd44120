"""The documentation covers every command, option and setting the code has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_documented(name):
    assert f"campaigns {name}" in README
    assert f"campaigns {name}" in CONFIG


@pytest.mark.parametrize(
    "name, option",
    [
        (name, opt)
        for name, cmd in sorted(cli.commands.items())
        for param in cmd.params
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    ],
)
def test_every_option_is_documented(name, option):
    lines = [ln for ln in CONFIG.splitlines() if f"`campaigns {name}" in ln]
    assert any(option in ln for ln in lines), f"{option} of `campaigns {name}` not documented"


def test_every_command_help_opens_with_a_line_and_an_example():
    for name, cmd in cli.commands.items():
        assert cmd.help and "Example: campaigns" in cmd.help, name


def test_every_setting_is_documented():
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "etl").rglob("*.py"))
    code += (ROOT / "dashboard" / "app.py").read_text(encoding="utf-8")
    settings = set(re.findall(r"CAMPAIGNS_[A-Z_]+", code))
    assert settings
    for name in sorted(settings):
        assert f"`{name}`" in CONFIG, name


def test_readme_gives_the_two_commands():
    assert "make run" in README and "make test" in README
