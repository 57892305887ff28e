"""Known incompatibilities, in the style of protobuf's conformance failure lists.

fixtures/known-incompatibilities.txt has one line per cell pattern:

    producer | model | variant | consumer | expected message prefix | reason

All six fields are non-empty; the reason is the rest of the line and may contain '|'. Patterns are
shell-style globs. The variant field may name one tag-set too, `variant/tag+tag` (e.g.
`seed-builder/serve`), for the cells where a variant's MetaGraphDefs fail differently. A listed cell
must fail, and its runtime message must start with the expected prefix; a listed cell that passes, or
fails differently, is a failure of the run. So the list can never go stale silently. The Java golden
tests read the same file, by the same grammar: fixtures/known-incompatibilities.cases.json holds the
cases both readers are tested on.

A message that begins with `sometimes: ` lists a cell that fails at random (a runtime that draws random numbers
where TensorFlow's never go wrong): the cell may pass, and when it fails its message must start with the rest.
The line still goes stale when no cell matches it. Its reason must say how often, and why.
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from tfinterop.core import paths
from tfinterop.core.errors import UsageError


@dataclass(frozen=True)
class KnownIncompatibility:
    producer: str
    model: str
    variant: str
    consumer: str
    message_prefix: str
    reason: str
    line: int

    @property
    def sometimes(self) -> bool:
        """The cell may pass: it fails at random (see the module's doc)."""
        return self.message_prefix.startswith(SOMETIMES)

    @property
    def expected_message(self) -> str:
        return self.message_prefix[len(SOMETIMES):] if self.sometimes else self.message_prefix

    def holds_for(self, passed: bool, message: str) -> bool:
        """Whether a cell's outcome is what the line says: failed with its message, or (sometimes) passed."""
        return (passed and self.sometimes) or (not passed and message.startswith(self.expected_message))

    def concerns(self, consumers) -> bool:
        """Whether a run over these consumers can use the line: a line for a consumer outside it (a TF Java release
        that is a slice of its own) is neither used nor stale there."""
        return any(fnmatchcase(c, self.consumer) for c in consumers)

    def matches(self, producer, model, variant, consumer, tags=None) -> bool:
        if "/" in self.variant:
            if tags is None:
                return False
            variant = variant + "/" + "+".join(tags)
        return all(fnmatchcase(value, pattern) for value, pattern in
                   ((producer, self.producer), (model, self.model), (variant, self.variant), (consumer, self.consumer)))


FIELDS = "producer | model | variant | consumer | expected message prefix | reason"
SOMETIMES = "sometimes: "


def load(path: Path = paths.KNOWN_INCOMPATIBILITIES) -> list[KnownIncompatibility]:
    return parse(Path(path).read_text(), str(path))


def parse(text: str, source: str) -> list[KnownIncompatibility]:
    """The grammar of the list's header; the Java tests' reader follows the same cases
    (fixtures/known-incompatibilities.cases.json)."""
    entries = []
    for number, raw in enumerate(text.split("\n"), start=1):     # as Java reads it: "\r?\n"
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|", 5)]   # the reason, last, may itself contain '|'
        if len(fields) != 6 or not all(fields):
            raise UsageError(f"{source}:{number}: expected 6 non-empty '|'-separated fields ({FIELDS}), got: {line}")
        entries.append(KnownIncompatibility(*fields, line=number))
    return entries


def lookup(entries, producer, model, variant, consumer, tags=None) -> KnownIncompatibility | None:
    """The first matching line wins, as in a conformance failure list."""
    for entry in entries:
        if entry.matches(producer, model, variant, consumer, tags):
            return entry
    return None
