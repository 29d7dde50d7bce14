#include "observability/plugin_host_services.hpp"

#include "observability/host_call_stats.hpp"

namespace hookd::server {
namespace {

using HostCallClock = std::chrono::steady_clock;

class CountingKvStore final : public host::KvStore {
 public:
  CountingKvStore(host::KvStore& inner, HostCallStats& stats) : inner_(inner), stats_(stats) {}

  host::KvResult<std::optional<std::string>> get(std::string_view ns, std::string_view key) override {
    const auto began = HostCallClock::now();
    auto r = inner_.get(ns, key);
    done(KvOp::kGet, began, r.has_value(), r && *r ? (*r)->size() : 0, 0);
    return r;
  }

  host::KvResult<bool> get_to(std::string_view ns, std::string_view key,
                              std::vector<std::uint8_t>& out) override {
    const auto began = HostCallClock::now();
    const size_t before = out.size();
    auto r = inner_.get_to(ns, key, out);
    done(KvOp::kGet, began, r.has_value(), out.size() - before, 0);
    return r;
  }

  host::KvResult<void> get_many(std::string_view ns, std::span<const std::string_view> keys,
                                const ReadEach& each, std::uint64_t max_bytes) override {
    const auto began = HostCallClock::now();
    uint64_t read = 0;
    auto r = inner_.get_many(
        ns, keys,
        [&](std::size_t i, const std::string_view* value) {
          if (value != nullptr) read += value->size();
          each(i, value);
        },
        max_bytes);
    done(KvOp::kGetMany, began, r.has_value(), read, 0);
    return r;
  }

  host::KvResult<void> set(std::string_view ns, std::string_view key, std::string_view value,
                           std::optional<std::chrono::milliseconds> ttl) override {
    const auto began = HostCallClock::now();
    auto r = inner_.set(ns, key, value, ttl);
    done(KvOp::kSet, began, r.has_value(), 0, value.size());
    return r;
  }

  host::KvResult<bool> del(std::string_view ns, std::string_view key) override {
    const auto began = HostCallClock::now();
    auto r = inner_.del(ns, key);
    done(KvOp::kDel, began, r.has_value(), 0, 0);
    return r;
  }

  host::KvResult<Page> list(std::string_view ns, std::string_view prefix, std::string_view cursor,
                            std::size_t limit) override {
    const auto began = HostCallClock::now();
    auto r = inner_.list(ns, prefix, cursor, limit);
    done(KvOp::kList, began, r.has_value(), 0, 0);
    return r;
  }

  host::KvResult<std::int64_t> incr(std::string_view ns, std::string_view key, std::int64_t delta) override {
    const auto began = HostCallClock::now();
    auto r = inner_.incr(ns, key, delta);
    done(KvOp::kIncr, began, r.has_value(), 0, 0);
    return r;
  }

  host::KvResult<bool> cas(std::string_view ns, std::string_view key,
                           std::optional<std::string_view> expected,
                           std::optional<std::string_view> desired) override {
    const auto began = HostCallClock::now();
    auto r = inner_.cas(ns, key, expected, desired);
    done(KvOp::kCas, began, r.has_value(), 0, r && *r && desired ? desired->size() : 0);
    return r;
  }

 private:
  void done(KvOp op, HostCallClock::time_point began, bool ok, uint64_t read, uint64_t written) noexcept {
    stats_.record_kv({.op = static_cast<size_t>(op),
                      .error = !ok,
                      .bytes_in = ok ? read : 0,
                      .bytes_out = ok ? written : 0,
                      .took = HostCallClock::now() - began});
  }

  host::KvStore& inner_;
  HostCallStats& stats_;
};

class CountingPluginFetcher final : public host::HttpFetcher {
 public:
  CountingPluginFetcher(host::HttpFetcher& inner, HostCallStats& stats) : inner_(inner), stats_(stats) {}

  std::expected<host::FetchResponse, host::FetchError> fetch(const host::FetchRequest& request,
                                                             const host::FetchPolicy& policy) override {
    const auto began = HostCallClock::now();
    auto r = inner_.fetch(request, policy);
    stats_.record_fetch({.error = !r.has_value(),
                         .bytes_in = r ? r->body.size() : 0,
                         .bytes_out = request.body.size(),
                         .took = HostCallClock::now() - began});
    return r;
  }

 private:
  host::HttpFetcher& inner_;
  HostCallStats& stats_;
};

}  // namespace

struct PluginHostServices::Wrappers {
  CountingKvStore kv;
  std::unique_ptr<CountingPluginFetcher> fetcher;
};

PluginHostServices::PluginHostServices(host::KvStore& kv, host::HttpFetcher* fetcher, Metrics& metrics)
    : kv_(kv), fetcher_(fetcher), metrics_(metrics) {}

PluginHostServices::~PluginHostServices() = default;

PluginHostServices::Lent PluginHostServices::for_plugin(std::string_view plugin) {
  std::lock_guard lock(mu_);
  auto it = by_plugin_.find(plugin);
  if (it == by_plugin_.end()) {
    HostCallStats& stats = metrics_.host_calls(plugin);
    auto w = std::unique_ptr<Wrappers>(new Wrappers{
        CountingKvStore(kv_, stats),
        fetcher_ != nullptr ? std::make_unique<CountingPluginFetcher>(*fetcher_, stats) : nullptr});
    it = by_plugin_.emplace(std::string(plugin), std::move(w)).first;
  }
  return {&it->second->kv, it->second->fetcher.get()};
}

}  // namespace hookd::server
