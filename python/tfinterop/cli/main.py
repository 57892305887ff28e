"""tfinterop's command line. Every command speaks the same way:

  exit 0  success;  1  the model or the target says no (refused, differs, does not load);  2  a usage error or
  an unusable input (not a SavedModel, a bad .npz, an unknown target, an output that exists without
  --overwrite or that tfinterop may not replace);  130  interrupted.

Every failure is one line on stderr, `error: <kind>: <message>`, its exit code the kind's (error-kinds.txt, the
list the Java command line reads too). Every output is checked before anything is loaded (commands/outputs.py): nothing
is replaced without --overwrite, and nothing tfinterop cannot prove it wrote is replaced at all. `--json FILE`
writes the results as JSON (`-`: to stdout, the text then going to stderr), and --target, --examples and --seed
default alike in every command (defaults.py)."""

import argparse
import sys

from tfinterop.cli import harness_commands, model_commands, tool_commands
from tfinterop.cli.options import log, report_error
from tfinterop.core import interrupts
from tfinterop.core.errors import INTERRUPTED, TfInteropError

GROUPS = (model_commands, harness_commands, tool_commands)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    interrupts.install()
    try:
        return args.handler(args)
    except TfInteropError as e:
        if not interrupts.happened():
            return report_error(e)
        # TensorFlow turns a KeyboardInterrupt into its own error at some points (tf.saved_model.load retries
        # and raises "MetaGraphDef ... could not be found"): once interrupted, a failure is the interrupt's.
        log("interrupted")
        return INTERRUPTED
    except KeyboardInterrupt:
        log("interrupted")
        return INTERRUPTED


def build_parser(argv=()) -> argparse.ArgumentParser:
    """Every command's parser. Only the group of the command named on the command line builds its detailed help,
    so that `tfinterop check` imports nothing of the harness to list the harness's models and variants."""
    parser = argparse.ArgumentParser(
        prog="tfinterop",
        description="Does a SavedModel exported by Python TensorFlow load in TF Java, and give the same numbers?")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    named = next((str(a) for a in argv if not str(a).startswith("-")), None)
    for group in GROUPS:
        group.add_parsers(sub, detailed=named in group.COMMANDS)
    return parser
