"""Old import path, kept for the lessons learners already have: the code lives in
``catdog_lib.train.fast`` (and its defaults in ``catdog_lib.train.recipe``)."""
from .train.amp import amp_dtype
from .train.fast import CachedImages, check_cache_memory, fit_fast, load_split, run_fast_epoch
from .train.fingerprint import split_fingerprint
from .train.recipe import default_lr
from .train.recipe import fast_batch_size as default_batch_size

__all__ = ["fit_fast", "run_fast_epoch", "load_split", "CachedImages", "check_cache_memory", "default_batch_size",
           "default_lr", "amp_dtype", "split_fingerprint"]
