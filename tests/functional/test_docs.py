"""Documentation stays current: every setting and every command is documented (as datasette's test_docs does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhiliang.kernel.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field):
    assert f"`ZHILIANG_{field.upper()}`" in (DOCS / "configuration.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    from zhiliang import cli

    cli._register()
    found = []
    for command in cli.app.registered_commands:
        found.append(command.name or command.callback.__name__)
    for group in cli.app.registered_groups:
        for command in group.typer_instance.registered_commands:
            found.append(f"{group.name} {command.name or command.callback.__name__.replace('_', '-')}")
    return found


def test_every_command_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = [c for c in _commands() if f"`zhiliang {c}" not in text]
    assert not missing, missing
