#include "worker_share.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <memory>

#include "io_worker.hpp"

namespace hookd::server {
namespace {

constexpr auto kMaxShareWait = std::chrono::milliseconds(10);
constexpr auto kYieldPhase = std::chrono::microseconds(100);
constexpr auto kRetryInterval = std::chrono::microseconds(500);

}  // namespace

uint32_t worker_cap(uint32_t share_percent, size_t io_workers) {
  const uint64_t cap = (static_cast<uint64_t>(share_percent) * io_workers + 99) / 100;
  return static_cast<uint32_t>(std::clamp<uint64_t>(cap, 1, std::max<size_t>(io_workers, 1)));
}

std::chrono::steady_clock::duration share_wait(std::chrono::milliseconds deadline) {
  return std::min<std::chrono::steady_clock::duration>(kMaxShareWait, deadline / 10);
}

void retry_parked(IoWorker& w, std::chrono::steady_clock::time_point arrived, std::function<void()> fn) {
  if (std::chrono::steady_clock::now() - arrived < kYieldPhase) {
    boost::asio::post(w.io(), std::move(fn));
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(w.io(), kRetryInterval);
  timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
    if (!ec) fn();
  });
}

}  // namespace hookd::server
