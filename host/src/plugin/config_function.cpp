// hookd.config.get and hookd.config.list: the plugin's own config values,
// behind the config grant (they may hold secrets meant for another version
// of the plugin).
#include "hookd/host/plugin_services.hpp"
#include "hookd/util/wire.hpp"
#include "plugin/services.hpp"

namespace hookd::host::detail {
namespace wire = util::wire;

using engine::CallContext;
using Bytes = std::span<const uint8_t>;
using Out = std::vector<uint8_t>;

void add_config_function(std::vector<engine::HostFunction>& fns, const std::shared_ptr<const Grants>& g) {
  fns.push_back(engine::HostFunction{std::string(kConfigGet),
                                     [g](const CallContext& ctx, Bytes in, Out& out) -> engine::Result<void> {
                                       if (!g->config) return denied(*g, "config", ctx);
                                       auto it = g->config_values.find(std::string(text(in)));
                                       wire::Writer w(out);
                                       w.fixed<uint8_t>(it == g->config_values.end() ? 0 : 1);
                                       if (it != g->config_values.end()) w.raw(it->second);
                                       return {};
                                     }});
  // Every pair, by name: u32 n, then n x (str name, str value).
  fns.push_back(engine::HostFunction{std::string(kConfigList),
                                     [g](const CallContext& ctx, Bytes, Out& out) -> engine::Result<void> {
                                       if (!g->config) return denied(*g, "config", ctx);
                                       wire::Writer w(out);
                                       w.fixed<uint32_t>(static_cast<uint32_t>(g->config_values.size()));
                                       for (const auto& [name, value] : g->config_values)
                                         w.bytes(name).bytes(value);
                                       return {};
                                     }});
}

}  // namespace hookd::host::detail
