"""``files.upload()`` as colabtools has it (google/colab/files.py), with a test's list standing in for the person.

Colab's ``upload()`` shows a file picker, waits, then writes each chosen file
into the working folder (a name already taken becomes ``cat (1).jpg``, then
``cat (2).jpg``), prints ``Saving cat.jpg to cat (1).jpg``, and returns
``{name as chosen: bytes}``. Here the person's choice is the environment
variable ``CATDOG_FAKE_UPLOADS`` (paths separated by ``os.pathsep``; none is a
cancel); each call is logged to ``CATDOG_FAKE_UPLOADS_LOG`` when set, so a
test can tell whether the picker was opened.
"""
import os
from pathlib import Path


def upload():
    paths = [Path(p) for p in os.environ.get("CATDOG_FAKE_UPLOADS", "").split(os.pathsep) if p]
    log = os.environ.get("CATDOG_FAKE_UPLOADS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write("upload " + " ".join(p.name for p in paths) + "\n")
    uploaded = {}
    local_names = {}
    for path in paths:
        name, data = path.name, path.read_bytes()
        uploaded[name] = uploaded.get(name, b"") + data  # colabtools joins what comes under one name
        local = local_names.get(name)
        if not local:
            local = local_names[name] = _get_unique_filename(name)
            print(f"Saving {name} to {local}")
        with open(local, "ab") as f:
            f.write(data)
    return uploaded


def _get_unique_filename(filename):
    if not os.path.lexists(filename):
        return filename
    counter = 1
    while True:
        path, ext = os.path.splitext(filename)
        new_filename = f"{path} ({counter}){ext}"
        if not os.path.lexists(new_filename):
            return new_filename
        counter += 1
