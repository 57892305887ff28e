"""`tfinterop inspect`: the same text from both runtimes, and saved_model_cli's own text.

Python TensorFlow runs in a helper process (tests/support/inspect_models.py) that makes two more SavedModels (a
TF2 one and an odd protobuf-built one with every DataType and names that need quoting), and reports,
for every model, Python's `inspect` text and saved_model_cli's `show --all` text. Java's text comes from
`tfinterop-java inspect`. The comparison with saved_model_cli applies exactly two documented rewrites
to the real tool's output (inspect_model's docstring): its op set, printed in Python's run-to-run set
order, is sorted; its TF2 "Concrete Functions" section becomes our one-line note. Our added "Asset
files" section is checked separately.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, cli, cli_many
from tfinterop.commands.inspect import ASSETS_HEADER, CONCRETE_FUNCTIONS_NOTE, describe_with_java
from tfinterop.core import paths
from tfinterop.core.errors import ModelNotFoundError, NotASavedModelError

GOLDEN_MODELS = sorted(p.name for p in paths.GOLDEN.iterdir() if (p / "saved_model.pb").is_file())
OPS_LINE = re.compile(r"^(The MetaGraph with tag set .* contains the following ops: )(\{.*\}|set\(\))$", re.MULTILINE)


@pytest.fixture(scope="session")
def texts(inspected_models):
    return inspected_models


def test_every_golden_model_and_both_extra_models_are_covered(texts):
    assert sorted(texts) == sorted(GOLDEN_MODELS + ["odd", "tf2"])
    assert len(GOLDEN_MODELS) == 4


def _normalise_saved_model_cli(text):
    """The two documented rewrites of saved_model_cli's output, nothing else."""
    def sort_ops(m):
        ops = ast.literal_eval(m.group(2))
        assert isinstance(ops, set)
        return m.group(1) + ("{" + ", ".join(repr(op) for op in sorted(ops)) + "}" if ops else "set()")
    text, count = OPS_LINE.subn(sort_ops, text)
    assert count == text.count("\nMetaGraphDef with tag-set: "), "one op line per MetaGraphDef"
    head, sep, _ = text.partition("\nConcrete Functions:")
    return head + (CONCRETE_FUNCTIONS_NOTE + "\n" if sep else "")


@pytest.mark.parametrize("model", GOLDEN_MODELS + ["odd", "tf2"])
def test_python_text_is_saved_model_cli_text_plus_assets(texts, model):
    ours, real = texts[model]["python"], texts[model]["saved_model_cli"]
    head, sep, assets = ours.partition(ASSETS_HEADER)
    assert sep and assets.count(ASSETS_HEADER) == 0
    assert head == _normalise_saved_model_cli(real)


@pytest.mark.parametrize("model", GOLDEN_MODELS + ["odd", "tf2"])
def test_java_text_is_python_text(texts, model, java_built):
    assert describe_with_java(texts[model]["dir"]) == texts[model]["python"]


def test_the_tf2_model_exercises_what_tf1_models_lack(texts):
    real, ours = texts["tf2"]["saved_model_cli"], texts["tf2"]["python"]
    assert "\nConcrete Functions:" in real and "Function Name: '__call__'" in real
    assert CONCRETE_FUNCTIONS_NOTE in ours
    assert "signature_def['__saved_model_init_op']:" in ours          # listed: it is in the file
    assert "'StatefulPartitionedCall'" in ours and "'ArgMax'" in ours   # ops reached through the function library
    assert "(tensor asset_path_initializer:0; asset_file_def)" in ours
    for model in GOLDEN_MODELS:
        assert "Concrete Functions" not in texts[model]["saved_model_cli"] + texts[model]["python"]


def test_the_odd_model_names_every_dtype_tensorflow_has(texts):
    ours = texts["odd"]["python"]
    names = re.findall(r"^        dtype: (\S+)$", ours, re.MULTILINE)
    assert "DT_FLOAT4_E2M1FN_REF" in names and "DT_INT4" in names   # newer than TF 1.8's proto classes
    assert "<unknown" not in ours
    assert """["it's", 'say "hi"', 'tab\\there', 'café', '\\xa0nbsp', 'zero\\x00']""" in ours


def test_asset_section_lists_declared_assets_and_files(texts):
    for model in ("compat-mytag", "seed-builder"):
        assets = texts[model]["python"].partition(ASSETS_HEADER)[2]
        size = (paths.GOLDEN / model / "assets" / "labels.txt").stat().st_size
        extra = (paths.GOLDEN / model / "assets.extra" / "tfinterop.json").stat().st_size
        assert f"  assets/: labels.txt ({size} bytes)\n" in assets
        assert f"  assets.extra/: tfinterop.json ({extra} bytes)\n" in assets
        assert "    labels.txt (tensor labels_file:0; saved_model_assets collection)\n" in assets
    # seed-builder's second MetaGraphDef lists the asset twice: the reason TF 1.8 feeds it twice.
    seed = texts["seed-builder"]["python"].partition(ASSETS_HEADER)[2]
    assert "'serve' declares 2 asset file(s):" in seed
    compat = texts["compat-serve"]["python"].partition(ASSETS_HEADER)[2]
    assert "declares 0 asset file(s)" in compat and "  assets/: no such folder" in compat
    odd = texts["odd"]["python"].partition(ASSETS_HEADER)[2]
    assert "  assets/: B.txt (0 bytes), deep/file.txt (7 bytes)\n" in odd and "  assets.extra/: empty" in odd


def test_the_real_saved_model_cli_command_prints_what_its_function_printed(texts):
    """The helper calls saved_model_cli's _show_all in-process (one TensorFlow import for all models);
    here the installed `saved_model_cli show --all` command is run once to show that is what it prints."""
    exe = REPO / ".venv" / "bin" / "saved_model_cli"
    exe = exe if exe.exists() else Path(sys.executable).parent / "saved_model_cli"
    done = subprocess.run([str(exe), "show", "--dir", texts["compat-mytag"]["dir"], "--all"],
                          capture_output=True, text=True, timeout=300, env={"TF_CPP_MIN_LOG_LEVEL": "3",
                                                                             "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert _normalise_saved_model_cli(done.stdout) == _normalise_saved_model_cli(texts["compat-mytag"]["saved_model_cli"])


@pytest.mark.parametrize("runtime", ["python", "java"])
def test_cli_inspect(runtime, texts, java_built):
    r = cli("inspect", paths.GOLDEN / "compat-mytag", "--runtime", runtime)
    assert r.returncode == 0, r.stderr
    assert r.stdout == texts["compat-mytag"]["python"]


@pytest.mark.parametrize("runtime", ["python", "java"])
def test_cli_inspect_errors(runtime, tmp_path, java_built):
    (tmp_path / "saved_model.pb").write_bytes(b"\xff\xfe not a protobuf \x00" * 5)
    missing, r = cli_many(("inspect", tmp_path / "missing", "--runtime", runtime),
                          ("inspect", tmp_path, "--runtime", runtime))
    assert missing.returncode == 2 and "error: model-not-found:" in missing.stderr and "Traceback" not in missing.stderr
    assert r.returncode == 2 and "error: not-a-saved-model:" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_java_errors_come_back_typed(tmp_path, java_built):
    with pytest.raises(ModelNotFoundError):
        describe_with_java(tmp_path / "missing")
    (tmp_path / "saved_model.pb").write_bytes(b"")
    with pytest.raises(NotASavedModelError, match="no MetaGraphDef"):
        describe_with_java(tmp_path)
