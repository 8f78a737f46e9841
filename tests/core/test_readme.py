"""README.md opens with the two commands, and CI runs the second one."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("# "), "README.md should start with its title"
    assert lines[1] == "```bash", "the commands should come right after the title"
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert "genesis demo" in commands[0]
    assert "genesis-core" in commands[0]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci.splitlines()
