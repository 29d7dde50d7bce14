#include "plugin/plugin_grants.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hookd/host/plugin_services.hpp"

namespace hookd::host::detail {

std::string log_field(std::string_view s) {
  if (s.size() <= kMaxHostLogFieldBytes) return std::string(s);
  return fmt::format("{}... ({} bytes)", s.substr(0, kMaxHostLogFieldBytes), s.size());
}

void host_log(const Grants& g, engine::LogLevel level, const engine::CallContext& ctx,
              std::string_view message) {
  if (g.log) return g.log(level, g.plugin, ctx, message);
  spdlog::log(level == engine::LogLevel::kWarn ? spdlog::level::warn : spdlog::level::info,
              "[plugin {}] [{}] {:?}", g.plugin, ctx.request_id, message);
}

std::unexpected<engine::Error> denied(const Grants& g, std::string_view what,
                                      const engine::CallContext& ctx) {
  host_log(g, engine::LogLevel::kWarn, ctx, fmt::format("denied: {} is not granted", what));
  return engine::fail(engine::ErrorKind::kHostError,
                      std::string(what) + " is not granted to plugin " + g.plugin);
}

std::string_view text(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::unexpected<engine::Error> bad_payload(std::string_view fn) {
  return engine::fail(engine::ErrorKind::kHostError, std::string(fn) + ": malformed request payload");
}

}  // namespace hookd::host::detail
