"""Old import path, kept for the lessons learners already have: the code lives in ``catdog_lib.prepare.sources``."""
from .prepare.sources import (COMPLETE, KAGGLE_COMPETITION, download_kaggle, download_oxford_pets,
                              find_kaggle_credentials, install_kaggle_json, kaggle_config_dir, unpack_upload)

__all__ = ["find_kaggle_credentials", "install_kaggle_json", "kaggle_config_dir", "download_kaggle",
           "download_oxford_pets", "unpack_upload", "KAGGLE_COMPETITION", "COMPLETE"]
