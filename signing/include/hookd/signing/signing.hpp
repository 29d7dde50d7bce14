// Signed plugins: Ed25519 keys, detached signatures over a module, and the
// check the gateway makes before it installs one (docs/security/signing.md).
//
// What is signed is the ASCII string
//     "hookd-plugin-v1:" + the 64 lower-case hex digits of the module's SHA-256
// so a hookd signature cannot be mistaken for a signature the same key made for
// another purpose, and a signer needs only the digest, not the module.
// Signatures and public keys travel as standard base64 with padding: a public
// key is "ed25519:" + 44 characters (32 bytes), a signature 88 characters
// (64 bytes).
//
// Error policy: nothing here throws; every failure is a value with a message
// for an operator. OpenSSL (libcrypto) is the only dependency.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/util/base64.hpp"

namespace hookd::signing {

inline constexpr std::string_view kMessagePrefix = "hookd-plugin-v1:";
inline constexpr std::string_view kPublicKeyPrefix = "ed25519:";
inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSignatureBytes = 64;
inline constexpr std::size_t kSignatureChars = 88;  // base64 of 64 bytes, "==" included

using PublicKey = std::array<std::uint8_t, kPublicKeyBytes>;

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::span<const std::uint8_t> data);

/// The bytes a signature covers for a module with this SHA-256 (hex, lower case).
std::string signed_message(std::string_view module_sha256_hex);

/// Standard base64 with padding; strict decoding (padding required, no
/// whitespace). The one base64 of every layer.
using util::base64_decode;
using util::base64_encode;

/// "ed25519:<base64>", the form [signing] trusted_keys takes.
std::string public_key_text(const PublicKey& key);
std::expected<PublicKey, std::string> parse_public_key(std::string_view text);

/// A short, stable name for a key: the first 16 hex digits of the SHA-256 of
/// its 32 raw bytes.
std::string key_id(const PublicKey& key);

struct KeyPair {
  std::string private_pem;  // PKCS#8, unencrypted
  PublicKey public_key;
};
std::expected<KeyPair, std::string> generate_key_pair();

/// The public half of a PEM private key (which must be Ed25519).
std::expected<PublicKey, std::string> public_key_of(std::string_view private_pem);

/// The base64 signature of a module (given by its SHA-256) with a PEM private key.
std::expected<std::string, std::string> sign(std::string_view private_pem,
                                             std::string_view module_sha256_hex);

/// Why a module was refused.
enum class Refusal {
  kUnsigned,   // a signature is required and none was given
  kMalformed,  // not 88 characters of base64 for 64 bytes
  kUntrusted,  // well formed, but no trusted key made it for this module
};

struct VerifyError {
  Refusal refusal;
  std::string message;  // starts with "unsigned", "malformed signature" or "signature does not match"
};

/// Checks a module's signature against the trusted keys. An empty signature is
/// accepted only when `require_signature` is false; a signature that is given
/// is always checked. Returns the key id of the key that made it, or "" for an
/// accepted unsigned module. Work is bounded: the signature's length is checked
/// before it is decoded.
std::expected<std::string, VerifyError> verify(std::span<const PublicKey> trusted_keys,
                                               bool require_signature, std::string_view module_sha256_hex,
                                               std::string_view signature);

// ---- manifest signatures ----------------------------------------------------
//
// A module signature says "this key signed this code"; it says nothing about
// the name the module is installed under or what it may reach. A manifest
// signature binds those too: the signer signs a manifest (name, module
// SHA-256, grants; canonical JSON, see hookd/config/plugin_manifest.hpp), and
// the signature text carries the manifest so the gateway can say what differs:
//     "manifest:" + base64(manifest) + "." + base64(64-byte signature)
// over the ASCII string "hookd-manifest-v1:" + manifest. The prefix keeps a
// manifest signature from ever verifying as a module signature and back.

inline constexpr std::string_view kManifestMessagePrefix = "hookd-manifest-v1:";
inline constexpr std::string_view kManifestSignaturePrefix = "manifest:";
/// A manifest is small (a name, a digest, grants); this bounds the decoding,
/// and keeps the signature text within the plugin setting's 4096 characters.
inline constexpr std::size_t kMaxManifestBytes = 2048;
inline constexpr std::size_t kMaxManifestSignatureChars =
    kManifestSignaturePrefix.size() + (kMaxManifestBytes + 2) / 3 * 4 + 1 + kSignatureChars;

/// True when `signature` is in the manifest form (it may still be malformed).
bool is_manifest_signature(std::string_view signature);

/// The manifest signature text for `manifest` with a PEM private key.
std::expected<std::string, std::string> sign_manifest(std::string_view private_pem,
                                                      std::string_view manifest);

struct VerifiedManifest {
  std::string key_id;    // the trusted key that made it
  std::string manifest;  // the signed manifest text, for the caller to parse and compare
};

/// Checks a manifest signature: the form and lengths before decoding, then the
/// Ed25519 signature over the carried manifest against the trusted keys. What
/// the manifest says is the caller's to check.
std::expected<VerifiedManifest, VerifyError> verify_manifest(std::span<const PublicKey> trusted_keys,
                                                             std::string_view signature);

}  // namespace hookd::signing
