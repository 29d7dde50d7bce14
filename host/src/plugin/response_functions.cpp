// hookd.response.*: the status and headers a plugin sets on its response.
// The call's ResponseSink checks each one (http_exchange.hpp); a refusal is
// an error the plugin sees and a line in the plugin's log, so a plugin
// author finds out why a header never arrived.
#include <fmt/format.h>

#include "hookd/engine/http_exchange.hpp"
#include "hookd/host/plugin_services.hpp"
#include "hookd/host/wire.hpp"
#include "plugin/services.hpp"

namespace hookd::host::detail {
namespace {

using engine::CallContext;
using engine::ErrorKind;
using engine::HostFunction;
using Bytes = std::span<const uint8_t>;
using Out = std::vector<uint8_t>;

std::unexpected<engine::Error> no_response(std::string_view fn) {
  return engine::fail(ErrorKind::kHostError, std::string(fn) + ": this call has no HTTP response to shape");
}

engine::Result<void> refused(const Grants& g, const CallContext& ctx, engine::Error error) {
  host_log(g, engine::LogLevel::kWarn, ctx, fmt::format("response refused: {}", log_field(error.message)));
  return std::unexpected(std::move(error));
}

}  // namespace

void add_response_functions(std::vector<HostFunction>& fns, const std::shared_ptr<const Grants>& g) {
  // u32 status -> nothing.
  fns.push_back(HostFunction{
      std::string(kResponseStatus), [g](const CallContext& ctx, Bytes in, Out& out) -> engine::Result<void> {
        if (ctx.response == nullptr) return no_response(kResponseStatus);
        auto status = wire::Reader(in).fixed<uint32_t>();
        if (!status || in.size() != 4) {
          return engine::fail(ErrorKind::kHostError, "hookd.response.status: expected a u32 status");
        }
        auto set = ctx.response->set_status(*status);
        if (!set) return refused(*g, ctx, std::move(set.error()));
        out.clear();
        return {};
      }});
  // str name, value (rest) -> nothing.
  fns.push_back(HostFunction{
      std::string(kResponseHeader), [g](const CallContext& ctx, Bytes in, Out& out) -> engine::Result<void> {
        if (ctx.response == nullptr) return no_response(kResponseHeader);
        wire::Reader r(in);
        auto name = r.bytes();
        if (!name) {
          return engine::fail(ErrorKind::kHostError, "hookd.response.header: malformed request payload");
        }
        auto added = ctx.response->add_header(*name, r.rest());
        if (!added) return refused(*g, ctx, std::move(added.error()));
        out.clear();
        return {};
      }});
}

}  // namespace hookd::host::detail
