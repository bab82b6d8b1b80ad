"""Training and recording (third stage of the pipeline: data -> models -> **train** -> estimators).

- :func:`train` trains a network (``TrainConfig``) and writes a run folder with ``recording.zarr``:
  the activity of every unit at every probe step after every epoch, plus losses and gradient
  statistics (format in docs/design.md).
- :func:`record` records a user's own PyTorch RNN in the same format; :func:`load_recording` reads
  any recording back; :func:`seed_everything` seeds Python, NumPy and torch.
"""

from infoflow.train._config import TrainConfig
from infoflow.train._loop import RunResult, SeedRun, train
from infoflow.train._record import record
from infoflow.train._recording import load_recording
from infoflow.train._seed import seed_everything

__all__ = ["RunResult", "SeedRun", "TrainConfig", "load_recording", "record", "seed_everything", "train"]
