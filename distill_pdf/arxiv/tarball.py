"""The bundle as a .tar.gz: byte-for-byte reproducible (sorted members, fixed
times and owners, 0644 files), and unpacked only through tarfile's ``data``
filter, so a member can never land outside the folder it is unpacked into."""
from __future__ import annotations

import gzip
import io
import os
import tarfile
import tempfile
from pathlib import Path

MTIME = 0  # reproducible: the same sources give the same tarball


def write_tarball(files: dict[str, bytes | Path], target: Path) -> int:
    """Write ``files`` (bundle name -> bytes or a file to copy) atomically; returns its size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".distill-pdf-", suffix=".tar.gz", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=MTIME, compresslevel=9) as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(files):
                data = files[name]
                data = data if isinstance(data, bytes) else Path(data).read_bytes()
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), MTIME, 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                tar.addfile(info, io.BytesIO(data))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def member_names(tarball: Path) -> list[str]:
    with tarfile.open(tarball, "r:gz") as tar:
        return [m.name for m in tar.getmembers()]


def extract(tarball: Path, folder: Path) -> None:
    """Unpack into ``folder`` (which must be empty)."""
    if any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty")
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(folder, filter="data")
