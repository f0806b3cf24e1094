"""The top-level ``dsr`` command: a wrong option is reported by the command it was given to."""

from __future__ import annotations

import pytest

from dsr.cli import main


@pytest.mark.parametrize("argv, usage", [
    (["check", "script.fountain", "--jsn"], "usage: dsr check "),
    (["story", "check", "story.yaml", "--jsn"], "usage: dsr story check "),
    (["eval", "format", "runs/a", "-o", "out", "--jsn"], "usage: dsr eval format "),
    (["export", "script.fountain", "-o", "x.pdf", "--papr", "a4"], "usage: dsr export "),
])
def test_a_mistyped_option_shows_the_commands_own_usage(argv, usage, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage)
    assert f"error: unrecognized arguments: {argv[-1] if argv[-1] != 'a4' else '--papr a4'}" in err


def test_a_mistyped_top_level_option_shows_the_top_level_usage(capsys):
    with pytest.raises(SystemExit):
        main(["--jsn"])
    assert capsys.readouterr().err.startswith("usage: dsr [-h]")
