"""The pytest plugin as a team uses it in its own suite (pytester: test files run by pytest in this process,
the plugin loaded through its pytest11 entry point): the `tfinterop` fixture's assert_same_outputs on a model
TF Java 1.8 serves and on one it rejects, the target in each test's id, goldens written with
--tfinterop-regen and held to on the next run, and a failure message in the manner of assert_allclose."""

import sys

import numpy as np
import pytest

from conftest import forked_worker
from tfinterop.commands import verify
from tfinterop.contract import arrays
from tfinterop.core import paths
from tfinterop.runtimes.worker import WorkerClient

MIXED = paths.GOLDEN / "mixed"

USER_TESTS = f'''
import pytest

def test_a_model_java_serves(tfinterop):
    tfinterop.assert_same_outputs(r"{MIXED / "model"}", inputs=r"{MIXED / "inputs.npz"}")

def test_a_tf2_export(tfinterop):
    tfinterop.assert_same_outputs(r"{{tf2}}")

@pytest.mark.tfinterop_target("java-tf-1.8.0")
def test_held_to_its_golden(tfinterop):
    result = tfinterop.assert_same_outputs(r"{MIXED / "model"}")
    assert result.reference.startswith("golden ")

def test_held_to_a_golden_it_does_not_match(tfinterop):
    tfinterop.assert_same_outputs(r"{MIXED / "model"}")
'''


@pytest.fixture(autouse=True)
def python_workers_from_the_fork_server(monkeypatch):
    """The plugin's reference worker (Python TensorFlow) forked from the suite's fork server, as the suite's
    own Python workers are: a process of its own, without a second TensorFlow import (~4 CPU-seconds each)."""
    def worker(runtime, **kwargs):
        if runtime == "python" and kwargs.get("command") is None and kwargs.get("python") in (None, sys.executable):
            kwargs["spawn"] = forked_worker
        return WorkerClient(runtime, **kwargs)
    monkeypatch.setattr(verify, "WorkerClient", worker)


def golden(path, expected):
    inputs = arrays.read_npz(MIXED / "inputs.npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays.write_npz(path, {**{"inputs/" + k: v for k, v in inputs.items()},
                           **{"outputs/" + k: v for k, v in expected.items()}})


def test_assert_same_outputs_passes_fails_with_the_reason_and_holds_goldens(pytester, java_built, any_dtype_models):
    pytester.makepyfile(test_user=USER_TESTS.replace("{tf2}", str(any_dtype_models / "module")))
    recorded = arrays.read_npz(MIXED / "expected.npz")     # Python TensorFlow's outputs, from its generator
    golden(pytester.path / "test_user" / "test_held_to_its_golden.npz", recorded)
    wrong = {**recorded, "label": (recorded["label"] + 1) % 10}
    wrong["probabilities"] = recorded["probabilities"].copy()
    wrong["probabilities"][3, 7] += 0.25
    golden(pytester.path / "test_user" / "test_held_to_a_golden_it_does_not_match.npz", wrong)
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=2, failed=2)
    out = result.stdout.str()
    assert "test_a_model_java_serves[target=java-tf-1.8.0] PASSED" in out
    assert "test_held_to_its_golden[target=java-tf-1.8.0] PASSED" in out
    # A model TF Java 1.8 cannot load: TensorFlow's reason and check's findings with their fixes.
    assert "test_a_tf2_export[target=java-tf-1.8.0] FAILED" in out
    assert "does not give the same outputs in java-tf-1.8.0 as in python-tf-2.21.0" in out
    assert "Op type not registered 'StatefulPartitionedCall'" in out and "check: op-not-registered" in out
    # A golden it does not match: the contract, and per output how many elements differ and where.
    assert "contract (tolerance.json): float32: rtol=1e-05, atol=1e-06" in out
    assert "label: int64[20] DIFFERS: 20 of 20 int64 elements differ (compared exactly)" in out
    assert "probabilities: float32[20, 10] DIFFERS: values differ beyond rtol=1e-05, atol=1e-06 in 1 of 200 " \
           "elements: max abs error 0.25 at [3, 7]" in out
    assert "vs java-tf-1.8.0" in out and "golden " in out
    assert "`tfinterop fix MODEL --target java-tf-1.8.0 --out FIXED`" in out


def test_relative_model_paths_are_read_from_the_rootdir_and_a_missing_model_is_one_line(pytester, java_built):
    """`pytest /abs/path/tests` from another folder: the paths a suite names are read from its rootdir (here
    the folder of its pytest.ini), not from where pytest was started; a missing model fails with one line."""
    import shutil
    shutil.copytree(MIXED, pytester.path / "build" / "mixed")
    pytester.makeini("[pytest]\n")
    pytester.mkdir("tests")
    (pytester.path / "tests" / "test_paths.py").write_text(
        "def test_relative(tfinterop):\n"
        "    tfinterop.assert_same_outputs('build/mixed/model', inputs='build/mixed/inputs.npz')\n\n"
        "def test_missing(tfinterop):\n"
        "    tfinterop.assert_same_outputs('build/no-such-model')\n")
    elsewhere = pytester.mkdir("elsewhere")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(elsewhere)
        result = pytester.runpytest("-p", "no:cacheprovider", "-v", str(pytester.path / "tests"))
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "test_relative[target=java-tf-1.8.0] PASSED" in out
    assert f"tfinterop: model-not-found: {pytester.path / 'build' / 'no-such-model'}: no such directory" in out
    assert "pytest_plugin.py" not in out and "Traceback" not in out     # one line, no trace through the plugin


def test_regen_writes_the_golden_that_the_next_run_holds_the_target_to(pytester, java_built):
    pytester.makepyfile(test_regen=f'''
def test_mine(tfinterop):
    tfinterop.assert_same_outputs(r"{MIXED / "model"}", inputs=r"{MIXED / "inputs.npz"}")
''')
    first = pytester.runpytest("-p", "no:cacheprovider", "--tfinterop-regen")
    first.assert_outcomes(failed=1)
    written = pytester.path / "test_regen" / "test_mine.npz"
    assert f"tfinterop: wrote {written} (5 input(s), 5 output(s) of python-tf-2.21.0)" in first.stdout.str()
    with np.load(written) as z:
        assert sorted(z.files) == sorted([f"inputs/{k}" for k in ("class_offset", "expected", "image", "mask",
                                                                    "temperature")] +
                                         [f"outputs/{k}" for k in ("correct", "label", "probabilities", "score",
                                                                    "shifted")])
        np.testing.assert_array_equal(z["outputs/label"], arrays.read_npz(MIXED / "expected.npz")["label"])
    unknown = pytester.runpytest("-p", "no:cacheprovider", "--tfinterop-target", "java-tf-0.1")
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR
    assert "tfinterop: unknown target 'java-tf-0.1'" in unknown.stderr.str()
