"""The errors the data layer raises: one family, catchable as the built-in types.

Every error names the file or directory concerned and what was expected, so that a
training run that dies at start-up says what to fix.

- `DatasetError(ValueError)`: the data exist but are wrong (bad magic number, a header
  count that does not match the byte length, images/labels count mismatch, an image that
  cannot be decoded), or an option is invalid (unknown split, bad `value_range`, ...).
- `DatasetNotFoundError(DatasetError, FileNotFoundError)`: a directory or file is missing;
  the message lists the names looked for and where.
- `UnknownDatasetError(DatasetError, UnknownNameError)`: `load("nope")`; the message lists
  the registered dataset names. It is also a `KeyError`, like every otzoo registry miss.
"""

from otzoo.registry import UnknownNameError


class DatasetError(ValueError):
    """Data or options that cannot give a correct dataset; the message says why."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """A directory or file the dataset needs is missing; the message says which and where."""

    def __str__(self):  # OSError would print "(errno, strerror)"; keep the plain message.
        return str(self.args[0]) if self.args else ""


class UnknownDatasetError(DatasetError, UnknownNameError):
    """A dataset name that is not registered; the message lists the known names."""

    def __str__(self):  # KeyError quotes its message; show it plainly.
        return str(self.args[0]) if self.args else ""
