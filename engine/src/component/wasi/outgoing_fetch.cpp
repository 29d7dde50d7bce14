#include "component/wasi/outgoing_fetch.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string_view>
#include <vector>

#include "component/wasi/http_types.hpp"
#include "hookd/util/wire.hpp"

namespace hookd::engine::component::wasi {
namespace wire = util::wire;
namespace {

// hookd.fetch takes at most this many request headers (docs/abi.md).
constexpr size_t kMaxFetchHeaders = 256;

Value code(uint32_t index) { return Value::variant(index); }
Value code_none_payload(uint32_t index) { return Value::variant(index, Value::none()); }

// hookd.fetch's request: str method, str url, u32 n, n x (str name, str
// value), body (rest).
std::vector<uint8_t> encode_request(const OutgoingExchange& x) {
  std::vector<uint8_t> in;
  in.reserve(16 + x.method.size() + x.url.size() + x.body.size());
  wire::Writer w(in);
  w.bytes(x.method).bytes(x.url).fixed(static_cast<uint32_t>(x.headers.size()));
  for (const auto& [name, value] : x.headers) w.bytes(name).bytes(value);
  w.raw(x.body);
  return in;
}

// hookd.fetch's reply: u32 status, u32 n, n x (str name, str value), body
// (rest), into the exchange; an error-code when it cannot be read.
std::optional<Value> decode_reply(std::span<const uint8_t> reply, OutgoingExchange& x) {
  wire::Reader r(reply);
  auto status = r.fixed<uint32_t>();
  auto count = r.fixed<uint32_t>();
  if (!status || !count || *status < 100 || *status > 999) {
    return internal_error("hookd.fetch: malformed reply");
  }
  for (uint32_t i = 0; i < *count; ++i) {
    auto name = r.bytes();
    auto value = r.bytes();
    if (!name || !value) return internal_error("hookd.fetch: malformed reply");
    // A field-name is a token (the fetcher's parser already insists); one
    // that is not could not be lowered as the guest's string.
    if (!Fields::valid_name(*name)) continue;
    if (!x.response_headers.add_trusted(*name, *value))
      return code_none_payload(kHttpResponseHeaderSectionSize);
  }
  x.status = static_cast<uint16_t>(*status);
  x.response_body = std::string(r.rest());
  return std::nullopt;
}

// The fetch's context: the call's, with its deadline shortened by the
// request-options timeouts the guest set (connect plus first byte: the
// fetch reads the body whole, so between-bytes has no separate meaning) and
// its response bound the part of the call's body limit the call's earlier
// fetches left.
CallContext fetch_context(const WasiState& st, const OutgoingExchange& x, size_t room) {
  CallContext ctx = *st.call();
  if (x.connect_timeout || x.first_byte_timeout) {
    constexpr uint64_t kMaxNs = std::numeric_limits<int64_t>::max() / 4;
    const uint64_t ns = std::min(kMaxNs, std::min(kMaxNs, x.connect_timeout.value_or(0)) +
                                             std::min(kMaxNs, x.first_byte_timeout.value_or(0)));
    const auto by = Clock::now() + std::chrono::nanoseconds(static_cast<int64_t>(ns));
    if (ctx.deadline == Clock::time_point{} || by < ctx.deadline) ctx.deadline = by;
  }
  ctx.max_result_bytes = room;
  return ctx;
}

void send(WasiState& st, OutgoingExchange& x) {
  x.done = true;
  if (!x.refused.empty()) {
    x.error = internal_error(x.refused);
    return;
  }
  if (x.headers.size() > kMaxFetchHeaders) {
    x.error = code_none_payload(kHttpRequestHeaderSectionSize);
    return;
  }
  const size_t limit = st.body_limit();
  const size_t held = st.fetched_bytes();
  if (held >= limit) {
    x.error = code_none_payload(kHttpResponseBodySize);
    return;
  }
  const CallContext ctx = fetch_context(st, x, limit - held);
  std::vector<uint8_t> reply;
  if (auto ok = st.call_host(kFetchFunction, encode_request(x), reply, &ctx); !ok) {
    x.error = fetch_error_code(ok.error());
    return;
  }
  if (auto failed = decode_reply(reply, x)) x.error = std::move(*failed);
}

}  // namespace

std::optional<std::string> outgoing_url(const OutgoingRequestObj& request) {
  if (!request.authority || request.authority->empty()) return std::nullopt;
  std::string scheme = "https";
  if (request.scheme) {
    switch (request.scheme->case_index()) {
      case 0:
        scheme = "http";
        break;
      case 1:
        break;
      default:
        scheme = std::string(request.scheme->payload()->text());
        break;
    }
  }
  std::string path = request.path_with_query.value_or("/");
  if (path.empty() || path[0] == '?') path.insert(0, "/");
  if (path[0] != '/') return std::nullopt;
  return scheme + "://" + *request.authority + path;
}

bool settle_exchange(WasiState& st, uint32_t exchange) {
  OutgoingExchange& x = st.exchange(exchange);
  if (x.done) return true;
  if (!x.handled) return false;
  if (x.body_taken && !x.body_finished && x.refused.empty()) return false;
  send(st, x);
  return true;
}

Value fetch_error_code(const Error& error) {
  if (error.kind == ErrorKind::kNotFound) return code(kHttpRequestDenied);
  if (error.kind == ErrorKind::kTimeout) return code(kConnectionTimeout);
  std::string_view m = error.message;
  // hookd.fetch's messages (docs/abi.md, "### hookd.fetch"): the grant's
  // refusal, then "fetch: " and the fetcher's own.
  if (m.starts_with("fetch is not granted to plugin ")) return code(kHttpRequestDenied);
  if (!m.starts_with("fetch: ")) return internal_error(m);
  m.remove_prefix(7);
  if (m == "outbound HTTP is not configured" ||
      (m.starts_with("fetch of ") && m.ends_with(" is not allowed for this plugin")) ||
      m.ends_with(", which this plugin may not reach") ||
      m.find(" connected to unexpected address ") != m.npos) {
    return code(kHttpRequestDenied);
  }
  if (m.starts_with("bad URL ")) return code(kHttpRequestUriInvalid);
  if (m.starts_with("cannot resolve ") || m.ends_with(" has no addresses")) {
    return Value::variant(kDnsError, Value::record({Value::none(), Value::none()}));
  }
  if (m.ends_with(" timed out") || m == "the plugin call's deadline has passed")
    return code(kConnectionTimeout);
  if (m.starts_with("cannot connect to ")) return code(kConnectionRefused);
  if (m.starts_with("TLS ")) return code(kTlsProtocolError);
  if (m.starts_with("response body is over ") ||
      (m.starts_with("the response (") && m.ends_with(" is larger than the plugin's memory allows"))) {
    return code_none_payload(kHttpResponseBodySize);
  }
  if (m.starts_with("response head")) return code_none_payload(kHttpResponseHeaderSectionSize);
  if (m.starts_with("bad HTTP method ")) return code(kHttpRequestMethodInvalid);
  return internal_error(error.message);
}

}  // namespace hookd::engine::component::wasi
