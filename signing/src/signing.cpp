#include "hookd/signing/signing.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "hookd/util/hex.hpp"

namespace hookd::signing {
namespace {

// Larger PEM text is certainly not an Ed25519 key; do not hand it to the parser.
constexpr std::size_t kMaxPrivatePemBytes = 16 * 1024;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

Pkey load_private_key(std::string_view pem) {
  if (pem.size() > kMaxPrivatePemBytes) return nullptr;
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) return nullptr;
  return key;
}

std::expected<PublicKey, std::string> raw_public_key(EVP_PKEY* key) {
  PublicKey out{};
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key, out.data(), &len) != 1 || len != out.size()) {
    return std::unexpected(std::string("cannot read the Ed25519 public key"));
  }
  return out;
}

bool signature_valid(const PublicKey& key, std::string_view message,
                     std::span<const std::uint8_t> signature) {
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

bool is_sha256_hex(std::string_view text) { return util::is_lower_hex(text, 64); }

}  // namespace

std::string sha256_hex(std::span<const std::uint8_t> data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) return {};
  return util::to_hex({digest, len});
}

std::string signed_message(std::string_view module_sha256_hex) {
  return std::string(kMessagePrefix) + std::string(module_sha256_hex);
}

std::string public_key_text(const PublicKey& key) {
  return std::string(kPublicKeyPrefix) + base64_encode(key);
}

std::expected<PublicKey, std::string> parse_public_key(std::string_view text) {
  if (!text.starts_with(kPublicKeyPrefix))
    return std::unexpected(std::string("expected \"ed25519:<base64 key>\""));
  text.remove_prefix(kPublicKeyPrefix.size());
  auto bytes = text.size() == 44 ? base64_decode(text) : std::nullopt;
  if (!bytes || bytes->size() != kPublicKeyBytes) {
    return std::unexpected(std::string("expected \"ed25519:\" and 44 base64 characters (a 32-byte key)"));
  }
  PublicKey key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

std::string key_id(const PublicKey& key) { return sha256_hex(key).substr(0, 16); }

std::expected<KeyPair, std::string> generate_key_pair() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return std::unexpected(std::string("cannot generate an Ed25519 key"));
  auto pub = raw_public_key(key.get());
  if (!pub) return std::unexpected(pub.error());
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return std::unexpected(std::string("cannot encode the private key"));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return std::unexpected(std::string("cannot encode the private key"));
  return KeyPair{std::string(data, static_cast<std::size_t>(len)), *pub};
}

std::expected<PublicKey, std::string> public_key_of(std::string_view private_pem) {
  Pkey key = load_private_key(private_pem);
  if (!key) return std::unexpected(std::string("not a PEM Ed25519 private key"));
  return raw_public_key(key.get());
}

namespace {

// The base64 Ed25519 signature of `message`.
std::expected<std::string, std::string> sign_message(std::string_view private_pem, std::string_view message) {
  Pkey key = load_private_key(private_pem);
  if (!key) return std::unexpected(std::string("not a PEM Ed25519 private key"));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return std::unexpected(std::string("cannot start signing"));
  }
  std::array<std::uint8_t, kSignatureBytes> signature{};
  std::size_t len = signature.size();
  if (EVP_DigestSign(ctx.get(), signature.data(), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != signature.size()) {
    return std::unexpected(std::string("cannot sign"));
  }
  return base64_encode(signature);
}

// The 64 signature bytes from their 88 base64 characters, or why not.
std::expected<std::vector<std::uint8_t>, VerifyError> decode_signature(std::string_view signature) {
  // The length first: nothing longer than a signature is decoded.
  auto bytes = signature.size() == kSignatureChars ? base64_decode(signature) : std::nullopt;
  if (!bytes || bytes->size() != kSignatureBytes) {
    const std::string what = signature.size() != kSignatureChars
                                 ? std::to_string(signature.size()) + " characters"
                                 : std::string("characters outside base64");
    return std::unexpected(VerifyError{
        Refusal::kMalformed, "malformed signature: expected " + std::to_string(kSignatureChars) +
                                 " characters of base64 (a 64-byte Ed25519 signature), got " + what});
  }
  return std::move(*bytes);
}

}  // namespace

std::expected<std::string, std::string> sign(std::string_view private_pem,
                                             std::string_view module_sha256_hex) {
  if (!is_sha256_hex(module_sha256_hex)) {
    return std::unexpected(std::string("expected a SHA-256 as 64 lower-case hex digits"));
  }
  return sign_message(private_pem, signed_message(module_sha256_hex));
}

bool is_manifest_signature(std::string_view signature) {
  return signature.starts_with(kManifestSignaturePrefix);
}

std::expected<std::string, std::string> sign_manifest(std::string_view private_pem,
                                                      std::string_view manifest) {
  if (manifest.empty() || manifest.size() > kMaxManifestBytes) {
    return std::unexpected("a manifest is 1 to " + std::to_string(kMaxManifestBytes) + " bytes, this one " +
                           std::to_string(manifest.size()));
  }
  auto signature = sign_message(private_pem, std::string(kManifestMessagePrefix) + std::string(manifest));
  if (!signature) return signature;
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(manifest.data()),
                                            manifest.size());
  return std::string(kManifestSignaturePrefix) + base64_encode(bytes) + "." + *signature;
}

std::expected<VerifiedManifest, VerifyError> verify_manifest(std::span<const PublicKey> trusted_keys,
                                                             std::string_view signature) {
  const auto malformed = [](std::string why) {
    return std::unexpected(
        VerifyError{Refusal::kMalformed, "malformed manifest signature: " + std::move(why)});
  };
  if (!is_manifest_signature(signature)) return malformed("it does not start with \"manifest:\"");
  // Lengths before decoding: nothing longer than the largest manifest is decoded.
  if (signature.size() > kMaxManifestSignatureChars) {
    return malformed(std::to_string(signature.size()) + " characters, more than the " +
                     std::to_string(kMaxManifestSignatureChars) + " a " + std::to_string(kMaxManifestBytes) +
                     "-byte manifest needs");
  }
  signature.remove_prefix(kManifestSignaturePrefix.size());
  const size_t dot = signature.find('.');
  if (dot == std::string_view::npos) {
    return malformed("expected \"manifest:<base64 manifest>.<base64 signature>\"");
  }
  auto manifest = base64_decode(signature.substr(0, dot));
  if (!manifest || manifest->empty()) return malformed("the manifest is not base64");
  auto bytes = decode_signature(signature.substr(dot + 1));
  if (!bytes) return malformed(bytes.error().message);
  std::string text(manifest->begin(), manifest->end());
  const std::string message = std::string(kManifestMessagePrefix) + text;
  for (const PublicKey& key : trusted_keys) {
    if (signature_valid(key, message, *bytes)) return VerifiedManifest{key_id(key), std::move(text)};
  }
  return std::unexpected(
      VerifyError{Refusal::kUntrusted,
                  "manifest signature does not match any trusted key (signing.trusted_keys "
                  "has " +
                      std::to_string(trusted_keys.size()) + ")"});
}

std::expected<std::string, VerifyError> verify(std::span<const PublicKey> trusted_keys,
                                               bool require_signature, std::string_view module_sha256_hex,
                                               std::string_view signature) {
  if (signature.empty()) {
    if (!require_signature) return std::string();
    return std::unexpected(VerifyError{
        Refusal::kUnsigned,
        "unsigned: signing.require_signature is on and the module has no signature (give one with the "
        "X-Hookd-Signature header or the plugin's \"signature\" setting; see `hookd sign`)"});
  }
  auto bytes = decode_signature(signature);
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  const std::string message = signed_message(module_sha256_hex);
  for (const PublicKey& key : trusted_keys) {
    if (signature_valid(key, message, *bytes)) return key_id(key);
  }
  return std::unexpected(
      VerifyError{Refusal::kUntrusted, "signature does not match any trusted key (signing.trusted_keys has " +
                                           std::to_string(trusted_keys.size()) + "; module sha256 " +
                                           std::string(module_sha256_hex) + ")"});
}

}  // namespace hookd::signing
