from .spec import case

CASES = [
    case("adc eax, ebx", inputs=("rax", "rbx", "flags")),
    case("add byte ptr [rdi+3], ah", inputs=("rax", "mem", "flags")),
    case("mov eax, dword ptr [rip + data+8]", inputs=("mem",)),
    case("mov eax, dword ptr fs:[8]", inputs=("mem",)),
]
