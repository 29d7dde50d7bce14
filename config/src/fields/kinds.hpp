// The kinds of field a section declares (integer, boolean, string, choice,
// address, list): each builds the FieldSpec that reads, checks and writes
// one setting, so a section file is only its list of settings.
#pragma once

#include <toml++/toml.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hookd/config/address.hpp"
#include "schema.hpp"
#include "value_rules.hpp"

namespace hookd::config::detail {

/// A rule a string passes after its length check: the value to store, or why not.
using StringCheck = std::expected<std::string, std::string> (*)(std::string);

inline constexpr std::size_t kMaxListItems = 1024;

template <class T>
struct OptionalOf {
  using type = void;
};
template <class T>
struct OptionalOf<std::optional<T>> {
  using type = T;
};
template <class T>
constexpr bool kIsOptional = !std::is_void_v<typename OptionalOf<T>::type>;

template <class T>
T from_int(std::int64_t value) {
  if constexpr (std::is_same_v<T, milliseconds>) {
    return milliseconds{value};
  } else {
    return static_cast<T>(value);
  }
}

template <class T>
std::int64_t to_int(const T& value) {
  if constexpr (std::is_same_v<T, milliseconds>) {
    return value.count();
  } else {
    return static_cast<std::int64_t>(value);
  }
}

template <class Target, class Get>
FieldSpec<Target> integer(std::string_view section, std::string_view key, IntRange range, Get get) {
  return {section, key, TextForm::integer,
          [=](Target& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_integer(node, range);
            if (!value) return ctx.fail(node, value.error());
            auto& field = get(target);
            using F = std::remove_cvref_t<decltype(field)>;
            if constexpr (kIsOptional<F>) {
              field = from_int<typename OptionalOf<F>::type>(*value);
            } else {
              field = from_int<F>(*value);
            }
          },
          [=](const Target& target, toml::table& out) {
            const auto& field = get(target);
            using F = std::remove_cvref_t<decltype(field)>;
            if constexpr (kIsOptional<F>) {
              if (field) out.insert_or_assign(key, to_int(*field));
            } else {
              out.insert_or_assign(key, to_int(field));
            }
          }};
}

/// A number from 0 to 1 (a share, a sampling ratio).
template <class Target, class Get>
FieldSpec<Target> ratio(std::string_view section, std::string_view key, Get get) {
  return {section, key, TextForm::number,
          [=](Target& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_ratio(node);
            if (!value) return ctx.fail(node, value.error());
            get(target) = *value;
          },
          [=](const Target& target, toml::table& out) { out.insert_or_assign(key, get(target)); }};
}

template <class Target, class Get>
FieldSpec<Target> boolean(std::string_view section, std::string_view key, Get get) {
  return {section, key, TextForm::boolean,
          [=](Target& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_bool(node);
            if (!value) return ctx.fail(node, value.error());
            get(target) = *value;
          },
          [=](const Target& target, toml::table& out) { out.insert_or_assign(key, get(target)); }};
}

template <class Target, class Get>
FieldSpec<Target> string(std::string_view section, std::string_view key, std::size_t max_length, Get get,
                         StringCheck check = nullptr) {
  return {section, key, TextForm::string,
          [=](Target& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_string(node, max_length);
            if (value && check) value = check(std::move(*value));
            if (!value) return ctx.fail(node, value.error());
            get(target) = std::move(*value);
          },
          [=](const Target& target, toml::table& out) {
            const auto& field = get(target);
            if constexpr (std::is_same_v<std::remove_cvref_t<decltype(field)>, std::filesystem::path>) {
              out.insert_or_assign(key, field.string());
            } else {
              out.insert_or_assign(key, field);
            }
          }};
}

/// A string that written settings leave out while it is empty.
template <class Target, class Get>
FieldSpec<Target> optional_string(std::string_view section, std::string_view key, std::size_t max_length,
                                  Get get, StringCheck check) {
  FieldSpec<Target> spec = string<Target>(section, key, max_length, get, check);
  spec.write = [=](const Target& target, toml::table& out) {
    if (!get(target).empty()) out.insert_or_assign(key, get(target));
  };
  return spec;
}

template <class Target, class E, std::size_t N, class Get>
FieldSpec<Target> choice(std::string_view section, std::string_view key, const std::array<Named<E>, N>& names,
                         Get get) {
  return {section, key, TextForm::string,
          [=, &names](Target& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_choice(node, names);
            if (!value) return ctx.fail(node, value.error());
            get(target) = *value;
          },
          [=, &names](const Target& target, toml::table& out) {
            out.insert_or_assign(key, std::string(name_of(names, get(target))));
          }};
}

template <class Target, class Get>
FieldSpec<Target> address(std::string_view section, std::string_view key, HostRule rule, bool allow_port_zero,
                          Get get) {
  return {
      section, key, TextForm::string,
      [=](Target& target, const toml::node& node, FieldContext& ctx) {
        const auto* text = node.as_string();
        if (!text)
          return ctx.fail(node, fmt::format("expected a \"host:port\" string, got {}", describe(node)));
        auto value = parse_host_port(text->get(), rule, allow_port_zero);
        if (!value) return ctx.fail(node, value.error());
        get(target) = std::move(*value);
      },
      [=](const Target& target, toml::table& out) { out.insert_or_assign(key, get(target).to_string()); }};
}

/// An array of strings, each parsed by Item::parse; every bad item is reported.
template <class Target, class Get>
FieldSpec<Target> parsed_list(std::string_view section, std::string_view key, Get get) {
  return {section, key, TextForm::string_list,
          [=](Target& target, const toml::node& node, FieldContext& ctx) {
            const auto* array = node.as_array();
            if (!array)
              return ctx.fail(node, fmt::format("expected an array of strings, got {}", describe(node)));
            if (array->size() > kMaxListItems) {
              return ctx.fail(node, fmt::format("at most {} entries are allowed", kMaxListItems));
            }
            using Item = typename std::remove_cvref_t<decltype(get(target))>::value_type;
            std::vector<Item> items;
            bool ok = true;
            for (std::size_t i = 0; i < array->size(); ++i) {
              const toml::node& element = *array->get(i);
              const int line = line_of(element) ? line_of(element) : line_of(node);
              const auto* text = element.as_string();
              if (!text) {
                ctx.diag.invalid(
                    line, ctx.key,
                    fmt::format("entry {}: expected a string, got {}", i + 1, describe(element)));
                ok = false;
                continue;
              }
              auto item = Item::parse(text->get());
              if (!item) {
                ctx.diag.invalid(line, ctx.key, fmt::format("entry {}: {}", i + 1, item.error()));
                ok = false;
                continue;
              }
              items.push_back(std::move(*item));
            }
            if (ok) get(target) = std::move(items);
          },
          [=](const Target& target, toml::table& out) {
            toml::array array;
            for (const auto& item : get(target)) array.push_back(item.to_string());
            out.insert_or_assign(key, std::move(array));
          }};
}

}  // namespace hookd::config::detail
