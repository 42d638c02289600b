#!/usr/bin/python3
"""Let TorchSharp's native shim load on an older libstdc++ (Debian 12 ships GLIBCXX_3.4.30).

TorchSharp-cpu 0.107.0's libLibTorchSharp.so was linked with GCC 13, whose <iostream> plants an
undefined reference to std::ios_base_library_init() (version GLIBCXX_3.4.32) only to pin the
library version: no relocation uses the symbol, so nothing ever calls or binds it. The dynamic
loader still refuses the file because the version is required. This script, run on the build
output only (never on the NuGet cache):

  1. checks that every symbol tied to a libstdc++ version this machine lacks is referenced by no
     relocation (otherwise it stops: the library really needs the newer libstdc++);
  2. clears those symbols' version with `patchelf --clear-symbol-version`;
  3. marks the version requirement itself weak (VER_FLG_WEAK), which glibc's loader accepts when
     the version is missing. patchelf has no option for this step, so it is done here in place.

Idempotent; does nothing when the system libstdc++ already has every version needed.
"""
import re
import struct
import subprocess
import sys

VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


def sh(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def system_libstdcxx():
    for line in sh("/sbin/ldconfig", "-p").splitlines():
        if "libstdc++.so.6 " in line and "x86-64" in line:
            return line.split("=>")[1].strip()
    return "/lib/x86_64-linux-gnu/libstdc++.so.6"


def provided_versions(lib):
    return set(re.findall(r"Name: (GLIBCXX_[0-9.]+|CXXABI_[0-9.]+)", sh("readelf", "-V", "--wide", lib)))


def sections(data):
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    out = []
    for i in range(shnum):
        name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * shentsize)
        out.append(dict(type=typ, offset=off, size=size, link=link, info=info))
    return out


def cstr(data, off):
    return data[off:data.index(b"\0", off)].decode()


def verneed_entries(data):
    """Yields (offset of the Vernaux record, file name, version name, flags)."""
    secs = sections(data)
    for s in secs:
        if s["type"] != SHT_GNU_VERNEED:
            continue
        strtab = secs[s["link"]]["offset"]
        off = s["offset"]
        for _ in range(s["info"]):
            _ver, cnt, file_, aux, nxt = struct.unpack_from("<HHIII", data, off)
            a = off + aux
            for _ in range(cnt):
                _hash, flags, _other, name, anext = struct.unpack_from("<IHHII", data, a)
                yield a, cstr(data, strtab + file_), cstr(data, strtab + name), flags
                a += anext
            if nxt == 0:
                break
            off += nxt


def main(path):
    have = provided_versions(system_libstdcxx())
    data = bytearray(open(path, "rb").read())
    missing = [(a, name, flags) for a, file_, name, flags in verneed_entries(data)
               if file_ == "libstdc++.so.6" and name not in have and not flags & VER_FLG_WEAK]
    if not missing:
        print(f"relax_glibcxx: {path}: nothing to do (loads as it is, or already relaxed)")
        return
    names = {name for _, name, _ in missing}
    # Symbols bound to a missing version, e.g. "_ZSt21ios_base_library_initv@GLIBCXX_3.4.32 (18)".
    symbols = set()
    for line in sh("readelf", "--dyn-syms", "--wide", path).splitlines():
        m = re.search(r"UND (\S+?)@(GLIBCXX_[0-9.]+|CXXABI_[0-9.]+)", line)
        if m and m.group(2) in names:
            symbols.add(m.group(1))
    relocs = sh("readelf", "-r", "--wide", path)
    used = sorted(s for s in symbols if s in relocs)
    if used:
        sys.exit(f"relax_glibcxx: {path} really uses {used} from {sorted(names)}: a newer libstdc++ is needed")
    for s in sorted(symbols):
        subprocess.run(["patchelf", "--clear-symbol-version", s, path], check=True)
    data = bytearray(open(path, "rb").read())  # patchelf may have rewritten the file
    for a, file_, name, flags in verneed_entries(data):
        if file_ == "libstdc++.so.6" and name in names and not flags & VER_FLG_WEAK:
            struct.pack_into("<H", data, a + 4, flags | VER_FLG_WEAK)
    open(path, "wb").write(data)
    print(f"relax_glibcxx: {path}: {', '.join(sorted(names))} made optional (unreferenced symbols {', '.join(sorted(symbols))})")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        main(p)
