// Sanitizer defaults for every executable of a HOOKD_SANITIZE build
// (ASAN_OPTIONS, UBSAN_OPTIONS and LSAN_OPTIONS in the environment still
// override them). Each exception to the plain defaults is for V8 (libnode, not
// instrumented) and says why; none hides a report from hookd's own code.
#define HOOKD_SANITIZER_HOOK extern "C" __attribute__((no_sanitize_coverage, no_sanitize_address, used))

HOOKD_SANITIZER_HOOK const char* __asan_default_options() {
  // allow_user_segv_handler: V8 catches out-of-bounds wasm accesses with its
  // own SIGSEGV handler (the trap handler), installed after ASan's; it hands
  // faults outside wasm code back to ASan's handler, which still reports them.
  // detect_stack_use_after_return stays off: V8 walks and switches stacks.
  return "allow_user_segv_handler=1:handle_segv=1:detect_leaks=1:strict_string_checks=1"
         ":check_initialization_order=1:detect_stack_use_after_return=0:print_summary=1";
}

// abort_on_error: with GCC, UBSan has its own copy of the sanitizer runtime,
// which does not run libFuzzer's death callback; an abort does, so the input
// that caused the report is saved.
HOOKD_SANITIZER_HOOK const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1:abort_on_error=1:report_error_type=1";
}

// Leaks LSan attributes to V8 itself: isolates' and the platform's
// allocations that V8 keeps until process exit (the platform is deliberately
// never destroyed, engine/src/v8/v8_platform.cpp). Matched on frames in
// libnode.so only: a leak whose allocation stack shows only hookd frames
// below libnode is still reported.
HOOKD_SANITIZER_HOOK const char* __lsan_default_suppressions() { return "leak:libnode.so\n"; }
