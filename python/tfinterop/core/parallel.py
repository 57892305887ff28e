"""Running independent pieces of work side by side. Every piece tfinterop runs this way drives processes
of its own (an exporter, a consumer worker), so threads are enough, and much of each piece's time is its
runtime's start (importing TensorFlow, starting the JVM), which leaves a core idle when run one by one."""

import concurrent.futures
import os


def side_by_side(fn, items) -> list:
    """fn over items, as many at a time as there are cores; the results in the order given. An exception
    from any call is raised here, after every call has ended (none is left running behind the caller)."""
    items = list(items)
    if len(items) <= 1:
        return [fn(item) for item in items]
    with concurrent.futures.ThreadPoolExecutor(min(len(items), os.cpu_count() or 1)) as pool:
        futures = [pool.submit(fn, item) for item in items]
    return [f.result() for f in futures]
