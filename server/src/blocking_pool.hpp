// The blocking lane: plugins that may wait on the network (granted fetch, or
// KV on Redis) run here instead of inline on an I/O worker, so a slow
// upstream stalls only this pool's threads, never the requests of other
// plugins. Each pool thread is an IoWorker without a listener: its own event
// loop and isolate with instances of every plugin. The queue is bounded
// (limits.queue_depth); when it is full a request gets 503 at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "io_worker.hpp"

namespace hookd::server {

class BlockingPool {
 public:
  BlockingPool(size_t threads, size_t queue_depth, engine::Vm& vm, PluginRegistry& registry);
  ~BlockingPool();

  void start();
  void stop();
  std::vector<IoWorker*> workers();

  // Runs `job` on a pool thread; false (and nothing runs) when the queue is full.
  bool submit(std::function<void(IoWorker&)> job);
  [[nodiscard]] int64_t queued() const { return pending_.load(std::memory_order_relaxed); }

 private:
  std::vector<std::unique_ptr<IoWorker>> workers_;
  size_t queue_depth_;
  std::atomic<int64_t> pending_{0};
  std::atomic<uint64_t> next_{0};
};

}  // namespace hookd::server
