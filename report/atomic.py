"""Write files atomically: a temporary file in the same folder, then a rename.

A reader, or a run killed half-way, finds either the old file or the whole
new one, never a part: ``os.replace`` within one folder is atomic on POSIX
and Windows file systems.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from facts.errors import XiaoanError

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".partial"


def _umask() -> int:
    # mkstemp and mkdtemp create entries for their owner only; results are
    # shared files, so they get the mode an ordinary open() or mkdir() gives.
    umask = os.umask(0)
    os.umask(umask)
    return umask


FILE_MODE = 0o666 & ~_umask()
FOLDER_MODE = 0o777 & ~_umask()


class OutputError(XiaoanError, OSError):
    """A file or folder that cannot be written, with the system's reason."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.path = path
        self.reason = os_reason(error)
        super().__init__(f"cannot write {path}: {self.reason}")


def os_reason(error: OSError) -> str:
    """Return the system's reason for ``error`` in lower case, without paths."""
    reason = error.strerror or str(error)
    return reason[:1].lower() + reason[1:]


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place on success.

    Raises :class:`OutputError` naming ``path``, not the temporary file, when
    the folder or the file cannot be written.
    """
    if path.is_dir():
        raise OutputError(path, IsADirectoryError(21, "Is a folder"))
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, name = tempfile.mkstemp(
            dir=folder, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
        )
    except OSError as error:
        raise OutputError(path, error) from None
    os.close(handle)
    temporary = Path(name)
    try:
        # mkstemp creates the file readable by its owner only.
        os.chmod(temporary, FILE_MODE)
        yield temporary
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except OutputError:
        raise
    except OSError as error:
        raise OutputError(path, error) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def prepare_folder(folder: Path) -> None:
    """Create ``folder`` if needed and check that files can be written in it.

    Raises :class:`OutputError` at once, so that a long run does not fail only
    when it writes its results.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(
            folder, NotADirectoryError(20, "Is a file, expected a folder")
        ) from None
    except OSError as error:
        raise OutputError(folder, error) from None
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".", suffix=TEMP_SUFFIX)
    except OSError as error:
        raise OutputError(folder, error) from None
    os.close(handle)
    os.unlink(name)


@contextlib.contextmanager
def atomic_text(
    path: Path, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[IO[str]]:
    """Yield a text stream whose content replaces ``path`` when the block ends."""
    with (
        atomic_path(path) as temporary,
        open(temporary, "w", encoding=encoding, newline=newline) as stream,
    ):
        yield stream


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text`` in one step."""
    with atomic_text(path, encoding=encoding) as stream:
        stream.write(text)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporary files that a killed run left in ``folder``."""
    removed = []
    for path in sorted(folder.glob(f".*{TEMP_SUFFIX}")):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    if removed:
        logger.info("removed %d temporary files of an earlier run", len(removed))
    return removed
