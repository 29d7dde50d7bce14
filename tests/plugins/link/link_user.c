// The core module that imports from link_main (tests/engine/
// instance_link_test.cpp): its memory, its function table, a function and a
// global (link_user.s). It has no data and no stack of its own, so working
// in main's memory disturbs nothing there.
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

__attribute__((import_module("main"), import_name("load"))) int32_t main_load(int32_t addr);

EXPORT("read_direct") int32_t read_direct(int32_t addr) { return *(volatile int32_t*)(uintptr_t)addr; }
EXPORT("write_direct") void write_direct(int32_t addr, int32_t v) { *(volatile int32_t*)(uintptr_t)addr = v; }
EXPORT("read_via_main") int32_t read_via_main(int32_t addr) { return main_load(addr); }

// call_indirect through the imported table.
EXPORT("call_slot") int32_t call_slot(int32_t slot, int32_t a, int32_t b) {
  int32_t (*f)(int32_t, int32_t) = (int32_t(*)(int32_t, int32_t))(uintptr_t)slot;
  return f(a, b);
}

EXPORT("triple") int32_t triple(int32_t x) { return 3 * x; }
