// `formats`: the payload formats of a plugin's functions, for the ABIs whose
// modules do not declare them (Extism, waPC; docs/abi.md). A table from
// function name to format:
//
//   [plugins.calc]
//   formats = { sum = "msgpack", render = "json" }
//
// or in the admin API's settings JSON, {"formats": {"sum": "msgpack"}}.
// Whether each name is a function of the plugin is only known once the module
// is loaded; the engine checks that (PluginOptions::function_formats).
#include "schema.hpp"

namespace hookd::config::detail {
namespace {

constexpr std::size_t kMaxFormats = 1024;

}  // namespace

FieldSpec<PluginSettings> function_formats() {
  return {"", "formats", TextForm::string,
          [](PluginSettings& target, const toml::node& node, FieldContext& ctx) {
            const auto* table = node.as_table();
            if (!table) {
              return ctx.fail(node, fmt::format("expected a table such as {{ fn = \"msgpack\" }}, got {}",
                                                describe(node)));
            }
            if (table->size() > kMaxFormats) {
              return ctx.fail(node, fmt::format("at most {} entries are allowed", kMaxFormats));
            }
            std::map<std::string, PayloadFormat> formats;
            bool ok = true;
            for (const auto& [key, value] : *table) {
              const std::string full = join_key(ctx.key, key.str());
              const int line = line_of(value) ? line_of(value) : line_of(node);
              auto name = FunctionName::parse(key.str());
              auto format = read_choice(value, kPayloadFormats);
              if (!name) {
                ctx.diag.invalid(line, full, name.error());
                ok = false;
              } else if (!format) {
                ctx.diag.invalid(line, full, format.error());
                ok = false;
              } else {
                formats.emplace(std::move(name->name), *format);
              }
            }
            if (ok) target.formats = std::move(formats);
          },
          // Written only when there are entries, so the settings of plugins
          // that need none read as before.
          [](const PluginSettings& target, toml::table& out) {
            if (target.formats.empty()) return;
            toml::table table;
            for (const auto& [name, format] : target.formats) {
              table.insert(name, std::string(name_of(kPayloadFormats, format)));
            }
            out.insert_or_assign("formats", std::move(table));
          }};
}

}  // namespace hookd::config::detail
