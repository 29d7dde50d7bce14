#include "tickets.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace hookd::load {

TicketSource::TicketSource(const Plan& plan, unsigned worker, RunWindow window)
    : plan_(plan), worker_(worker), stride_(plan.options.threads), window_(window) {
  const auto& o = plan.options;
  if (o.rate > 0) {
    schedule_.emplace(o.rate, window.start);
    warmup_slots_ = schedule_->first_index_at(window.measure_start - window.start);
    if (o.requests) limit_ = warmup_slots_ + *o.requests;
  } else if (o.requests) {
    limit_ = *o.requests / stride_ + (worker < *o.requests % stride_ ? 1 : 0);
  }
}

std::optional<Ticket> TicketSource::next_closed(Clock::time_point now) {
  if (window_.end && now >= *window_.end) return std::nullopt;
  const bool measured = now >= window_.measure_start;
  if (measured) {
    if (limit_ && measured_taken_ >= *limit_) return std::nullopt;
    ++measured_taken_;
  }
  const auto& seq = plan_.kind_sequence;
  // Per-worker order keeps the mix exact within each thread too.
  return Ticket{now, seq[sequence_++ % seq.size()], measured};
}

std::optional<std::uint64_t> TicketSource::next_open_slot() const {
  const std::uint64_t slot = worker_ + sequence_ * stride_;
  if (limit_ && slot >= *limit_) return std::nullopt;
  if (window_.end && schedule_->intended(slot) >= *window_.end) return std::nullopt;
  return slot;
}

Ticket TicketSource::open_ticket(std::uint64_t slot) {
  ++sequence_;
  const bool measured = slot >= warmup_slots_;
  if (measured) ++measured_taken_;
  const auto& seq = plan_.kind_sequence;
  // Global slot order makes the mix exact across all threads together.
  return Ticket{schedule_->intended(slot), seq[slot % seq.size()], measured};
}

boost::asio::awaitable<std::optional<Ticket>> TicketSource::take(boost::asio::steady_timer& timer) {
  if (stopped_) co_return std::nullopt;
  if (!schedule_) co_return next_closed(Clock::now());
  const auto slot = next_open_slot();
  if (!slot) co_return std::nullopt;
  // Reserve the slot before sleeping, so a connection freed meanwhile takes
  // the following one and slots go out in order.
  Ticket ticket = open_ticket(*slot);
  if (ticket.start > Clock::now()) {
    timer.expires_at(ticket.start);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (stopped_) {
      if (ticket.measured) --measured_taken_;
      co_return std::nullopt;
    }
  }
  co_return ticket;
}

std::optional<Ticket> TicketSource::try_take() {
  if (stopped_) return std::nullopt;
  const auto now = Clock::now();
  if (!schedule_) return next_closed(now);
  const auto slot = next_open_slot();
  if (!slot || schedule_->intended(*slot) > now) return std::nullopt;
  return open_ticket(*slot);
}

std::uint64_t TicketSource::unsent_before(Clock::time_point t) const {
  if (!schedule_) return 0;
  std::uint64_t hi = schedule_->first_index_at(t - window_.start);
  if (limit_) hi = std::min(hi, *limit_);
  const auto due = count_residue(warmup_slots_, hi, worker_, stride_);
  return due > measured_taken_ ? due - measured_taken_ : 0;
}

}  // namespace hookd::load
