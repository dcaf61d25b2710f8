"""Host backends: everything that differs between host machines lives here."""
from __future__ import annotations

from runtime.backends import aarch64_linux, x86_64_linux, x86_64_windows

BACKENDS = {x86_64_linux.TRIPLE: x86_64_linux, aarch64_linux.TRIPLE: aarch64_linux,
            x86_64_windows.TRIPLE: x86_64_windows}
DEFAULT = x86_64_linux.TRIPLE
ALIASES = {"x86_64-linux": x86_64_linux.TRIPLE, "x86_64": x86_64_linux.TRIPLE,
           "native": x86_64_linux.TRIPLE,
           "aarch64-linux": aarch64_linux.TRIPLE, "aarch64": aarch64_linux.TRIPLE,
           "x86_64-windows": x86_64_windows.TRIPLE, "windows": x86_64_windows.TRIPLE}


def get(triple: str | None):
    t = ALIASES.get(triple or DEFAULT, triple or DEFAULT)
    if t not in BACKENDS:
        raise KeyError(triple)
    return BACKENDS[t]
