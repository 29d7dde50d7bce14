// An in-memory HttpFetcher for unit tests of callers (the plugin host
// functions): canned responses by URL, and a record of every request.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "hookd/host/fetch.hpp"

namespace hookd::host {

/// Applies the same URL parsing and allowlist check as the real fetcher
/// (kBadUrl, kNotAllowed) but never touches the network or DNS, so address
/// rules and redirects are not simulated. A URL with nothing canned and no
/// handler gets kConnect. Thread-safe.
class FakeFetcher : public HttpFetcher {
 public:
  using Result = std::expected<FetchResponse, FetchError>;
  using Handler = std::function<Result(const FetchRequest&)>;

  /// Canned answer for an exact URL (as the caller passes it).
  void respond(std::string url, FetchResponse response);
  void fail(std::string url, FetchError error);
  /// Fallback for URLs with nothing canned.
  void set_handler(Handler handler);

  /// Every request that passed the URL and allowlist checks, in order.
  std::vector<FetchRequest> requests() const;

  Result fetch(const FetchRequest& request, const FetchPolicy& policy) override;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Result> canned_;
  Handler handler_;
  std::vector<FetchRequest> requests_;
};

}  // namespace hookd::host
