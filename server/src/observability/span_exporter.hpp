// Sends finished spans to an OpenTelemetry collector: OTLP over HTTP with
// the JSON encoding (otlp_json.hpp), POSTed with Boost.Beast from one
// background thread.
//
// Workers only ever append to a bounded queue under a mutex that the
// exporter holds just long enough to move a batch out: a full queue drops
// the span and counts it, a slow or dead collector never makes a worker
// wait. A batch goes when it is full (tracing.batch_spans) or its oldest
// span has waited tracing.export_interval_ms; a failed export (connection
// error, timeout, 429 or 5xx) is tried again after 100 ms, then twice as
// long each time, tracing.export_retries times, then its spans are dropped
// and counted. flush() sends what is queued (the drain); the destructor
// stops at once and drops what is left.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hookd/config/http_endpoint.hpp"
#include "observability/span.hpp"

namespace hookd::server {

class SpanExporter final : public SpanSink {
 public:
  struct Options {
    config::HttpEndpoint endpoint;
    std::string service_name = "hookd";
    std::string service_version;
    std::string instance_id;
    std::size_t queue_spans = 4096;
    std::size_t batch_spans = 512;
    std::chrono::milliseconds interval{1000};
    std::chrono::milliseconds timeout{5000};  // one request: connect, send, answer
    unsigned retries = 3;
    std::chrono::milliseconds backoff{100};  // before the first retry; doubles
  };

  explicit SpanExporter(Options options);  // starts the thread
  ~SpanExporter();
  SpanExporter(const SpanExporter&) = delete;
  SpanExporter& operator=(const SpanExporter&) = delete;

  // Any thread; never waits on the network.
  void submit(Span&& span) override;

  // Sends every span queued now, without waiting for batches to fill; true
  // when all were sent (or dropped after their tries) by `deadline`.
  bool flush(std::chrono::steady_clock::time_point deadline);

  [[nodiscard]] uint64_t exported() const { return exported_.load(std::memory_order_relaxed); }
  // Dropped at the queue bound, and after an export's last try.
  [[nodiscard]] uint64_t dropped_queue_full() const { return dropped_full_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t dropped_export_failed() const {
    return dropped_failed_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t export_requests_failed() const {
    return failed_requests_.load(std::memory_order_relaxed);
  }

 private:
  enum class Sent { kOk, kRetry, kGiveUp };

  void run();
  void export_batch(std::vector<Span>& batch);
  Sent send(const std::string& body);
  Sent send_once(const std::string& body, bool& reused);
  void run_io(const bool& done);

  Options options_;
  std::mutex mu_;
  std::condition_variable wake_;  // the exporter: spans, a flush, stop
  std::condition_variable idle_;  // flush(): the queue is empty and nothing is being sent
  std::deque<Span> queue_;
  std::chrono::steady_clock::time_point oldest_{};
  bool stop_ = false;
  int flushing_ = 0;
  bool sending_ = false;

  std::atomic<bool> halt_{false};  // the destructor: stop now
  std::atomic<uint64_t> exported_{0};
  std::atomic<uint64_t> dropped_full_{0};
  std::atomic<uint64_t> dropped_failed_{0};
  std::atomic<uint64_t> failed_requests_{0};

  // The exporter thread's own event loop and connection (kept alive
  // between exports).
  boost::asio::io_context io_{1};
  std::optional<boost::beast::tcp_stream> stream_;
  std::thread thread_;
};

}  // namespace hookd::server
