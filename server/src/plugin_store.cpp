#include "plugin_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hookd/config/plugin_settings_json.hpp"
#include "hookd/hookd.hpp"

namespace hookd::server {
namespace fs = std::filesystem;

namespace {
std::unexpected<engine::Error> io_error(std::string what, const fs::path& path) {
  return engine::fail(engine::ErrorKind::kInternal, what + " " + path.string() + ": " + std::strerror(errno));
}

engine::Result<void> fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return io_error("cannot open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync directory", dir);
  return {};
}
}  // namespace

engine::Result<void> write_file_durably(const fs::path& path, std::span<const uint8_t> data, unsigned mode) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return engine::fail(engine::ErrorKind::kInternal, "cannot create " + path.parent_path().string() + ": " + ec.message());
  const fs::path tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return io_error("cannot create", tmp);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return io_error("cannot write", tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return io_error("cannot fsync", tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("cannot rename into", path);
  return fsync_dir(path.parent_path());
}

engine::Result<void> PluginStore::save(const std::string& name, std::span<const uint8_t> wasm,
                                       const config::PluginSettings& settings) {
  // The module first: settings without their module are ignored on load.
  if (auto r = write_file_durably(dir_ / (name + ".wasm"), wasm); !r) return r;
  const std::string json = config::plugin_settings_to_json(settings);
  return write_file_durably(dir_ / (name + ".json"),
                            {reinterpret_cast<const uint8_t*>(json.data()), json.size()});
}

engine::Result<void> PluginStore::remove(const std::string& name) {
  std::error_code ec;
  // Settings first: a module without settings is still loaded (with defaults)
  // on restart, so remove the module last.
  fs::remove(dir_ / (name + ".json"), ec);
  fs::remove(dir_ / (name + ".wasm"), ec);
  if (ec) return engine::fail(engine::ErrorKind::kInternal, "cannot remove plugin files: " + ec.message());
  if (fs::exists(dir_)) return fsync_dir(dir_);
  return {};
}

std::vector<StoredPlugin> PluginStore::load_all(std::vector<std::string>& problems) const {
  std::vector<StoredPlugin> out;
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return out;
  for (const auto& file : fs::directory_iterator(dir_, ec)) {
    if (file.path().extension() != ".wasm") continue;
    StoredPlugin p;
    p.name = file.path().stem().string();
    auto wasm = read_file(file.path());
    if (!wasm) {
      problems.push_back(wasm.error().message);
      continue;
    }
    p.wasm = std::move(*wasm);
    const fs::path settings_path = dir_ / (p.name + ".json");
    if (fs::exists(settings_path, ec)) {
      auto text = read_file(settings_path, 1u << 20);
      if (!text) {
        problems.push_back(text.error().message);
        continue;
      }
      auto settings = config::parse_plugin_settings_json(
          std::string_view(reinterpret_cast<const char*>(text->data()), text->size()), p.name);
      if (!settings) {
        problems.push_back(settings_path.string() + ": " + config::to_string(settings.error()));
        continue;
      }
      p.settings = std::move(*settings);
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace hookd::server
