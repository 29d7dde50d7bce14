#include "observability/plugin_host_services.hpp"

#include <span>
#include <string>

#include "hookd/util/ascii.hpp"
#include "observability/call_trace.hpp"
#include "observability/host_call_stats.hpp"

namespace hookd::server {
namespace {

using HostCallClock = std::chrono::steady_clock;

// The traced call running on this thread, when its trace is sampled: only
// then does a host call record a span.
const CallTrace* sampled_call() {
  const CallTrace* t = CallTraceScope::current();
  return t != nullptr && t->ctx.sampled() ? t : nullptr;
}

// When a host call began: for its latency, and for its span when sampled.
struct Began {
  HostCallClock::time_point at = HostCallClock::now();
  const CallTrace* trace = sampled_call();
  int64_t wall_ns = trace != nullptr ? trace->tracer->now_unix_ns() : 0;
};

// The host and port of an absolute URL, as a span's server.address and
// server.port name them; empty when there is none.
struct UrlAuthority {
  std::string_view scheme;
  std::string_view host;
  int64_t port = 0;
};

UrlAuthority url_authority(std::string_view url) {
  UrlAuthority out;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return out;
  out.scheme = url.substr(0, sep);
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  const auto close = rest.rfind(']');
  const auto colon = rest.rfind(':');
  std::string_view port_text;
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    port_text = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  if (rest.size() >= 2 && rest.front() == '[' && rest.back() == ']') rest = rest.substr(1, rest.size() - 2);
  out.host = rest;
  int64_t port = 0;
  for (const char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) return out;
    port = (port * 10) + (c - '0');
  }
  out.port = !port_text.empty() ? port : (util::iequals(out.scheme, "https") ? 443 : 80);
  return out;
}

class CountingKvStore final : public host::KvStore {
 public:
  CountingKvStore(host::KvStore& inner, HostCallStats& stats, std::string_view system)
      : inner_(inner), stats_(stats), system_(system) {}

  host::KvResult<std::optional<std::string>> get(std::string_view ns, std::string_view key) override {
    const Began began;
    auto r = inner_.get(ns, key);
    done(KvOp::kGet, ns, began, r.has_value(), r && *r ? (*r)->size() : 0, 0);
    return r;
  }

  host::KvResult<bool> get_to(std::string_view ns, std::string_view key,
                              std::vector<std::uint8_t>& out) override {
    const Began began;
    const size_t before = out.size();
    auto r = inner_.get_to(ns, key, out);
    done(KvOp::kGet, ns, began, r.has_value(), out.size() - before, 0);
    return r;
  }

  host::KvResult<void> get_many(std::string_view ns, std::span<const std::string_view> keys,
                                const ReadEach& each, std::uint64_t max_bytes) override {
    const Began began;
    uint64_t read = 0;
    auto r = inner_.get_many(
        ns, keys,
        [&](std::size_t i, const std::string_view* value) {
          if (value != nullptr) read += value->size();
          each(i, value);
        },
        max_bytes);
    done(KvOp::kGetMany, ns, began, r.has_value(), read, 0);
    return r;
  }

  host::KvResult<void> set(std::string_view ns, std::string_view key, std::string_view value,
                           std::optional<std::chrono::milliseconds> ttl) override {
    const Began began;
    auto r = inner_.set(ns, key, value, ttl);
    done(KvOp::kSet, ns, began, r.has_value(), 0, value.size());
    return r;
  }

  host::KvResult<bool> del(std::string_view ns, std::string_view key) override {
    const Began began;
    auto r = inner_.del(ns, key);
    done(KvOp::kDel, ns, began, r.has_value(), 0, 0);
    return r;
  }

  host::KvResult<Page> list(std::string_view ns, std::string_view prefix, std::string_view cursor,
                            std::size_t limit) override {
    const Began began;
    auto r = inner_.list(ns, prefix, cursor, limit);
    done(KvOp::kList, ns, began, r.has_value(), 0, 0);
    return r;
  }

  host::KvResult<std::int64_t> incr(std::string_view ns, std::string_view key, std::int64_t delta) override {
    const Began began;
    auto r = inner_.incr(ns, key, delta);
    done(KvOp::kIncr, ns, began, r.has_value(), 0, 0);
    return r;
  }

  host::KvResult<bool> cas(std::string_view ns, std::string_view key,
                           std::optional<std::string_view> expected,
                           std::optional<std::string_view> desired) override {
    const Began began;
    auto r = inner_.cas(ns, key, expected, desired);
    done(KvOp::kCas, ns, began, r.has_value(), 0, r && *r && desired ? desired->size() : 0);
    return r;
  }

 private:
  void done(KvOp op, std::string_view ns, const Began& began, bool ok, uint64_t read, uint64_t written) {
    stats_.record_kv({.op = static_cast<size_t>(op),
                      .error = !ok,
                      .bytes_in = ok ? read : 0,
                      .bytes_out = ok ? written : 0,
                      .took = HostCallClock::now() - began.at});
    if (began.trace != nullptr) record_span(*began.trace, op, ns, began.wall_ns, ok);
  }

  // OpenTelemetry's database client conventions: "<operation> <namespace>".
  void record_span(const CallTrace& call, KvOp op, std::string_view ns, int64_t start_ns, bool ok) const {
    const std::string_view name = kKvOpNames[static_cast<size_t>(op)];
    Span span;
    span.trace_id = call.ctx.trace_id;
    span.span_id = call.tracer->new_span_id();
    span.parent_id = call.ctx.span_id;
    span.kind = SpanKind::kClient;
    span.name.reserve(name.size() + 1 + ns.size());
    span.name.append(name).append(" ").append(ns);
    span.start_unix_ns = start_ns;
    span.end_unix_ns = call.tracer->now_unix_ns();
    span.set("db.system.name", system_).set("db.operation.name", name).set("db.namespace", ns);
    if (!ok) {
      span.error = true;
      span.set("error.type", std::string_view("kv_error"));
    }
    call.tracer->record(std::move(span));
  }

  host::KvStore& inner_;
  HostCallStats& stats_;
  std::string_view system_;  // the backend's name: lmdb, redis, memory
};

class CountingPluginFetcher final : public host::HttpFetcher {
 public:
  CountingPluginFetcher(host::HttpFetcher& inner, HostCallStats& stats) : inner_(inner), stats_(stats) {}

  std::expected<host::FetchResponse, host::FetchError> fetch(const host::FetchRequest& request,
                                                             const host::FetchPolicy& policy) override {
    const Began began;
    const CallTrace* traced = CallTraceScope::current();
    auto r =
        traced != nullptr ? fetch_traced(*traced, began, request, policy) : inner_.fetch(request, policy);
    stats_.record_fetch({.error = !r.has_value(),
                         .bytes_in = r ? r->body.size() : 0,
                         .bytes_out = request.body.size(),
                         .took = HostCallClock::now() - began.at});
    return r;
  }

 private:
  // A fetch inside a traced call carries the trace upstream (W3C Trace
  // Context): its own span's id when sampled, the call's when not; what
  // the plugin set as traceparent or tracestate is replaced, since hookd
  // is the participant the upstream hears from.
  std::expected<host::FetchResponse, host::FetchError> fetch_traced(const CallTrace& call, const Began& began,
                                                                    const host::FetchRequest& request,
                                                                    const host::FetchPolicy& policy) {
    util::TraceContext hop = call.ctx;
    if (began.trace != nullptr) hop.span_id = call.tracer->new_span_id();
    host::FetchRequest sent = request;
    std::erase_if(sent.headers, [](const auto& h) {
      return util::iequals(h.first, "traceparent") || util::iequals(h.first, "tracestate");
    });
    std::string traceparent(util::kTraceparentSize, '\0');
    util::format_traceparent(hop,
                             std::span<char, util::kTraceparentSize>(traceparent.data(), traceparent.size()));
    sent.headers.emplace_back("traceparent", std::move(traceparent));
    if (!call.tracestate.empty()) sent.headers.emplace_back("tracestate", std::string(call.tracestate));
    auto r = inner_.fetch(sent, policy);
    if (began.trace != nullptr) record_span(call, hop.span_id, began.wall_ns, request, r);
    return r;
  }

  // OpenTelemetry's HTTP client conventions: named by the method, the
  // server's address and port, the status; a failure's error.type.
  static void record_span(const CallTrace& call, const util::SpanId& id, int64_t start_ns,
                          const host::FetchRequest& request,
                          const std::expected<host::FetchResponse, host::FetchError>& r) {
    const UrlAuthority where = url_authority(request.url);
    Span span;
    span.trace_id = call.ctx.trace_id;
    span.span_id = id;
    span.parent_id = call.ctx.span_id;
    span.kind = SpanKind::kClient;
    span.name = request.method;
    span.start_unix_ns = start_ns;
    span.end_unix_ns = call.tracer->now_unix_ns();
    span.set("http.request.method", std::string_view(request.method))
        .set("server.address", where.host)
        .set("server.port", where.port)
        .set("url.scheme", where.scheme);
    if (r) {
      span.set("http.response.status_code", static_cast<int64_t>(r->status));
      if (r->status >= 400) {
        span.error = true;
        span.set("error.type", std::string_view(std::to_string(r->status)));
      }
    } else {
      span.error = true;
      span.set("error.type", host::to_string(r.error().code));
    }
    call.tracer->record(std::move(span));
  }

 public:
 private:
  host::HttpFetcher& inner_;
  HostCallStats& stats_;
};

}  // namespace

struct PluginHostServices::Wrappers {
  CountingKvStore kv;
  std::unique_ptr<CountingPluginFetcher> fetcher;
};

PluginHostServices::PluginHostServices(host::KvStore& kv, std::string_view kv_system,
                                       host::HttpFetcher* fetcher, Metrics& metrics)
    : kv_(kv), kv_system_(kv_system), fetcher_(fetcher), metrics_(metrics) {}

PluginHostServices::~PluginHostServices() = default;

PluginHostServices::Lent PluginHostServices::for_plugin(std::string_view plugin) {
  std::lock_guard lock(mu_);
  auto it = by_plugin_.find(plugin);
  if (it == by_plugin_.end()) {
    HostCallStats& stats = metrics_.host_calls(plugin);
    auto w = std::unique_ptr<Wrappers>(new Wrappers{
        CountingKvStore(kv_, stats, kv_system_),
        fetcher_ != nullptr ? std::make_unique<CountingPluginFetcher>(*fetcher_, stats) : nullptr});
    it = by_plugin_.emplace(std::string(plugin), std::move(w)).first;
  }
  return {&it->second->kv, it->second->fetcher.get()};
}

}  // namespace hookd::server
