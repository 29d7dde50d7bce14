// hookd.response.*: the status and headers a plugin sets on its response.
// The call's ResponseSink checks each one (http_exchange.hpp); a refusal is
// an error the plugin sees and a line in the plugin's log, so a plugin
// author finds out why a header never arrived.
#include <fmt/format.h>

#include <cstring>

#include "hookd/engine/guest_memory.hpp"
#include "hookd/engine/http_exchange.hpp"
#include "hookd/host/plugin_services.hpp"
#include "hookd/util/wire.hpp"
#include "plugin/services.hpp"

namespace hookd::host::detail {
namespace wire = util::wire;
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

// hookd.response.header: str name, value (rest) -> nothing.
engine::Result<void> header(const Grants& g, const CallContext& ctx, Bytes in, Out& out) {
  if (ctx.response == nullptr) return no_response(kResponseHeader);
  wire::Reader r(in);
  auto name = r.bytes();
  if (!name) return engine::fail(ErrorKind::kHostError, "hookd.response.header: malformed request payload");
  auto added = ctx.response->add_header(*name, r.rest());
  if (!added) return refused(g, ctx, std::move(added.error()));
  out.clear();
  return {};
}

// hookd.response.header, direct form: (ptr, n) addresses n descriptors of
// kResponseHeaderDescriptorBytes, little-endian u32 fields: name_ptr,
// name_len, value_ptr, value_len. The headers are added in order, read in
// place; the first refused ends the call with its error (the ones before it
// stay added, as after as many host_calls).
engine::Result<void> header_direct(const Grants& g, const CallContext& ctx, std::span<uint8_t> mem,
                                   uint32_t ptr, uint32_t n) {
  if (ctx.response == nullptr) return no_response(kResponseHeader);
  if (n > kMaxDirectHeaders) {
    return engine::fail(ErrorKind::kHostError, "hookd.response.header: at most 100 descriptors per call");
  }
  constexpr uint32_t kSize = kResponseHeaderDescriptorBytes;
  auto table = engine::guest_span(mem, static_cast<int32_t>(ptr), static_cast<int32_t>(n * kSize));
  if (!table) return engine::fail(ErrorKind::kTrap, "hookd.response.header: descriptors out of bounds");
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t f[4];
    std::memcpy(f, table->data() + i * kSize, sizeof f);
    auto name = engine::guest_string(mem, static_cast<int32_t>(f[0]), static_cast<int32_t>(f[1]));
    auto value = engine::guest_string(mem, static_cast<int32_t>(f[2]), static_cast<int32_t>(f[3]));
    if (!name || !value)
      return engine::fail(ErrorKind::kTrap, "hookd.response.header: name or value out of bounds");
    // The sink copies both before the call returns; guest memory cannot
    // move while a host function runs.
    auto added = ctx.response->add_header(*name, *value);
    if (!added) return refused(g, ctx, std::move(added.error()));
  }
  return {};
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
  fns.push_back(
      HostFunction{std::string(kResponseHeader),
                   [g](const CallContext& ctx, Bytes in, Out& out) { return header(*g, ctx, in, out); },
                   [g](const CallContext& ctx, std::span<uint8_t> mem, uint32_t ptr, uint32_t n) {
                     return header_direct(*g, ctx, mem, ptr, n);
                   }});
}

}  // namespace hookd::host::detail
