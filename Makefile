# The README's two commands, `make run` and `make test`, each set themselves up on a fresh machine:
# a virtual environment with the pinned Python packages, Gradle (Debian's, when missing) and the
# Java module with its Maven Central dependencies. Later runs reuse all of it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
GRADLE ?= gradle
GRADLE_FLAGS ?= --console=plain
PYTEST_ARGS ?=
ARGS ?=
JAVA_INSTALL := java/build/install/tfinterop-java
JAVA_INPUTS := build.gradle settings.gradle java/build.gradle java-core/build.gradle java-current/build.gradle $(wildcard python/tfinterop/shared/*) \
	$(shell find java/src/main java-core/src/main java-current/src/main -type f 2>/dev/null)

.PHONY: run test test-faults test-install examples wheel bench setup java maven-local python-test java-test matrix corpus corpus-js layers layers-js nox clean

run: setup
	$(PY) -m tfinterop run $(ARGS)

# pytest and `gradle :java:test` run side by side (pytest leaves most of the second core idle while
# one process at a time imports TensorFlow); gradle's log is printed after pytest's, and either failing
# fails `make test`. `make python-test` / `make java-test` run one of them.
test: setup
	@mkdir -p build
	@echo "gradle :java:test runs beside pytest; its log follows pytest's (build/java-test.log)"
	@$(GRADLE) $(GRADLE_FLAGS) :java:test > build/java-test.log 2>&1 & gradle_pid=$$!; \
	$(PY) -m pytest $(PYTEST_ARGS); pytest_status=$$?; \
	wait $$gradle_pid; gradle_status=$$?; \
	cat build/java-test.log; \
	echo "make test: pytest exit $$pytest_status, gradle :java:test exit $$gradle_status"; \
	test $$pytest_status = 0 && test $$gradle_status = 0

# The benchmark (BENCHMARKS.md): ratios of the cross-language path, and `make test`'s own wall time.
bench: setup
	mkdir -p build
	$(PY) -m tfinterop bench --json build/bench.json --markdown BENCHMARKS.md --make-test $(ARGS)

python-test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# The slow fault tests: the whole bad-input catalogue through both command lines (two process starts
# per case) and a fuzz run of 500 mutants (`make test` runs 100).
test-faults: setup
	TFINTEROP_FULL_FAULTS=1 $(PY) -m pytest -q tests/runtimes/test_bad_input_catalogue.py tests/tools/test_fuzz.py

# The wheel a user installs (setup.py ships the Java module's jars in it), in build/wheel.
wheel: setup
	$(PY) -m pip wheel --no-deps --no-build-isolation --quiet --disable-pip-version-check -w build/wheel .

# The Java library as Maven artifacts (org.tfinterop:tfinterop-java-core, tfinterop-java, tfinterop-java-current;
# POM, sources and javadoc jars) in the local Maven repository (~/.m2, where Maven and Gradle's mavenLocal() look),
# and as a file repository in build/maven-repo (what the wheel carries; `tfinterop java` prints where).
maven-local:
	scripts/ensure-gradle.sh
	$(GRADLE) $(GRADLE_FLAGS) --quiet publishToMavenLocal -Dmaven.repo.local=$(abspath build/maven-repo)
	$(GRADLE) $(GRADLE_FLAGS) --quiet publishToMavenLocal

# tfinterop as a user installs it: the wheel in a new virtual environment, run from outside the checkout; and the
# JVM projects of examples/java under Maven and Gradle, from outside the checkout, failing on an altered golden.
test-install: setup maven-local
	scripts/ensure-maven.sh
	$(PY) -m pytest -q tests-install

# examples/: a user's repository in miniature (export, the pytest plugin, the JUnit helper).
examples: setup maven-local
	scripts/ensure-maven.sh
	GRADLE_FLAGS="$(GRADLE_FLAGS)" examples/run.sh $(abspath $(PY))

java-test: setup
	$(GRADLE) $(GRADLE_FLAGS) :java:test

# The full compatibility matrix (every producer x variant x consumer), regenerating COMPATIBILITY.md.
# It sets up what it needs itself: the producers' virtual environments (under ~/.cache/tfinterop/venvs,
# from PyPI) and the Java consumers (Gradle, Maven Central). `make matrix ARGS=--fix` rewrites the list.
matrix: setup
	mkdir -p build/matrix
	$(PY) -m tfinterop matrix --overwrite --markdown COMPATIBILITY.md --json build/matrix/matrix.json \
		--html build/matrix/matrix.html $(ARGS)

# Models no one here wrote (harness/zoo.py: keras.applications, attention, recurrent, resizing, activations),
# built by TF 2.21 (Keras 3) and TF 2.12 (Keras 2), fixed for every TF Java 1.x target and verified there;
# results in COMPATIBILITY.md's "Models no one here wrote" section. Cached by content like the matrix.
corpus: setup
	mkdir -p build/corpus
	$(PY) -m tfinterop.harness.zoo_run --markdown COMPATIBILITY.md --json build/corpus/corpus.json $(ARGS)

# The same models held to TensorFlow.js as they are (no fix is made for it): `verify --target js-tfjs-4.22.0` beside
# `check`'s prediction; COMPATIBILITY.md's "Models no one here wrote, in TensorFlow.js". Cached by content.
corpus-js: setup
	mkdir -p build/corpus
	$(PY) -m tfinterop.harness.zoo_run --javascript --markdown COMPATIBILITY.md --json build/corpus/corpus-js.json $(ARGS)

# The layer survey's models held to TensorFlow.js as they are, likewise: COMPATIBILITY.md's "Every Keras layer, in
# TensorFlow.js".
layers-js: setup
	mkdir -p build/layers
	$(PY) -m tfinterop.harness.zoo_run --javascript --layers --markdown COMPATIBILITY.md --json build/layers/layers-js.json $(ARGS)

# The layer survey (harness/layer_survey.py): one model per public class of keras.layers, from Keras 3 (TF 2.21) and
# Keras 2 (TF 2.12), held to check, fixed for every TF Java 1.x target and verified there; COMPATIBILITY.md's
# "Every Keras layer" section, with each op found lacking and its form or refusal. Cached by content like corpus.
layers: setup
	mkdir -p build/layers
	$(PY) -m tfinterop.harness.zoo_run --layers --markdown COMPATIBILITY.md --json build/layers/layers.json $(ARGS)

# One matrix slice at a time, as CI runs them: make nox ARGS='-s "cell(producer='"'"'tf-1.8.0'"'"', consumer='"'"'java-tf-1.8.0'"'"')"'
nox: setup $(VENV)/bin/nox
	$(VENV)/bin/nox $(ARGS)

$(VENV)/bin/nox: | $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check nox==2026.10.20

setup: $(VENV)/.installed java

$(VENV)/.installed: requirements.txt pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "tfinterop needs Python 3.11 (TensorFlow 2.21 wheels); set PYTHON=python3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

java: $(JAVA_INSTALL)/.installed

$(JAVA_INSTALL)/.installed: $(JAVA_INPUTS)
	scripts/ensure-gradle.sh
	scripts/ensure-maven.sh      # the TF Java releases' jars are fetched with Maven on first use (runtimes/jars.py)
	$(GRADLE) $(GRADLE_FLAGS) --quiet :java:installDist :java-current:jar
	touch $@

clean:
	rm -rf build java/build .gradle java/.gradle
