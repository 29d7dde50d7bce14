#include "hookd/engine/read_file.hpp"

#include <fstream>
#include <string>

namespace hookd::engine {

Result<std::vector<uint8_t>> read_file(const std::filesystem::path& path, size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail(ErrorKind::kInvalidArgument, "cannot read " + path.string() + ": " + ec.message());
  if (size > max_bytes) {
    return fail(ErrorKind::kInvalidArgument,
                path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> data(size);
  if (!in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(size))) {
    return fail(ErrorKind::kInvalidArgument, "cannot read " + path.string());
  }
  return data;
}

}  // namespace hookd::engine
