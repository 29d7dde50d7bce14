#include "worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http_transport.hpp"
#include "ws_transport.hpp"

namespace hookd::load {
namespace asio = boost::asio;

namespace {
// After a failed connect, wait before the next attempt: a dead target would
// otherwise turn every connection into a busy loop of refused connects.
constexpr auto kReconnectBackoff = std::chrono::milliseconds(50);
}  // namespace

struct Worker::Connection {
  std::unique_ptr<Transport> transport;
  asio::steady_timer timer;  // open-loop waits and reconnect backoff
};

Worker::Worker(const Plan& plan, unsigned index, RunWindow window, IntervalSink sink)
    : plan_(plan),
      index_(index),
      window_(window),
      sink_(std::move(sink)),
      tickets_(plan, index, window),
      tick_timer_(ctx_),
      end_timer_(ctx_),
      total_(plan.options.histogram_digits),
      interval_(std::make_unique<Stats>(Timeline::kDigits)) {
  const auto& o = plan.options;
  const unsigned count = o.connections / o.threads + (index < o.connections % o.threads ? 1 : 0);
  for (unsigned i = 0; i < count; ++i) {
    auto transport = o.protocol == Protocol::websocket ? make_ws_transport(ctx_.get_executor(), plan)
                                                       : make_http_transport(ctx_.get_executor(), plan);
    connections_.push_back(
        std::make_unique<Connection>(Connection{std::move(transport), asio::steady_timer(ctx_)}));
  }
}

Worker::~Worker() = default;

void Worker::run() {
  running_ = static_cast<unsigned>(connections_.size());
  for (auto& c : connections_) {
    asio::co_spawn(ctx_, connection_loop(*c), [this](std::exception_ptr e) {
      if (e && failure_.empty()) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          failure_ = ex.what();
        }
        stop();
      }
      connection_done();
    });
  }
  if (window_.end) {
    end_timer_.expires_at(*window_.end);
    end_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) stop();
    });
  }
  arm_tick();
  ctx_.run();
}

void Worker::request_stop() {
  asio::post(ctx_, [this] { stop(); });
}

void Worker::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopped_at_ = Clock::now();
  tickets_.stop();
  for (auto& c : connections_) {
    c->transport->close();
    c->timer.cancel();
  }
}

void Worker::connection_done() {
  if (--running_ != 0) return;
  finished_at_ = Clock::now();
  if (!stopped_) {
    stopped_ = true;  // supply exhausted: every ticket was answered
    stopped_at_ = finished_at_;
    tickets_.stop();
  }
  // Counted now rather than in stop(): a connection asleep on a future slot
  // gives its ticket back only when it wakes.
  unsent_ = tickets_.unsent_before(stopped_at_);
  in_flight_at_end_ = tickets_.measured_taken() - total_.requests;
  tick_timer_.cancel();
  end_timer_.cancel();
  flush_interval(true);
}

void Worker::arm_tick() {
  tick_timer_.expires_at(window_.measure_start + std::chrono::seconds(next_second_ + 1));
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    flush_interval(false);
    arm_tick();
  });
}

void Worker::flush_interval(bool final) {
  auto stats = std::exchange(interval_, std::make_unique<Stats>(Timeline::kDigits));
  sink_(IntervalReport{index_, next_second_++, std::move(stats), final});
}

void Worker::record_reply(const Ticket& ticket, const Reply& reply) {
  if (stopped_ || !ticket.measured) return;
  const auto latency = std::chrono::duration_cast<Nanos>(Clock::now() - ticket.start).count();
  for (Stats* s : {&total_, interval_.get()}) {
    s->latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(latency, 0)));
    ++s->requests;
    ++s->responses;
    s->bytes_received += reply.bytes;
    if (reply.status > 0 && reply.status < static_cast<int>(s->status.size())) ++s->status[reply.status];
  }
}

void Worker::record_errors(std::span<const Ticket> tickets, ErrorKind kind) {
  if (stopped_) return;
  for (const auto& t : tickets) {
    if (!t.measured) continue;
    for (Stats* s : {&total_, interval_.get()}) {
      ++s->requests;
      ++s->errors[static_cast<unsigned>(kind)];
    }
  }
}

asio::awaitable<void> Worker::connection_loop(Connection& c) {
  const auto& o = plan_.options;
  Transport& t = *c.transport;
  std::vector<Ticket> batch;
  batch.reserve(o.pipeline);
  while (!stopped_) {
    batch.clear();
    auto first = co_await tickets_.take(c.timer);
    if (!first) break;
    batch.push_back(*first);
    while (batch.size() < o.pipeline) {
      auto more = tickets_.try_take();
      if (!more) break;
      batch.push_back(*more);
    }

    if (!t.is_open()) {
      if (auto err = co_await t.connect(o.timeout)) {
        record_errors(batch, *err);
        if (stopped_) break;
        c.timer.expires_after(kReconnectBackoff);
        co_await c.timer.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
    }
    if (auto err = co_await t.send(batch, o.timeout)) {
      record_errors(batch, *err);
      t.close();
      continue;
    }
    const auto deadline = Clock::now() + o.timeout;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Reply reply = co_await t.receive(batch[i], deadline);
      if (reply.error) {
        record_errors(std::span(batch).subspan(i), *reply.error);
        t.close();
        break;
      }
      record_reply(batch[i], reply);
      if (!reply.keep_alive) {
        // The server will close after this response; requests pipelined
        // behind it were lost with the connection.
        record_errors(std::span(batch).subspan(i + 1), ErrorKind::closed);
        t.close();
        break;
      }
    }
    if (t.is_open() && t.retire() && !stopped_) co_await t.finish(o.timeout);
  }
  t.close();
}

}  // namespace hookd::load
