// The "main" core module of the instance-linking tests
// (tests/engine/instance_link_test.cpp), shaped like a component's main
// module: it owns the memory, the function table and the globals
// (link_main.s), exports them, and has a `cabi_realloc` that host imports
// call to place what they return in its memory.
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("host"), import_name(name)))

// The host writes a string into memory it allocates with cabi_realloc and
// stores its address and length in ret[0], ret[1].
IMPORT("greet") void host_greet(int32_t* ret);
// Each calls back into this module (trap_now, spin, recurse) while it runs.
IMPORT("nested_trap") void host_nested_trap(void);
IMPORT("nested_spin") void host_nested_spin(void);
IMPORT("recurse") int32_t host_recurse(int32_t n);

static uint8_t heap[16384];
static uint32_t heap_used;
static int32_t scratch_area[16];

// A bump allocator: enough for the tests, and it traps on misuse as a real
// allocator would abort.
EXPORT("cabi_realloc")
void* cabi_realloc(void* old, uint32_t old_size, uint32_t align, uint32_t new_size) {
  if (align == 0 || (align & (align - 1)) != 0) __builtin_trap();
  const uint32_t start = (heap_used + align - 1) & ~(align - 1);
  if (start > sizeof heap || new_size > sizeof heap - start) __builtin_trap();
  uint8_t* p = heap + start;
  for (uint32_t i = 0; i < old_size && i < new_size; ++i) p[i] = ((const uint8_t*)old)[i];
  heap_used = start + new_size;
  return p;
}

EXPORT("scratch") int32_t scratch(void) { return (int32_t)(uintptr_t)scratch_area; }
EXPORT("store") void store(int32_t addr, int32_t v) { *(volatile int32_t*)(uintptr_t)addr = v; }
EXPORT("load") int32_t load(int32_t addr) { return *(volatile int32_t*)(uintptr_t)addr; }

// Reached only through the table, by another module's call_indirect.
static int32_t add(int32_t a, int32_t b) { return a + b; }
static int32_t mul(int32_t a, int32_t b) { return a * b; }
EXPORT("add_slot") int32_t add_slot(void) { return (int32_t)(uintptr_t)&add; }
EXPORT("mul_slot") int32_t mul_slot(void) { return (int32_t)(uintptr_t)&mul; }

// FNV-1a of the string the host returned: proves the guest read what the
// host wrote into the memory it had the guest allocate.
EXPORT("greeting_hash") uint32_t greeting_hash(void) {
  int32_t ret[2] = {0, 0};
  host_greet(ret);
  const uint8_t* s = (const uint8_t*)(uintptr_t)ret[0];
  uint32_t h = 2166136261u;
  for (int32_t i = 0; i < ret[1]; ++i) h = (h ^ s[i]) * 16777619u;
  return h;
}

EXPORT("trap_now") void trap_now(void) { __builtin_trap(); }
EXPORT("spin") void spin(void) {
  volatile uint32_t n = 0;
  for (;;) n = n + 1;
}
EXPORT("call_nested_trap") int32_t call_nested_trap(void) {
  host_nested_trap();
  return 1;
}
EXPORT("call_nested_spin") int32_t call_nested_spin(void) {
  host_nested_spin();
  return 1;
}
// recurse(n) makes n nested guest calls: host.recurse(n - 1) calls
// recurse(n - 1) back, and so on down to 0.
EXPORT("recurse") int32_t recurse(int32_t n) { return n <= 0 ? 0 : 1 + host_recurse(n - 1); }

// Every core value type, 16 parameters: what a lowered canonical ABI
// signature can look like at most before it spills to memory.
EXPORT("mix")
double mix(int32_t a, int64_t b, float c, double d, int32_t e, int64_t f, float g, double h, int32_t i,
           int64_t j, float k, double l, int32_t m, int64_t n, float o, double p) {
  return (double)a + 2.0 * (double)b + 3.0 * (double)c + 4.0 * d + 5.0 * (double)e + 6.0 * (double)f +
         7.0 * (double)g + 8.0 * h + 9.0 * (double)i + 10.0 * (double)j + 11.0 * (double)k + 12.0 * l +
         13.0 * (double)m + 14.0 * (double)n + 15.0 * (double)o + 16.0 * p;
}
EXPORT("half") float half(float x) { return x / 2.0f; }
EXPORT("twice64") int64_t twice64(int64_t x) { return x * 2; }
