"""``files.upload()`` as Colab has it: returns ``{file name: bytes}`` of the files the user chose.

Here the "user" is the environment variable ``CATDOG_FAKE_UPLOADS``: paths
separated by ``os.pathsep``. Each call is logged to ``CATDOG_FAKE_UPLOADS_LOG``
when set, so a test can see the picker was opened.
"""
import os
from pathlib import Path


def upload():
    paths = [Path(p) for p in os.environ.get("CATDOG_FAKE_UPLOADS", "").split(os.pathsep) if p]
    log = os.environ.get("CATDOG_FAKE_UPLOADS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write("upload " + " ".join(p.name for p in paths) + "\n")
    uploaded = {p.name: p.read_bytes() for p in paths}
    for name, data in uploaded.items():  # Colab prints a line per file
        print(f"Saving {name} to {name}")
    return uploaded
