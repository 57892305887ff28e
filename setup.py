"""Building a wheel also builds the Java module and ships its jars as package data (tfinterop/java-lib/):
tfinterop's own jar and TF Java 1.8.0's, as Gradle resolves them from Maven Central, so that an installed
tfinterop runs TF Java with no checkout, no Gradle and no network. Everything else is in pyproject.toml.
An editable install (a checkout, `make setup`) skips this: it uses java/build/install directly."""

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
JAVA_LIB = ROOT / "java" / "build" / "install" / "tfinterop-java" / "lib"


class BuildPyWithJava(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        print("tfinterop: building the Java module (gradle :java:installDist) to ship its jars in the wheel")
        subprocess.run([str(ROOT / "scripts" / "ensure-gradle.sh")], check=True)
        subprocess.run(["gradle", "--console=plain", "--quiet", "--no-daemon", ":java:installDist"], cwd=ROOT, check=True)
        out = Path(self.build_lib) / "tfinterop" / "java-lib"
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        jars = sorted(JAVA_LIB.glob("*.jar"))
        if not jars:
            raise SystemExit(f"gradle :java:installDist left no jars in {JAVA_LIB}")
        for jar in jars:
            shutil.copy2(jar, out / jar.name)
        print(f"tfinterop: {len(jars)} jars, {sum(j.stat().st_size for j in jars) / 1e6:.0f} MB, in the wheel")


setup(cmdclass={"build_py": BuildPyWithJava})
