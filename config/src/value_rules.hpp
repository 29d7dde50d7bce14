// Checks of single values, shared by every source: the same rule gives the same
// message whether the value came from TOML, an env variable, a flag or JSON.
#pragma once

#include <fmt/format.h>
#include <toml++/toml.h>

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hookd/config/config.hpp"

namespace hookd::config::detail {

/// How a value is shown after "got": "\"x\"", 3.5, true, "a table".
std::string describe(const toml::node& node);

/// A key as written in a dotted path, quoted when it is not a bare TOML key.
std::string key_text(std::string_view key);
std::string join_key(std::string_view prefix, std::string_view key);

struct IntRange {
  std::int64_t min;
  std::int64_t max;
};

std::expected<std::int64_t, std::string> read_integer(const toml::node& node, IntRange range);
/// A number (a float or an integer) from 0 to 1.
std::expected<double, std::string> read_ratio(const toml::node& node);
std::expected<bool, std::string> read_bool(const toml::node& node);
std::expected<std::string, std::string> read_string(const toml::node& node, std::size_t max_length);

template <class E>
struct Named {
  std::string_view name;
  E value;
};

inline constexpr std::array kLogLevels{
    Named<LogLevel>{"trace", LogLevel::trace}, Named<LogLevel>{"debug", LogLevel::debug},
    Named<LogLevel>{"info", LogLevel::info},   Named<LogLevel>{"warn", LogLevel::warn},
    Named<LogLevel>{"error", LogLevel::error}, Named<LogLevel>{"off", LogLevel::off}};
inline constexpr std::array kLogFormats{Named<LogFormat>{"text", LogFormat::text},
                                        Named<LogFormat>{"json", LogFormat::json}};
inline constexpr std::array kKvBackends{Named<KvBackend>{"lmdb", KvBackend::lmdb},
                                        Named<KvBackend>{"redis", KvBackend::redis},
                                        Named<KvBackend>{"memory", KvBackend::memory}};
inline constexpr std::array kPayloadFormats{Named<PayloadFormat>{"bytes", PayloadFormat::bytes},
                                            Named<PayloadFormat>{"msgpack", PayloadFormat::msgpack},
                                            Named<PayloadFormat>{"json", PayloadFormat::json},
                                            Named<PayloadFormat>{"text", PayloadFormat::text}};
inline constexpr std::array kEngineCompiles{Named<EngineCompile>{"tiered", EngineCompile::tiered},
                                            Named<EngineCompile>{"optimized", EngineCompile::optimized}};
inline constexpr std::array kKvModes{Named<KvMode>{"r", KvMode::read},
                                     Named<KvMode>{"rw", KvMode::read_write}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<Named<E>, N>& names, E value) {
  for (const auto& entry : names) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

template <class E, std::size_t N>
std::expected<E, std::string> read_choice(const toml::node& node, const std::array<Named<E>, N>& names) {
  std::string choices;
  for (const auto& entry : names) {
    if (const auto* text = node.as_string(); text && text->get() == entry.name) return entry.value;
    choices += choices.empty() ? "" : "|";
    choices += entry.name;
  }
  return std::unexpected(fmt::format("expected one of {}, got {}", choices, describe(node)));
}

/// 64 hex digits, returned lower-cased.
std::expected<std::string, std::string> check_sha256(std::string text);

/// Plugin names and KV namespaces: [A-Za-z0-9_-]{1,64}.
bool is_plugin_name(std::string_view name);

/// The closest of `candidates` to a mistyped `key`, if one is close enough.
std::optional<std::string_view> suggest(std::string_view key, std::span<const std::string_view> candidates);

}  // namespace hookd::config::detail
