"""`tfinterop fix`: rewrite a SavedModel into one the target runtime loads, and keep it only when the target gives
the reference's outputs. Its stages, in order, are pipeline.py's (read, lower, build, check, verify, commit);
lower.py and build.py are the two that rewrite, report.py what it says."""

from tfinterop.commands.fix.lower import lower
from tfinterop.commands.fix.pipeline import fix
from tfinterop.commands.fix.report import FixRefusedError, FixReport, human

__all__ = ["FixRefusedError", "FixReport", "fix", "human", "lower"]
