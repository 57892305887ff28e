"""The pytest plugin (entry point `pytest11`, name `tfinterop`): a team holds its own SavedModels to TF Java in
its own test suite.

    def test_my_model_serves_in_java(tfinterop):
        tfinterop.assert_same_outputs("export/my_model")           # the test's target; inputs synthesized

    @pytest.mark.tfinterop_target("java-tf-1.8.0", "java-tf-1.15.0")
    def test_on_two_runtimes(tfinterop):
        result = tfinterop.verify("export/my_model", inputs="examples.npz")
        assert result.status == "agree"

Model paths: a relative path is resolved against pytest's rootdir (the folder of pytest.ini, pyproject.toml,
tox.ini or setup.cfg; `pytest --rootdir` sets it), so a suite gives the same paths from whichever folder pytest is
started. A model that is missing, or is not a SavedModel, or inputs that do not fit its signature fail the test
with one line saying so.

Targets: a test marked `tfinterop_target(NAME, ...)` runs once per name; any other test that uses the fixture
runs once per `--tfinterop-target NAME` (repeatable; default java-tf-1.8.0). The target is in the test's id.

Goldens, in the manner of pytest-regressions: `--tfinterop-regen` writes, for each assert_same_outputs call,
the inputs and the reference's outputs as one .npz beside the test file (TESTDIR/TESTFILE/TESTNAME[-N].npz,
keys inputs/KEY and outputs/KEY), and the test fails saying so; a normal run then holds the target to that
file. As with pytest-regressions, every test that writes a golden fails under --tfinterop-regen (so that a
regeneration is never mistaken for a pass); run again without it. The same .npz is what the Java library's
SavedModelAssert.assertMatchesGolden reads.

One worker per runtime for the whole session (the reference's and each target's), started on first use.
Nothing here imports TensorFlow or starts a JVM: the workers are processes of their own.
"""

from pathlib import Path

import pytest

from tfinterop.core.defaults import EXAMPLES, SEED, TARGET as DEFAULT_TARGET
INPUT_PREFIX, OUTPUT_PREFIX = "inputs/", "outputs/"


def pytest_addoption(parser):
    group = parser.getgroup("tfinterop", "tfinterop: hold SavedModels to a target TensorFlow runtime")
    group.addoption("--tfinterop-target", action="append", default=[], metavar="NAME",
                    help="run each test that uses the `tfinterop` fixture once per target NAME (repeatable; "
                         f"default {DEFAULT_TARGET}; a test's tfinterop_target marker takes precedence)")
    group.addoption("--tfinterop-regen", action="store_true",
                    help="write each assert_same_outputs call's inputs and reference outputs as a golden .npz "
                         "beside the test, instead of comparing; the tests fail, saying what was written")


def pytest_configure(config):
    config.addinivalue_line("markers", "tfinterop_target(*names): run this test once per named target runtime "
                                       "(e.g. java-tf-1.8.0); the `tfinterop` fixture's default target")
    for name in config.getoption("tfinterop_target"):
        _check_target(name)       # a usage error before anything is collected


def _check_target(name):
    from tfinterop.core.errors import UsageError
    from tfinterop.runtimes import registry
    try:
        registry.consumer(name)
    except UsageError as e:
        raise pytest.UsageError(f"tfinterop: {e}") from None


def pytest_generate_tests(metafunc):
    if "tfinterop" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("tfinterop_target")
    targets = list(marker.args) if marker else metafunc.config.getoption("tfinterop_target") or [DEFAULT_TARGET]
    for name in targets:
        _check_target(name)
    metafunc.parametrize("tfinterop_target", targets, ids=[f"target={t}" for t in targets])


class _Session:
    """One Verifier per target for the whole session, all sharing one worker per runtime. Closing them closes
    the workers, including one a Verifier started ahead (verify starts the target's beside the reference's)
    and never needed because the reference failed."""

    def __init__(self):
        self.workers = {}
        self.verifiers = {}

    def verifier(self, target):
        if target not in self.verifiers:
            from tfinterop.commands.verify import Verifier
            self.verifiers[target] = Verifier(target, log=lambda message: None, workers=self.workers)
        return self.verifiers[target]

    def close(self):
        for verifier in self.verifiers.values():
            verifier.close()
        self.verifiers.clear()


@pytest.fixture(scope="session")
def _tfinterop_session():
    session = _Session()
    yield session
    session.close()


class TfInterop:
    """What the `tfinterop` fixture gives a test: verify() and assert_same_outputs() against its target."""

    def __init__(self, session: _Session, target: str, request):
        self._session, self.target, self._request = session, target, request
        self._calls = 0

    def verify(self, model_dir, *, target=None, tags=None, signature=None, inputs=None, examples=EXAMPLES, seed=SEED):
        """`tfinterop verify` of one model: a verify.ModelResult (status "agree", "differ", "target-failed" or
        "unusable"; per output, the comparison). inputs: {key: array}, an .npz path, or None to synthesize.
        Relative paths are resolved against pytest's rootdir."""
        return self._verify(model_dir, target, tags, signature, self._inputs(inputs, examples, seed), None, "")

    def path(self, path) -> Path:
        """A model or inputs path as the plugin reads it: relative ones against pytest's rootdir."""
        return Path(self._request.config.rootpath) / path

    def _inputs(self, inputs, examples=EXAMPLES, seed=SEED):
        """A test's inputs as one value: {key: array}, an .npz path (relative: from the rootdir), or None to
        synthesize them."""
        from tfinterop.contract.signatures import Inputs
        from tfinterop.core.errors import TfInteropError
        if isinstance(inputs, (str, Path)):
            try:
                return Inputs.read(self.path(inputs), what="inputs")
            except TfInteropError as e:
                pytest.fail(f"tfinterop: {e.kind}: {e} (relative paths are read from pytest's rootdir, "
                            f"{self._request.config.rootpath})", pytrace=False)
        if inputs is not None:
            return Inputs(inputs, "the inputs given")
        return Inputs(examples=examples, seed=seed)

    def _verify(self, model_dir, target, tags, signature, inputs, expected, expected_from):
        from tfinterop.core.errors import TfInteropError
        try:
            return self._session.verifier(target or self.target).verify(
                self.path(model_dir), tags, signature, inputs, expected=expected, expected_from=expected_from)
        except TfInteropError as e:
            if e.exit_code != 2:          # the model or the target said no: that is a result, not a usage error
                raise
            pytest.fail(f"tfinterop: {e.kind}: {e} (relative paths are read from pytest's rootdir, "
                        f"{self._request.config.rootpath})", pytrace=False)

    def assert_same_outputs(self, model_dir, *, target=None, tags=None, signature=None, inputs=None):
        """Fails unless every output of the model in the target agrees with the reference under the tolerance
        contract (or, when this call has a golden file, with the outputs recorded in it)."""
        from tfinterop.commands import verify
        self._calls += 1
        golden = self._golden_path()
        target = target or self.target
        if self._request.config.getoption("tfinterop_regen"):
            self._regenerate(golden, model_dir, tags, signature, self._inputs(inputs))
        expected = None
        if golden.is_file():
            from tfinterop.contract.arrays import read_npz
            from tfinterop.contract.signatures import Inputs
            recorded = read_npz(golden, what="golden")
            given = Inputs({k[len(INPUT_PREFIX):]: v for k, v in recorded.items() if k.startswith(INPUT_PREFIX)},
                           f"golden {golden}")
            expected = {k[len(OUTPUT_PREFIX):]: v for k, v in recorded.items() if k.startswith(OUTPUT_PREFIX)}
        else:
            given = self._inputs(inputs)
        result = self._verify(model_dir, target, tags, signature, given, expected,
                              f"golden {golden}" if expected is not None else "")
        if not result.agree:
            pytest.fail(failure_message(result, target, verify.human(result, target)), pytrace=False)
        return result

    def _golden_path(self) -> Path:
        node = self._request.node
        name = node.originalname if hasattr(node, "originalname") else node.name
        suffix = "" if self._calls == 1 else f"-{self._calls}"
        return Path(node.path).parent / Path(node.path).stem / f"{name}{suffix}.npz"

    def _regenerate(self, golden: Path, model_dir, tags, signature, inputs):
        """Runs the reference on the inputs (given, or synthesized) and writes them and its outputs."""
        from tfinterop.commands.verify import plan, REFERENCE
        from tfinterop.contract import arrays
        from tfinterop.core.errors import TfInteropError
        try:
            call = plan(self.path(model_dir), tags, signature, inputs)
        except TfInteropError as e:
            pytest.fail(f"tfinterop: cannot regenerate {golden}: {e.kind}: {e}", pytrace=False)
        verifier = self._session.verifier(REFERENCE)
        outputs, error, _ = verifier.run_in(REFERENCE, call.directory, call.tags, call.key, call.arrays)
        inputs = call.arrays
        if error is not None:
            pytest.fail(f"tfinterop: cannot regenerate {golden}: the reference ({REFERENCE}) could not run "
                        f"{model_dir}: {error}", pytrace=False)
        golden.parent.mkdir(parents=True, exist_ok=True)
        try:
            from tfinterop.commands import outputs as output_paths
            output_paths.check_output_file(golden, True, "the golden", avoid={call.directory: "the model"})
        except TfInteropError as e:
            pytest.fail(f"tfinterop: cannot regenerate {golden}: {e.kind}: {e}", pytrace=False)
        arrays.write_npz(golden, {**{INPUT_PREFIX + k: v for k, v in inputs.items()},
                                 **{OUTPUT_PREFIX + k: v for k, v in outputs.items()}})
        pytest.fail(f"tfinterop: wrote {golden} ({len(inputs)} input(s), {len(outputs)} output(s) of {REFERENCE}); "
                    f"under --tfinterop-regen every test that writes a golden fails, as with pytest-regressions: run "
                    f"again without it to hold the target to the golden", pytrace=False)


def failure_message(result, target: str, detail: str) -> str:
    """In the spirit of numpy.testing.assert_allclose: what was compared, under which contract, and per output
    how many elements differ and the largest errors and where; or why the target could not run the model."""
    from tfinterop.contract.tolerance import contract
    lines = [f"tfinterop: {result.dir} does not give the same outputs in {target} as in {result.reference}"]
    floats = sorted({o.dtype for o in result.outputs if o.dtype.startswith("float")})
    if floats:
        terms = ", ".join(f"{d}: rtol={contract(d).rtol:g}, atol={contract(d).atol:g}" for d in floats)
        lines.append(f"contract (tolerance.json): {terms}; other dtypes, shapes and dtypes exactly")
    lines.append(detail)
    if result.status == "target-failed" and result.findings:
        lines.append(f"`tfinterop check` names the causes above, each with its fix; `tfinterop fix MODEL --target "
                     f"{target} --out FIXED` rewrites the model into one the target loads, and keeps it only if its "
                     f"outputs agree")
    return "\n".join(lines)


@pytest.fixture
def tfinterop_target():
    """The target of this test: pytest_generate_tests parametrizes it for every test that uses `tfinterop`."""
    return DEFAULT_TARGET


@pytest.fixture
def tfinterop(_tfinterop_session, tfinterop_target, request):
    return TfInterop(_tfinterop_session, tfinterop_target, request)
