"""What a translation found and did: written as JSON by ``--report``."""
from __future__ import annotations

import dataclasses

from capstone import x86 as X

# ISA extensions our CPUID baseline (x86-64-v2) does not advertise: code using them is
# reachable only behind a CPUID check that fails, so it is counted apart from the
# instructions that are missing from the baseline.
BEYOND_BASELINE_GROUPS = {
    X.X86_GRP_AVX, X.X86_GRP_AVX2, X.X86_GRP_AVX512, X.X86_GRP_FMA, X.X86_GRP_FMA4,
    X.X86_GRP_F16C, X.X86_GRP_BMI, X.X86_GRP_BMI2, X.X86_GRP_RTM, X.X86_GRP_HLE,
    X.X86_GRP_XOP, X.X86_GRP_ADX, X.X86_GRP_SHA, X.X86_GRP_AES, X.X86_GRP_PCLMUL,
    X.X86_GRP_BWI, X.X86_GRP_CDI, X.X86_GRP_DQI, X.X86_GRP_ERI, X.X86_GRP_PFI, X.X86_GRP_VLX,
    X.X86_GRP_TBM, X.X86_GRP_SGX, X.X86_GRP_3DNOW, X.X86_GRP_SSE4A,
}
BEYOND_BASELINE_IDS = {X.X86_INS_XSAVE, X.X86_INS_XSAVEC, X.X86_INS_XSAVEOPT, X.X86_INS_XRSTOR,
                       X.X86_INS_XSAVES, X.X86_INS_XRSTORS, X.X86_INS_XTEST, X.X86_INS_XBEGIN,
                       X.X86_INS_XEND, X.X86_INS_XABORT, X.X86_INS_RDPID, X.X86_INS_SHLX,
                       X.X86_INS_SHRX, X.X86_INS_SARX, X.X86_INS_RORX, X.X86_INS_BZHI,
                       X.X86_INS_PDEP, X.X86_INS_PEXT, X.X86_INS_ANDN, X.X86_INS_BLSR,
                       X.X86_INS_BLSI, X.X86_INS_BLSMSK, X.X86_INS_KMOVD, X.X86_INS_KMOVQ,
                       X.X86_INS_RDPKRU, X.X86_INS_WRPKRU,     # PKU (CPUID.7.ECX.OSPKE)
                       X.X86_INS_RDRAND, X.X86_INS_RDSEED}     # not advertised: std::random_device falls back


def beyond_baseline(insn) -> bool:
    if insn.id in BEYOND_BASELINE_IDS:
        return True
    if insn.bytes[0] in (0xC4, 0xC5, 0x62):     # VEX/EVEX prefixes
        return True
    return any(g in BEYOND_BASELINE_GROUPS for g in insn.groups)


@dataclasses.dataclass
class LiftReport:
    """Collected per chunk while lifting; merged in the parent."""
    instructions: int = 0
    unsupported: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    beyond_baseline: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    traps: int = 0

    def add_unsupported(self, insn):
        entry = (insn.address, f"{insn.mnemonic} {insn.op_str}".strip())
        if beyond_baseline(insn):
            self.beyond_baseline.append(entry)
        else:
            self.unsupported.append(entry)

    def add_trap(self, insn):
        self.traps += 1

    def merge(self, other: "LiftReport"):
        self.instructions += other.instructions
        self.unsupported += other.unsupported
        self.beyond_baseline += other.beyond_baseline
        self.traps += other.traps
