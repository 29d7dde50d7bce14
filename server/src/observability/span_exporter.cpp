#include "observability/span_exporter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "observability/otlp_json.hpp"

namespace hookd::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
// A collector's answer is a small JSON object (partial success at most).
constexpr std::uint64_t kMaxAnswerBytes = 64 * 1024;
}  // namespace

SpanExporter::SpanExporter(Options options) : options_(std::move(options)) {
  thread_ = std::thread([this] { run(); });
}

SpanExporter::~SpanExporter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  halt_.store(true);  // an export under way ends within a slice of run_io
  thread_.join();
}

void SpanExporter::submit(Span&& span) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.queue_spans) {
      dropped_full_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (queue_.empty()) {
      oldest_ = std::chrono::steady_clock::now();
      wake = true;  // the exporter waits for a first span, then for the interval
    }
    queue_.push_back(std::move(span));
    wake = wake || queue_.size() == options_.batch_spans;
  }
  if (wake) wake_.notify_one();
}

bool SpanExporter::flush(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  ++flushing_;
  wake_.notify_one();
  const bool done = idle_.wait_until(lock, deadline, [&] { return stop_ || (queue_.empty() && !sending_); });
  --flushing_;
  return done && queue_.empty();
}

void SpanExporter::run() {
  std::unique_lock lock(mu_);
  std::vector<Span> batch;
  for (;;) {
    if (queue_.empty()) idle_.notify_all();
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) break;
    wake_.wait_until(lock, oldest_ + options_.interval,
                     [&] { return stop_ || flushing_ > 0 || queue_.size() >= options_.batch_spans; });
    if (stop_) break;
    const std::size_t n = std::min(queue_.size(), options_.batch_spans);
    batch.assign(std::make_move_iterator(queue_.begin()),
                 std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    // What is left waited at most since now, as far as the next batch knows.
    if (!queue_.empty()) oldest_ = std::chrono::steady_clock::now();
    sending_ = true;
    lock.unlock();
    export_batch(batch);
    lock.lock();
    sending_ = false;
  }
  idle_.notify_all();
}

void SpanExporter::export_batch(std::vector<Span>& batch) {
  const std::string body =
      encode_otlp_json({options_.service_name, options_.service_version, options_.instance_id}, batch);
  auto wait = options_.backoff;
  for (unsigned attempt = 0;; ++attempt) {
    const Sent sent = send(body);
    if (sent == Sent::kOk) {
      exported_.fetch_add(batch.size(), std::memory_order_relaxed);
      break;
    }
    failed_requests_.fetch_add(1, std::memory_order_relaxed);
    if (sent == Sent::kGiveUp || attempt >= options_.retries) {
      dropped_failed_.fetch_add(batch.size(), std::memory_order_relaxed);
      break;
    }
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, wait, [&] { return stop_; })) {
      dropped_failed_.fetch_add(batch.size(), std::memory_order_relaxed);
      break;
    }
    wait *= 2;
  }
  batch.clear();
}

SpanExporter::Sent SpanExporter::send(const std::string& body) {
  bool reused = false;
  Sent sent = send_once(body, reused);
  // A kept connection the collector closed meanwhile fails at once: one
  // more go on a new connection is not a retry.
  if (sent == Sent::kRetry && reused) sent = send_once(body, reused);
  return sent;
}

SpanExporter::Sent SpanExporter::send_once(const std::string& body, bool& reused) {
  const config::HttpEndpoint& to = options_.endpoint;
  reused = stream_.has_value();
  if (!stream_) {
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(to.host, std::to_string(to.port), ec);
    if (ec) {
      spdlog::debug("tracing: resolving {} failed: {}", to.host, ec.message());
      return Sent::kRetry;
    }
    stream_.emplace(io_);
    stream_->expires_after(options_.timeout);
    bool connected = false;
    stream_->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
      ec = e;
      connected = true;
    });
    run_io(connected);
    if (!connected || ec) {
      spdlog::debug("tracing: connecting to {}:{} failed: {}", to.host, to.port, ec.message());
      stream_.reset();
      return Sent::kRetry;
    }
  }
  http::request<http::string_body> req{http::verb::post, to.target, 11};
  req.set(http::field::host, to.host);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "hookd");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  beast::flat_buffer buffer;
  beast::error_code ec;
  bool answered = false;
  stream_->expires_after(options_.timeout);
  http::async_write(*stream_, req, [&](beast::error_code e, std::size_t) {
    if (e) {
      ec = e;
      answered = true;
      return;
    }
    http::async_read(*stream_, buffer, parser, [&](beast::error_code e2, std::size_t) {
      ec = e2;
      answered = true;
    });
  });
  run_io(answered);
  if (!answered || ec) {
    spdlog::debug("tracing: export to {}:{}{} failed: {}", to.host, to.port, to.target, ec.message());
    stream_.reset();
    return Sent::kRetry;
  }
  const auto& res = parser.get();
  if (!res.keep_alive()) stream_.reset();
  const unsigned status = res.result_int();
  if (status >= 200 && status < 300) return Sent::kOk;
  // What OTLP/HTTP says a client may retry: 429 and the unavailable 5xx.
  if (status == 429 || status == 502 || status == 503 || status == 504) return Sent::kRetry;
  spdlog::warn("tracing: the collector answered an export with {}; its spans are dropped", status);
  return Sent::kGiveUp;
}

// Runs the exporter's loop until `done` (the timers of the stream bound
// it) or the exporter is told to stop; then whatever is pending is
// cancelled by closing the stream, and its handlers run, so none outlives
// the variables they point to.
void SpanExporter::run_io(const bool& done) {
  io_.restart();
  while (!done && !halt_.load()) io_.run_for(std::chrono::milliseconds(50));
  if (!done && stream_) {
    beast::error_code ignored;
    stream_->socket().close(ignored);
    io_.restart();
    io_.run();
  }
}

}  // namespace hookd::server
