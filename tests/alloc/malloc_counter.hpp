// Counts heap allocations made on the calling thread, at the C allocator:
// malloc, calloc, realloc, aligned_alloc, posix_memalign, memalign and
// valloc. operator new and aligned operator new reach these, and so do V8
// and every library in the process, so nothing escapes the count that a
// counting operator new alone would miss. Linked into its own test binary
// (malloc_counter.cpp defines the allocator symbols for the whole process).
#pragma once

#include <cstdint>

namespace hookd::test::malloc_counter {

// Allocations counted so far on this thread while counting was on.
uint64_t count();
// Turns counting on or off for this thread.
void set_counting(bool on);

// Allocations counted so far on every thread while all-thread counting was
// on, and the switch for it: for a server's threads, which the test does not
// run itself.
uint64_t count_all_threads();
void set_counting_all_threads(bool on);
// Of the all-thread count, the allocations made on threads whose name
// (pthread_setname_np) starts with the prefix set here (set it before
// counting, from one thread).
uint64_t count_named_threads();
void set_thread_name_prefix(const char* prefix);
// With HOOKD_MALLOC_TRACE set: records the call stacks of the first named-
// thread allocations counted from now on; print_traces() writes them to
// stderr (addresses; pipe through c++filt/addr2line).
void start_tracing();
void print_traces();

// Counts while alive.
class Scope {
 public:
  Scope() : start_(count()) { set_counting(true); }
  ~Scope() { set_counting(false); }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  [[nodiscard]] uint64_t allocations() const { return count() - start_; }

 private:
  uint64_t start_;
};

}  // namespace hookd::test::malloc_counter
