// Heap allocations made by this thread, counted by the replaced global
// operator new of counting_new.cpp (routing_tests only).
#pragma once

#include <cstddef>

namespace hookd::routing::testing {

std::size_t allocations_on_this_thread();

}  // namespace hookd::routing::testing
