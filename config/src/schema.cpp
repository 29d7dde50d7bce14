// config_fields(): every section's settings, in the order the file is
// written; and how env/flag text becomes the TOML value a field reads.
#include "schema.hpp"

#include <cctype>
#include <charconv>
#include <utility>

#include "fields/sections.hpp"

namespace hookd::config::detail {

const std::vector<FieldSpec<Config>>& config_fields() {
  static const std::vector<FieldSpec<Config>> fields = [] {
    std::vector<FieldSpec<Config>> all;
    for (auto* section : {server_fields, limits_fields, plugin_runtime_fields, log_fields, kv_fields,
                          fetch_fields, cluster_fields, signing_fields, tracing_fields}) {
      for (auto& spec : section()) all.push_back(std::move(spec));
    }
    return all;
  }();
  return fields;
}

toml::table text_as_value(TextForm form, std::string_view text) {
  toml::table holder;
  switch (form) {
    case TextForm::integer: {
      std::int64_t value = 0;
      const auto* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (!text.empty() && ec == std::errc{} && ptr == end) {
        holder.insert("value", value);
        return holder;
      }
      break;
    }
    case TextForm::number: {
      double value = 0;
      const auto* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (!text.empty() && ec == std::errc{} && ptr == end) {
        holder.insert("value", value);
        return holder;
      }
      break;
    }
    case TextForm::boolean:
      if (text == "true" || text == "false") {
        holder.insert("value", text == "true");
        return holder;
      }
      break;
    case TextForm::string_list: {
      toml::array items;
      std::size_t start = 0;
      while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        auto item = text.substr(start, end - start);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
        if (!item.empty()) items.push_back(std::string(item));
        start = end + 1;
      }
      holder.insert("value", std::move(items));
      return holder;
    }
    case TextForm::string:
      break;
  }
  holder.insert("value", std::string(text));
  return holder;
}

}  // namespace hookd::config::detail
