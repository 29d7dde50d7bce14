// One client connection's protocol, behind the interface the connection loop
// drives: connect, send a batch, receive one reply per request. HTTP and
// WebSocket implement it; the loop (timing, tickets, errors) is shared.
//
// No operation throws: failures come back as an ErrorKind.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <optional>
#include <span>

#include "hookd/load/schedule.hpp"
#include "hookd/load/stats.hpp"

namespace hookd::load {

/// One request to make: `start` is when its latency clock starts (the
/// intended send time in open loop, the actual send time in closed loop).
struct Ticket {
  Clock::time_point start;
  unsigned kind = 0;
  bool measured = false;
};

struct Reply {
  std::optional<ErrorKind> error;
  int status = 0;  // HTTP status; 0 for WebSocket
  std::size_t bytes = 0;
  bool keep_alive = true;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual bool is_open() const = 0;
  virtual boost::asio::awaitable<std::optional<ErrorKind>> connect(Clock::duration timeout) = 0;
  virtual boost::asio::awaitable<std::optional<ErrorKind>> send(std::span<const Ticket> batch,
                                                                Clock::duration timeout) = 0;
  virtual boost::asio::awaitable<Reply> receive(const Ticket& ticket, Clock::time_point deadline) = 0;
  /// Abrupt close; also cancels any pending operation. Safe to repeat.
  virtual void close() = 0;
  /// True when the connection has done its share (WebSocket --ws-messages).
  virtual bool retire() const { return false; }
  /// Graceful end before a planned reconnect.
  virtual boost::asio::awaitable<void> finish(Clock::duration timeout) {
    close();
    co_return;
  }
};

/// Maps an I/O error to the kind it is reported as; `during` names what was
/// being done when it is not a timeout, a close or a protocol violation.
ErrorKind classify(const boost::system::error_code& ec, ErrorKind during);

}  // namespace hookd::load
