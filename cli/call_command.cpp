#include "call_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "hookd/hookd.hpp"
#include "hookd/host/plugin_services.hpp"

namespace hookd::cli {
namespace {

constexpr size_t kMaxInputBytes = 128u << 20;

// The call's input from a file, a pipe, a device such as /dev/null, or stdin
// ("-"): read to the end (a pipe or a device has no size to ask for first),
// refusing more than kMaxInputBytes before buffering past it.
engine::Result<std::vector<uint8_t>> read_input(const std::string& path) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  const std::string name = path == "-" ? "stdin" : path;
  if (f == nullptr) {
    return engine::fail(engine::ErrorKind::kInvalidArgument,
                        "cannot read " + name + ": " + std::strerror(errno));
  }
  std::vector<uint8_t> data;
  uint8_t chunk[64 * 1024];
  bool failed = false;
  bool too_large = false;
  while (true) {
    const size_t n = std::fread(chunk, 1, sizeof chunk, f);
    if (data.size() + n > kMaxInputBytes) {
      too_large = true;
      break;
    }
    data.insert(data.end(), chunk, chunk + n);
    if (n < sizeof chunk) {
      failed = std::ferror(f) != 0;
      break;
    }
  }
  if (f != stdin) std::fclose(f);
  if (too_large) {
    return engine::fail(engine::ErrorKind::kInvalidArgument,
                        name + " is larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  if (failed) return engine::fail(engine::ErrorKind::kInvalidArgument, "cannot read " + name);
  return data;
}

}  // namespace

int run_call(const CallArgs& args) {
  std::vector<uint8_t> input;
  if (args.input_file) {
    auto bytes = read_input(*args.input_file);
    if (!bytes) {
      std::cerr << "hookd: " << bytes.error().message << "\n";
      return kExitUsage;
    }
    input = std::move(*bytes);
  } else if (args.data) {
    input.assign(args.data->begin(), args.data->end());
  }

  config::PluginSettings settings;
  for (const std::string& kv : args.config) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "hookd: --config takes key=value, got '" << kv << "'\n";
      return kExitUsage;
    }
    settings.config[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  settings.grants.config = !settings.config.empty();

  PluginOptions options;
  options.name = std::filesystem::path(args.plugin_path).stem().string();
  options.host_functions = host::builtin_host_functions(options.name, settings, host::HostServices{});
  options.expected_sha256 = args.sha256;
  options.limits.deadline = std::chrono::milliseconds(args.timeout_ms);
  options.limits.max_memory_pages = args.max_memory_pages;
  // A waPC module keeps no list of its operations: the one asked for is it.
  options.declared_functions = {FunctionInfo{args.function}};
  auto plugin = Plugin::load_file(args.plugin_path, std::move(options));
  if (!plugin) {
    std::cerr << "hookd: cannot load " << args.plugin_path << ": " << plugin.error().describe() << "\n";
    return kExitUsage;
  }
  if (plugin->module().find_function(args.function) == nullptr) {
    std::cerr << "hookd: " << engine::abi_name(plugin->module().abi()) << " plugin has no function '"
              << args.function << "'; it has:";
    for (const auto& f : plugin->functions()) std::cerr << " " << f.name;
    std::cerr << "\n";
    return kExitUsage;
  }
  auto out = plugin->call(args.function, input);
  if (!out) {
    std::cerr << "hookd: " << args.function << " failed (" << engine::abi_name(plugin->module().abi())
              << " plugin): " << out.error().describe() << "\n";
    return kExitPluginError;
  }
  std::fwrite(out->data(), 1, out->size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace hookd::cli
