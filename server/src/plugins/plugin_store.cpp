#include "plugins/plugin_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hookd/config/plugin_settings_json.hpp"
#include "hookd/engine/read_file.hpp"
#include "hookd/util/hex.hpp"
#include "hookd/util/random.hpp"
#include "plugins/data_dir.hpp"

namespace hookd::server {
namespace fs = std::filesystem;

namespace {

// <name>.plugin: this line, the settings JSON's length (8 bytes, little
// endian), the settings JSON, then the module.
constexpr std::string_view kMagic = "hookd-plugin v1\n";
constexpr size_t kMaxSettingsBytes = 1u << 20;

std::unexpected<ServerError> io_error(const std::string& what, const fs::path& path, int err = errno) {
  std::string message = what + " " + path.string() + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) message += " (the disk is full)";
  return server_fail(ServerErrorKind::kStorage, std::move(message));
}

ServerResult<void> fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync directory", dir, err);
  return {};
}

// Random file-name suffixes from the system's entropy; empty when there is
// none.
std::string random_hex(size_t bytes) {
  std::vector<uint8_t> raw(bytes);
  if (!util::system_random()->fill(raw)) return {};
  return util::to_hex(raw);
}

// A temporary file next to `path` under a name no one can guess, created by
// this call (O_EXCL) and never through a symlink (O_NOFOLLOW).
int create_temp(const fs::path& path, unsigned mode, fs::path& tmp) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string suffix = random_hex(12);
    if (suffix.empty()) return -1;
    tmp = path.parent_path() / ("." + path.filename().string() + "." + suffix + ".tmp");
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

bool is_temp_file(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.starts_with(".") && name.ends_with(".tmp");
}

void append_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

std::vector<uint8_t> encode(std::span<const uint8_t> wasm, const std::string& settings_json) {
  std::vector<uint8_t> out;
  out.reserve(kMagic.size() + 8 + settings_json.size() + wasm.size());
  out.insert(out.end(), kMagic.begin(), kMagic.end());
  append_u64(out, settings_json.size());
  out.insert(out.end(), settings_json.begin(), settings_json.end());
  out.insert(out.end(), wasm.begin(), wasm.end());
  return out;
}

engine::Result<StoredPlugin> decode(const fs::path& path, const std::string& name,
                                    std::vector<uint8_t> bytes) {
  auto bad = [&](std::string_view why) {
    return engine::fail(engine::ErrorKind::kInternal, path.string() + ": " + std::string(why));
  };
  const std::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!all.starts_with(kMagic) || all.size() < kMagic.size() + 8) return bad("not a stored plugin");
  uint64_t json_len = 0;
  for (int i = 7; i >= 0; --i) json_len = (json_len << 8) | bytes[kMagic.size() + static_cast<size_t>(i)];
  const size_t json_at = kMagic.size() + 8;
  if (json_len > kMaxSettingsBytes || json_len > bytes.size() - json_at) return bad("truncated or corrupt");
  auto settings = config::parse_plugin_settings_json(all.substr(json_at, json_len), name);
  if (!settings) return bad(config::to_string(settings.error()));
  StoredPlugin p{name, {}, std::move(*settings)};
  p.wasm.assign(bytes.begin() + static_cast<std::ptrdiff_t>(json_at + json_len), bytes.end());
  return p;
}

// <name>.wasm with an optional <name>.json, as earlier versions stored them.
engine::Result<StoredPlugin> load_legacy(const fs::path& dir, const std::string& name) {
  auto wasm = engine::read_file(dir / (name + ".wasm"));
  if (!wasm) return std::unexpected(wasm.error());
  StoredPlugin p{name, std::move(*wasm), {}};
  const fs::path settings_path = dir / (name + ".json");
  std::error_code ec;
  if (fs::exists(settings_path, ec)) {
    auto text = engine::read_file(settings_path, kMaxSettingsBytes);
    if (!text) return std::unexpected(text.error());
    auto settings = config::parse_plugin_settings_json(
        std::string_view(reinterpret_cast<const char*>(text->data()), text->size()), name);
    if (!settings) {
      return engine::fail(engine::ErrorKind::kInternal,
                          settings_path.string() + ": " + config::to_string(settings.error()));
    }
    p.settings = std::move(*settings);
  }
  return p;
}

void remove_legacy(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  fs::remove(dir / (name + ".json"), ec);
  fs::remove(dir / (name + ".wasm"), ec);
}

}  // namespace

ServerResult<void> write_file_durably(const fs::path& path, std::span<const uint8_t> data, unsigned mode,
                                      FileSystem& files) {
  if (auto r = ensure_private_dir(path.parent_path()); !r) return r;
  fs::path tmp;
  const int fd = create_temp(path, mode, tmp);
  if (fd < 0) return io_error("cannot create a temporary file for", path);
  auto abandon = [&](const std::string& what, const fs::path& p) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error(what, p, err);
  };
  // The mode asked for, whatever the umask.
  if (::fchmod(fd, mode) != 0) return abandon("cannot set the mode of", tmp);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = files.write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return abandon("cannot write", tmp);
    done += static_cast<size_t>(n);
  }
  if (files.fsync(fd) != 0) return abandon("cannot fsync", tmp);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot write", tmp, err);
  }
  if (files.rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot rename into", path, err);
  }
  return fsync_dir(path.parent_path());
}

std::vector<uint8_t> encode_plugin_file(std::span<const uint8_t> wasm,
                                        const config::PluginSettings& settings) {
  return encode(wasm, config::plugin_settings_to_json(settings));
}

engine::Result<StoredPlugin> decode_plugin_file(const fs::path& path, const std::string& name,
                                                std::vector<uint8_t> bytes) {
  return decode(path, name, std::move(bytes));
}

ServerResult<void> PluginStore::save(const std::string& name, std::span<const uint8_t> wasm,
                                     const config::PluginSettings& settings) {
  const std::vector<uint8_t> bytes = encode_plugin_file(wasm, settings);
  if (auto r = write_file_durably(file_for(name), bytes, 0600, files_); !r) return r;
  // An older version's pair of the same name is superseded now.
  remove_legacy(dir_, name);
  return {};
}

ServerResult<void> PluginStore::remove(const std::string& name) {
  std::error_code ec;
  fs::remove(file_for(name), ec);
  if (ec) return server_fail(ServerErrorKind::kStorage, "cannot remove plugin file: " + ec.message());
  remove_legacy(dir_, name);
  if (fs::exists(dir_, ec)) return fsync_dir(dir_);
  return {};
}

std::vector<StoredPlugin> PluginStore::load_all(std::vector<std::string>& problems) {
  std::vector<StoredPlugin> out;
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return out;
  if (auto r = ensure_private_dir(dir_); !r) problems.push_back(r.error().message);
  std::vector<fs::path> files;
  for (const auto& file : fs::directory_iterator(dir_, ec)) files.push_back(file.path());
  for (const auto& path : files) {
    if (is_temp_file(path)) {
      fs::remove(path, ec);  // a write that never finished
      continue;
    }
    const std::string name = path.stem().string();
    if (path.extension() == ".plugin") {
      auto bytes = engine::read_file(path);
      if (!bytes) {
        problems.push_back(bytes.error().message);
        continue;
      }
      auto p = decode(path, name, std::move(*bytes));
      if (!p) {
        problems.push_back(p.error().message);
        continue;
      }
      out.push_back(std::move(*p));
    } else if (path.extension() == ".wasm") {
      if (fs::exists(file_for(name), ec)) {
        remove_legacy(dir_, name);  // migrated, but removal did not finish
        continue;
      }
      auto p = load_legacy(dir_, name);
      if (!p) {
        problems.push_back(p.error().message);
        continue;
      }
      if (auto r = save(name, p->wasm, p->settings); !r) {
        problems.push_back("plugin " + name + " not migrated to " + file_for(name).string() + ": " +
                           r.error().message);
      }
      out.push_back(std::move(*p));
    }
  }
  return out;
}

}  // namespace hookd::server
