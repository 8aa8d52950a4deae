"""Judging leaves nothing behind in the temporary folder: a learner checks hundreds of times."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["cold", "warm"])
def test_judging_leaves_no_temporary_folders(tmp_path, path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    runs = tmp_path / "runs.json"
    runs.write_text(json.dumps([["-q", "-p", "no:cacheprovider", "checks", "--reference", "-k", "pick_device"]] * 2))
    env = {**os.environ, "TMPDIR": str(tmp)}
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "checks" / "judge_many.py"), "--path", path, str(runs)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert json.loads(Path(str(runs) + ".codes").read_text()) == [0, 0], done.stdout[-2000:] + done.stderr[-2000:]
    # (torch's own compile cache, torchinductor_<user>, is kept on purpose: torch reuses it)
    assert sorted(p.name for p in tmp.iterdir() if not p.name.startswith("torchinductor_")) == []
