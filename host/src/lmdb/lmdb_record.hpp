// How a (namespace, key, value, expiry) record is laid out in LMDB.
//
// The LMDB key is the composite `ns + '\0' + key`. LMDB (as Debian builds it)
// caps keys at 511 bytes, below a 64-byte namespace plus a 1 KiB key, so a
// composite that does not fit is stored as its first `group_bytes` bytes
// followed by its SHA-256; the full composite then lives in the value header.
// Direct keys are shorter than `max_stored` and hashed ones exactly
// `max_stored` long, so the two can never collide. LMDB order equals the
// order of composites except among records longer than `group_bytes` that
// share their first `group_bytes` bytes (a "group"); list() sorts each group.
//
// Value: u64 expiry (ms since the epoch, 0 = none) | u32 length of the full
// composite (0 when the key is direct) | that composite | value bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::host::detail {

class RecordCodec {
 public:
  explicit RecordCodec(std::size_t max_stored_key);

  static std::string composite(std::string_view ns, std::string_view key);
  bool is_hashed(std::string_view composite) const { return composite.size() >= max_stored_; }
  /// The LMDB key for a composite (the composite itself when it fits).
  std::string stored_key(std::string_view composite) const;
  /// A key no greater than stored_key(c) for every composite c >= `composite`.
  std::string_view seek_key(std::string_view composite) const;
  std::size_t group_bytes() const { return group_bytes_; }
  bool in_group(std::string_view stored) const { return stored.size() > group_bytes_; }

  struct Value {
    std::uint64_t expiry_ms = 0;
    std::string_view hashed_composite;  // empty for direct keys
    std::string_view bytes;
  };
  /// composite is written to the header only when it is hashed.
  std::string encode(std::uint64_t expiry_ms, std::string_view composite, std::string_view value) const;
  static std::optional<Value> decode(std::string_view raw);
  static bool live(const Value& v, std::uint64_t now_ms) { return v.expiry_ms == 0 || v.expiry_ms > now_ms; }

 private:
  std::size_t max_stored_;
  std::size_t group_bytes_;
};

// The composite and stored LMDB key of one (namespace, key), built on the
// stack: a read of a short key allocates nothing. Only keys too long for
// LMDB (hashed) take the heap.
class RecordKey {
 public:
  RecordKey(const RecordCodec& codec, std::string_view ns, std::string_view key);
  RecordKey(const RecordKey&) = delete;
  RecordKey& operator=(const RecordKey&) = delete;

  std::string_view composite() const { return composite_; }
  std::string_view stored() const { return stored_; }

 private:
  static constexpr std::size_t kInline = 256;
  char inline_[kInline];
  std::string heap_;    // the composite, when it does not fit inline_
  std::string hashed_;  // the stored key, when the composite is hashed
  std::string_view composite_;
  std::string_view stored_;
};

}  // namespace hookd::host::detail
