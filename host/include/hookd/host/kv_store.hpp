// The key-value store plugins use: a narrow interface with three
// implementations (MemoryKvStore for unit tests, LmdbKvStore embedded,
// RedisKvStore when scaled out) that share one behavioural test suite.
//
// Error policy: nothing here throws on the request path; every failure is a
// KvError value. Inputs are checked against KvLimits before any backend work.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::host {

struct KvError {
  enum class Code {
    kNotFound,     // reserved for callers; absent keys are not errors (get returns nullopt)
    kConflict,     // reserved for callers; a failed cas returns false instead
    kTooLarge,     // key, value or prefix over its limit
    kFull,         // the backend has no room (LMDB map size reached)
    kUnavailable,  // the backend cannot be reached (Redis down)
    kTimeout,      // the backend did not answer in time
    kInvalid,      // malformed input: namespace, empty key, bad TTL, non-integer counter, overflow
    kInternal,     // anything else the backend reported
    kQuota,        // the write would take the namespace past KvLimits' quota
  };
  Code code;
  std::string message;
};

template <class T>
using KvResult = std::expected<T, KvError>;

std::string_view to_string(KvError::Code code);

/// Size limits every store enforces the same way.
struct KvLimits {
  std::size_t max_key_bytes = 1024;
  std::size_t max_value_bytes = 1024 * 1024;
  std::size_t max_page_keys = 1000;  // list() clamps `limit` to this
  /// Quotas of one namespace (kv.namespace_max_bytes/keys), 0 = none. A
  /// key's charge is its key plus value bytes; a write that would take the
  /// namespace past either fails with kQuota (a write that shrinks it never
  /// does). Deletes give the charge back, and so do expired keys, as soon as
  /// the store notices them (at the latest when a write hits the quota).
  std::uint64_t max_namespace_bytes = 0;
  std::uint64_t max_namespace_keys = 0;
};

/// Thread-safe key-value storage. A namespace ([A-Za-z0-9_-]{1,64}) isolates
/// one plugin's keys from another's. Keys and values are arbitrary bytes.
/// Keys whose TTL has passed behave as absent in every operation.
class KvStore {
 public:
  virtual ~KvStore() = default;

  /// The value, or nullopt when the key is absent or expired.
  virtual KvResult<std::optional<std::string>> get(std::string_view ns, std::string_view key) = 0;

  /// Like get(), but appends the value to `out` and returns true, or returns
  /// false (out unchanged) when the key is absent or expired. The hot path of
  /// plugin reads: stores override it to copy straight from their buffers.
  virtual KvResult<bool> get_to(std::string_view ns, std::string_view key, std::vector<std::uint8_t>& out);

  /// Reads `keys` in order, from one snapshot where the store has them
  /// (LMDB), calling each(i, &value) per key, or each(i, nullptr) when it is
  /// absent; the view is valid only during that call. Stops at the first
  /// error (an invalid key, say). `each` must not call back into the store.
  /// (A pointer, not an optional by value: this is the hot path of batched
  /// reads.) With max_bytes > 0, values found that add up to more fail the
  /// batch with kTooLarge before `each` sees the value that crosses it, and
  /// the store never takes in much more than that (Redis checks the sizes on
  /// the server before it sends any value).
  using ReadEach = std::function<void(std::size_t index, const std::string_view* value)>;
  virtual KvResult<void> get_many(std::string_view ns, std::span<const std::string_view> keys,
                                  const ReadEach& each, std::uint64_t max_bytes = 0);

  /// Stores `value`; with a TTL (> 0) the key expires after it, without one
  /// any earlier TTL is cleared.
  virtual KvResult<void> set(std::string_view ns, std::string_view key, std::string_view value,
                             std::optional<std::chrono::milliseconds> ttl = {}) = 0;

  /// True if the key existed (and had not expired).
  virtual KvResult<bool> del(std::string_view ns, std::string_view key) = 0;

  struct Page {
    std::vector<std::string> keys;           // ascending bytewise order
    std::optional<std::string> next_cursor;  // set when more keys follow
  };
  /// Keys starting with `prefix`, in bytewise order, at most `limit` (clamped
  /// to KvLimits::max_page_keys, must be > 0). `cursor` is empty for the first
  /// page, then the previous page's next_cursor (it is the last key returned,
  /// so a page continues correctly even if keys were added or removed).
  virtual KvResult<Page> list(std::string_view ns, std::string_view prefix, std::string_view cursor,
                              std::size_t limit) = 0;

  /// Adds `delta` to the decimal integer stored at key (missing counts as 0)
  /// and returns the new value. A value that is not a canonical int64 decimal
  /// or a result that overflows is kInvalid. An existing TTL is kept.
  virtual KvResult<std::int64_t> incr(std::string_view ns, std::string_view key, std::int64_t delta) = 0;

  /// Atomically: if the current value equals `expected` (nullopt: the key
  /// must be absent), store `desired` (nullopt: delete it) and return true;
  /// otherwise change nothing and return false. A stored value has no TTL.
  virtual KvResult<bool> cas(std::string_view ns, std::string_view key,
                             std::optional<std::string_view> expected,
                             std::optional<std::string_view> desired) = 0;
};

}  // namespace hookd::host
