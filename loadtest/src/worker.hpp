// One I/O thread: an io_context, its share of the connections, its share of
// the requests, and its own Stats (so recording takes no locks). It reports
// each second's stats through a sink and its totals when run() returns.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hookd/load/timeline.hpp"
#include "plan.hpp"
#include "tickets.hpp"
#include "transport.hpp"

namespace hookd::load {

struct IntervalReport {
  unsigned worker = 0;
  std::uint64_t second = 0;
  std::unique_ptr<Stats> stats;
  bool final = false;
};
/// Called on the worker's thread; must hand the report to another thread.
using IntervalSink = std::function<void(IntervalReport)>;

class Worker {
 public:
  Worker(const Plan& plan, unsigned index, RunWindow window, IntervalSink sink);
  ~Worker();

  /// Runs until the run ends for this worker; call once, on its own thread.
  void run();
  /// Thread-safe: ends the run early (Ctrl-C).
  void request_stop();

  // Valid after run() returns.
  const Stats& total() const { return total_; }
  std::uint64_t unsent() const { return unsent_; }
  std::uint64_t in_flight_at_end() const { return in_flight_at_end_; }
  Clock::time_point finished_at() const { return finished_at_; }
  /// Set when a connection loop failed unexpectedly (an exception).
  const std::string& failure() const { return failure_; }

 private:
  struct Connection;
  boost::asio::awaitable<void> connection_loop(Connection& c);
  void record_reply(const Ticket& ticket, const Reply& reply);
  void record_errors(std::span<const Ticket> tickets, ErrorKind kind);
  void stop();
  void connection_done();
  void arm_tick();
  void flush_interval(bool final);

  const Plan& plan_;
  unsigned index_;
  RunWindow window_;
  IntervalSink sink_;
  boost::asio::io_context ctx_{1};
  TicketSource tickets_;
  std::vector<std::unique_ptr<Connection>> connections_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer end_timer_;
  unsigned running_ = 0;
  bool stopped_ = false;
  Stats total_;
  std::unique_ptr<Stats> interval_;
  std::uint64_t next_second_ = 0;
  std::uint64_t unsent_ = 0;
  std::uint64_t in_flight_at_end_ = 0;
  Clock::time_point stopped_at_{};
  Clock::time_point finished_at_{};
  std::string failure_;
};

}  // namespace hookd::load
