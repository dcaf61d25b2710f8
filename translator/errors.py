"""User-facing errors and the documented exit codes of the elf2native command."""
from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1        # batch: at least one input failed
EXIT_USAGE = 2         # bad command line (argparse's convention)
EXIT_BAD_INPUT = 3     # the input is not a program elf2native can translate
EXIT_TOOLCHAIN = 4     # no usable linker, or the link failed
EXIT_OUTPUT = 5        # the output could not be written
EXIT_INTERNAL = 70     # a bug in elf2native (EX_SOFTWARE)

# Exit statuses of a translated program when the runtime itself stops it.
RT_EXIT_UNSUPPORTED = 121   # reached an instruction the lifter could not translate
RT_EXIT_NO_TARGET = 122     # jumped to guest code that was not translated
RT_EXIT_LOAD = 123          # the guest address space could not be built


class Elf2NativeError(Exception):
    """An error reported as one line, ``elf2native: PATH: reason``, with an exit code."""

    exit_code = EXIT_INTERNAL

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class InputError(Elf2NativeError):
    exit_code = EXIT_BAD_INPUT


class ToolchainError(Elf2NativeError):
    exit_code = EXIT_TOOLCHAIN


class OutputError(Elf2NativeError):
    exit_code = EXIT_OUTPUT
