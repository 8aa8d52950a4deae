"""Old import path, kept for the lessons learners already have: the code lives in
``catdog_lib.train.fit`` (and the parts both loops share in ``train.amp``, ``train.checkpoint``,
``train.fingerprint`` and ``train.recipe``)."""
from .train.amp import amp_dtype, amp_step, grad_scaler
from .train.checkpoint import HISTORY_KEYS, resume
from .train.fingerprint import fingerprint_samples
from .train.fit import ProgressLoader, fit, run_epoch_amp, seed_everything
from .train.recipe import default_workers

__all__ = ["fit", "seed_everything", "run_epoch_amp", "ProgressLoader", "HISTORY_KEYS", "resume", "amp_dtype",
           "amp_step", "grad_scaler", "fingerprint_samples", "default_workers"]
