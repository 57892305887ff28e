"""runtimes/jars.py: a release's jars are checked against the SHA-256 tfinterop recorded, and a folder is either
complete or absent. With Maven and its local repository as they are (the jar used is TF Java 1.4.0's 1.7 KB
`tensorflow` jar, which the releases test fetches anyway). The good path is test_tf_java_releases.py's and
tests-install's (a first use from an empty cache)."""

import pytest

from tfinterop.core.errors import DataIntegrityError
from tfinterop.runtimes import jars

JAR = next(j for j in jars.locked()["java-tf-1.4.0"]["jars"] if j["file"] == "tensorflow-1.4.0.jar")


@pytest.fixture
def user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TFINTEROP_MAVEN_REPOSITORY", str(jars.maven_repository()))   # Maven's own cache, shared
    monkeypatch.setenv("TFINTEROP_CACHE", str(tmp_path))
    return tmp_path


def test_a_jar_that_is_not_the_recorded_one_is_refused_and_nothing_is_put_in_place(user_cache):
    bad = dict(JAR, sha256="0" * 64)
    with pytest.raises(DataIntegrityError) as e:
        jars.resolve("probe", [bad], log=lambda m: None)
    assert f"has SHA-256 {JAR['sha256']}, not the {'0' * 64} tfinterop recorded" in str(e.value)
    assert e.value.kind == "data-integrity" and e.value.exit_code == 1
    assert not (user_cache / "tf-java" / "probe").exists()
    assert [p.name for p in (user_cache / "tf-java").iterdir()] == []       # no staging folder left behind



def test_an_old_release_folder_is_replaced_only_when_it_holds_nothing_but_what_tfinterop_writes(tmp_path):
    """_discard removes a release folder of an older lock only if it holds jars, tfinterop's marker and its native
    folder; a folder with anything else of the user's is refused, and kept as it was."""
    ours = tmp_path / "java-tf-1.9.0"
    (ours / jars.NATIVE).mkdir(parents=True)
    (ours / "libtensorflow-1.9.0.jar").write_bytes(b"jar")
    (ours / jars.COMPLETE).write_text("{}")
    jars._discard(ours)                                      # noqa: SLF001 -- the rule itself
    assert not ours.exists()
    theirs = tmp_path / "java-tf-1.10.0"
    theirs.mkdir()
    (theirs / "libtensorflow-1.10.0.jar").write_bytes(b"jar")
    (theirs / "notes.txt").write_text("mine")
    with pytest.raises(jars.JarsUnavailableError, match="notes.txt"):
        jars._discard(theirs)                                # noqa: SLF001
    assert (theirs / "notes.txt").read_text() == "mine" and (theirs / "libtensorflow-1.10.0.jar").exists()
