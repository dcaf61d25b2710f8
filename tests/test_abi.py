"""The State struct is an ABI between lifted code and the runtime: its layout is checked."""
import llvmlite.binding as llvm
from llvmlite import ir

from runtime import abi


def test_gpr_order_is_x86_encoding_order():
    assert abi.GPR_NAMES[:8] == ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi")
    for i, name in enumerate(abi.GPR_NAMES):
        assert abi.offset(name) == 8 * i


def test_fixed_offsets():
    assert abi.offset("rip") == 128
    assert [abi.offset(f) for f in abi.FLAG_NAMES] == list(range(136, 143))
    assert abi.offset("fs_base") == 144 and abi.offset("gs_base") == 152
    for i in range(16):
        assert abi.offset(f"xmm{i}") == 160 + 16 * i
    assert abi.offset("mxcsr") == 416
    assert abi.STATE_SIZE % 16 == 0


def test_fields_do_not_overlap_and_are_aligned():
    fields = sorted(abi.FIELDS.values(), key=lambda f: f.offset)
    for a, b in zip(fields, fields[1:]):
        assert a.offset + a.size <= b.offset, (a.name, b.name)
    for f in fields:
        assert f.offset % f.align == 0, f.name
    assert fields[-1].offset + fields[-1].size <= abi.STATE_SIZE


def test_llvm_layout_matches():
    """LLVM's layout of the %State type puts every field at our offset."""
    llvm.initialize_native_target()
    target = llvm.Target.from_triple("x86_64-unknown-linux-gnu")
    td = target.create_target_machine().target_data
    ctx = ir.Context()
    t = abi.state_type(ctx)
    m = ir.Module(context=ctx)
    g = ir.GlobalVariable(m, t, "s")
    g.initializer = ir.Constant(t, None)
    mod = llvm.parse_assembly(str(m))
    lt = mod.get_global_variable("s").global_value_type
    assert td.get_abi_size(lt) == abi.STATE_SIZE
    for name, idx in abi.MEMBER_INDEX.items():
        assert td.get_element_offset(lt, idx) == abi.offset(name), name
