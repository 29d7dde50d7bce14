// `hookd keygen`, `hookd sign` and `hookd verify`: Ed25519 keys and detached
// plugin signatures (docs/security/signing.md). Exit codes: 0 done, 1 refused
// or failed (the reason on stderr), 2 usage.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hookd::cli {

struct KeygenArgs {
  std::string out;  // the private key; the public key goes to <out>.pub
};

struct SignArgs {
  std::string plugin_path;
  std::string key_file;
  std::optional<std::string> out;  // default <plugin_path>.sig
  // Manifest signing (docs/security/signing.md): the name, and a settings
  // JSON file whose grants are the most the manifest allows (none if absent).
  std::optional<std::string> manifest_name;
  std::optional<std::string> manifest_settings;
};

struct VerifyArgs {
  std::string plugin_path;
  std::vector<std::string> keys;         // "ed25519:<base64>" or a file holding one
  std::optional<std::string> signature;  // default: the text of <plugin_path>.sig
};

int run_keygen(const KeygenArgs& args);
int run_sign(const SignArgs& args);
int run_verify(const VerifyArgs& args);

}  // namespace hookd::cli
