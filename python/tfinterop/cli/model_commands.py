"""The tool's commands, for any team's own SavedModel: predict, inspect, verify, fix, check, targets and java. None of
them imports the harness (tests/unit/test_layout.py holds them to it)."""

import sys
from pathlib import Path

from tfinterop.cli.options import (add_inputs_options, add_json_option, add_target_option, log, report_error,
                                   target_names, text_stream, write_json)
from tfinterop.commands import outputs
from tfinterop.core import defaults
from tfinterop.core.errors import TfInteropError, UsageError
from tfinterop.runtimes import RUNTIMES

COMMANDS = ("predict", "inspect", "verify", "fix", "check", "targets", "java")


def add_parsers(sub, detailed: bool) -> None:
    """This group's subcommands. `detailed`: the command line names one of them, so help texts that list
    what only its modules know (models, variants) may import them."""
    predict = sub.add_parser(
        "predict", help="run one SavedModel by its signature in one runtime: inputs from an .npz, outputs to one",
        description="Loads DIR in one runtime and calls a signature: --inputs X.npz holds every input by its input "
                    "key (any dtype the signature declares; strings as numpy bytes), and every output goes to "
                    "--outputs Y.npz by its output key. For a signature of one input and one output, --input X.npy "
                    "and --output Y.npy take and give that one array. The inputs are checked against the "
                    "signature before the runtime starts.")
    predict.add_argument("dir", metavar="DIR", type=Path, help="the SavedModel directory")
    predict.add_argument("--runtime", choices=RUNTIMES, required=True,
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
    inspect.add_argument("--runtime", choices=RUNTIMES, default="python",
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
    add_target_option(verify, target_names())
    add_inputs_options(verify, "run both runtimes on")
    verify.add_argument("--allow-untrusted", action="store_true",
                        help="load models whose graphs read or write files or call out (untrusted-ops.txt) in both "
                             "runtimes; refused by default, since loading runs the graph's init ops")
    verify.add_argument("--verbose", action="store_true", help="every finding of `check`, not one of each kind")
    add_json_option(verify)
    verify.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    verify.set_defaults(handler=cmd_verify)
    fix = sub.add_parser(
        "fix", help="rewrite a SavedModel into one a target runtime loads; keep it only if its outputs agree",
        description="A model `check` finds nothing wrong with is first verified as it is: if the target runs it "
                    "and agrees, OUT is a copy of DIR (LOADS AS IT IS). Otherwise fix "
                    "loads DIR in the reference (the Python TensorFlow tfinterop runs on: TF1 graph exports, "
                    "tf.saved_model.save and Keras exports), freezes each signature's function (calls inlined, "
                    "control flow v2 lowered), and writes a TF1 SavedModel with the same tag-sets, signature keys, "
                    "input and output keys, dtypes, shapes and assets: the variables as ref variables behind a "
                    "non-sharded saver (or, with --freeze, as constants), attrs the target lacks dropped where "
                    "they hold their default, ops it lacks (or cannot run as used) replaced by exact legacy forms. Before OUT is moved "
                    "into place, every signature written is run in the target and held to DIR in the reference "
                    "under the tolerance contract (as `tfinterop verify` does). Exit 0: OUT written and verified; "
                    "1: refused (the message names signature, node, op and why), or the reference does not "
                    "load DIR; nothing written; 2: a usage error (OUT exists without --overwrite, say), or DIR is not "
                    "a SavedModel; 130: interrupted, nothing written.")
    fix.add_argument("dir", metavar="DIR", type=Path, help="the SavedModel directory to fix")
    add_target_option(fix, target_names())
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
    add_target_option(check, target_names())
    check.add_argument("--all-targets", action="store_true",
                       help="instead of --target: one line per TF Java release, which can serve DIR: loads as it is, "
                            "loads after fix, or refused and why (check's prediction from each release's dumped "
                            "registry, not a run; exit 0 when some release loads it, as it is or after fix)")
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
                             description="Lists every target: each TF Java release on Maven Central (its TensorFlow "
                                         "version, its artifact, whether its jars are here or fetched on first use) "
                                         "and the Python loaders, with what its dumped registry holds. Targets are "
                                         "the op registries, GraphDef versions and data types of real runtimes, "
                                         "dumped by the runtimes themselves into the package's compat/op_registries/ "
                                         "folder.")
    targets.add_argument("--regenerate", action="store_true",
                         help="dump every TF Java release (tfinterop's module on each release's jars, fetched "
                              "from Maven Central on first use) and this Python TensorFlow again")
    targets.add_argument("--out", metavar="DIR", type=Path, help="where --regenerate writes (default: the package's own compat/op_registries/)")
    targets.set_defaults(handler=cmd_targets)
    java = sub.add_parser("java", help="where the Java library is: its Maven repository and its classpath",
                          description="The Java library (SavedModelAssert, the JUnit 5 extension and JUnit 4 rule) "
                                      "as Maven artifacts in a file repository that comes with tfinterop, "
                                      "org.tfinterop:tfinterop-java (TF Java 1.x; brings org.tensorflow:tensorflow "
                                      "1.8.0, which a project's own TF Java declaration overrides) and "
                                      "tfinterop-java-current (the current TF Java), and as jars with TF Java "
                                      "1.8.0's for `java -cp`. Exit 2 (java-module-missing) when what it would "
                                      "print is not there (in a checkout: `make maven-local`, `make java`).")
    shown = java.add_mutually_exclusive_group()
    shown.add_argument("--repository", action="store_true",
                       help="print only the repository's folder (for a Gradle `maven { url }` or a Maven <repository>)")
    shown.add_argument("--classpath", action="store_true",
                       help="print only the classpath, the jars joined by ':' (java -cp \"$(tfinterop java --classpath)\")")
    java.set_defaults(handler=cmd_java)


def cmd_predict(args) -> int:
    """One runtime, one call by signature (or by tensor names with --input-name/--output-name); everything the
    command line names is checked, and the inputs against the signature, before the runtime starts."""
    import numpy as np

    from tfinterop.contract import arrays, signatures
    from tfinterop.core.atomic import write_atomically
    from tfinterop.runtimes import open_consumer
    from tfinterop.savedmodel import reader as savedmodel

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
    inputs = arrays.read_npz(source) if by_keys else {None: arrays.read_npy(source, "--input")}
    meta_graph = signatures.meta_graph(model, tags)
    if by_names and not (args.input_name and args.output_name):     # the other one: the default signature's
        key = signatures.choose_signature(meta_graph.signature_def, None, tags)
        names = signatures.resolve(signatures.signature_tensors(meta_graph), key, None, None, tags)
        args.input_name, args.output_name = args.input_name or names[0], args.output_name or names[1]
    if not by_names:
        key = signatures.choose_signature(meta_graph.signature_def, args.signature, tags)
        output_keys = None
        if not by_keys:
            input_key, output_key = signatures.resolve_keys(signatures.signature_tensors(meta_graph), key,
                                                            args.input_key, args.output_key, tags)
            inputs, output_keys = {input_key: inputs[None]}, [output_key]
        signatures.prepare_call(meta_graph, key, inputs, output_keys, tags)     # its typed errors, before the runtime
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
        write_atomically(target, lambda f: arrays.write_npz_to(f, results), "--outputs")
    else:
        [y] = results.values()
        write_atomically(target, lambda f: np.save(f, y, allow_pickle=False), "--output")
    said = ", ".join(f"{k} {v.dtype}{list(v.shape)}" for k, v in sorted(results.items()))
    log(f"{consumer.name}: {args.dir} [{', '.join(tags)}] {len(inputs)} input(s) -> {said} written to {target}")
    return 0


def cmd_inspect(args) -> int:
    from tfinterop.commands import inspect as inspect_model
    text = (inspect_model.describe(args.dir) if args.runtime == "python"
            else inspect_model.describe_with_java(args.dir))
    sys.stdout.write(text)
    return 0


def cmd_verify(args) -> int:
    from dataclasses import asdict

    from tfinterop.commands import verify

    # An unknown target: a usage error, before anything starts.
    verifier = verify.Verifier(args.target, log=log, allow_untrusted=args.allow_untrusted)
    inputs = _inputs_to_verify_with(args, avoid={d: "a model being verified" for d in args.dir})
    # Every DIR and its inputs are checked before any runtime starts: an unusable one costs nothing.
    plans, unusable = [], False
    for directory in args.dir:
        try:
            plans.append(verify.plan(directory, args.tag, args.signature, inputs))
        except TfInteropError as e:
            if e.exit_code != 2:
                raise
            report_error(e)
            unusable = True
    unused = sorted({k for k, _ in inputs.by_signature} - {p.key for p in plans})
    if unused and plans:
        raise UsageError(f"--inputs names signature(s) {', '.join(map(repr, unused))}, which verify does not call "
                         f"(it calls {', '.join(sorted({repr(p.key) for p in plans}))}; --signature KEY picks another)")
    results, out = [], text_stream(args)
    try:
        for plan in plans:
            r = verifier.verify_plan(plan)
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
    from tfinterop.commands import fix

    inputs = _inputs_to_verify_with(args, avoid={args.dir: "the model being fixed", args.out: "--out"})
    report, code = None, 0
    try:
        report = fix.fix(args.dir, args.target, args.out, tags=args.tag, signatures=args.signature, inputs=inputs,
                         freeze=args.freeze, overwrite=args.overwrite, allow_untrusted=args.allow_untrusted, log=log)
    except fix.FixRefusedError as e:
        report, code = getattr(e, "report", None), e.exit_code
        if report is None:
            raise
    print(fix.human(report, verbose=args.verbose), file=text_stream(args))
    if args.json:
        write_json(args.json, report.to_dict())
    return code


def _inputs_to_verify_with(args, avoid: dict):
    """verify's and fix's --inputs ([KEY=]X.npz, repeatable), --examples and --seed as one value, and --json
    checked."""
    from tfinterop.contract.signatures import Inputs

    if args.examples < 1:
        raise UsageError("--examples must be at least 1")
    plain, by_signature = [], {}
    for given in args.inputs or []:
        key, _, path = given.partition("=")
        if path and not Path(given).exists():          # KEY=X.npz (a file named with an "=" is a file)
            if key in by_signature:
                raise UsageError(f"--inputs names signature {key!r} twice")
            by_signature[key] = Path(path)
        else:
            plain.append(Path(given))
    if len(plain) > 1:
        raise UsageError(f"--inputs: give one X.npz for every signature, or KEY=X.npz for each ({len(plain)} "
                         f"plain files given: {', '.join(map(str, plain))})")
    if args.json:
        outputs.check_output_file(args.json, args.overwrite, "--json",
                                  avoid={**avoid, **{p: "the inputs file" for p in plain + list(by_signature.values())}})
    default = Inputs.read(plain[0]) if plain else Inputs(examples=args.examples, seed=args.seed)
    if not by_signature:
        return default
    from dataclasses import replace
    return replace(default, by_signature=tuple((k, Inputs.read(p, f"--inputs {k}=")) for k, p in by_signature.items()))


def cmd_check(args) -> int:
    from tfinterop.compat import check
    from tfinterop.runtimes import registry

    if args.all_targets:
        if args.target != defaults.TARGET:
            raise UsageError("--all-targets checks DIR against every TF Java release: no --target")
        return _check_all_targets(args)
    target = registry.dumped_target(args.target)
    if args.json:
        outputs.check_output_file(args.json, args.overwrite, "--json",
                                  avoid={d: "a model being checked" for d in args.dir})
    reports, out = [], text_stream(args)
    models, unreadable = _read_each(args.dir)
    for directory, model in models:
        report = _check_one(args, directory, target, model)
        reports.append(report)
        print(check.human(report, target, verbose=args.verbose) + ("\n" if len(args.dir) > 1 else ""), file=out)
    if args.json and reports:
        docs = [r.to_dict() for r in reports]
        write_json(args.json, docs[0] if len(args.dir) == 1 else docs)
    return 2 if unreadable else 0 if all(r.loadable for r in reports) else 1


def _read_each(directories) -> tuple:
    """([(DIR, the model as read)], whether one did not read): an unreadable DIR is reported on its own line."""
    from tfinterop.savedmodel import reader as savedmodel
    models, unreadable = [], False
    for directory in directories:
        try:
            models.append((directory, savedmodel.read(directory)))
        except TfInteropError as e:
            report_error(e)
            unreadable = True
    return models, unreadable


def _check_one(args, directory, target, model):
    """check's report of one model against one target, with the untrusted ops when --untrusted."""
    from tfinterop.compat import check
    report = check.check(directory, target, model)
    if args.untrusted:
        from tfinterop.compat import untrusted
        report.findings += [check.Finding(**f) for f in untrusted.scan(directory, model)]
    return report


def _check_all_targets(args) -> int:
    """`check DIR --all-targets`: every TF Java release of the registry, one line each (compat/check.py's serving)."""
    from tfinterop.compat import check, targets
    from tfinterop.runtimes import registry

    if args.json:
        outputs.check_output_file(args.json, args.overwrite, "--json",
                                  avoid={d: "a model being checked" for d in args.dir})
    releases = registry.JAVA_TENSORFLOWS
    dumped = {r.name: targets.load(r.name) for r in releases if r.name in targets.available()}
    width = max(len(r.name) for r in releases)
    docs, served, out = [], True, text_stream(args)
    models, unreadable = _read_each(args.dir)
    for directory, model in models:
        answers = []
        for release in releases:
            if release.name not in dumped:
                answers.append(check.Serving(release.name, release.tensorflow_version, "not predicted", [],
                                             f"its op registry is not dumped; `verify --target {release.name}` runs it"))
                continue
            target = dumped[release.name]
            report = _check_one(args, directory, target, model)
            answers.append(check.serving(report, target, release.fixable_for))
        print(f"{directory}: which TF Java can serve it (check's prediction from each release's dumped registry, not "
              f"a run; `verify --target NAME` runs one, `fix --target NAME` rewrites and proves it)", file=out)
        for answer in answers:
            print(check.serving_line(answer, width), file=out)
            if args.verbose and answer.findings:
                for group in check.fold(answer.findings):
                    print(f"      {check.group_title(group)}: {group[0]['message']}", file=out)
        served = served and any(a.verdict in ("loads as it is", "loads after fix") for a in answers)
        docs.append({"directory": str(directory), "targets": [a.to_dict() for a in answers]})
    if args.json and docs:
        write_json(args.json, docs[0] if len(args.dir) == 1 else docs)
    return 2 if unreadable else 0 if served else 1


def cmd_targets(args) -> int:
    from tfinterop.compat import targets

    if args.regenerate:
        from tfinterop.tools import dump_targets
        dump_targets.regenerate(args.out, log=log)
        return 0
    from tfinterop.runtimes import jars, registry

    dumped, locked = targets.available(), jars.locked()
    for runtime in registry.CONSUMERS.values():
        name = runtime.name
        if getattr(runtime, "api", None):        # a TF Java release: its Maven artifact, and where its jars are
            where = ("jars in the installed package" if runtime.is_default and any(paths_lib_jars()) else
                     "jars in the cache" if jars.cached(name, locked.get(name, {}).get("jars", []),
                                                      runtime.native == "extract-native") else
                     f"jars fetched on first use, {sum(j['size'] for j in locked.get(name, {}).get('jars', [])) / 1e6:.0f} MB")
            what = f"TensorFlow {runtime.tensorflow_version} (TF Java {runtime.artifact}; {where})"
        elif getattr(runtime, "converter", None):   # TensorFlow.js: npm's package and its converter, from PyPI
            installed = (runtime.home() / "node" / "node_modules").is_dir()
            what = (f"TensorFlow.js {runtime.version} (Node.js, npm @tensorflow/tfjs@{runtime.version}, converted by "
                    f"{runtime.converter[0]}; {'installed in the cache' if installed else 'installed on first use'})")
        else:
            what = f"TensorFlow {runtime.version} (Python)"
        t = targets.load(name) if name in dumped else None
        if t is not None and t.loader == "tfjs-converter":
            said = (f"{len(t.op_dicts)} ops its converter maps, {len(t.data_types)} data types (check holds each "
                    f"signature's ops to the list by name)")
        elif t is not None:
            said = (f"{len(t.op_dicts)} ops, {len(t.data_types)} data types, GraphDef producer {t.producer} (accepts "
                    f"producers >= {t.min_producer}, min_consumer <= {t.consumer})")
        else:
            said = "no dumped registry: verify runs it, check and fix cannot hold a model to it"
        print(f"{name}  {what}: {said}")
    return 0


def paths_lib_jars():
    from tfinterop.core import paths
    return paths.JAVA_LIB.glob("libtensorflow*.jar")


def cmd_java(args) -> int:
    import os
    from importlib import metadata

    from tfinterop.core import paths
    from tfinterop.core.errors import JavaModuleMissingError

    jars = sorted(paths.JAVA_LIB.glob("*.jar"))
    poms = sorted(paths.MAVEN_REPO.glob("org/tfinterop/*/*/*.pom"))
    if not args.repository and not jars:
        raise JavaModuleMissingError(f"the Java module is not built: no jars in {paths.JAVA_LIB}; run `make java`")
    if not args.classpath and not poms:
        raise JavaModuleMissingError(f"no Maven repository of the Java library at {paths.MAVEN_REPO} (no "
                                     f"org/tfinterop/*.pom); run `make maven-local`")
    classpath = os.pathsep.join(str(j) for j in jars)
    if args.classpath:
        print(classpath)
        return 0
    if args.repository:
        print(paths.MAVEN_REPO)
        return 0
    print(f"tfinterop {metadata.version('tfinterop')}: the Java library")
    print(f"Maven repository: {paths.MAVEN_REPO}")
    for pom in poms:
        print(f"  org.tfinterop:{pom.parent.parent.name}:{pom.parent.name}")
    url = paths.MAVEN_REPO.as_uri()
    print(f"  Gradle: repositories {{ maven {{ url '{url}' }} }}")
    print(f"  Maven:  <repositories><repository><id>tfinterop</id><url>{url}</url></repository></repositories>")
    print(f"classpath (java -cp, TF Java 1.8.0 with it; {len(jars)} jars): {classpath}")
    return 0
