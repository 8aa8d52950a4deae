"""Old import path, kept for the lessons learners already have: the code lives in ``catdog_lib.notebook.widgets``."""
from .notebook.widgets import (MAX_PIXELS, MAX_UPLOAD_BYTES, Upload, UploadError, Uploads, classify_uploads, in_colab,
                               open_upload, read_uploads, safe_name, save_upload, show_uploads, upload_box,
                               upload_folder, uploads_html)

__all__ = ["upload_box", "classify_uploads", "show_uploads", "uploads_html", "Upload", "Uploads", "UploadError",
           "read_uploads", "open_upload", "save_upload", "safe_name", "upload_folder", "in_colab",
           "MAX_UPLOAD_BYTES", "MAX_PIXELS"]
