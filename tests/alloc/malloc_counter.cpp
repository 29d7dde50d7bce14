// Interposes the C allocator for this executable: each entry point forwards
// to the next definition (glibc's, found with dlsym(RTLD_NEXT)) and counts
// the call when the calling thread asked for counting. dlsym itself may
// allocate before the real functions are known; those few early requests
// are served from a static buffer and never freed.
#include "malloc_counter.hpp"

#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

using MallocFn = void* (*)(size_t);
using CallocFn = void* (*)(size_t, size_t);
using ReallocFn = void* (*)(void*, size_t);
using FreeFn = void (*)(void*);
using MemalignFn = void* (*)(size_t, size_t);
using PosixMemalignFn = int (*)(void**, size_t, size_t);

MallocFn real_malloc = nullptr;
CallocFn real_calloc = nullptr;
ReallocFn real_realloc = nullptr;
FreeFn real_free = nullptr;
MemalignFn real_memalign = nullptr;
MemalignFn real_aligned_alloc = nullptr;
PosixMemalignFn real_posix_memalign = nullptr;

// Plain thread-locals of trivial type: no allocation to reach them.
thread_local bool t_counting = false;
thread_local uint64_t t_count = 0;
// Every thread's allocations, while on (a server's threads, which the test
// does not run itself).
std::atomic<bool> g_counting_all{false};
std::atomic<uint64_t> g_count_all{0};
// Of those, the ones made on threads whose name starts with g_prefix.
char g_prefix[16] = {};
std::atomic<uint32_t> g_prefix_generation{1};
std::atomic<uint64_t> g_count_named{0};
thread_local uint32_t t_named_generation = 0;
thread_local bool t_named = false;

// Whether this thread's name starts with g_prefix (read once per prefix:
// prctl, no allocation).
bool named_thread() {
  const uint32_t generation = g_prefix_generation.load(std::memory_order_acquire);
  if (t_named_generation != generation) {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    t_named = g_prefix[0] != '\0' && std::strncmp(name, g_prefix, std::strlen(g_prefix)) == 0;
    t_named_generation = generation;
  }
  return t_named;
}

alignas(64) char g_bootstrap[64 * 1024];
std::atomic<size_t> g_bootstrap_used{0};
bool g_resolving = false;

bool in_bootstrap(const void* p) {
  return p >= static_cast<const void*>(g_bootstrap) &&
         p < static_cast<const void*>(g_bootstrap + sizeof g_bootstrap);
}

void* bootstrap_alloc(size_t n) {
  n = (n + 15) & ~size_t{15};
  const size_t at = g_bootstrap_used.fetch_add(n);
  if (at + n > sizeof g_bootstrap) return nullptr;
  return g_bootstrap + at;  // static storage: already zero, as calloc needs
}

void resolve() {
  if (real_malloc != nullptr || g_resolving) return;
  g_resolving = true;
  real_calloc = reinterpret_cast<CallocFn>(dlsym(RTLD_NEXT, "calloc"));
  real_malloc = reinterpret_cast<MallocFn>(dlsym(RTLD_NEXT, "malloc"));
  real_realloc = reinterpret_cast<ReallocFn>(dlsym(RTLD_NEXT, "realloc"));
  real_free = reinterpret_cast<FreeFn>(dlsym(RTLD_NEXT, "free"));
  real_memalign = reinterpret_cast<MemalignFn>(dlsym(RTLD_NEXT, "memalign"));
  real_aligned_alloc = reinterpret_cast<MemalignFn>(dlsym(RTLD_NEXT, "aligned_alloc"));
  real_posix_memalign = reinterpret_cast<PosixMemalignFn>(dlsym(RTLD_NEXT, "posix_memalign"));
  g_resolving = false;
}

// HOOKD_MALLOC_TRACE=1: the call stacks of the first named-thread
// allocations, printed by print_traces() (to find what allocates).
constexpr int kTraces = 32;
constexpr int kFrames = 12;
void* g_traces[kTraces][kFrames];
int g_trace_depth[kTraces];
std::atomic<int> g_trace_count{0};
bool g_trace_on = false;
thread_local bool t_in_trace = false;

void record_trace() {
  if (!g_trace_on || t_in_trace) return;
  const int i = g_trace_count.fetch_add(1, std::memory_order_relaxed);
  if (i >= kTraces) return;
  t_in_trace = true;
  g_trace_depth[i] = backtrace(g_traces[i], kFrames);
  t_in_trace = false;
}

inline void counted() {
  if (t_counting) ++t_count;
  if (g_counting_all.load(std::memory_order_relaxed)) {
    g_count_all.fetch_add(1, std::memory_order_relaxed);
    if (named_thread()) {
      g_count_named.fetch_add(1, std::memory_order_relaxed);
      record_trace();
    }
  }
}

}  // namespace

namespace hookd::test::malloc_counter {
uint64_t count() { return t_count; }
void set_counting(bool on) { t_counting = on; }
uint64_t count_all_threads() { return g_count_all.load(std::memory_order_relaxed); }
void set_counting_all_threads(bool on) { g_counting_all.store(on, std::memory_order_relaxed); }
void start_tracing() {
  void* warm[2];
  backtrace(warm, 2);  // loads the unwinder now, not inside malloc
  g_trace_on = std::getenv("HOOKD_MALLOC_TRACE") != nullptr;
}
void print_traces() {
  const int n = std::min(g_trace_count.load(), kTraces);
  for (int i = 0; i < n; ++i) {
    std::fprintf(stderr, "--- allocation %d\n", i);
    backtrace_symbols_fd(g_traces[i], g_trace_depth[i], 2);
  }
}
uint64_t count_named_threads() { return g_count_named.load(std::memory_order_relaxed); }
void set_thread_name_prefix(const char* prefix) {
  std::strncpy(g_prefix, prefix, sizeof g_prefix - 1);
  g_prefix_generation.fetch_add(1, std::memory_order_release);
}
}  // namespace hookd::test::malloc_counter

extern "C" {

void* malloc(size_t n) {
  resolve();
  if (real_malloc == nullptr) return bootstrap_alloc(n);
  counted();
  return real_malloc(n);
}

void* calloc(size_t n, size_t size) {
  resolve();
  if (real_calloc == nullptr) {
    if (size != 0 && n > SIZE_MAX / size) return nullptr;
    return bootstrap_alloc(n * size);
  }
  counted();
  return real_calloc(n, size);
}

void* realloc(void* p, size_t n) {
  resolve();
  if (in_bootstrap(p)) {  // moves out of the bootstrap buffer
    // The old block's size is not recorded: copy what can be there.
    void* q = malloc(n);
    const size_t room = static_cast<size_t>(g_bootstrap + sizeof g_bootstrap - static_cast<char*>(p));
    if (q != nullptr) std::memcpy(q, p, n < room ? n : room);
    return q;
  }
  counted();
  return real_realloc(p, n);
}

void free(void* p) {
  if (p == nullptr || in_bootstrap(p)) return;
  resolve();
  real_free(p);
}

void* memalign(size_t alignment, size_t n) {
  resolve();
  counted();
  return real_memalign(alignment, n);
}

void* aligned_alloc(size_t alignment, size_t n) {
  resolve();
  counted();
  return real_aligned_alloc(alignment, n);
}

int posix_memalign(void** out, size_t alignment, size_t n) {
  resolve();
  counted();
  return real_posix_memalign(out, alignment, n);
}

void* valloc(size_t n) { return memalign(4096, n); }

}  // extern "C"
