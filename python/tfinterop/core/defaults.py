"""Each default of the tool, in one place: the command line, verify, fix, the pytest plugin and the bench all
take theirs from here (and the README quotes them)."""

# The target runtime a model is held to when none is named: the TF Java the seed's blog post serves with.
TARGET = "java-tf-1.8.0"
# Inputs synthesized from a signature: unknown dimensions take EXAMPLES, the values come from SEED.
EXAMPLES = 8
SEED = 0
# The tag-set to load when none is named and the model has several.
TAGS = ("serve",)
