"""The kit's sample as a data source: ``--source sample``, ``CATDOG_SOURCE``, and the fallback when no server answers.

The fallback is tested with torchvision's real download code pointed at a
closed port on 127.0.0.1 (nothing listens there: no network, as on a train).
"""
import os
import subprocess
import sys

import pytest
from torchvision.datasets import OxfordIIITPet

from catdog_lib.errors import CatdogError
from catdog_lib.prepare import choose_source, prepare
from catdog_lib.sample import sample_dir, sample_photos, sample_summary

CLOSED_PORT = 9  # "discard": nothing listens on it here, so a connection is refused at once


@pytest.fixture
def no_source_set(monkeypatch, tmp_path):
    for name in ("CATDOG_DATA", "CATDOG_SOURCE", "KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no kaggle.json, no access token
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "home" / ".kaggle"))
    monkeypatch.setenv("CATDOG_DATA_ROOT", str(tmp_path / "data"))


def test_the_sample_source_arranges_all_96_photos(no_source_set, tmp_path):
    lines = []
    prepared = prepare(source="sample", report=lines.append)
    assert prepared.data_dir == tmp_path / "data" / "sample"
    assert prepared.source == "sample" and prepared.class_names == ["cat", "dog"]
    assert prepared.counts == {"train": {"cat": 36, "dog": 36}, "val": {"cat": 12, "dog": 12}}
    assert prepared.skipped == []  # the NOTICE beside the photos is not a skipped file
    arranged = sorted(p.resolve() for p in prepared.data_dir.glob("*/*/*"))
    assert arranged == sorted(p.resolve() for p in sample_photos())
    assert lines[0] == sample_summary()
    assert "96 photos (48 cats, 48 dogs)" in lines[0] and "CATDOG_DATA" in lines[0]


def test_catdog_source_chooses_what_auto_means(no_source_set, monkeypatch):
    monkeypatch.setenv("CATDOG_SOURCE", "sample")
    assert choose_source("auto", report=lambda line: None) == "sample"
    assert choose_source("oxford-pets") == "oxford-pets"  # a source named outright wins
    monkeypatch.setenv("CATDOG_DATA", "/somewhere")  # a folder given wins, as in a lesson's settings
    assert choose_source("auto", report=lambda line: None) == "folder"
    monkeypatch.delenv("CATDOG_DATA")
    monkeypatch.setenv("CATDOG_SOURCE", "auto")
    assert choose_source("auto", report=lambda line: None) == "oxford-pets"
    monkeypatch.setenv("CATDOG_SOURCE", "kagle")
    with pytest.raises(CatdogError, match=r"CATDOG_SOURCE='kagle' is not a source: .*sample"):
        choose_source("auto")


def test_auto_falls_back_to_the_sample_in_one_line_when_no_server_answers(no_source_set, monkeypatch, tmp_path):
    monkeypatch.setattr(OxfordIIITPet, "_RESOURCES", ((f"http://127.0.0.1:{CLOSED_PORT}/images.tar.gz", "0" * 32),))
    lines = []
    prepared = prepare(source="auto", report=lines.append)
    assert prepared.source == "sample" and prepared.data_dir == tmp_path / "data" / "sample"
    assert sum(prepared.counts["train"].values()) == 72
    fallback = [line for line in lines if "Could not reach" in line]
    assert fallback == [f"Could not reach the Oxford-IIIT Pet server (no network?). {sample_summary()}"]
    assert sum(sample_summary() in line for line in lines) == 1  # said once, not again by the sample source


def test_a_source_named_outright_does_not_fall_back(no_source_set, monkeypatch, tmp_path):
    monkeypatch.setattr(OxfordIIITPet, "_RESOURCES", ((f"http://127.0.0.1:{CLOSED_PORT}/images.tar.gz", "0" * 32),))
    with pytest.raises(CatdogError, match="could not reach the Oxford-IIIT Pet server"):
        prepare(source="oxford-pets", dest=tmp_path / "pets", report=lambda line: None)


def test_catdog_prepare_source_sample(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CATDOG_", "KAGGLE_"))}
    env.update(HOME=str(tmp_path), PYTHONWARNINGS="ignore")
    result = subprocess.run([sys.executable, "-m", "catdog_lib", "prepare", "--source", "sample",
                             "--dest", str(tmp_path / "sample")], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"Indexed 96 file(s) in {sample_dir()}: 96 usable photo(s), 0 skipped." in result.stdout
    assert "train:     72 photos (36 cat, 36 dog)" in result.stdout


def test_the_demo_runs_on_the_sample_unless_told_otherwise(tmp_path):
    from catdog_lib.course.demo import demo_environment

    assert demo_environment(tmp_path, base={}, on_cpu=True)["CATDOG_SOURCE"] == "sample"
    mine = demo_environment(tmp_path, base={"CATDOG_DATA": str(tmp_path)}, on_cpu=True)
    assert "CATDOG_SOURCE" not in mine and mine["CATDOG_DATA"] == str(tmp_path)
    assert demo_environment(tmp_path, base={"CATDOG_SOURCE": "kaggle"}, on_cpu=True)["CATDOG_SOURCE"] == "kaggle"
    told = demo_environment(tmp_path, base={"CATDOG_DATA": str(tmp_path)}, on_cpu=True, source="auto")
    assert told["CATDOG_SOURCE"] == "auto" and "CATDOG_DATA" not in told  # --source beats CATDOG_DATA
