// hookd.crypto.*: what a handler needs to check a signed webhook or a token
// (SHA-256, HMAC-SHA256, a compare that takes the same time whatever the
// bytes), computed by OpenSSL in the host. The crypto grant is checked on
// every call, as the other services' grants are.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>

#include "hookd/host/plugin_services.hpp"
#include "hookd/util/wire.hpp"
#include "plugin/services.hpp"

namespace hookd::host::detail {
namespace wire = util::wire;
namespace {

using engine::CallContext;
using engine::ErrorKind;
using engine::HostFunction;
using Bytes = std::span<const uint8_t>;
using Out = std::vector<uint8_t>;

constexpr std::size_t kDigestBytes = 32;

std::unexpected<engine::Error> crypto_failed(std::string_view fn) {
  return engine::fail(ErrorKind::kHostError, std::string(fn) + ": OpenSSL failed");
}

std::unexpected<engine::Error> malformed(std::string_view fn) {
  return engine::fail(ErrorKind::kHostError, std::string(fn) + ": malformed request payload");
}

// A crypto function with its grant check in front.
template <class F>
HostFunction granted(std::string_view name, const std::shared_ptr<const Grants>& g, F op) {
  return HostFunction{std::string(name),
                      [g, op](const CallContext& ctx, Bytes in, Out& out) -> engine::Result<void> {
                        if (!g->crypto) return denied(*g, "crypto", ctx);
                        return op(in, out);
                      }};
}

// OpenSSL wants a pointer even for no bytes.
const uint8_t* data_or_empty(std::string_view s) {
  static const uint8_t kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const uint8_t*>(s.data());
}

}  // namespace

void add_crypto_functions(std::vector<HostFunction>& fns, const std::shared_ptr<const Grants>& g) {
  // data -> 32-byte digest.
  fns.push_back(granted(kCryptoSha256, g, [](Bytes in, Out& out) -> engine::Result<void> {
    out.resize(kDigestBytes);
    unsigned int n = 0;
    const std::string_view data = text(in);
    if (EVP_Digest(data_or_empty(data), data.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 ||
        n != kDigestBytes) {
      return crypto_failed(kCryptoSha256);
    }
    return {};
  }));
  // str key, message (rest) -> 32-byte MAC. A key longer than SHA-256's
  // block is hashed first (RFC 2104); an empty key is allowed.
  fns.push_back(granted(kCryptoHmacSha256, g, [](Bytes in, Out& out) -> engine::Result<void> {
    wire::Reader r(in);
    auto key = r.bytes();
    if (!key || key->size() > static_cast<std::size_t>(INT32_MAX)) return malformed(kCryptoHmacSha256);
    const std::string_view message = r.rest();
    out.resize(kDigestBytes);
    unsigned int n = 0;
    if (HMAC(EVP_sha256(), data_or_empty(*key), static_cast<int>(key->size()), data_or_empty(message),
             message.size(), out.data(), &n) == nullptr ||
        n != kDigestBytes) {
      return crypto_failed(kCryptoHmacSha256);
    }
    return {};
  }));
  // str a, b (rest) -> u8 1 when equal. The time depends on the lengths
  // only (which a MAC's caller knows anyway), never on where they differ.
  fns.push_back(granted(kCryptoEqual, g, [](Bytes in, Out& out) -> engine::Result<void> {
    wire::Reader r(in);
    auto a = r.bytes();
    if (!a) return malformed(kCryptoEqual);
    const std::string_view b = r.rest();
    const bool equal =
        a->size() == b.size() && CRYPTO_memcmp(data_or_empty(*a), data_or_empty(b), b.size()) == 0;
    wire::Writer(out).fixed<uint8_t>(equal ? 1 : 0);
    return {};
  }));
}

}  // namespace hookd::host::detail
