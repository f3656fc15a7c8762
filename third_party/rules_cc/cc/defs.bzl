"""Offline stand-in for @rules_cc: re-exports Bazel's native C++ rules.

Bazel 4.2.3's built-in WORKSPACE suffix asks for @rules_cc (from the network) to resolve
toolchains; this project builds no C++, so the native rules are enough.
"""

cc_library = native.cc_library
cc_binary = native.cc_binary
cc_test = native.cc_test
cc_import = native.cc_import
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
cc_proto_library = native.cc_proto_library
objc_library = native.objc_library
objc_import = native.objc_import
