"""``drive.mount()`` as Colab has it, with a folder of this machine as the learner's Google Drive.

``CATDOG_FAKE_DRIVE`` names the folder that plays "My Drive"; mounting links
``MOUNTPOINT/MyDrive`` to it, so every runtime of a test (a fresh kit, home and
working folder each) sees the same Drive, as every Colab notebook of one
learner does. Without it, mounting fails as a refusal would.
"""
import os
from pathlib import Path


def mount(mountpoint, force_remount=False, timeout_ms=120000, readonly=False):
    drive = os.environ.get("CATDOG_FAKE_DRIVE")
    if not drive:
        raise ValueError("mount failed: the learner did not allow access to Google Drive")
    link = Path(mountpoint) / "MyDrive"
    if link.exists():
        print(f"Drive already mounted at {mountpoint}; to attempt to forcibly remount, call "
              f"drive.mount(\"{mountpoint}\", force_remount=True).")
        return
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(Path(drive).resolve(), target_is_directory=True)
    print(f"Mounted at {mountpoint}")
