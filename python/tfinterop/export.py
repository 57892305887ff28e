"""Export variants. Each builds its model in a fresh graph, loads the trained values into it and
writes one SavedModel, into a temporary folder beside the target that is renamed into place only when
complete: an interrupted export never leaves something that looks like a SavedModel.

  seed-simple-save  simple_save, tag `serve`, signature `serving_default`: the seed's calls, verbatim.
  seed-builder      SavedModelBuilder, tag `myTag`, signature `predict`, as the seed does, plus a second
                    MetaGraphDef (tag `serve`), an asset registered in the assets collection and a file
                    in assets.extra/.
  compat-serve      the simple_save contract, written so TensorFlow 1.8 loads it.
  compat-mytag      the seed-builder contract, written so TensorFlow 1.8 loads it.

"So TensorFlow 1.8 loads it" (measured, see shared notes tf18-compat.md): ref variables (VariableV2;
resource-variable ops carry attrs TF 1.8 lacks), a non-sharded Saver (the sharded one adds
StaticRegexFullMatch), and strip_default_attrs=True (drops default-valued attrs TF 1.8 doesn't know).
"""

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tfinterop.errors import OutputExistsError, OutputNotWritableError, UsageError
from tfinterop.models import INPUT_NAME, OUTPUT_NAME, get_model
from tfinterop.train import TrainedModel
from tfinterop.tf_import import tensorflow

ASSET_NAME = "labels.txt"
EXTRA_NAME = "tfinterop.json"


@dataclass(frozen=True)
class Variant:
    name: str
    signatures: dict          # tag-set (tuple of tags) -> signature key, first entry is the main MetaGraphDef
    compat: bool              # written for TensorFlow 1.8
    has_assets: bool
    summary: str

    @property
    def tag_sets(self):
        return list(self.signatures)


VARIANTS = {v.name: v for v in (
    Variant("seed-simple-save", {("serve",): "serving_default"}, compat=False, has_assets=False,
            summary="simple_save as the seed does"),
    Variant("seed-builder", {("myTag",): "predict", ("serve",): "serving_default"}, compat=False, has_assets=True,
            summary="SavedModelBuilder as the seed does, + a second MetaGraphDef and assets"),
    Variant("compat-serve", {("serve",): "serving_default"}, compat=True, has_assets=False,
            summary="the simple_save contract, loadable by TF 1.8"),
    Variant("compat-mytag", {("myTag",): "predict", ("serve",): "serving_default"}, compat=True, has_assets=True,
            summary="the seed-builder contract, loadable by TF 1.8"),
)}


def get_variant(name) -> Variant:
    try:
        return VARIANTS[name]
    except KeyError:
        raise UsageError(f"unknown export variant {name!r}; the variants are: {', '.join(VARIANTS)}") from None


def check_target_free(target: Path, overwrite: bool) -> None:
    """Called before any work, so a refusal costs nothing and destroys nothing."""
    if target.exists() or target.is_symlink():
        if not overwrite:
            raise OutputExistsError(f"{target} already exists; pass --overwrite to replace it")
        if not target.is_dir() or target.is_symlink():
            raise OutputExistsError(f"{target} exists and is not a directory; refusing to replace it even with --overwrite")
    _check_writable(target.parent)


def _check_writable(folder: Path) -> None:
    """Tries what the export will do (make the folder, a staging folder in it), so that a read-only
    place is refused before training rather than after."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        Path(tempfile.mkdtemp(prefix=".tfinterop-write-probe-", dir=folder)).rmdir()
    except OSError as e:
        raise OutputNotWritableError(f"cannot write into {folder}: {e.strerror}; expected a folder you can "
                                     f"write to") from None


def export_variant(trained: TrainedModel, variant: Variant, target: Path, overwrite: bool = False) -> Path:
    tf = tensorflow()

    target = Path(target)
    check_target_free(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING_MARK}", dir=target.parent)).resolve()
    (staging / OWNER_FILE).write_text(_process_identity(os.getpid()) + "\n")
    try:
        export_dir = staging / "model"     # the builders insist on creating the folder themselves
        asset_source = staging / ASSET_NAME
        asset_source.write_text("".join(f"{digit}\n" for digit in range(10)))
        graph = tf.Graph()
        with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
            net = get_model(trained.config.model).build(tf, "ref" if variant.compat else "default")
            # Load the trained values through the initializers' feeds: no extra nodes in the graph.
            sess.run([v.initializer for v in net.variables],
                     {v.initial_value: p for v, p in zip(net.variables, trained.params)})
            if variant.name == "seed-simple-save":
                tf.compat.v1.saved_model.simple_save(sess, str(export_dir),
                                                     inputs={INPUT_NAME: net.x}, outputs={OUTPUT_NAME: net.y})
            else:
                with _working_directory(staging):
                    _export_with_builder(tf, sess, net, variant, export_dir)
        if variant.has_assets:
            extra = export_dir / "assets.extra"
            extra.mkdir(exist_ok=True)
            (extra / EXTRA_NAME).write_text(json.dumps(provenance(trained, variant), indent=2) + "\n")
        if os.environ.get(PAUSE_HOOK):
            _pause_before_rename(staging)
        if target.exists():
            shutil.rmtree(target)   # only reached with overwrite=True, after the new export is complete
        os.replace(export_dir, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


STAGING_MARK = ".partial-"
OWNER_FILE = ".owner"
# Test-only: set, an export stops after its staging folder is complete and before the rename, so a test
# can kill it exactly there. Unset (always, outside tests), it changes nothing.
PAUSE_HOOK = "TFINTEROP_TEST_PAUSE_BEFORE_RENAME"


def _pause_before_rename(staging: Path):
    import sys
    import time
    print(f"export: staged {staging}; pausing before the rename ({PAUSE_HOOK})", file=sys.stderr, flush=True)
    while True:
        time.sleep(60)


def _process_identity(pid: int) -> str:
    """pid plus the process's start time, so a reused pid is not taken for the exporter that died."""
    try:
        start = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        start = "?"
    return f"{pid} {start}"


def remove_stale_staging(target: Path) -> list:
    """Removes staging folders of earlier exports to this target whose exporter is gone (killed, say).
    One whose owner still runs is left alone, as is anything without an owner file we can read."""
    removed = []
    for staging in target.parent.glob(f".{target.name}{STAGING_MARK}*"):
        owner = staging / OWNER_FILE
        try:
            pid_text = owner.read_text().split()
        except OSError:
            continue
        if not pid_text or not pid_text[0].isdigit():
            continue
        if _process_identity(int(pid_text[0])) == " ".join(pid_text):
            continue                       # still running: another export in progress
        shutil.rmtree(staging, ignore_errors=True)
        removed.append(staging)
    return removed


@contextlib.contextmanager
def _working_directory(path):
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
    signature = tf.compat.v1.saved_model.predict_signature_def(inputs={INPUT_NAME: net.x},
                                                              outputs={OUTPUT_NAME: net.y})
    assets = None
    if variant.has_assets:
        asset_tensor = tf.constant(ASSET_NAME, name="labels_file")
        tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.ASSET_FILEPATHS, asset_tensor)
        assets = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.ASSET_FILEPATHS)
    compat = {}
    if variant.compat:
        compat = {"strip_default_attrs": True, "saver": tf.compat.v1.train.Saver(sharded=False)}
    builder = tf.compat.v1.saved_model.Builder(str(export_dir))
    (first_tags, first_key), *others = variant.signatures.items()
    builder.add_meta_graph_and_variables(sess=sess, tags=list(first_tags), signature_def_map={first_key: signature},
                                         assets_collection=assets, **compat)
    for tags, key in others:
        if variant.compat:
            # Each add_meta_graph call appends the assets to the graph's saved_model_assets collection
            # again, so a second MetaGraphDef lists the same asset twice. TF 2.x's loader tolerates that;
            # TF 1.8's C++ loader feeds the asset tensor twice and fails: 'Endpoint "labels_file:0" fed
            # more than once'. (Measured: see the compat-mytag [serve] cell.)
            sess.graph.clear_collection(tf.compat.v1.saved_model.ASSETS_KEY)
        builder.add_meta_graph(tags=list(tags), signature_def_map={key: signature}, assets_collection=assets, **compat)
    builder.save()


def provenance(trained: TrainedModel, variant: Variant) -> dict:
    return {"producer": "tensorflow " + trained.tensorflow_version, "model": trained.config.model,
            "variant": variant.name, "training": trained.config.__dict__,
            "test_accuracy": trained.test_accuracy, "data": trained.data_source}


def producer_name(tensorflow_version: str) -> str:
    return "tf-" + tensorflow_version


def write_manifest(path: Path, trained: TrainedModel, exported: dict) -> None:
    """What `export` made, for whoever consumes it next (the run, the tests, the golden fixtures)."""
    doc = {
        "producer": producer_name(trained.tensorflow_version),
        "model": trained.config.model,
        "test_accuracy": trained.test_accuracy,
        "input_name": INPUT_NAME,
        "output_name": OUTPUT_NAME,
        "models": [{"variant": name, "dir": str(d), "summary": VARIANTS[name].summary,
                    "signatures": [{"tags": list(t), "key": k} for t, k in VARIANTS[name].signatures.items()]}
                   for name, d in exported.items()],
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")

