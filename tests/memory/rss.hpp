// Resident memory of this process, for the memory figures (docs/benchmarks.md):
// the whole resident set, and the part in wasm linear memories. V8 reserves
// each linear memory as one region of about 10 GiB (guard regions that leave
// bounds checks to the MMU) and makes its current size accessible: in
// /proc/self/smaps that is a read-write mapping directly followed by an
// inaccessible one of many GiB. The resident pages of such read-write
// mappings are the pages plugins touched.
#pragma once

#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <thread>

namespace hookd::test::rss {

// Bigger than any inaccessible reservation but a wasm memory's (V8: 10 GiB
// with the trap handler; its code space and heap cages stay well under this).
constexpr uint64_t kLinearMemoryMapping = 4ull << 30;

struct Sample {
  uint64_t resident = 0;  // bytes, the whole process
  uint64_t linear = 0;    // bytes resident in wasm linear memories
  uint64_t memories = 0;  // wasm linear memories
};

// Lets the allocator give back what it can and background threads finish
// (V8 compiles and collects on its platform threads), then samples.
inline Sample sample() {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  malloc_trim(0);
  Sample s;
  FILE* f = std::fopen("/proc/self/smaps", "r");
  if (f == nullptr) return s;
  char line[512];
  // The mapping read so far: its end, whether it is read-write, its Rss.
  uint64_t end = 0;
  bool rw = false;
  uint64_t rss = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long long lo = 0;
    unsigned long long hi = 0;
    unsigned long long kb = 0;
    char perms[8] = {};
    if (std::sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3) {  // a mapping's first line
      const std::string_view p(perms);
      if (p.starts_with("---") && hi - lo >= kLinearMemoryMapping && rw && end == lo) {
        s.linear += rss;
        ++s.memories;
      }
      end = hi;
      rw = p.starts_with("rw");
      rss = 0;
    } else if (std::sscanf(line, "Rss: %llu kB", &kb) == 1) {
      rss = kb * 1024;
      s.resident += rss;
    }
  }
  std::fclose(f);
  return s;
}

}  // namespace hookd::test::rss
