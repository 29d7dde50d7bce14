#include "call_command.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "hookd/hookd.hpp"
#include "hookd/host/plugin_services.hpp"

namespace hookd::cli {

int run_call(const CallArgs& args) {
  std::vector<uint8_t> input;
  if (args.input_file) {
    auto bytes = read_file(*args.input_file);
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
