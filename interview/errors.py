"""Errors the core raises for bad input, carrying one line per problem."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

from interview.messages import template


def fail(key: str, **ctx: Any) -> PydanticCustomError:
    """A validation error whose type is a catalogue key, so it can be shown in either language."""
    return PydanticCustomError(key, template(key), ctx)


class ProblemsError(Exception):
    """Input that was refused as a whole; `problems` holds one clear line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class AnswerError(ValueError):
    """One answer that cannot be accepted; the message is already in the caller's language."""
