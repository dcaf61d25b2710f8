"""elf2native: ahead-of-time translation of Linux x86-64 ELF programs."""
__version__ = "0.1.0"
