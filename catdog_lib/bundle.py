"""Old import path, kept for the lessons learners already have: the code lives in ``catdog_lib.train.bundle``."""
from .train.bundle import BUNDLE_FORMAT, BUNDLE_VERSION, load_bundle, read_bundle, save_bundle

__all__ = ["save_bundle", "load_bundle", "read_bundle", "BUNDLE_FORMAT", "BUNDLE_VERSION"]
