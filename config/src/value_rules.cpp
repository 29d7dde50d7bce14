#include "value_rules.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "hookd/util/ascii.hpp"

namespace hookd::config::detail {

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: {
      std::string out = "\"";
      for (const char c : node.as_string()->get()) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += c;
        }
        if (out.size() > 80) return out + "...\"";
      }
      return out + "\"";
    }
    case toml::node_type::integer:
      return std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return fmt::format("{}", node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    default:
      return "nothing";
  }
}

std::string key_text(std::string_view key) {
  const bool bare = !key.empty() && std::ranges::all_of(key, [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
  if (bare) return std::string(key);
  std::string out = "\"";
  for (const char c : key) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string join_key(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return key_text(key);
  return fmt::format("{}.{}", prefix, key_text(key));
}

std::expected<std::int64_t, std::string> read_integer(const toml::node& node, IntRange range) {
  if (const auto* value = node.as_integer()) {
    if (value->get() >= range.min && value->get() <= range.max) return value->get();
  }
  return std::unexpected(
      fmt::format("expected an integer between {} and {}, got {}", range.min, range.max, describe(node)));
}

std::expected<double, std::string> read_ratio(const toml::node& node) {
  std::optional<double> value;
  if (const auto* f = node.as_floating_point()) value = f->get();
  if (const auto* i = node.as_integer()) value = static_cast<double>(i->get());
  // NaN fails both comparisons.
  if (value && *value >= 0.0 && *value <= 1.0) return *value;
  return std::unexpected(fmt::format("expected a number from 0 to 1, got {}", describe(node)));
}

std::expected<bool, std::string> read_bool(const toml::node& node) {
  if (const auto* value = node.as_boolean()) return value->get();
  return std::unexpected(fmt::format("expected true or false, got {}", describe(node)));
}

std::expected<std::string, std::string> read_string(const toml::node& node, std::size_t max_length) {
  const auto* value = node.as_string();
  if (!value) return std::unexpected(fmt::format("expected a string, got {}", describe(node)));
  if (value->get().size() > max_length) {
    return std::unexpected(fmt::format("must be at most {} bytes long", max_length));
  }
  return value->get();
}

std::expected<std::string, std::string> check_sha256(std::string text) {
  const bool ok =
      text.size() == 64 && std::ranges::all_of(text, [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (!ok) return std::unexpected(fmt::format("expected 64 hex digits, got \"{}\"", text));
  return util::to_lower(text);
}

bool is_plugin_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::ranges::all_of(name, [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::string_view> suggest(std::string_view key, std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (const auto candidate : candidates) {
    const auto distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace hookd::config::detail
