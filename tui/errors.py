"""The front ends' user error: lines a person can act on, printed without a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; each line is printed as it is."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)
