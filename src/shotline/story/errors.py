"""The story's one error: a script that cannot be used, with every problem located."""

from __future__ import annotations

from collections.abc import Sequence


class ScriptError(ValueError):
    """A script (file, writer answer or edited value) that breaks a rule.

    Each problem names its place as a person editing the YAML would look for it:
    ``scene 'intro', segment 3 ('seg03'): field 'camera': ...``; the message prefixes every problem
    with the source (a file name, or ``writer``).
    """

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems) or ("invalid script",)
        super().__init__("\n".join(f"{source}: {p}" if source else p for p in self.problems))
