#!/usr/bin/env bash
# The example end to end, as CI runs it: export (model.export() and a TF1 graph), `tfinterop fix` of the Keras
# export for TF Java 1.8, the pytest plugin's tests, then the JVM project's JUnit 5 and JUnit 4 tests under Maven
# and under Gradle, both taking tfinterop's artifact by its coordinates from the local Maven repository.
#   examples/run.sh [PYTHON]   (default: the checkout's .venv/bin/python, which `make setup` makes)
# `make examples` runs `make maven-local` first (org.tfinterop:tfinterop-java into ~/.m2).
set -euo pipefail
cd "$(dirname "$0")"
PY="${1:-../.venv/bin/python}"
rm -rf build/model
"$PY" export_model.py build/model
"$PY" -m tfinterop fix build/model/keras --out build/model/keras-for-java
"$PY" -m pytest -q -p no:cacheprovider test_models.py
(cd java && mvn -B --no-transfer-progress -Dstyle.color=never test)
gradle ${GRADLE_FLAGS:---console=plain} --quiet -p java test
echo "examples: export, fix, pytest, mvn test and gradle test passed"
