#include "call_command.hpp"

#include <cstdio>
#include <iostream>

#include "hookd/hookd.hpp"

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

  PluginOptions options;
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
    std::cerr << "hookd: plugin has no function '" << args.function << "'; it has:";
    for (const auto& f : plugin->functions()) std::cerr << " " << f.name;
    std::cerr << "\n";
    return kExitUsage;
  }
  auto out = plugin->call(args.function, input);
  if (!out) {
    std::cerr << "hookd: " << args.function << " failed: " << out.error().describe() << "\n";
    return kExitPluginError;
  }
  std::fwrite(out->data(), 1, out->size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace hookd::cli
