"""`dsr import FILE -o OUT`: OUT is a folder, and saying a file name there is a clear error."""

from __future__ import annotations

from pathlib import Path

from dsr.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "low_water.fountain"


def test_an_existing_file_as_output_is_refused(tmp_path, capsys):
    target = tmp_path / "low_water.fountain"
    target.write_text("mine", "utf-8")
    assert main(["import", str(SAMPLE), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"-o {target} is a file; -o names the folder" in err
    assert target.read_text("utf-8") == "mine"


def test_a_new_file_name_as_output_is_refused(tmp_path, capsys):
    target = tmp_path / "corpus" / "low_water.fountain"
    assert main(["import", str(SAMPLE), "-o", str(target)]) == 2
    assert f"-o {target} names a file; -o names the folder" in capsys.readouterr().err
    assert not (tmp_path / "corpus").exists()


def test_a_folder_gets_the_screenplay_under_its_own_name(tmp_path, capsys):
    assert main(["import", str(SAMPLE), "-o", str(tmp_path / "corpus")]) == 0
    assert (tmp_path / "corpus" / "low_water.fountain").is_file()
