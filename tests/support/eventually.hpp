// The one bounded poll of the tests: a condition that another thread (the
// gateway, a plugin, a child process) makes true, checked until it holds or
// the bound passes. The bound is there to turn a hang into a failure, not to
// time anything: it defaults to kWaitBound, generous on a loaded 2-core box.
#pragma once

#include <chrono>
#include <thread>

#include "test_timeouts.hpp"

namespace hookd::test {

// Polls `done` every `step` until it returns true (then true) or `bound`
// has passed (then `done`'s last answer, asked once more at the end).
template <class Pred>
bool eventually(Pred&& done, std::chrono::milliseconds bound = kWaitBound,
                std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  const auto give_up = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= give_up) return done();
    std::this_thread::sleep_for(step);
  }
  return true;
}

}  // namespace hookd::test
