"""``drive.mount()``: there is no Google Drive here; a test that reaches it set CATDOG_DRIVE wrong."""


def mount(mountpoint, force_remount=False, timeout_ms=120000, readonly=False):
    raise RuntimeError(f"fake google.colab: no Google Drive to mount at {mountpoint} (set CATDOG_DRIVE=0)")
