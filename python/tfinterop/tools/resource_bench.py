"""`tfinterop bench-resources`: load -> run -> close a model many times in one JVM
(org.tfinterop.ResourceBench) and print what stays behind: resident-memory growth and the Java
library's count of open bundles and tensors.

The JVM gets MALLOC_ARENA_MAX=2 and -Xmx64m, and ResourceBench runs 100 warm-up cycles before it
measures. Measured on these machines (compat-serve): RSS rises by 20-35 MB over the first ~100-500 loads
(glibc gives TensorFlow's per-session threads malloc arenas of their own; the JIT) and is then flat.
After the warm-up, 1,000 cycles grew RSS by 4.0 MB with two arenas and 14.0 MB with glibc's default
(`--compare` runs both); with only 50 warm-up cycles the same runs measured 12-37 MB, which is why the
warm-up is 100. Bundles and tensors left open: 0.
"""

import os
import subprocess
from pathlib import Path

from tfinterop.runtimes import registry

BENCH_ENV = {"MALLOC_ARENA_MAX": "2", "TF_CPP_MIN_LOG_LEVEL": "2"}
BENCH_JVM = ["-Xmx64m"]


def bench_resources(model: Path, cycles: int, tags, env_overrides=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **BENCH_ENV)
    for name, value in (env_overrides or {}).items():     # None removes a variable
        env.pop(name) if value is None else env.__setitem__(name, value)
    return subprocess.run(registry.DEFAULT_JAVA.command("org.tfinterop.ResourceBench", [model, cycles, *tags],
                                                        jvm=BENCH_JVM), env=env,
                          capture_output=True, text=True, timeout=3600)
