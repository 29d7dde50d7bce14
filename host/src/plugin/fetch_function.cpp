// hookd.fetch: outbound HTTP(S) to the hosts the plugin's fetch grant
// allows, through the embedder's HttpFetcher.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hookd/host/plugin_services.hpp"
#include "hookd/util/wire.hpp"
#include "plugin/services.hpp"

namespace hookd::host {
namespace wire = util::wire;
namespace detail {
namespace {

using engine::CallContext;
using engine::ErrorKind;
using engine::HostFunction;
using Bytes = std::span<const uint8_t>;
using Out = std::vector<uint8_t>;

// hookd.fetch: str method, str url, u32 n, n x (str name, str value), body
// (rest) -> u32 status, u32 n, n x (str name, str value), body (rest).
engine::Result<void> fetch_call(const Grants& g, HttpFetcher* fetcher, const CallContext& ctx, Bytes in,
                                Out& out) {
  if (g.fetch.allow.empty()) return denied(g, "fetch", ctx);
  if (fetcher == nullptr)
    return engine::fail(ErrorKind::kHostError, "fetch: outbound HTTP is not configured");
  wire::Reader r(in);
  auto method = r.bytes();
  auto url = r.bytes();
  auto count = r.fixed<uint32_t>();
  if (!method || !url || !count || *count > 256) return bad_payload(kFetch);
  FetchRequest req;
  req.method = std::string(*method);
  req.url = std::string(*url);
  for (uint32_t i = 0; i < *count; ++i) {
    auto name = r.bytes();
    auto value = r.bytes();
    if (!name || !value) return bad_payload(kFetch);
    req.headers.emplace_back(std::string(*name), std::string(*value));
  }
  req.body = std::string(r.rest());
  // The call's deadline bounds the fetch, and the plugin's memory its body.
  req.deadline = ctx.deadline;
  req.max_response_bytes = ctx.max_result_bytes;
  auto res = fetcher->fetch(req, g.fetch);
  if (!res) {
    // The URL without its query, and the error (which may quote the URL or
    // its host): both come from the plugin, so both are cut; the gate
    // escapes the line.
    host_log(g, engine::LogLevel::kInfo, ctx,
             fmt::format("fetch {} failed: {}",
                         log_field(std::string_view(req.url).substr(0, req.url.find_first_of("?#"))),
                         log_field(res.error().message)));
    return engine::fail(ErrorKind::kHostError, "fetch: " + res.error().message);
  }
  // The fetcher bounded the body by the plugin's memory; the reply adds the
  // headers and their length prefixes, so its size is checked before encoding.
  uint64_t reply_bytes = 8 + res->body.size();
  for (const auto& [name, value] : res->headers) reply_bytes += 8 + name.size() + value.size();
  if (ctx.max_result_bytes != 0 && reply_bytes > ctx.max_result_bytes) {
    spdlog::info("[plugin {}] [{}] fetch {:?} refused: a {}-byte reply is over the plugin's {} bytes",
                 g.plugin, ctx.request_id, std::string_view(req.url).substr(0, req.url.find_first_of("?#")),
                 reply_bytes, ctx.max_result_bytes);
    return engine::fail(ErrorKind::kHostError,
                        "fetch: the response (" + std::to_string(reply_bytes) +
                            " bytes with its headers) is larger than the plugin's memory allows");
  }
  wire::Writer w(out);
  w.fixed<uint32_t>(static_cast<uint32_t>(res->status));
  w.fixed<uint32_t>(static_cast<uint32_t>(res->headers.size()));
  for (const auto& [name, value] : res->headers) w.bytes(name).bytes(value);
  w.raw(res->body);
  return {};
}

}  // namespace

void add_fetch_function(std::vector<HostFunction>& fns, const std::shared_ptr<const Grants>& g,
                        HttpFetcher* fetcher) {
  fns.push_back(HostFunction{std::string(kFetch), [g, fetcher](const CallContext& ctx, Bytes in, Out& out) {
                               return fetch_call(*g, fetcher, ctx, in, out);
                             }});
}

}  // namespace detail

FetchPolicy fetch_policy(const config::PluginGrants& grants) {
  FetchPolicy p;
  p.allow = grants.fetch;
  for (const auto& pattern : grants.fetch) {
    auto ip = config::IpAddress::parse(pattern.host);
    if (!ip || pattern.any_subdomain) continue;
    const std::uint16_t port = pattern.port.value_or(pattern.scheme == "https" ? 443 : 80);
    p.exempt.push_back(AddressExemption{pattern.scheme, *ip, port});
  }
  return p;
}

}  // namespace hookd::host
