"""Old import path, kept for the lessons learners already have: ``fit`` is a thin call into the one loop
(``catdog_lib.train.compat``, ``catdog_lib.train.loop``)."""
from .train.amp import amp_dtype, grad_scaler
from .train.checkpoint import HISTORY_KEYS, resume
from .train.compat import fit
from .train.fingerprint import fingerprint_samples
from .train.loop import ProgressLoader, seed_everything
from .train.recipe import default_workers

__all__ = ["fit", "seed_everything", "ProgressLoader", "HISTORY_KEYS", "resume", "amp_dtype", "grad_scaler",
           "fingerprint_samples", "default_workers"]
