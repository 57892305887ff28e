#!/usr/bin/env bash
# The example end to end, as CI runs it: export, the pytest plugin's tests, the JUnit helper's test.
#   examples/run.sh [PYTHON]   (default: the checkout's .venv/bin/python, which `make setup` makes)
set -euo pipefail
cd "$(dirname "$0")"
PY="${1:-../.venv/bin/python}"
rm -rf build/model
"$PY" export_model.py build/model
"$PY" -m pytest -q -p no:cacheprovider test_models.py
JAVA_LIB="$("$PY" -c 'import tfinterop.core.paths as p; print(p.JAVA_LIB)')"
gradle ${GRADLE_FLAGS:---console=plain} --quiet -p java test -PtfinteropJavaLib="$JAVA_LIB"
echo "examples: export, pytest and gradle test passed"
