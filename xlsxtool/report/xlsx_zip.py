"""A zip container read and re-written entry by entry, untouched entries copied as raw bytes.

Python's zipfile can only copy an entry by inflating and deflating it again: slow for a large
sheet and not byte-identical. Here an untouched entry's local header, compressed data and data
descriptor are copied verbatim and its central-directory record is copied with only the offset
changed. Only what is plainly a classic zip is accepted (no zip64, no encryption, no spanning,
no data in front of the first entry); anything else raises Unsupported and the caller falls
back to the openpyxl path.
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass
from typing import BinaryIO


class Unsupported(Exception):
    """The package cannot be edited safely in place; the message says why (in Chinese)."""


_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_CDH = struct.Struct("<4s6H3L5H2L")  # central directory header
_LFH = struct.Struct("<4s5H3L2H")  # local file header
_MAX32 = 0xFFFFFFFF
# Deflate level for the few parts we rewrite: level 1 is 3–5× faster than zlib's default 6
# on sheet XML and only a few per cent larger; the parts copied raw keep their own level.
LEVEL = 1


@dataclass
class Entry:
    name: str
    raw_name: bytes
    flags: int
    method: int
    csize: int
    usize: int
    crc: int
    local: memoryview  # local header + data (+ descriptor), as in the source
    data_start: int  # offset of the compressed data within `local`
    central: bytes  # the central-directory record, offset field to be patched

    def read(self) -> bytes:
        raw = self.local[self.data_start:self.data_start + self.csize]
        if self.method == 0:
            return bytes(raw)
        return zlib.decompress(raw, -15)

    def head(self, n: int) -> bytes:
        """About the first *n* bytes of the content, inflating no more than needed."""
        raw = self.local[self.data_start:self.data_start + self.csize]
        if self.method == 0:
            return bytes(raw[:n])
        return zlib.decompressobj(-15).decompress(raw, n)


def read_entries(data: bytes) -> list[Entry]:
    """The entries of a classic zip, in central-directory order."""
    view = memoryview(data)
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if pos < 0 or pos + _EOCD.size > len(data):
        raise Unsupported("不是标准的 zip 文件")
    _sig, disk, cd_disk, n_disk, n_total, cd_size, cd_off, _clen = _EOCD.unpack_from(data, pos)
    if (disk or cd_disk or n_disk != n_total or n_total == 0xFFFF or cd_size == _MAX32
            or cd_off == _MAX32 or data.rfind(b"PK\x06\x07", max(0, pos - 20), pos) >= 0):
        raise Unsupported("zip64 或分卷压缩包")
    if cd_off + cd_size != pos:
        raise Unsupported("zip 目录位置异常")
    entries: list[Entry] = []
    seen: set[str] = set()
    p = cd_off
    for _ in range(n_total):
        if data[p:p + 4] != b"PK\x01\x02":
            raise Unsupported("zip 目录损坏")
        (_s, _made, _need, flags, method, _t, _d, crc, csize, usize, nlen, elen, clen,
         _disk, _ia, _ea, off) = _CDH.unpack_from(data, p)
        end = p + _CDH.size + nlen + elen + clen
        raw_name = data[p + _CDH.size:p + _CDH.size + nlen]
        central = data[p:end]
        p = end
        if flags & 0x41:  # encrypted (traditional or strong)
            raise Unsupported("zip 条目已加密")
        if method not in (0, 8):
            raise Unsupported("zip 条目的压缩方式不常见")
        if _MAX32 in (csize, usize, off):
            raise Unsupported("zip64 条目")
        if data[off:off + 4] != b"PK\x03\x04":
            raise Unsupported("zip 条目位置异常")
        l_nlen, l_elen = struct.unpack_from("<2H", data, off + 26)
        start = _LFH.size + l_nlen + l_elen
        stop = off + start + csize
        if flags & 0x08:  # a data descriptor follows the data, with or without its signature
            stop += 16 if data[stop:stop + 4] == b"PK\x07\x08" else 12
        if stop > cd_off:
            raise Unsupported("zip 条目越界")
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        if name in seen:
            raise Unsupported("zip 中有重名条目")
        seen.add(name)
        entries.append(Entry(name, raw_name, flags, method, csize, usize, crc,
                             view[off:stop], start, central))
    return entries


def _dos_time() -> tuple[int, int]:
    t = time.localtime()
    return (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2), \
        ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday


def write_zip(out: BinaryIO, items: list[Entry | tuple[str, bytes]]) -> None:
    """Write *items* in order: an Entry is copied raw, a (name, content) pair is deflated."""
    if len(items) >= 0xFFFF:
        raise Unsupported("zip 条目过多")
    dos_time, dos_date = _dos_time()
    central: list[bytes] = []
    offset = 0
    for item in items:
        if offset >= _MAX32:
            raise Unsupported("批注副本超过 4 GB")
        if isinstance(item, Entry):
            out.write(item.local)
            central.append(item.central[:42] + struct.pack("<L", offset) + item.central[46:])
            offset += len(item.local)
            continue
        name, content = item
        raw_name = name.encode("utf-8")
        flags = 0 if raw_name.isascii() else 0x800
        comp = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        packed = comp.compress(content) + comp.flush()
        crc = zlib.crc32(content)
        out.write(_LFH.pack(b"PK\x03\x04", 20, flags, 8, dos_time, dos_date, crc, len(packed),
                            len(content), len(raw_name), 0))
        out.write(raw_name)
        out.write(packed)
        central.append(_CDH.pack(b"PK\x01\x02", 20, 20, flags, 8, dos_time, dos_date, crc,
                                 len(packed), len(content), len(raw_name), 0, 0, 0, 0, 0,
                                 offset) + raw_name)
        offset += _LFH.size + len(raw_name) + len(packed)
    cd = b"".join(central)
    if offset + len(cd) >= _MAX32:
        raise Unsupported("批注副本超过 4 GB")
    out.write(cd)
    out.write(_EOCD.pack(b"PK\x05\x06", 0, 0, len(items), len(items), len(cd), offset, 0))
