"""The Java library as a JVM team takes it: examples/java (a Maven project and a Gradle project naming only
org.tfinterop:tfinterop-java's coordinates) copied to a folder outside the checkout, beside the example's goldens
and a model exported there (model.export(), then `tfinterop fix`). Under Maven Surefire (JUnit 5, and JUnit 4 on
the vintage engine) and under Gradle 4.4.1 (JUnit 4 natively, JUnit 5 through the JUnit Platform launcher) the
tests pass on the goldens the pytest plugin wrote, and fail on altered ones naming every output that differs and
no other; a project that declares its own TF Java runs on it. The artifact comes from the local Maven repository:
`make test-install` runs `make maven-local` first. About 2 minutes (3 Maven and 2 Gradle runs)."""

import re
import shutil
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from outside import run

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
FIXED_GOLDEN = "test_models/test_fixed_keras_export_serves_in_java.npz"
TF1_GOLDEN = "test_models/test_tf1_export_serves_in_java.npz"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A folder outside the checkout holding build/model/{keras,keras-for-java,tf1}, as examples/run.sh makes them."""
    pom = Path.home() / ".m2" / "repository" / "org" / "tfinterop" / "tfinterop-java" / VERSION / f"tfinterop-java-{VERSION}.pom"
    if not pom.is_file():
        pytest.fail(f"{pom} is missing: run `make maven-local` (make test-install does) to install the artifact")
    root = tmp_path_factory.mktemp("exported")
    run(sys.executable, EXAMPLES / "export_model.py", root / "build" / "model", cwd=root)
    run(sys.executable, "-m", "tfinterop", "fix", root / "build" / "model" / "keras", "--out",
        root / "build" / "model" / "keras-for-java", cwd=root)
    return root


def project(exported, where: Path, altered: bool) -> Path:
    """examples/java with the example's goldens (altered: two of the fixed Keras model's three outputs changed,
    and the TF1 model's one) and the exported model, in `where`; returns the project folder."""
    shutil.copytree(EXAMPLES / "java", where / "java", ignore=shutil.ignore_patterns("build", "target", ".gradle"))
    shutil.copytree(EXAMPLES / "test_models", where / "test_models")
    shutil.copytree(exported / "build", where / "build")
    if altered:
        change(where / FIXED_GOLDEN, {"outputs/digits": (2, 3), "outputs/hidden": (1, 4)})
        change(where / TF1_GOLDEN, {"outputs/digits": (0, 0)})
    return where / "java"


def change(golden: Path, where: dict):
    arrays = dict(np.load(golden))
    for key, at in where.items():
        arrays[key] = arrays[key].copy()
        arrays[key][at] += 0.5
    np.savez(golden, **arrays)


def failures(report: Path) -> dict:
    """{test name: (failure type, message and trace)} of a JUnit XML report, every test case in it."""
    cases = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        failed = case.find("failure")
        cases[case.get("name").rstrip("()")] = None if failed is None else (
            failed.get("type"), (failed.get("message") or "") + "\n" + (failed.text or ""))
    return cases


def assert_names_every_differing_output(failure, tf_java="1.8.0"):
    kind, text = failure
    assert kind == "org.opentest4j.AssertionFailedError", failure
    assert f"in TF Java {tf_java} does not match" in text, text
    assert "(2 of 3 outputs differ)" in text, text
    assert re.search(r"digits: float32\[8, 10\]: 1 of 80 elements beyond .* max abs error 0\.500 at \[2, 3\]", text), text
    assert re.search(r"hidden: float32\[8, 16\]: 1 of 128 elements beyond .* max abs error 0\.500 at \[1, 4\]", text), text
    assert "logits:" not in text, text


def assert_junit4_failure_names_its_output(text):
    assert "test_tf1_export_serves_in_java.npz (1 of 1 outputs differ)" in text, text
    assert "digits: float32[8, 10]: 1 of 80 elements beyond" in text, text


def test_the_example_names_this_version_of_the_artifact():
    """The example's builds name the artifact by pyproject.toml's version, which the jars are published at."""
    assert f"<artifactId>tfinterop-java</artifactId>\n      <version>{VERSION}</version>" in (EXAMPLES / "java" / "pom.xml").read_text()
    assert f"'org.tfinterop:tfinterop-java:{VERSION}'" in (EXAMPLES / "java" / "build.gradle").read_text()


MVN = ("mvn", "-B", "--no-transfer-progress", "-Dstyle.color=never", "test")


def test_maven_surefire_passes_on_the_goldens_and_fails_naming_every_output_that_differs(exported, tmp_path):
    good = project(exported, tmp_path / "good", altered=False)
    r = run(*MVN, cwd=good)
    assert "Tests run: 3, Failures: 0, Errors: 0, Skipped: 0" in r.stdout
    bad = project(exported, tmp_path / "bad", altered=True)
    r = run(*MVN, cwd=bad, check=False)
    assert r.returncode == 1, r.stdout[-4000:]
    assert "Tests run: 3, Failures: 3, Errors: 0, Skipped: 0" in r.stdout, r.stdout[-4000:]
    reports = bad / "target" / "surefire-reports"
    jupiter = failures(reports / "TEST-example.FixedKerasModelTest.xml")
    assert sorted(jupiter) == ["servesPythonTensorFlowsOutputs", "theOneCallFormLoadsRunsAndCloses"]
    for failure in jupiter.values():
        assert_names_every_differing_output(failure)
    [junit4] = failures(reports / "TEST-example.Tf1ModelJUnit4Test.xml").values()
    assert_junit4_failure_names_its_output(junit4[1])


def test_a_maven_project_that_declares_its_own_tf_java_runs_on_it(exported, tmp_path):
    """Maven takes the nearest declaration: the project's org.tensorflow:tensorflow 1.15.0, not tfinterop-java's
    1.8.0; the failure says which TF Java ran."""
    bad = project(exported, tmp_path / "pinned", altered=True)
    pom = bad / "pom.xml"
    pom.write_text(pom.read_text().replace("  <dependencies>\n", "  <dependencies>\n    <dependency>\n"
                                           "      <groupId>org.tensorflow</groupId>\n"
                                           "      <artifactId>tensorflow</artifactId>\n"
                                           "      <version>1.15.0</version>\n"
                                           "    </dependency>\n", 1))
    r = run(*MVN, cwd=bad, check=False)
    assert r.returncode == 1 and "Tests run: 3, Failures: 3" in r.stdout, r.stdout[-4000:]
    for failure in failures(bad / "target" / "surefire-reports" / "TEST-example.FixedKerasModelTest.xml").values():
        assert_names_every_differing_output(failure, tf_java="1.15.0")


GRADLE = ("gradle", "--console=plain", "--no-daemon", "test")


def test_gradle_4_4_1_passes_on_the_goldens_and_fails_naming_every_output_that_differs(exported, tmp_path):
    good = project(exported, tmp_path / "good", altered=False)
    run(*GRADLE, cwd=good)
    assert failures(good / "build" / "test-results" / "junitPlatform" / "TEST-junit-jupiter.xml") == {
        "servesPythonTensorFlowsOutputs": None, "theOneCallFormLoadsRunsAndCloses": None}
    assert failures(good / "build" / "test-results" / "test" / "TEST-example.Tf1ModelJUnit4Test.xml") == {
        "servesPythonTensorFlowsOutputs": None}
    bad = project(exported, tmp_path / "bad", altered=True)
    r = run(*GRADLE, cwd=bad, check=False)
    assert r.returncode == 1, r.stdout[-4000:]
    jupiter = failures(bad / "build" / "test-results" / "junitPlatform" / "TEST-junit-jupiter.xml")
    assert sorted(jupiter) == ["servesPythonTensorFlowsOutputs", "theOneCallFormLoadsRunsAndCloses"]
    for failure in jupiter.values():
        assert_names_every_differing_output(failure)
    [junit4] = failures(bad / "build" / "test-results" / "test" / "TEST-example.Tf1ModelJUnit4Test.xml").values()
    assert junit4[0] == "org.opentest4j.AssertionFailedError", junit4   # junit-jupiter-api is on its classpath too
    assert_junit4_failure_names_its_output(junit4[1])


def test_over_the_current_tf_java_the_same_tests_run_under_maven(exported, tmp_path):
    """org.tfinterop:tfinterop-java-current in place of tfinterop-java (Java 11, as the current TF Java needs),
    with the platform's native library: the same JUnit 5 and JUnit 4 tests pass on the goldens and fail on
    altered ones naming every differing output, in TensorFlow 2.18."""
    for name, altered in (("good", False), ("bad", True)):
        java = project(exported, tmp_path / name, altered=altered)
        pom = java / "pom.xml"
        text = pom.read_text()
        assert "<artifactId>tfinterop-java</artifactId>" in text
        pom.write_text(text.replace("<artifactId>tfinterop-java</artifactId>", "<artifactId>tfinterop-java-current"
                                    "</artifactId>").replace("<maven.compiler.release>8<", "<maven.compiler.release>11<")
                       .replace("  <dependencies>\n", "  <dependencies>\n    <dependency>\n"
                                "      <groupId>org.tensorflow</groupId>\n"
                                "      <artifactId>tensorflow-core-native</artifactId>\n"
                                "      <version>1.1.0</version>\n"
                                "      <classifier>linux-x86_64</classifier>\n"
                                "    </dependency>\n", 1))
        r = run(*MVN, cwd=java, check=False)
        if not altered:
            assert r.returncode == 0 and "Tests run: 3, Failures: 0, Errors: 0" in r.stdout, r.stdout[-4000:]
            continue
        assert r.returncode == 1 and "Tests run: 3, Failures: 3, Errors: 0" in r.stdout, r.stdout[-4000:]
        reports = java / "target" / "surefire-reports"
        for failure in failures(reports / "TEST-example.FixedKerasModelTest.xml").values():
            assert_names_every_differing_output(failure, tf_java="2.18.0")
        [junit4] = failures(reports / "TEST-example.Tf1ModelJUnit4Test.xml").values()
        assert_junit4_failure_names_its_output(junit4[1])
