"""Protocol-buffer wire format, read and written without any generated classes or TensorFlow: the
orchestrator may not import TensorFlow, yet the SavedModel reader (reader.py, which names the
fields), the fuzzer and the bad-input catalogue need to look inside saved_model.pb. A message is a list of Field(number, wire_type, value): value is an
int for varints and fixed-width fields, bytes for length-delimited ones (sub-messages stay bytes until
parsed). Unknown structure is kept as is, so parse -> encode gives back the same bytes."""

from dataclasses import dataclass

VARINT, FIXED64, LENGTH, START_GROUP, END_GROUP, FIXED32 = 0, 1, 2, 3, 4, 5


@dataclass
class Field:
    number: int
    wire_type: int
    value: object


class WireError(ValueError):
    pass


def read_varint(buf: bytes, pos: int):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise WireError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise WireError("varint longer than 10 bytes")


def encode_varint(n: int) -> bytes:
    if n < 0:
        n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def parse(buf: bytes) -> list:
    """Raises WireError on anything that is not a well-formed message (groups included, as TF has none)."""
    fields, pos = [], 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos)
        elif wire_type == FIXED64:
            if pos + 8 > len(buf):
                raise WireError("truncated fixed64")
            value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        elif wire_type == FIXED32:
            if pos + 4 > len(buf):
                raise WireError("truncated fixed32")
            value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        elif wire_type == LENGTH:
            n, pos = read_varint(buf, pos)
            if pos + n > len(buf):
                raise WireError(f"length {n} runs past the end")
            value, pos = bytes(buf[pos:pos + n]), pos + n
        else:
            raise WireError(f"unsupported wire type {wire_type}")
        fields.append(Field(number, wire_type, value))
    return fields


def encode(fields) -> bytes:
    out = bytearray()
    for f in fields:
        out += encode_varint(f.number << 3 | f.wire_type)
        if f.wire_type == VARINT:
            out += encode_varint(f.value)
        elif f.wire_type == FIXED64:
            out += (f.value & (1 << 64) - 1).to_bytes(8, "little")
        elif f.wire_type == FIXED32:
            out += (f.value & (1 << 32) - 1).to_bytes(4, "little")
        elif f.wire_type == LENGTH:
            out += encode_varint(len(f.value)) + f.value
        else:
            raise WireError(f"unsupported wire type {f.wire_type}")
    return bytes(out)


def values(fields, number):
    return [f.value for f in fields if f.number == number]


def first(fields, number, default=b""):
    found = values(fields, number)
    return found[-1] if found else default   # protobuf: the last occurrence of a singular field wins


def strings(fields, number):
    return [v.decode("utf-8", "replace") for v in values(fields, number)]


def replace_submessage(fields, number, index, new_bytes):
    """The fields with the index-th occurrence of `number` replaced by new_bytes."""
    out, seen = [], 0
    for f in fields:
        if f.number == number:
            if seen == index:
                f = Field(f.number, f.wire_type, new_bytes)
            seen += 1
        out.append(f)
    return out
