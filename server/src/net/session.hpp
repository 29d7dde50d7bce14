#pragma once

#include <chrono>

namespace hookd::server {

// A connection a worker can be asked to wind down on drain. Called on the
// session's own worker thread.
class Session {
 public:
  virtual ~Session() = default;
  // Finish what is in flight, then close (HTTP: after the current response;
  // WebSocket: close with 1001 going away).
  virtual void drain() = 0;
  // Called about twice a second by the worker's sweeper: a session whose
  // read or write deadline has passed closes itself. Timeouts are enforced
  // this way, instead of a timer per operation, because arming and
  // cancelling a timer for every read and write costs system calls on the
  // request path.
  virtual void check_timeout(std::chrono::steady_clock::time_point now) {}
};

}  // namespace hookd::server
