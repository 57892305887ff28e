"""What every command of the command line shares: how it logs and reports an error (its kind's exit code), and
the options that mean the same in every command (--json FILE|-, --target, --inputs/--examples/--seed)."""

import json
import sys
from pathlib import Path

from tfinterop.commands import outputs
from tfinterop.core import defaults
from tfinterop.core.errors import TfInteropError


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def report_error(e: TfInteropError) -> int:
    """The one line every command prints for an error, and its exit code."""
    log(f"error: {e.kind}: {e}")
    return e.exit_code


def add_json_option(parser, what="the results") -> None:
    parser.add_argument("--json", metavar="FILE", type=Path,
                        help=f"also write {what} as JSON to FILE (-: to stdout, the text then to stderr)")


def add_target_option(parser, names) -> None:
    parser.add_argument("--target", metavar="NAME", default=defaults.TARGET,
                        help=f"the target runtime (default: {defaults.TARGET}): {names}")


def add_inputs_options(parser, purpose: str) -> None:
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--inputs", action="append", metavar="[KEY=]X.npz",
                       help=f"every input of the signature, by its input key, to {purpose} (default: synthesized "
                            f"from the signature); KEY=X.npz gives signature KEY its own (repeatable; the others "
                            f"then take a plain X.npz, or are synthesized)")
    given.add_argument("--examples", type=int, default=defaults.EXAMPLES, metavar="N",
                       help=f"synthesize inputs with N examples for unknown dimensions (default: {defaults.EXAMPLES})")
    parser.add_argument("--seed", type=int, default=defaults.SEED,
                        help=f"seed for synthesized inputs (default: {defaults.SEED})")


def text_stream(args):
    """Where a command's human-readable text goes: stdout, unless --json - puts the JSON there."""
    return sys.stderr if str(getattr(args, "json", None) or "") == outputs.STDOUT else sys.stdout


def write_json(path, doc) -> None:
    outputs.write_text(path, json.dumps(doc, indent=2) + "\n", "--json")
    if str(path) != outputs.STDOUT:
        log(f"wrote {path}")


def target_names() -> str:
    from tfinterop.compat import targets
    from tfinterop.runtimes.registry import CONSUMERS
    return (", ".join(CONSUMERS) + "; check and fix know those whose op registry is dumped: "
            + ", ".join(targets.available()))
