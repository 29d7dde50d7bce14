// The one bound on every wait in the integration tests: a client call, a
// condition polled for, a thread joined. Generous, because the CI machine has
// two cores shared by two test processes and sometimes a sanitizer; a test
// that hits it has found a hang, not a slow machine.
#pragma once

#include <chrono>

namespace hookd::test {

inline constexpr std::chrono::milliseconds kWaitBound{20'000};

}  // namespace hookd::test
