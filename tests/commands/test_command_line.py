"""One command line: every command speaks the same way. The same cause gives the same error kind, exit code and
message from check, verify, fix, inspect and predict (and from the Java command line, where it reads models or
writes files); every command defaults the target alike, takes `--json FILE` (`-` for stdout), and its help speaks
of any model, naming no path of the checkout. README's table of error kinds is error-kinds.txt's."""

import json
import re
import shutil
import subprocess

import pytest

from conftest import REPO, cli, cli_many
from tfinterop.core import defaults, paths
from tfinterop.core.errors import EXIT_CODES, TfInteropError
from tfinterop.runtimes.registry import java_command

MODEL = paths.GOLDEN / "compat-serve"
INPUTS = paths.GOLDEN / "dtypes" / "inputs.npz"


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr[-2000:]
    return lines[0]


def java_cli(*args):
    return subprocess.run(java_command("org.tfinterop.Cli", args), capture_output=True, text=True, timeout=120)


def commands_reading(model, tmp_path):
    """Each command that reads a model, as a user calls it, given `model`."""
    return {
        "check": ["check", model],
        "verify": ["verify", model],
        "fix": ["fix", model, "--out", tmp_path / "fixed"],
        "inspect": ["inspect", model],
        "predict": ["predict", model, "--runtime", "python", "--inputs", INPUTS, "--outputs", tmp_path / "y.npz"],
    }


@pytest.mark.parametrize("cause", ["model-not-found", "not-a-saved-model"])
def test_an_unusable_model_is_the_same_error_in_every_command(cause, tmp_path, java_built):
    model = tmp_path / ("missing" if cause == "model-not-found" else "empty")
    if cause == "not-a-saved-model":
        model.mkdir()
    commands = commands_reading(model, tmp_path)
    results = dict(zip(commands, cli_many(*commands.values())))
    expected = (f"error: {cause}: {model}: "
                + ("no such directory; expected a SavedModel directory holding saved_model.pb"
                   if cause == "model-not-found" else "saved_model.pb is missing; this is not a SavedModel directory"))
    for command, r in results.items():
        assert r.returncode == EXIT_CODES[cause] == 2, f"{command}: exit {r.returncode}: {r.stderr[-1500:]}"
        assert error_line(r.stderr) == expected, f"{command}: {r.stderr[-1500:]}"
        assert "Traceback" not in r.stderr
    java = java_cli("tags", model)
    assert java.returncode == 2 and error_line(java.stderr) == expected, java.stderr[-1500:]


def test_an_unknown_target_is_the_same_error_in_every_command(tmp_path):
    runs = cli_many(["check", MODEL, "--target", "java-tf-1.13.0"], ["verify", MODEL, "--target", "java-tf-1.13.0"],
                    ["fix", MODEL, "--out", tmp_path / "fixed", "--target", "java-tf-1.13.0"])
    lines = {error_line(r.stderr) for r in runs}
    assert [r.returncode for r in runs] == [2, 2, 2] and len(lines) == 1, lines
    [line] = lines
    assert line.startswith("error: usage: unknown target 'java-tf-1.13.0'; the targets are: java-tf-1.4.0, java-tf-1.5.0, ")


def test_an_existing_output_is_the_same_error_in_every_command(tmp_path):
    existing = tmp_path / "existing.json"
    existing.write_text("mine")
    folder = tmp_path / "fixed-before"
    shutil.copytree(MODEL, folder)
    runs = cli_many(["check", MODEL, "--json", existing], ["verify", MODEL, "--json", existing],
                    ["fix", MODEL, "--out", folder],
                    ["predict", MODEL, "--runtime", "python", "--inputs", INPUTS, "--outputs", existing])
    flags = ["--json", "--json", "--out", "--outputs"]
    for flag, r in zip(flags, runs):
        path = folder if flag == "--out" else existing
        assert r.returncode == 2, r.stderr[-1500:]
        assert error_line(r.stderr) == f"error: output-exists: {flag} {path} already exists; pass --overwrite to " \
                                       f"replace it"
    assert existing.read_text() == "mine"


def test_every_command_defaults_to_the_same_target():
    r = cli("check", MODEL)
    assert r.returncode == 0 and f" against {defaults.TARGET} " in r.stdout, r.stderr[-1500:]
    from tfinterop import pytest_plugin
    from tfinterop.commands import verify
    assert verify.DEFAULT_TARGET == pytest_plugin.DEFAULT_TARGET == defaults.TARGET
    parser_defaults = {name: _option_default(name, "--target") for name in ("check", "verify", "fix")}
    assert set(parser_defaults.values()) == {defaults.TARGET}, parser_defaults


def _option_default(command, option):
    from tfinterop.cli.main import build_parser
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    return next(a.default for a in sub._actions if option in a.option_strings)


def test_json_to_stdout_with_a_dash_and_the_text_to_stderr(tmp_path):
    check, fixed = cli_many(["check", MODEL, "--json", "-"],
                            ["fix", MODEL, "--out", tmp_path / "fixed", "--json", "-"])
    assert check.returncode == 0 and json.loads(check.stdout)["loadable"] is True
    assert " against java-tf-1.8.0 " in check.stderr
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    report = json.loads(fixed.stdout)    # it loads in the target as it is: verified, and copied unchanged
    assert report["written"] is True and report["unchanged"] is True and "LOADS AS IT IS" in fixed.stderr


def test_verify_checks_the_inputs_against_the_signature_before_any_runtime_starts(tmp_path):
    """The same words as predict's, exit 2, and no TensorFlow or JVM started for them."""
    import numpy as np
    bad = tmp_path / "bad.npz"
    np.savez(bad, myInput=np.zeros((2, 5), np.float32))
    script = ("import sys; from tfinterop.cli.main import main; status = main(sys.argv[1:]); "
              "print('imported tensorflow' if 'tensorflow' in sys.modules else 'no tensorflow', file=sys.stderr); "
              "sys.exit(status)")
    from conftest import python_run
    verify = python_run("-c", script, "verify", MODEL, "--inputs", bad, fresh=True)
    predict = cli("predict", MODEL, "--runtime", "python", "--inputs", bad, "--outputs", tmp_path / "y.npz")
    assert verify.returncode == predict.returncode == 2, verify.stderr[-1500:]
    assert error_line(verify.stderr) == error_line(predict.stderr) == \
        "error: invalid-input: input 'myInput' expects float32 [?, 784]; got shape [2, 5]"
    assert verify.stderr.strip().splitlines()[-1] == "no tensorflow"


@pytest.mark.parametrize("command", ["check", "verify", "fix", "predict", "inspect", "targets", "java", "export", "run"])
def test_help_speaks_of_any_model_and_names_no_checkout_path(command):
    r = cli(command, "--help")
    assert r.returncode == 0
    assert "python/tfinterop" not in r.stdout and "fixtures/golden" not in r.stdout, r.stdout
    if command in ("check", "verify", "fix", "predict", "inspect"):
        assert "MNIST" not in r.stdout and "myInput" not in r.stdout, r.stdout


def test_the_readme_table_of_error_kinds_is_error_kinds_txt():
    readme = (REPO / "README.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (\d+) \|", readme, re.M))
    assert {k: int(v) for k, v in rows.items()} == EXIT_CODES
    assert "| (interrupted) | 130 |" in readme


def test_every_error_class_has_a_kind_in_the_list():
    import tfinterop.runtimes.environments  # noqa: F401 -- their error classes, too
    import tfinterop.commands.fix  # noqa: F401

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    missing = sorted({c.kind for c in subclasses(TfInteropError)} - set(EXIT_CODES))
    assert missing == []


def test_check_folds_findings_of_one_kind_and_verbose_lists_them():
    folded, verbose = cli_many(["check", paths.GOLDEN / "seed-builder"], ["check", paths.GOLDEN / "seed-builder", "--verbose"])
    assert folded.returncode == verbose.returncode == 1
    assert "more like it; --verbose lists them)" in folded.stdout and "more like it" not in verbose.stdout
    headers = [line for line in folded.stdout.splitlines() if re.match(r"\d+\. ", line)]
    assert len(headers) == len(set(headers)), headers           # no two groups under one name
    assert len(verbose.stdout.splitlines()) > len(folded.stdout.splitlines())


def test_a_failed_run_with_inputs_of_different_batch_sizes_says_so():
    import numpy as np
    from tfinterop.commands.verify import batch_hint
    assert batch_hint({"a": np.zeros((3, 2)), "b": np.zeros((5,))}) == \
        "; the inputs differ in their first (batch) dimension: a 3, b 5: give every input the same number of examples"
    assert batch_hint({"a": np.zeros((3, 2)), "b": np.zeros((3,)), "scalar": np.float32(1)}) == ""
