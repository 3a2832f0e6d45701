"""Errors a request can raise, shared by the recommender's modules."""

from __future__ import annotations

from collections.abc import Sequence


class UnknownItemError(KeyError):
    """A request named items the catalogue does not hold."""

    def __init__(self, ids: Sequence[str], where: str) -> None:
        self.ids = list(ids)
        self.where = where
        shown = ", ".join(repr(i) for i in self.ids[:5])
        more = f" (and {len(self.ids) - 5} more)" if len(self.ids) > 5 else ""
        super().__init__(f"unknown item id(s) in {where}: {shown}{more}")

    def __str__(self) -> str:
        return str(self.args[0])
