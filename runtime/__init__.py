"""The shim runtime and loader: host-specific code generated with llvmlite."""
