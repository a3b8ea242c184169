"""The forward model of GBK text decoded one byte out of step: what the damage does to an
original text (see :mod:`analysis.clean.gbk_repair` for the model and the repair).
"""
from __future__ import annotations


def is_pua(ch: str) -> bool:
    """True for a private-use character (what GB18030 maps user-defined byte pairs to)."""
    return 0xE000 <= ord(ch) <= 0xF8FF


def fold(ch: str) -> str:
    """A full-width ASCII form folded to its ASCII character (ＡＢ！ → AB!)."""
    code = ord(ch)
    return chr(code - 0xFEE0) if 0xFF01 <= code <= 0xFF5E else ch


def decode_pair(b1: int, b2: int) -> str | None:
    """Decode a 2-byte GB18030 pair, or None if the bytes are not a valid pair."""
    if not (0x81 <= b1 <= 0xFE and 0x40 <= b2 <= 0xFE and b2 != 0x7F):
        return None
    try:
        return bytes((b1, b2)).decode("gb18030")
    except UnicodeDecodeError:
        return None


def simulate_shift_damage(original: str) -> str:
    """Apply the damage model to ``original`` (the forward direction, used for verification).

    >>> simulate_shift_damage("校籌")
    '?;I'
    """
    data = original.encode("gbk")[1:]
    out = ["?"]
    i = 0
    while i < len(data):
        byte = data[i]
        if byte < 0x80:
            out.append(chr(byte))
            i += 1
            continue
        ch = decode_pair(byte, data[i + 1]) if i + 1 < len(data) else None
        if ch is not None:
            if not is_pua(ch):
                out.append(fold(ch))
            i += 2
            continue
        out.append("?")
        i += 1
    return "".join(out)
