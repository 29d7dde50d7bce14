#include "component/wasi/fields.hpp"

#include <algorithm>

#include "hookd/engine/http_exchange.hpp"

namespace hookd::engine::component::wasi {

bool Fields::valid_name(std::string_view name) { return is_http_token(name); }

bool Fields::valid_value(std::string_view value) {
  return std::ranges::none_of(value, [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return (b < 0x20 && b != '\t') || b == 0x7f;
  });
}

bool Fields::forbidden(std::string_view name) {
  return is_server_owned_header(name) && !header_name_equal(name, "content-length");
}

Fields::Outcome Fields::check(std::string_view name, std::string_view value) const {
  if (immutable_) return std::unexpected(HeaderError::kImmutable);
  if (!valid_name(name) || !valid_value(value)) return std::unexpected(HeaderError::kInvalidSyntax);
  if (forbidden(name)) return std::unexpected(HeaderError::kForbidden);
  return {};
}

Fields::Outcome Fields::fits(size_t count, size_t bytes) const {
  if (count > limits_.max_fields || bytes > limits_.max_bytes)
    return std::unexpected(HeaderError::kForbidden);
  return {};
}

Fields::Outcome Fields::add_trusted(std::string_view name, std::string_view value) {
  if (auto ok = fits(entries_.size() + 1, bytes_ + name.size() + value.size()); !ok) return ok;
  entries_.push_back(Entry{std::string(name), std::string(value)});
  bytes_ += name.size() + value.size();
  return {};
}

Fields::Outcome Fields::append(std::string_view name, std::string_view value) {
  if (auto ok = check(name, value); !ok) return ok;
  return add_trusted(name, value);
}

Fields::Outcome Fields::set(std::string_view name, std::span<const std::string_view> values) {
  if (immutable_) return std::unexpected(HeaderError::kImmutable);
  if (!valid_name(name)) return std::unexpected(HeaderError::kInvalidSyntax);
  size_t count = entries_.size();
  size_t bytes = bytes_;
  for (const Entry& e : entries_) {
    if (header_name_equal(e.name, name)) {
      --count;
      bytes -= e.name.size() + e.value.size();
    }
  }
  for (std::string_view v : values) {
    if (auto ok = check(name, v); !ok) return ok;
    ++count;
    bytes += name.size() + v.size();
  }
  if (auto ok = fits(count, bytes); !ok) return ok;
  std::erase_if(entries_, [&](const Entry& e) { return header_name_equal(e.name, name); });
  for (std::string_view v : values) entries_.push_back(Entry{std::string(name), std::string(v)});
  bytes_ = bytes;
  return {};
}

Fields::Outcome Fields::remove(std::string_view name) {
  if (immutable_) return std::unexpected(HeaderError::kImmutable);
  if (!valid_name(name)) return std::unexpected(HeaderError::kInvalidSyntax);
  if (forbidden(name)) return std::unexpected(HeaderError::kForbidden);
  return set(name, {});
}

std::vector<std::string_view> Fields::get(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const Entry& e : entries_) {
    if (header_name_equal(e.name, name)) out.emplace_back(e.value);
  }
  return out;
}

bool Fields::has(std::string_view name) const {
  return std::ranges::any_of(entries_, [&](const Entry& e) { return header_name_equal(e.name, name); });
}

Fields Fields::clone() const {
  Fields copy(limits_);
  copy.entries_ = entries_;
  copy.bytes_ = bytes_;
  return copy;
}

}  // namespace hookd::engine::component::wasi
