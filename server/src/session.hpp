#pragma once

namespace hookd::server {

// A connection a worker can be asked to wind down on drain. Called on the
// session's own worker thread.
class Session {
 public:
  virtual ~Session() = default;
  // Finish what is in flight, then close (HTTP: after the current response;
  // WebSocket: close with 1001 going away).
  virtual void drain() = 0;
};

}  // namespace hookd::server
