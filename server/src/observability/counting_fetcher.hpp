// The plugins' fetcher as the gateway lends it: every fetch counted by
// outcome in hookd_fetch_requests_total (ok, or why it failed: refused by the
// grant or the address rules, or the upstream's fault: too large a head or
// body, a timeout, a protocol error), so an operator sees a hostile or broken
// upstream, and a plugin probing what it may reach, in /metrics.
#pragma once

#include <memory>

#include "hookd/host/fetch.hpp"
#include "observability/metrics.hpp"

namespace hookd::server {

static_assert(kFetchOutcomeNames.size() == static_cast<std::size_t>(host::FetchError::Code::kProtocol) + 2,
              "an outcome name for ok and for each FetchError::Code");

class CountingFetcher final : public host::HttpFetcher {
 public:
  CountingFetcher(host::HttpFetcher& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}

  std::expected<host::FetchResponse, host::FetchError> fetch(const host::FetchRequest& request,
                                                             const host::FetchPolicy& policy) override {
    auto result = inner_.fetch(request, policy);
    metrics_.count_fetch(result ? kFetchOk : fetch_outcome_index(result.error().code));
    return result;
  }

  static std::size_t fetch_outcome_index(host::FetchError::Code code) {
    return static_cast<std::size_t>(code) + 1;  // kFetchOutcomeNames' order
  }

 private:
  host::HttpFetcher& inner_;
  Metrics& metrics_;
};

}  // namespace hookd::server
