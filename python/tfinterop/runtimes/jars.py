"""TF Java's jars for a target, fetched from Maven Central into the user's cache on first use, so that an
installed tfinterop runs every TF Java release with no checkout and no Gradle.

The wheel carries tfinterop's own Java module (its jars, built against TF Java 1.8's API, with TF Java 1.8.0's
jars for the default target; and the module for the current TF Java's API). Every other release's jars are
named in `tf-java-jars.json` beside this file (package data, written by `tools/lock_jars.py`: Maven resolves
each release's dependencies, and each jar's size and SHA-256 are recorded), and fetched on first use:

    ~/.cache/tfinterop/maven/                  Maven's local repository (what Maven downloads, and its plugins)
    ~/.cache/tfinterop/tf-java/<target>/       the release's jars, hard links into it, each checked against its
                                               SHA-256 before the folder is renamed into place

The fetch is Maven's (`mvn dependency:resolve` on a POM that lists exactly the locked jars, with strict checksums:
Maven checks each against Maven Central's .sha1), the resolver Java teams already run, which honours their
~/.m2/settings.xml (mirrors, proxies, credentials); tfinterop then checks every jar against the SHA-256 it
recorded when the lock was made. A folder is either complete and checked, or absent: a half-fetched release
is a staging folder beside it, never on a classpath.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tfinterop.core import paths
from tfinterop.core.errors import DataIntegrityError, JarsUnavailableError

LOCK = Path(__file__).resolve().parent / "tf-java-jars.json"
PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"     # named in full: the same on every machine
COMPLETE = ".tfinterop-complete"        # written last into a release's folder: the jars it holds, checked


def locked() -> dict:
    """target name -> {"maven": top-level coordinates, "jars": [{"coordinates", "file", "size", "sha256"}]}."""
    return json.loads(LOCK.read_text())["targets"] if LOCK.is_file() else {}


def repository_path(coordinates: str) -> Path:
    """Where Maven's local repository keeps group:artifact:version[:classifier] (a jar)."""
    group, artifact, version, *classifier = coordinates.split(":")
    name = f"{artifact}-{version}" + (f"-{classifier[0]}" if classifier else "") + ".jar"
    return Path(*group.split("."), artifact, version, name)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def releases_dir() -> Path:
    return paths.cache_dir() / "tf-java"


def maven_repository() -> Path:
    return Path(os.environ.get("TFINTEROP_MAVEN_REPOSITORY") or paths.cache_dir() / "maven")


def cached(name: str, jars: list, extract_native: bool = False) -> list | None:
    """The release's jars in the cache, if its folder is complete (its jars were checked when it was made)."""
    folder = releases_dir() / name
    marker = folder / COMPLETE
    if not marker.is_file() or marker.read_text() != _manifest(jars, extract_native):
        return None
    found = [folder / j["file"] for j in jars]
    return found if all(p.is_file() and p.stat().st_size == j["size"] for p, j in zip(found, jars)) else None


def _manifest(jars: list, extract_native: bool = False) -> str:
    return "".join(f"{j['sha256']}  {j['file']}\n" for j in jars) + (f"{NATIVE}/ extracted\n" if extract_native else "")


NATIVE = "native"       # a release's native libraries, extracted from its JNI jar where its loader cannot (1.14.0)
NATIVE_IN_JAR = "org/tensorflow/native/linux-x86_64/"


def native_dir(name: str) -> Path:
    """Where a release whose JNI jar must be unpacked keeps its native libraries (the JVM's java.library.path)."""
    return releases_dir() / name / NATIVE


def _extract_native(jar: Path, into: Path):
    """The JNI jar's linux-x86_64 libraries, side by side: libtensorflow_jni.so finds libtensorflow_framework.so.1
    through its RUNPATH ($ORIGIN), and TF Java's NativeLibrary loads it from java.library.path before it tries the
    jar's own copy."""
    import zipfile
    into.mkdir()
    with zipfile.ZipFile(jar) as z:
        for member in z.namelist():
            if member.startswith(NATIVE_IN_JAR) and ".so" in member:
                with z.open(member) as src, open(into / member[len(NATIVE_IN_JAR):], "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)


def resolve(name: str, jars: list, log=print, extract_native: bool = False) -> list:
    """The jars of target `name` (its rows of the lock), fetched with Maven on first use; raises
    JarsUnavailableError (no Maven, or Maven could not fetch them: offline, say) or DataIntegrityError (a jar
    that is not the one recorded)."""
    found = cached(name, jars, extract_native)
    if found:
        return found
    mvn = shutil.which(os.environ.get("TFINTEROP_MVN") or "mvn")
    size = sum(j["size"] for j in jars)
    what = f"{name}'s {len(jars)} jars ({size / 1e6:.1f} MB)"
    if not mvn:
        raise JarsUnavailableError(f"{what} are fetched from Maven Central with Maven on first use, and there is no Maven at "
                                   f"{os.environ.get('TFINTEROP_MVN') or '`mvn` on the PATH'}: install Maven (apt-get install maven) "
                                   f"or set TFINTEROP_MVN to it")
    folder, repository = releases_dir() / name, maven_repository()
    folder.parent.mkdir(parents=True, exist_ok=True)
    repository.mkdir(parents=True, exist_ok=True)
    log(f"{name}: first use: fetching {what} from Maven Central with Maven into {folder} (once)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{name}.", suffix=".staging") as scratch:
        pom = Path(scratch) / "pom.xml"
        pom.write_text(_pom(name, jars))
        cmd = [mvn, "--batch-mode", "--strict-checksums", "--no-transfer-progress", "-f", str(pom),
               f"-Dmaven.repo.local={repository}", PLUGIN + ":resolve"]
        if os.environ.get("TFINTEROP_MAVEN_SETTINGS"):
            cmd[1:1] = ["--settings", os.environ["TFINTEROP_MAVEN_SETTINGS"]]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=scratch)
        if proc.returncode != 0:
            errors = [line[len("[ERROR] "):] for line in proc.stdout.splitlines() if line.startswith("[ERROR] ")
                      and line.strip() != "[ERROR]"]
            said = (errors[0] if errors else (proc.stderr or proc.stdout).strip()[-600:])[:600]
            raise JarsUnavailableError(f"could not fetch {what} from Maven Central (mvn exited {proc.returncode}: "
                                       f"{said}); tfinterop needs the network once per target, after which they "
                                       f"are in {folder}")
        staging = Path(scratch) / "lib"
        staging.mkdir()
        for j in jars:
            source = repository / repository_path(j["coordinates"])
            if not source.is_file():
                raise JarsUnavailableError(f"Maven reported {j['coordinates']} fetched but {source} is missing")
            digest = sha256(source)
            if digest != j["sha256"]:
                raise DataIntegrityError(f"{source} ({j['coordinates']}) has SHA-256 {digest}, not the {j['sha256']} "
                                         f"tfinterop recorded for it: the file is damaged or is not that release's; "
                                         f"delete it and run again")
            try:
                os.link(source, staging / j["file"])
            except OSError:
                shutil.copy2(source, staging / j["file"])
        if extract_native:
            [jni] = [staging / j["file"] for j in jars if j["file"].startswith("libtensorflow_jni-")]
            _extract_native(jni, staging / NATIVE)
        (staging / COMPLETE).write_text(_manifest(jars, extract_native))
        if cached(name, jars, extract_native):      # another process put it in place meanwhile: theirs serves
            return [folder / j["file"] for j in jars]
        if folder.exists():     # a folder of an older lock: replaced only if it holds tfinterop's own layout
            _discard(folder)
        try:
            os.replace(staging, folder)
        except OSError as e:
            if not cached(name, jars, extract_native):
                raise JarsUnavailableError(f"could not put {name}'s jars in place at {folder}: {e}") from None
    log(f"{name}: {len(jars)} jars ({size / 1e6:.1f} MB) fetched and checked in {time.monotonic() - started:.1f} s")
    return [folder / j["file"] for j in jars]


def _discard(folder: Path):
    """Removes an old release folder only if it holds nothing but jars and tfinterop's marker (what it writes)."""
    others = [p.name for p in folder.iterdir() if not (p.suffix == ".jar" or p.name in (COMPLETE, NATIVE))]
    if others or any(p.is_dir() and p.name != NATIVE for p in folder.iterdir()):
        raise JarsUnavailableError(f"{folder} holds files tfinterop did not write ({', '.join(others) or 'folders'}); "
                                   f"move them away so it can fetch the release's jars there")
    shutil.rmtree(folder)


def _pom(name: str, jars: list) -> str:
    """A POM that depends on exactly the locked jars, each without its own dependencies (they are locked too)."""
    deps = []
    for j in jars:
        group, artifact, version, *classifier = j["coordinates"].split(":")
        deps.append(f"    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
                    f"<version>{version}</version>" + (f"<classifier>{classifier[0]}</classifier>" if classifier else "")
                    + "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>"
                    "</dependency>")
    return ("<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>\n"
            f"  <groupId>tfinterop.fetch</groupId><artifactId>{name}</artifactId><version>0</version>"
            "<packaging>pom</packaging>\n  <dependencies>\n" + "\n".join(deps) + "\n  </dependencies>\n</project>\n")
