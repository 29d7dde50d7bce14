#include "component/wasi/wasi_host.hpp"

#include <algorithm>

#include "component/wasi/interfaces.hpp"

namespace hookd::engine::component::wasi {

bool version_matches(std::string_view version, std::string_view prefix) {
  if (!version.starts_with(prefix)) return false;
  if (version.size() == prefix.size()) return true;
  // "0.2" then ".<patch>": digits only, so no pre-release ("0.2.0-rc-...").
  const std::string_view rest = version.substr(prefix.size());
  return rest.size() > 1 && rest[0] == '.' &&
         std::ranges::all_of(rest.substr(1), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::unique_ptr<WasiHost>> WasiHost::create(WasiOptions options) {
  if (!options.random) options.random = system_random();
  std::unique_ptr<WasiHost> host(new WasiHost(std::move(options)));
  for (auto add : {add_http_interfaces, add_io_interfaces, add_clock_random_interfaces, add_cli_interfaces,
                   add_filesystem_interfaces, add_keyvalue_interfaces, add_config_interfaces}) {
    if (auto ok = add(host->interfaces_); !ok) return std::unexpected(ok.error());
  }
  return host;
}

const HostInterface* WasiHost::find(std::string_view import_name) const {
  const auto at = import_name.find('@');
  if (at == std::string_view::npos) return nullptr;
  const std::string_view name = import_name.substr(0, at);
  const std::string_view version = import_name.substr(at + 1);
  for (const HostInterface& iface : interfaces_) {
    if (iface.name == name && version_matches(version, iface.version_prefix)) return &iface;
  }
  return nullptr;
}

std::unique_ptr<HostState> WasiHost::make_state() const { return std::make_unique<WasiState>(options_); }

}  // namespace hookd::engine::component::wasi
