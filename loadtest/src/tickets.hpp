// Hands out requests to a worker's connections: when each may be sent, when
// its latency clock starts, whether it counts, and when the supply ends.
//
// Closed loop: a ticket is available at once and its clock starts now.
// Open loop: the worker owns every threads-th slot of the global schedule
// (slot i goes to worker i % threads), so all threads together send at
// exactly the requested rate, and a ticket's clock starts at its slot's time
// even when no connection was free to send it then.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "plan.hpp"
#include "transport.hpp"

namespace hookd::load {

struct RunWindow {
  Clock::time_point start;               // warmup begins
  Clock::time_point measure_start;       // results begin
  std::optional<Clock::time_point> end;  // no request starts at or after this
};

class TicketSource {
 public:
  TicketSource(const Plan& plan, unsigned worker, RunWindow window);

  /// Waits (open loop) until the next request is due; nullopt when the
  /// supply is exhausted or `stopped()`. `timer` belongs to the caller so
  /// that stopping can cancel it.
  boost::asio::awaitable<std::optional<Ticket>> take(boost::asio::steady_timer& timer);
  /// The next ticket if it is due now; never waits.
  std::optional<Ticket> try_take();

  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }
  /// Measured tickets handed out so far.
  std::uint64_t measured_taken() const { return measured_taken_; }
  /// Open loop: measured slots of this worker due before `t` but never handed
  /// out, i.e. requests the target was too slow to even receive.
  std::uint64_t unsent_before(Clock::time_point t) const;

 private:
  std::optional<Ticket> next_closed(Clock::time_point now);
  std::optional<std::uint64_t> next_open_slot() const;
  Ticket open_ticket(std::uint64_t slot);

  const Plan& plan_;
  unsigned worker_;
  unsigned stride_;
  RunWindow window_;
  std::optional<RateSchedule> schedule_;
  std::uint64_t warmup_slots_ = 0;      // open loop: slots before measure_start
  std::optional<std::uint64_t> limit_;  // closed: this worker's share; open: global slot bound
  std::uint64_t sequence_ = 0;          // closed: requests handed out; open: next local slot
  std::uint64_t measured_taken_ = 0;
  bool stopped_ = false;
};

}  // namespace hookd::load
