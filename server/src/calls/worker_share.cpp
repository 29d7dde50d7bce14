#include "calls/worker_share.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "calls/io_worker.hpp"

namespace hookd::server {
namespace {

constexpr auto kYieldPhase = std::chrono::microseconds(100);
constexpr auto kMinRetryInterval = std::chrono::microseconds(500);
constexpr auto kMaxRetryInterval = std::chrono::milliseconds(4);

}  // namespace

uint32_t worker_cap(uint32_t share_percent, size_t io_workers) {
  const uint64_t cap = (static_cast<uint64_t>(share_percent) * io_workers + 99) / 100;
  return static_cast<uint32_t>(std::clamp<uint64_t>(cap, 1, std::max<size_t>(io_workers, 1)));
}

std::chrono::steady_clock::duration share_wait(std::chrono::milliseconds deadline) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline) / 10;
}

void retry_parked(IoWorker& w, std::chrono::steady_clock::time_point arrived, std::function<void()> fn) {
  const auto waited = std::chrono::steady_clock::now() - arrived;
  if (waited < kYieldPhase) {
    boost::asio::post(w.io(), std::move(fn));
    return;
  }
  // Backs off as the wait grows: a long parked wait costs a few wake-ups.
  const auto interval =
      std::clamp<std::chrono::steady_clock::duration>(waited / 4, kMinRetryInterval, kMaxRetryInterval);
  auto timer = std::make_shared<boost::asio::steady_timer>(w.io(), interval);
  timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
    if (!ec) fn();
  });
}

}  // namespace hookd::server
