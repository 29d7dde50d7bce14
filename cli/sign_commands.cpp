#include "sign_commands.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "call_command.hpp"
#include "hookd/config/plugin_manifest.hpp"
#include "hookd/config/plugin_settings_json.hpp"
#include "hookd/engine/read_file.hpp"
#include "hookd/signing/signing.hpp"

namespace hookd::cli {
namespace {

constexpr size_t kMaxKeyFileBytes = 16 * 1024;
constexpr size_t kMaxSettingsFileBytes = 1024 * 1024;

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

std::optional<std::string> read_text(const std::string& path, size_t max_bytes) {
  auto bytes = engine::read_file(path, max_bytes);
  if (!bytes) {
    std::cerr << "hookd: " << bytes.error().message << "\n";
    return std::nullopt;
  }
  return std::string(bytes->begin(), bytes->end());
}

// Writes a whole file. With `exclusive`, an existing file (or a symlink) is
// never replaced; otherwise a symlink is still refused.
bool write_text(const std::string& path, std::string_view text, mode_t mode, bool exclusive) {
  const int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    std::cerr << "hookd: cannot create " << path << ": "
              << (errno == EEXIST ? "it already exists; refusing to overwrite it" : std::strerror(errno))
              << "\n";
    return false;
  }
  bool ok = ::fchmod(fd, mode) == 0;
  for (size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (!ok) std::cerr << "hookd: cannot write " << path << ": " << std::strerror(errno) << "\n";
  ::close(fd);
  return ok;
}

// The manifest `hookd sign --name` signs: the name, the module, and the
// grants of --settings (a plugin settings JSON file; nothing else in it counts).
std::optional<config::PluginManifest> manifest_for(const SignArgs& args, const std::string& sha256) {
  config::PluginManifest manifest{*args.manifest_name, sha256, {}};
  if (args.manifest_settings) {
    auto text = read_text(*args.manifest_settings, kMaxSettingsFileBytes);
    if (!text) return std::nullopt;
    auto settings = config::parse_plugin_settings_json(*text, manifest.name);
    if (!settings) {
      std::cerr << "hookd: " << *args.manifest_settings << ": " << config::to_string(settings.error())
                << "\n";
      return std::nullopt;
    }
    manifest.grants = std::move(settings->grants);
  }
  // The gateway parses it back the same way; checking here means a bad name
  // is a signing-time error, not a refusal at install.
  auto back = config::parse_manifest_json(config::manifest_json(manifest));
  if (!back) {
    std::cerr << "hookd: --name " << manifest.name << ": " << back.error() << "\n";
    return std::nullopt;
  }
  return manifest;
}

std::string describe(const config::PluginGrants& grants) {
  std::string out;
  const auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (grants.kv)
    add("kv " + grants.kv->namespace_name + " " + std::string(config::to_string(grants.kv->mode)));
  for (const auto& p : grants.fetch) add("fetch " + p.to_string());
  if (grants.config) add("config");
  return out.empty() ? "none" : out;
}

}  // namespace

int run_keygen(const KeygenArgs& args) {
  const std::string pub_path = args.out + ".pub";
  struct stat st {};
  for (const std::string& path : {args.out, pub_path}) {
    if (::lstat(path.c_str(), &st) == 0) {
      std::cerr << "hookd: " << path << " already exists; refusing to overwrite it\n";
      return kExitPluginError;
    }
  }
  auto key = signing::generate_key_pair();
  if (!key) {
    std::cerr << "hookd: " << key.error() << "\n";
    return kExitPluginError;
  }
  const std::string public_text = signing::public_key_text(key->public_key);
  if (!write_text(args.out, key->private_pem, 0600, true)) return kExitPluginError;
  if (!write_text(pub_path, public_text + "\n", 0644, true)) return kExitPluginError;
  std::cerr << "hookd: wrote the private key to " << args.out
            << " (mode 0600, keep it secret) and the public key to " << pub_path << "\n";
  std::cout << "public key: " << public_text << "\n"
            << "key id: " << signing::key_id(key->public_key) << "\n";
  return kExitOk;
}

int run_sign(const SignArgs& args) {
  auto pem = read_text(args.key_file, kMaxKeyFileBytes);
  if (!pem) return kExitUsage;
  struct stat st {};
  if (::stat(args.key_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    std::cerr << "hookd: warning: " << args.key_file << " is readable by others (chmod 600 it)\n";
  }
  auto public_key = signing::public_key_of(*pem);
  if (!public_key) {
    std::cerr << "hookd: " << args.key_file << ": " << public_key.error() << "\n";
    return kExitUsage;
  }
  auto wasm = engine::read_file(args.plugin_path);
  if (!wasm) {
    std::cerr << "hookd: " << wasm.error().message << "\n";
    return kExitUsage;
  }
  const std::string sha256 = signing::sha256_hex(*wasm);
  std::expected<std::string, std::string> signature;
  std::string what = "the module";
  if (args.manifest_name) {
    auto manifest = manifest_for(args, sha256);
    if (!manifest) return kExitUsage;
    signature = signing::sign_manifest(*pem, config::manifest_json(*manifest));
    what = "a manifest: name \"" + manifest->name + "\", grants " + describe(manifest->grants);
  } else {
    signature = signing::sign(*pem, sha256);
  }
  if (!signature) {
    std::cerr << "hookd: " << signature.error() << "\n";
    return kExitPluginError;
  }
  const std::string out = args.out.value_or(args.plugin_path + ".sig");
  if (!write_text(out, *signature + "\n", 0644, false)) return kExitPluginError;
  std::cerr << "hookd: signed " << what << " for " << args.plugin_path << " (sha256 " << sha256
            << ") with key id " << signing::key_id(*public_key) << "; wrote " << out << "\n";
  std::cout << *signature << "\n";
  return kExitOk;
}

int run_verify(const VerifyArgs& args) {
  std::vector<signing::PublicKey> trusted;
  for (const std::string& given : args.keys) {
    std::string text = given;
    if (!given.starts_with(signing::kPublicKeyPrefix)) {
      auto file = read_text(given, kMaxKeyFileBytes);
      if (!file) return kExitUsage;
      text = trimmed(*file);
    }
    auto key = signing::parse_public_key(text);
    if (!key) {
      std::cerr << "hookd: --key " << given << ": " << key.error() << "\n";
      return kExitUsage;
    }
    trusted.push_back(*key);
  }
  std::string signature;
  if (args.signature) {
    signature = *args.signature;
  } else {
    auto file = read_text(args.plugin_path + ".sig", kMaxKeyFileBytes);
    if (!file) return kExitUsage;
    signature = trimmed(*file);
  }
  auto wasm = engine::read_file(args.plugin_path);
  if (!wasm) {
    std::cerr << "hookd: " << wasm.error().message << "\n";
    return kExitUsage;
  }
  const std::string sha256 = signing::sha256_hex(*wasm);
  if (signing::is_manifest_signature(signature)) {
    // What the gateway checks at install, less the name and grants, which
    // only an install has: say what the manifest allows instead.
    auto verified = signing::verify_manifest(trusted, signature);
    std::string problem = verified ? std::string() : verified.error().message;
    std::optional<config::PluginManifest> manifest;
    if (verified) {
      auto parsed = config::parse_manifest_json(verified->manifest);
      if (!parsed) {
        problem = "malformed manifest: " + parsed.error();
      } else if (parsed->sha256 != sha256) {
        problem = "manifest is signed for another module (sha256 " + parsed->sha256 + ")";
      } else {
        manifest = std::move(*parsed);
      }
    }
    if (!manifest) {
      std::cerr << "hookd: " << args.plugin_path << ": " << problem << "\n";
      return kExitPluginError;
    }
    std::cout << "signed by key id " << verified->key_id << ": manifest for plugin name \"" << manifest->name
              << "\", grants at most " << describe(manifest->grants) << "\n";
    return kExitOk;
  }
  auto signer = signing::verify(trusted, true, sha256, signature);
  if (!signer) {
    std::cerr << "hookd: " << args.plugin_path << ": " << signer.error().message << "\n";
    return kExitPluginError;
  }
  std::cout << "signed by key id " << *signer << "\n";
  return kExitOk;
}

}  // namespace hookd::cli
