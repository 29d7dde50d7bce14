// The header fields of wasi:http's `fields` resource: names and values as
// the guest gave them, in order, with the rules hookd's ResponseSink
// applies, so that what a component builds can always be sent.
//
// A name must be an RFC 9110 token and a value may hold no control
// character but tab (invalid-syntax). The headers the server owns
// (framing, hop-by-hop: Connection, Transfer-Encoding, ...) are refused as
// forbidden, with one exception: Content-Length is kept, because
// StarlingMonkey (componentize-js) sets its own on every response; the
// response drops it when it goes to the server, which frames the body
// itself. Fields obtained from a request or a response are immutable.
// Past max_fields entries or max_bytes of names and values, a change is
// refused as forbidden: the variant has no case for "too large", and the
// fields never grow past the bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::engine::component::wasi {

// wasi:http/types header-error, by case index.
enum class HeaderError : uint8_t { kInvalidSyntax = 0, kForbidden = 1, kImmutable = 2 };

struct FieldLimits {
  size_t max_fields = 100;
  size_t max_bytes = 64u << 10;  // names and values together
};

class Fields {
 public:
  struct Entry {
    std::string name;
    std::string value;
  };
  using Outcome = std::expected<void, HeaderError>;

  explicit Fields(FieldLimits limits = {}) : limits_(limits) {}

  // Adds a field without the syntax and forbidden checks (the host's own
  // request headers, already parsed by the server); bounded like the rest.
  Outcome add_trusted(std::string_view name, std::string_view value);

  Outcome append(std::string_view name, std::string_view value);
  // Replaces every field named `name` with `values` (none: deletes them).
  Outcome set(std::string_view name, std::span<const std::string_view> values);
  Outcome remove(std::string_view name);

  // Values of `name` (compared without case), in order.
  [[nodiscard]] std::vector<std::string_view> get(std::string_view name) const;
  [[nodiscard]] bool has(std::string_view name) const;
  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
  [[nodiscard]] size_t bytes() const { return bytes_; }

  [[nodiscard]] bool immutable() const { return immutable_; }
  void freeze() { immutable_ = true; }
  // A mutable copy (fields.clone).
  [[nodiscard]] Fields clone() const;

  static bool valid_name(std::string_view name);
  static bool valid_value(std::string_view value);
  // Server-owned headers but Content-Length (see above).
  static bool forbidden(std::string_view name);

 private:
  Outcome check(std::string_view name, std::string_view value) const;
  Outcome fits(size_t count, size_t bytes) const;

  FieldLimits limits_;
  std::vector<Entry> entries_;
  size_t bytes_ = 0;
  bool immutable_ = false;
};

}  // namespace hookd::engine::component::wasi
