// Reading a whole file with a size bound, errors as values naming the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "hookd/engine/result.hpp"

namespace hookd::engine {

// The file's bytes; kInvalidArgument when it is missing, unreadable or
// larger than `max_bytes` (checked before anything is read).
Result<std::vector<uint8_t>> read_file(const std::filesystem::path& path, size_t max_bytes = 128u << 20);

}  // namespace hookd::engine
