"""Reader for the idx format of MNIST, Fashion-MNIST, KMNIST, EMNIST (gz or uncompressed).

An idx file is a big-endian header followed by the raw array:

    bytes 0-1   zero
    byte  2     element type (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64)
    byte  3     number of dimensions d
    then        d big-endian uint32 sizes, then prod(sizes) elements, row-major.

So images are magic 0x00000803 with sizes (N, rows, cols) and labels are magic
0x00000801 with size (N,). The format holds any number of dimensions, so colour images
are magic 0x00000804 with sizes (N, rows, cols, channels) in files named
`...-images-idx4-ubyte` (an otzoo extension of the MNIST naming; readers that expect
idx3 reject them). The file length must be exactly
`4 + 4 d + prod(sizes) * itemsize`: the reader checks it, so a truncated download or a
file with trailing garbage is an error naming the file, never a silently shorter dataset.

A split of an MNIST-format folder is a pair of files, found by name:

    {prefix}{stem}-images-idx3-ubyte[.gz]   and   {prefix}{stem}-labels-idx1-ubyte[.gz]
    (or -images-idx4-ubyte[.gz] for images with channels)

with stem `train` for split "train" and `t10k` or `test` for split "test"; `.` is accepted
in place of the last `-` (`train-images.idx3-ubyte`, as some archives unpack). `prefix` is
empty for MNIST, Fashion-MNIST and KMNIST, `emnist-letters-` etc. for EMNIST.

References:
  LeCun, Bottou, Bengio, Haffner (1998), http://yann.lecun.com/exdb/mnist/ (format).
  Xiao, Rasul, Vollgraf (2017), Fashion-MNIST, https://arxiv.org/abs/1708.07747.
"""

import gzip
import os
import re
import zlib

import numpy as np

from otzoo.data.errors import DatasetError, DatasetNotFoundError

_DTYPES = {
        0x08: np.dtype(">u1"),
        0x09: np.dtype(">i1"),
        0x0B: np.dtype(">i2"),
        0x0C: np.dtype(">i4"),
        0x0D: np.dtype(">f4"),
        0x0E: np.dtype(">f8"),
}

SPLIT_STEMS = {"train": ("train",), "test": ("t10k", "test")}


def _read_bytes(path):
    """File contents, gunzipped when the name ends in .gz (errors name the file)."""
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise DatasetNotFoundError(f"idx file {path} does not exist") from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as e:
        # A truncated .gz raises EOFError; a corrupt one BadGzipFile or zlib.error.
        raise DatasetError(
                f"cannot read idx file {path}: {e} (truncated or corrupt gzip file?)") from e


def parse_idx(data, path="<bytes>", expected_ndim=None, expected_dtype=None):
    """Parses the bytes of an idx file into a NumPy array, checking the length exactly.

    Args:
      data: bytes of the (decompressed) file.
      path: name used in error messages.
      expected_ndim: if given, the number of dimensions the header must declare (3 for
        images, 1 for labels), or a tuple of allowed numbers ((3, 4): images with or
        without channels).
      expected_dtype: if given, the NumPy dtype the header must declare (uint8 for the
        MNIST family).

    Returns:
      A read-only array of shape `sizes` in native byte order (a view of `data` for uint8).

    Raises:
      DatasetError: bad magic number, unexpected type or rank, or a byte length that
        differs from what the header declares.
    """
    allowed = (expected_ndim,) if isinstance(expected_ndim, int) else expected_ndim
    expected_ndim = allowed[0] if allowed else None
    what = f"{expected_ndim}-D" if expected_ndim else "an"
    if len(data) < 4:
        raise DatasetError(f"idx file {path} is {len(data)} bytes long; expected at least a "
                           f"4-byte magic number (file truncated?)")
    zero, type_code, ndim = int.from_bytes(data[:2], "big"), data[2], data[3]
    if zero != 0 or type_code not in _DTYPES:
        raise DatasetError(
                f"idx file {path} has magic number 0x{data[:4].hex()}; expected 0x000008"
                f"{expected_ndim or 0:02x} for {what} idx array (is this an idx file?)")
    dtype = _DTYPES[type_code]
    if allowed and ndim not in allowed:
        expected = " or ".join(f"0x{type_code:06x}{d:02x} ({d}-D)" for d in allowed)
        raise DatasetError(
                f"idx file {path} has magic number 0x{data[:4].hex()} ({ndim}-D); expected "
                f"{expected} — images are idx3 (N, rows, cols) or idx4 (N, rows, cols, "
                f"channels), labels idx1 (N,); were the files swapped?")
    if expected_dtype is not None and dtype.newbyteorder("=") != np.dtype(expected_dtype):
        raise DatasetError(f"idx file {path} holds {dtype.newbyteorder('=')} elements; "
                           f"expected {np.dtype(expected_dtype)}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"idx file {path} is {len(data)} bytes long; its header alone "
                           f"needs {header} bytes (file truncated?)")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "trailing bytes after the array"
        raise DatasetError(
                f"idx file {path} declares shape {shape} of {dtype.newbyteorder('=')}, which "
                f"needs {expected} bytes, but it has {len(data)} bytes ({problem}); the file "
                f"is corrupt: re-download or reinstall it")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path, expected_ndim=None, expected_dtype=None):
    """Reads one idx file (gz when its name ends in .gz); see `parse_idx`."""
    return parse_idx(_read_bytes(path), path, expected_ndim, expected_dtype)


def read_shape(path):
    """The array shape an idx file declares, from its header only (cheap for big files).

    Raises:
      DatasetNotFoundError, DatasetError: a missing, unreadable or non-idx file.
    """
    try:
        with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
            head = f.read(4)
            if len(head) == 4 and int.from_bytes(head[:2], "big") == 0 \
                    and head[2] in _DTYPES:
                head += f.read(4 * head[3])
    except FileNotFoundError:
        raise DatasetNotFoundError(f"idx file {path} does not exist") from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as e:
        raise DatasetError(
                f"cannot read idx file {path}: {e} (truncated or corrupt gzip file?)") from e
    if len(head) < 4 or int.from_bytes(head[:2], "big") != 0 or head[2] not in _DTYPES \
            or len(head) < 4 + 4 * head[3]:
        raise DatasetError(f"idx file {path} has no valid idx header (magic number "
                           f"0x{head[:4].hex()}); is this an idx file?")
    return tuple(int.from_bytes(head[4 + 4 * i:8 + 4 * i], "big") for i in range(head[3]))


def _idx_pattern(stem, kind, ndim):
    # {prefix}{stem}-{kind}-idx{ndim}-ubyte[.gz], with '.' allowed before 'idx'; ndim is a
    # regex character class ("3", "[34]").
    return re.compile(rf"^(?P<prefix>.*?){stem}-{kind}[-.]idx{ndim}-ubyte(?P<gz>\.gz)?$")


def find_idx_files(data_dir, split, prefix=None, dataset="MNIST-format", hint=""):
    """Finds the (images, labels) idx files of `split` in `data_dir`.

    Args:
      data_dir: directory holding the idx files.
      split: "train" or "test".
      prefix: file-name prefix (e.g. "emnist-letters-"); None finds it when exactly one
        prefix is present.
      dataset: dataset name for error messages.
      hint: sentence appended to not-found errors (how to get the files).

    Returns:
      (images_path, labels_path).

    Raises:
      DatasetNotFoundError: the directory or a file is missing (names what is needed).
      DatasetError: unknown split, or several prefixes and `prefix` not given.
    """
    if split not in SPLIT_STEMS:
        raise DatasetError(f"{dataset} has splits {sorted(SPLIT_STEMS)}; got split={split!r}")
    stems = SPLIT_STEMS[split]
    needed = (f"{prefix or ''}{stems[0]}-images-idx3-ubyte[.gz] and "
              f"{prefix or ''}{stems[0]}-labels-idx1-ubyte[.gz]")
    if not os.path.isdir(data_dir):
        raise DatasetNotFoundError(
                f"{dataset} directory {data_dir} does not exist; it must hold {needed} "
                f"(split {split!r}).{hint}")
    names = sorted(os.listdir(data_dir))
    found = {}  # prefix -> {"images": path, "labels": path}
    for stem in stems:
        for kind, ndim in (("images", "[34]"), ("labels", "1")):
            pattern = _idx_pattern(re.escape(stem), kind, ndim)
            for name in names:
                m = pattern.match(name)
                if not m or (prefix is not None and m.group("prefix") != prefix):
                    continue
                slot = found.setdefault((m.group("prefix"), stem), {})
                # Prefer the uncompressed file when both exist: it reads faster.
                if kind not in slot or (slot[kind].endswith(".gz") and not m.group("gz")):
                    slot[kind] = os.path.join(data_dir, name)
    complete = {key: v for key, v in found.items() if len(v) == 2}
    prefixes = sorted({p for p, _ in complete})
    if len(prefixes) > 1:
        raise DatasetError(
                f"{dataset} directory {data_dir} holds several idx datasets for split "
                f"{split!r} (prefixes {prefixes}); choose one with prefix=...")
    if not complete:
        partial = [p for v in found.values() for p in v.values()]
        have = f" (found only {', '.join(os.path.basename(p) for p in partial)})" if partial \
            else ""
        alt = f" (or {stems[1]}-... for this split)" if len(stems) > 1 else ""
        raise DatasetNotFoundError(
                f"{dataset} split {split!r}: no {needed}{alt} in {data_dir}{have}.{hint}")
    # Both stems present for one prefix ("t10k" and "test"): take the first listed.
    key = next(k for stem in stems for k in complete if k[1] == stem)
    return complete[key]["images"], complete[key]["labels"]


def load_idx_split(data_dir, split, prefix=None, transpose=False, dataset="MNIST-format",
                   hint=""):
    """Reads one split of an MNIST-format folder into NumPy arrays.

    Args:
      data_dir: directory holding the idx files (see the module docstring for names).
      split: "train" or "test".
      prefix: file-name prefix, see `find_idx_files`.
      transpose: swap rows and columns (EMNIST stores images transposed).
      dataset, hint: used in error messages.

    Returns:
      (images, labels): uint8 array [N, rows, cols, channels] (channels = 1 for idx3
      images) and int64 array [N].

    Raises:
      DatasetNotFoundError, DatasetError: see `find_idx_files` and `parse_idx`; also when
        the image and label files hold different numbers of examples.
    """
    images_path, labels_path = find_idx_files(data_dir, split, prefix, dataset, hint)
    images = read_idx(images_path, expected_ndim=(3, 4), expected_dtype=np.uint8)
    labels = read_idx(labels_path, expected_ndim=1, expected_dtype=np.uint8)
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(
                f"{dataset} split {split!r}: {images_path} holds {images.shape[0]} images but "
                f"{labels_path} holds {labels.shape[0]} labels; expected equal counts "
                f"(mismatched or corrupt files)")
    if images.shape[0] == 0:
        raise DatasetError(f"{dataset} split {split!r}: {images_path} holds no images")
    if images.ndim == 3:
        images = images[..., None]
    if transpose:
        images = images.transpose(0, 2, 1, 3)
    return images, labels.astype(np.int64)
