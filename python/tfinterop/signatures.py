"""Calls by signature: a SignatureDef key and its input/output keys (the names `inspect` shows) resolved
to graph tensor names, with the same rules and error kinds as the Java library (org.tfinterop.SignatureInfo):
an unknown key lists the keys there are; a key may be left out when the signature has only one.
Works on plain data so that no runtime is needed to resolve."""

from tfinterop.errors import InvalidInputError, SignatureKeyNotFoundError, SignatureNotFoundError


def signature_tensors(meta_graph_def):
    """{signature key: ({input key: tensor name}, {output key: tensor name})} of a MetaGraphDef protobuf."""
    return {key: ({k: t.name for k, t in sig.inputs.items()}, {k: t.name for k, t in sig.outputs.items()})
            for key, sig in meta_graph_def.signature_def.items()}


def resolve(signatures, key, input_key, output_key, tags):
    """(input tensor name, output tensor name) for signature `key`; input_key/output_key None = the only one."""
    input_key, output_key = resolve_keys(signatures, key, input_key, output_key, tags)
    inputs, outputs = signatures[key]
    return _dense(key, "input", inputs, input_key), _dense(key, "output", outputs, output_key)


def resolve_keys(signatures, key, input_key, output_key, tags):
    """(input key, output key) of signature `key`; input_key/output_key None = the only one."""
    if key not in signatures:
        have = sorted(signatures)
        raise SignatureNotFoundError(f"the MetaGraphDef with tag-set [{', '.join(tags)}] has no signature {key!r}; "
                                     f"its signatures: {', '.join(have) or '(none)'}")
    inputs, outputs = signatures[key]
    return _one(key, "input", inputs, input_key), _one(key, "output", outputs, output_key)


def _one(key, role, tensors, wanted):
    have = sorted(tensors)
    listed = ", ".join(have) or "(none)"
    if wanted is None:
        if len(have) != 1:
            raise SignatureKeyNotFoundError(f"signature {key!r} has {len(have)} {role}s, so name one with its {role} "
                                            f"key; its {role} keys: {listed}")
        wanted = have[0]
    if wanted not in tensors:
        raise SignatureKeyNotFoundError(f"signature {key!r} has no {role} {wanted!r}; its {role} keys: {listed}")
    return wanted


def _dense(key, role, tensors, wanted):
    if not tensors[wanted]:
        raise InvalidInputError(f"signature {key!r} {role} {wanted!r} is a composite tensor (no single tensor name); "
                                f"only dense tensors are supported")
    return tensors[wanted]
