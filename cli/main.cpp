// hookd's command line: parses flags and hands over to a library.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "call_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hookd: a WebAssembly plugin gateway"};
  app.require_subcommand(1);

  hookd::cli::CallArgs call;
  auto* call_cmd = app.add_subcommand("call", "Load a plugin and call one of its functions once");
  call_cmd->add_option("plugin", call.plugin_path, "Plugin .wasm file")->required()->check(CLI::ExistingFile);
  call_cmd->add_option("fn", call.function, "Function name")->required();
  auto* data = call_cmd->add_option("--data", call.data, "Input bytes, as a string");
  call_cmd->add_option("--input", call.input_file, "Read the input from a file")
      ->check(CLI::ExistingFile)
      ->excludes(data);
  call_cmd->add_option("--sha256", call.sha256, "Expected SHA-256 of the plugin (hex)");
  call_cmd->add_option("--timeout-ms", call.timeout_ms, "Per-call deadline in milliseconds")
      ->check(CLI::Range(1u, 600000u));
  call_cmd->add_option("--max-memory-pages", call.max_memory_pages, "Memory limit in 64 KiB pages")
      ->check(CLI::Range(1u, 65536u));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "hookd: " << e.what() << "\n\n";
    std::cerr << (call_cmd->parsed() ? call_cmd->help() : app.help());
    return hookd::cli::kExitUsage;
  }

  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(spdlog::stderr_color_mt("hookd"));
  if (call_cmd->parsed()) return hookd::cli::run_call(call);
  return hookd::cli::kExitUsage;
}
