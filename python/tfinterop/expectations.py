"""Known incompatibilities, in the style of protobuf's conformance failure lists.

fixtures/known-incompatibilities.txt has one line per cell pattern:

    producer | model | variant | consumer | expected message prefix | reason

Patterns are shell-style globs. The variant field may name one tag-set too, `variant/tag+tag`
(e.g. `seed-builder/serve`), for the cells where a variant's MetaGraphDefs fail differently. A listed cell must fail, and its runtime message must start with the
expected prefix; a listed cell that passes, or fails differently, is a failure of the run. So the list
can never go stale silently. The Java golden tests read the same file.
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from tfinterop import paths
from tfinterop.errors import UsageError


@dataclass(frozen=True)
class KnownIncompatibility:
    producer: str
    model: str
    variant: str
    consumer: str
    message_prefix: str
    reason: str
    line: int

    def matches(self, producer, model, variant, consumer, tags=None) -> bool:
        if "/" in self.variant:
            if tags is None:
                return False
            variant = variant + "/" + "+".join(tags)
        return all(fnmatchcase(value, pattern) for value, pattern in
                   ((producer, self.producer), (model, self.model), (variant, self.variant), (consumer, self.consumer)))


def load(path: Path = paths.KNOWN_INCOMPATIBILITIES) -> list[KnownIncompatibility]:
    entries = []
    for number, raw in enumerate(Path(path).read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|")]
        if len(fields) != 6 or not all(fields):
            raise UsageError(f"{path}:{number}: expected 6 non-empty '|'-separated fields "
                             f"(producer | model | variant | consumer | expected message prefix | reason), got {len(fields)}")
        entries.append(KnownIncompatibility(*fields, line=number))
    return entries


def lookup(entries, producer, model, variant, consumer, tags=None) -> KnownIncompatibility | None:
    """The first matching line wins, as in a conformance failure list."""
    for entry in entries:
        if entry.matches(producer, model, variant, consumer, tags):
            return entry
    return None
