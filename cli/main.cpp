// hookd's command line: parses flags and hands over to a library.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "call_command.hpp"
#include "hookd/server/build_info.hpp"
#include "serve_command.hpp"
#include "sign_commands.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"hookd: a WebAssembly plugin gateway"};
  const auto info = hookd::server::build_info();
  app.set_version_flag("--version",
                       "hookd " + std::string(info.version) + " (commit " + std::string(info.commit) + ")");
  app.require_subcommand(1);

  hookd::cli::CallArgs call;
  auto* call_cmd = app.add_subcommand("call", "Load a plugin and call one of its functions once");
  call_cmd->add_option("plugin", call.plugin_path, "Plugin .wasm file")->required()->check(CLI::ExistingFile);
  call_cmd->add_option("fn", call.function, "Function name")->required();
  auto* data = call_cmd->add_option("--data", call.data, "Input bytes, as a string");
  call_cmd
      ->add_option("--input", call.input_file, "Read the input from a file, a pipe or a device; - for stdin")
      ->excludes(data);
  call_cmd->add_option("--sha256", call.sha256, "Expected SHA-256 of the plugin (hex)");
  call_cmd->add_option("--config", call.config, "A config value for the plugin, key=value (repeatable)");
  call_cmd->add_option("--timeout-ms", call.timeout_ms, "Per-call deadline in milliseconds")
      ->check(CLI::Range(1u, 600000u));
  call_cmd->add_option("--max-memory-pages", call.max_memory_pages, "Memory limit in 64 KiB pages")
      ->check(CLI::Range(1u, 65536u));

  hookd::cli::ServeArgs serve;
  serve.example_plugin_dir = HOOKD_EXAMPLE_PLUGIN_DIR;
  auto* serve_cmd = app.add_subcommand("serve", "Run the gateway");
  serve_cmd->add_option("--config", serve.config_file, "TOML config file")->check(CLI::ExistingFile);
  serve_cmd->add_option("--listen", serve.overrides.listen, "Public listener HOST:PORT");
  serve_cmd->add_option("--admin-listen", serve.overrides.admin_listen, "Admin listener HOST:PORT");
  serve_cmd->add_option("--data-dir", serve.overrides.data_dir, "Data directory (uploaded plugins, token)");
  serve_cmd->add_option("--workers", serve.overrides.workers, "I/O worker threads (0 = one per core)");
  serve_cmd->add_option("--plugin-dir", serve.example_plugin_dir, "Where the example plugins are");
  serve_cmd->add_flag("--check-config", serve.check_config, "Validate the configuration and exit");

  hookd::cli::KeygenArgs keygen;
  auto* keygen_cmd = app.add_subcommand("keygen", "Create an Ed25519 key pair for signing plugins");
  keygen_cmd
      ->add_option("--out", keygen.out, "Private key file to create (the public key goes to <file>.pub)")
      ->required();

  hookd::cli::SignArgs sign;
  auto* sign_cmd = app.add_subcommand("sign", "Sign a plugin: writes <plugin>.sig and prints the signature");
  sign_cmd->add_option("plugin", sign.plugin_path, "Plugin .wasm file")->required()->check(CLI::ExistingFile);
  sign_cmd->add_option("--key", sign.key_file, "Private key file from `hookd keygen`")
      ->required()
      ->check(CLI::ExistingFile);
  sign_cmd->add_option("--out", sign.out, "Where to write the signature (default <plugin>.sig)");
  auto* manifest_name =
      sign_cmd->add_option("--name", sign.manifest_name,
                           "Sign a manifest instead of the bare module: the plugin name it may be installed "
                           "under (with the grants of --settings, default none)");
  sign_cmd
      ->add_option("--settings", sign.manifest_settings,
                   "With --name: a plugin settings JSON file (as X-Hookd-Settings takes) whose grants the "
                   "manifest allows at most")
      ->check(CLI::ExistingFile)
      ->needs(manifest_name);

  hookd::cli::VerifyArgs verify;
  auto* verify_cmd = app.add_subcommand("verify", "Check a plugin's signature against public keys");
  verify_cmd->add_option("plugin", verify.plugin_path, "Plugin .wasm file")
      ->required()
      ->check(CLI::ExistingFile);
  verify_cmd
      ->add_option("--key", verify.keys, "Trusted key: \"ed25519:<base64>\" or a .pub file (repeatable)")
      ->required();
  verify_cmd->add_option("--signature", verify.signature,
                         "The signature (default: the text of <plugin>.sig)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);  // prints the version on stdout, exit 0
  } catch (const CLI::ParseError& e) {
    std::cerr << "hookd: " << e.what() << "\n\n";
    std::string help = app.help();
    for (auto* cmd : {call_cmd, serve_cmd, keygen_cmd, sign_cmd, verify_cmd}) {
      if (cmd->parsed()) help = cmd->help();
    }
    std::cerr << help;
    return hookd::cli::kExitUsage;
  }

  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(spdlog::stderr_color_mt("hookd"));
  if (call_cmd->parsed()) return hookd::cli::run_call(call);
  if (serve_cmd->parsed()) return hookd::cli::run_serve(serve);
  if (keygen_cmd->parsed()) return hookd::cli::run_keygen(keygen);
  if (sign_cmd->parsed()) return hookd::cli::run_sign(sign);
  if (verify_cmd->parsed()) return hookd::cli::run_verify(verify);
  return hookd::cli::kExitUsage;
}

}  // namespace

// An exception that escapes the subcommands (setting up the options, a
// failed allocation) is a message and the usage exit code, not an abort.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "hookd: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "hookd: unexpected error\n";
  }
  return hookd::cli::kExitUsage;
}
