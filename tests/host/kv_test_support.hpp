// Helpers shared by the host tests: temporary directories and bounded waits.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "eventually.hpp"
#include "temp_dir.hpp"

namespace hookd::host::test {

using TempDir = hookd::test::TempDir;

using hookd::test::eventually;

}  // namespace hookd::host::test
