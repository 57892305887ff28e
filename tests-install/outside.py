"""What the tests of tfinterop as a user installs it share: commands run from folders outside the checkout, with
no TFINTEROP_ variable pointing back at it."""

import os
import subprocess


def run(*args, cwd, check=True, extra_env=None):
    """`extra_env`: variables the test sets itself (a fresh TFINTEROP_CACHE, say), after the checkout's are dropped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TFINTEROP_")}
    env.update(extra_env or {})
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"{args} exited {r.returncode}:\n{r.stdout[-6000:]}\n{r.stderr[-3000:]}")
    return r
