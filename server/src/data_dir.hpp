// The data directory (server.data_dir) holds the admin token, uploaded
// plugins with their settings (config values such as API keys) and the KV
// store: only the gateway's user may enter it.
#pragma once

#include <filesystem>

#include "hookd/server/error.hpp"

namespace hookd::server {

// Creates `dir` (and missing parents) with mode 0700; an existing directory
// that others may enter or read is tightened to 0700, with a warning.
ServerResult<void> ensure_private_dir(const std::filesystem::path& dir);

}  // namespace hookd::server
