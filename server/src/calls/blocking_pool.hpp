// The blocking lane: plugins that may wait on the network (granted fetch, or
// KV on Redis) run here instead of inline on an I/O worker, so a slow
// upstream stalls only this pool's threads, never the requests of other
// plugins. Each pool thread is an IoWorker without a listener: its own event
// loop and isolate with instances of every plugin.
//
// Jobs wait in one queue shared by the pool, bounded by limits.queue_depth
// (503 at once when it is full), and the first idle thread takes the oldest:
// a job never waits behind a slow one while another thread is idle. A thread
// takes one job per turn of its event loop, so work posted to it directly
// (instantiating a new plugin version) still runs between jobs.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "calls/io_worker.hpp"

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

 private:
  // On pool thread `w`: runs the oldest queued job, if any, then goes idle or
  // takes another turn.
  void pump(IoWorker& w);

  std::vector<std::unique_ptr<IoWorker>> workers_;
  size_t queue_depth_;
  std::mutex mu_;
  std::deque<std::function<void(IoWorker&)>> jobs_;  // guarded by mu_
  std::vector<IoWorker*> idle_;                      // guarded by mu_: threads waiting for a job
};

}  // namespace hookd::server
