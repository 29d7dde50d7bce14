#include "lmdb/lmdb_record.hpp"

#include <openssl/evp.h>

#include <cstring>

namespace hookd::host::detail {

namespace {
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kHeaderBytes = 12;

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get_le(std::string_view in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}
}  // namespace

RecordCodec::RecordCodec(std::size_t max_stored_key)
    : max_stored_(max_stored_key), group_bytes_(max_stored_key - kHashBytes) {}

std::string RecordCodec::composite(std::string_view ns, std::string_view key) {
  std::string c;
  c.reserve(ns.size() + 1 + key.size());
  c.append(ns);
  c.push_back('\0');
  c.append(key);
  return c;
}

RecordKey::RecordKey(const RecordCodec& codec, std::string_view ns, std::string_view key) {
  const std::size_t n = ns.size() + 1 + key.size();
  char* at = inline_;
  if (n > kInline) {
    heap_.resize(n);
    at = heap_.data();
  }
  std::memcpy(at, ns.data(), ns.size());
  at[ns.size()] = '\0';
  std::memcpy(at + ns.size() + 1, key.data(), key.size());
  // Both views from the local, not one member read back from the other (a
  // wide load of bytes just stored costs a store-forwarding stall).
  const std::string_view composite{at, n};
  composite_ = composite;
  if (codec.is_hashed(composite)) {
    hashed_ = codec.stored_key(composite);
    stored_ = hashed_;
  } else {
    stored_ = composite;
  }
}

std::string RecordCodec::stored_key(std::string_view composite) const {
  if (!is_hashed(composite)) return std::string(composite);
  std::string out(composite.substr(0, group_bytes_));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(composite.data(), composite.size(), digest, &len, EVP_sha256(), nullptr);
  out.append(reinterpret_cast<const char*>(digest), kHashBytes);
  return out;
}

std::string_view RecordCodec::seek_key(std::string_view composite) const {
  return composite.substr(0, std::min(composite.size(), group_bytes_));
}

std::string RecordCodec::encode(std::uint64_t expiry_ms, std::string_view composite,
                                std::string_view value) const {
  const std::string_view header_key = is_hashed(composite) ? composite : std::string_view{};
  std::string out;
  out.reserve(kHeaderBytes + header_key.size() + value.size());
  put_le(out, expiry_ms, 8);
  put_le(out, header_key.size(), 4);
  out.append(header_key);
  out.append(value);
  return out;
}

std::optional<RecordCodec::Value> RecordCodec::decode(std::string_view raw) {
  if (raw.size() < kHeaderBytes) return std::nullopt;
  Value v;
  v.expiry_ms = get_le(raw, 8);
  const std::size_t key_len = get_le(raw.substr(8), 4);
  if (raw.size() - kHeaderBytes < key_len) return std::nullopt;
  v.hashed_composite = raw.substr(kHeaderBytes, key_len);
  v.bytes = raw.substr(kHeaderBytes + key_len);
  return v;
}

}  // namespace hookd::host::detail
