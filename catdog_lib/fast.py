"""Old import path, kept for the lessons learners already have: ``fit_fast`` is a thin call into the one loop
(``catdog_lib.train.compat``) over the fast loaders (``catdog_lib.train.fast``)."""
from .train.amp import amp_dtype
from .train.compat import fit_fast
from .train.fast import CachedImages, check_cache_memory, load_split
from .train.fingerprint import split_fingerprint
from .train.recipe import default_lr
from .train.recipe import fast_batch_size as default_batch_size

__all__ = ["fit_fast", "load_split", "CachedImages", "check_cache_memory", "default_batch_size", "default_lr",
           "amp_dtype", "split_fingerprint"]
