"""Profile errors name the file and the field, so an administrator can fix them in one read."""

from __future__ import annotations


class ProfileError(Exception):
    """A profile file is broken, unknown, or its `extends` chain is wrong (exit code 2)."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source
        self.field = field
        self.message = message
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")


class UnknownProfileError(ProfileError):
    """A requested or configured profile name matches no profile."""
