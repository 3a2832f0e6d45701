"""Input errors that say what is wrong and where."""

from __future__ import annotations

import os
from pathlib import Path


class DataError(ValueError):
    """Bad input: names the file, the row (1-based, header excluded) and the field when known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.reason = message
        where = []
        if file is not None:
            where.append(f"file {file}")
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)


def check_writable_under(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work, an output path whose nearest existing folder is a file or
    cannot be written: said at the start, not after minutes of fitting or encoding."""
    target = Path(path)
    above = target.parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise DataError(f"cannot write under {above}: it is a file, not a folder", file=str(target))
    if not os.access(above, os.W_OK):
        raise DataError(f"cannot write under {above}: permission denied", file=str(target))
