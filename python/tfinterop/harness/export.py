"""Export variants. Each builds its model in a fresh graph, loads the trained values into it and
writes one SavedModel, into a temporary folder beside its destination that is renamed into place only when
complete: an interrupted export never leaves something that looks like a SavedModel.

  seed-simple-save  simple_save, tag `serve`, signature `serving_default`: the seed's calls, verbatim.
  seed-builder      SavedModelBuilder, tag `myTag`, signature `predict`, as the seed does, plus a second
                    MetaGraphDef (tag `serve`), an asset registered in the assets collection and a file
                    in assets.extra/.
  compat-serve      the simple_save contract, exported for a target runtime (default java-tf-1.8.0).
  compat-mytag      the seed-builder contract, exported for a target runtime (default java-tf-1.8.0).
  saved-model       TF 2.x only: the same graph as a tf.Module's function (tf.compat.v1.wrap_function, the
                    variables holding the trained values), written by tf.saved_model.save: an object-based
                    export, whose serving graph is a call into its function library.
  keras             TF 2.x only: the same model as a Keras model (models.py's keras_model), exported the way
                    its Keras exports: model.export() in Keras 3, model.save(save_format="tf") in Keras 2.
  probe-*           on request only: every fix but one, to hold `check` against what TF Java does.

"Exported for a target" (`export --target NAME`; measured, see COMPATIBILITY.md and docs/harness.md): ref
variables (resource-variable ops carry attrs TF 1.8 lacks), a non-sharded Saver (the sharded one adds
StaticRegexFullMatch), strip_default_attrs=True (TF 1.8's C API loader rejects every attr it does not
know), the assets listed once per MetaGraphDef, and legacy forms of ops the target lacks (compat/legacy_forms.py:
SelectV2 -> Select). The result is checked with compat/check.py against the target's dumped registry before it
is moved into place; if anything is left, or an op has no legacy form, nothing is written.
"""

import contextlib
import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from tfinterop.commands import outputs
from tfinterop.compat import legacy_forms
from tfinterop.core import defaults
from tfinterop.core.errors import TargetIncompatibleError, UsageError
from tfinterop.core.tf_import import tensorflow
from tfinterop.harness.models import get_model, TrainedValues
from tfinterop.harness.train import TrainedModel

ASSET_NAME = "labels.txt"
EXTRA_NAME = "tfinterop.json"


JAVA_TF_18 = defaults.TARGET


@dataclass(frozen=True)
class Variant:
    name: str
    signatures: dict          # tag-set (tuple of tags) -> signature key, first entry is the main MetaGraphDef
    has_assets: bool
    summary: str
    # Made for this target runtime (compat/op_registries/): ref variables, a non-sharded saver, stripped default
    # attrs, assets listed once, legacy forms of ops; checked against the target before it is moved into place.
    target: str | None = None
    # Settings of the exports not made for a target (the seed's defaults, or one deliberate flaw for the probes).
    variables: str = "default"        # "default" (resource variables in TF 2.x) or "ref"
    sharded_saver: bool = True
    strip_default_attrs: bool = False
    assets_once: bool = False
    legacy_forms_for: str | None = None   # rewrite ops this target lacks to their legacy forms (legacy_forms.py)
    probe: bool = False               # exported only on request (the check-versus-Java test), not by default
    form: str = "graph"               # "graph" (TF1 graph calls), or object-based: "saved-model", "keras"

    @property
    def tag_sets(self):
        return list(self.signatures)

    @property
    def compat(self) -> bool:
        """Written for a target runtime (historically: for TensorFlow 1.8)."""
        return self.target is not None

    def for_target(self, target: str) -> "Variant":
        return replace(self, target=target)


SERVE = {("serve",): "serving_default"}
MYTAG = {("myTag",): "predict", ("serve",): "serving_default"}
# Every fix but one: each flaw alone, to hold `check` against what TF Java actually does.
_ALL_FIXES = dict(variables="ref", sharded_saver=False, strip_default_attrs=True, assets_once=True,
                  legacy_forms_for=JAVA_TF_18, probe=True)

VARIANTS = {v.name: v for v in (
    Variant("seed-simple-save", SERVE, has_assets=False, summary="simple_save as the seed does"),
    Variant("seed-builder", MYTAG, has_assets=True,
            summary="SavedModelBuilder as the seed does, + a second MetaGraphDef and assets"),
    Variant("compat-serve", SERVE, has_assets=False, target=JAVA_TF_18,
            summary="the simple_save contract, exported for its target (TF Java 1.8 by default)"),
    Variant("compat-mytag", MYTAG, has_assets=True, target=JAVA_TF_18,
            summary="the seed-builder contract, exported for its target (TF Java 1.8 by default)"),
    Variant("saved-model", SERVE, has_assets=False, form="saved-model",
            summary="a tf.Module's function, tf.saved_model.save (TF 2.x)"),
    Variant("keras", SERVE, has_assets=False, form="keras",
            summary="the same model as a Keras model, exported as its Keras does (TF 2.x)"),
    Variant("probe-resource-variables", SERVE, has_assets=False, **{**_ALL_FIXES, "variables": "default"},
            summary="every fix but ref variables"),
    Variant("probe-sharded-saver", SERVE, has_assets=False, **{**_ALL_FIXES, "sharded_saver": True},
            summary="every fix but the non-sharded saver"),
    Variant("probe-default-attrs", SERVE, has_assets=False, **{**_ALL_FIXES, "strip_default_attrs": False},
            summary="every fix but stripping default attrs"),
    Variant("probe-assets-twice", MYTAG, has_assets=True, **{**_ALL_FIXES, "assets_once": False},
            summary="every fix but listing the assets once"),
    Variant("probe-no-legacy-forms", SERVE, has_assets=False, **{**_ALL_FIXES, "legacy_forms_for": None},
            summary="every fix but legacy forms of ops (e.g. SelectV2 stays)"),
)}
DEFAULT_VARIANTS = [name for name, v in VARIANTS.items() if not v.probe]
# What `tfinterop run` exports: the TF1 graph variants (the object-based ones are the matrix's, where `fix`
# is run on every export that fails).
RUN_VARIANTS = [name for name in DEFAULT_VARIANTS if VARIANTS[name].form == "graph"]


def get_variant(name) -> Variant:
    try:
        return VARIANTS[name]
    except KeyError:
        raise UsageError(f"unknown export variant {name!r}; the variants are: {', '.join(VARIANTS)}") from None


def export_variant(trained: TrainedModel, variant: Variant, dest: Path, overwrite: bool = False, log=None) -> Path:
    tf = tensorflow()

    dest = Path(dest)
    outputs.check_output_folder(dest, overwrite, what="the export")
    runtime = legacy_target = None
    if variant.target or variant.legacy_forms_for:
        from tfinterop.compat import targets
        legacy_target = targets.load(variant.target or variant.legacy_forms_for)
        runtime = legacy_target if variant.target else None
    if variant.form != "graph":
        if not tf.__version__.startswith("2."):
            raise UsageError(f"the {variant.name} variant needs TensorFlow 2.x; this is {tf.__version__}")
        with outputs.staging_folder(dest) as staging:
            export_object_based(tf, trained, variant, staging / "model")
            outputs.commit(staging / "model", dest)
        return dest
    with outputs.staging_folder(dest) as staging:
        export_dir = staging / "model"     # the builders insist on creating the folder themselves
        asset_source = staging / ASSET_NAME
        asset_source.write_text("".join(f"{digit}\n" for digit in range(10)))
        graph = tf.Graph()
        with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
            net = get_model(trained.config.model).build(tf, "ref" if variant.target else variant.variables)
            # Legacy forms are planned before anything is written: a graph the target cannot run stops here.
            rewrites = legacy_forms.plan(graph, legacy_target) if legacy_target else []
            # Load the trained values through the initializers' feeds: no extra nodes in the graph.
            sess.run([v.initializer for v in net.variables],
                     {v.initial_value: p for v, p in zip(net.variables, trained.params)})
            if variant.name == "seed-simple-save":
                tf.compat.v1.saved_model.simple_save(sess, str(export_dir), inputs=net.inputs, outputs=net.outputs)
            else:
                with working_directory(staging):
                    _export_with_builder(tf, sess, net, variant, export_dir)
        if rewrites:
            _rewrite_saved_model(export_dir, rewrites)
        if runtime:
            from tfinterop.compat import check
            report = check.check(export_dir, runtime)
            if not report.loadable:
                raise TargetIncompatibleError(
                    f"the export of {variant.name} would not load in {runtime.name}; nothing was written. "
                    + "; ".join(f"[{', '.join(f.tags)}] {f.message} (fix: {f.fix})" for f in report.findings))
            if log:
                log(f"export: {variant.name}: `check --target {runtime.name}` finds nothing it would reject"
                    + (f" ({len(rewrites)} op(s) rewritten to legacy forms)" if rewrites else ""))
        if variant.has_assets:
            extra = export_dir / "assets.extra"
            extra.mkdir(exist_ok=True)
            (extra / EXTRA_NAME).write_text(json.dumps(provenance(trained, variant), indent=2) + "\n")
        outputs.commit(export_dir, dest)
    return dest


def export_object_based(tf, trained: TrainedModel, variant: Variant, export_dir: Path) -> None:
    model = get_model(trained.config.model)
    if variant.form == "keras":
        import keras
        net = model.keras_model(keras, trained.params)
        if keras.__version__.startswith("2."):
            net.save(str(export_dir), save_format="tf")
        else:
            with contextlib.redirect_stdout(sys.stderr):     # model.export() prints the signature it wrote
                net.export(str(export_dir))
        return
    built = {}

    def graph():
        built["net"] = model.build(tf, TrainedValues(trained.params))

    wrapped = tf.compat.v1.wrap_function(graph, [])
    net, g = built["net"], wrapped.graph
    serve = wrapped.prune([g.get_tensor_by_name(t.name) for t in net.inputs.values()],
                          {k: g.get_tensor_by_name(t.name) for k, t in net.outputs.items()})
    module = tf.Module()
    module.weights = list(wrapped.variables)         # tracked, so tf.saved_model.save writes them
    module.serve = serve
    tf.saved_model.save(module, str(export_dir), signatures={SERVE[("serve",)]: serve})


def _rewrite_saved_model(export_dir, rewrites):
    from tensorflow.core.protobuf import saved_model_pb2
    pb = export_dir / "saved_model.pb"
    model = saved_model_pb2.SavedModel()
    model.ParseFromString(pb.read_bytes())
    for meta_graph in model.meta_graphs:
        legacy_forms.apply(meta_graph, rewrites)
    pb.write_bytes(model.SerializeToString(deterministic=True))


@contextlib.contextmanager
def working_directory(path):
    """The asset tensor holds the path the builder copies the asset from, and that string stays in the
    graph (loaders feed the real path instead). A bare file name, resolved here, keeps exports
    byte-for-byte reproducible and free of temporary paths."""
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def _export_with_builder(tf, sess, net, variant, export_dir):
    signature = tf.compat.v1.saved_model.predict_signature_def(inputs=net.inputs, outputs=net.outputs)
    assets = None
    if variant.has_assets:
        asset_tensor = tf.constant(ASSET_NAME, name="labels_file")
        tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.ASSET_FILEPATHS, asset_tensor)
        assets = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.ASSET_FILEPATHS)
    fixed = variant.target is not None
    settings = {"strip_default_attrs": fixed or variant.strip_default_attrs}
    if fixed or not variant.sharded_saver:
        settings["saver"] = tf.compat.v1.train.Saver(sharded=False)
    builder = tf.compat.v1.saved_model.Builder(str(export_dir))
    (first_tags, first_key), *others = variant.signatures.items()
    builder.add_meta_graph_and_variables(sess=sess, tags=list(first_tags), signature_def_map={first_key: signature},
                                         assets_collection=assets, **settings)
    for tags, key in others:
        if fixed or variant.assets_once:
            # Each add_meta_graph call appends the assets to the graph's saved_model_assets collection
            # again, so a second MetaGraphDef lists the same asset twice. TF 2.x's loader tolerates that;
            # TF 1.8's C++ loader feeds the asset tensor twice and fails: 'Endpoint "labels_file:0" fed
            # more than once'. (Measured: see the compat-mytag [serve] cell.)
            sess.graph.clear_collection(tf.compat.v1.saved_model.ASSETS_KEY)
        builder.add_meta_graph(tags=list(tags), signature_def_map={key: signature}, assets_collection=assets,
                               **settings)
    builder.save()


def provenance(trained: TrainedModel, variant: Variant) -> dict:
    return {"producer": "tensorflow " + trained.tensorflow_version, "model": trained.config.model,
            "variant": variant.name, "target": variant.target, "training": trained.config.__dict__,
            "test_accuracy": trained.test_accuracy, "data": trained.data_source}


def producer_name(tensorflow_version: str) -> str:
    return "tf-" + tensorflow_version


def write_manifest(path: Path, trained: TrainedModel, exported: list) -> None:
    """What `export` made, for whoever consumes it next (the run, the tests, the golden fixtures)."""
    doc = {
        "producer": producer_name(trained.tensorflow_version),
        "model": trained.config.model,
        "test_accuracy": trained.test_accuracy,
        "inputs": list(get_model(trained.config.model).input_keys),      # the signatures' keys (= tensor names)
        "outputs": list(get_model(trained.config.model).output_keys),
        "models": [{"variant": v.name, "dir": str(d), "summary": v.summary, "target": v.target,
                    "signatures": [{"tags": list(t), "key": k} for t, k in v.signatures.items()]}
                   for v, d in exported],
    }
    outputs.write_text(path, json.dumps(doc, indent=2) + "\n", "--manifest")

