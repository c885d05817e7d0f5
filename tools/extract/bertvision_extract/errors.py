"""Typed errors of the extraction tool; each message names the file it concerns."""

from __future__ import annotations


class ExtractError(Exception):
    """Base class of every error the tool raises on purpose (the CLI prints it and exits with status 1)."""

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(f"{file}: {message}" if file else message)
        self.file = file


class StoreFormatError(ExtractError):
    """An existing store is unreadable or does not follow docs/store-format.md."""


class IncompatibleStoreError(ExtractError):
    """Appending to a store made with another model, tokenizer or window settings."""


class SquadFormatError(ExtractError):
    """The SQuAD JSON (or the split file) is not what the format promises."""
