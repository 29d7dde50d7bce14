#include "hookd/host/fetch_fake.hpp"

#include "fetch/fetch_url.hpp"

namespace hookd::host {

void FakeFetcher::respond(std::string url, FetchResponse response) {
  std::lock_guard lock(mutex_);
  canned_.insert_or_assign(std::move(url), Result(std::move(response)));
}

void FakeFetcher::fail(std::string url, FetchError error) {
  std::lock_guard lock(mutex_);
  canned_.insert_or_assign(std::move(url), Result(std::unexpected(std::move(error))));
}

void FakeFetcher::set_handler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

std::vector<FetchRequest> FakeFetcher::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

FakeFetcher::Result FakeFetcher::fetch(const FetchRequest& request, const FetchPolicy& policy) {
  auto target = fetch::parse_fetch_url(request.url);
  if (!target) return std::unexpected(target.error());
  if (auto allowed = fetch::check_allowlist(*target, policy); !allowed)
    return std::unexpected(allowed.error());

  Handler handler;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (auto it = canned_.find(request.url); it != canned_.end()) {
      Result result = it->second;
      if (result && result->final_url.empty()) result->final_url = target->url;
      return result;
    }
    handler = handler_;
  }
  if (handler) return handler(request);  // outside the lock: a handler may block
  return std::unexpected(
      FetchError{FetchError::Code::kConnect, "FakeFetcher: nothing canned for " + request.url});
}

}  // namespace hookd::host
