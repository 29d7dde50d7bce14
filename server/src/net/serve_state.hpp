// Where the gateway is in its life, as every connection sees it: /readyz
// answers from it, and while draining each response closes its connection.
// The only state the gateway shares with all of its sessions.
#pragma once

#include <atomic>

namespace hookd::server {

struct ServeState {
  std::atomic<bool> ready{false};     // listeners open, plugins loaded
  std::atomic<bool> draining{false};  // drain() or stop() began
};

}  // namespace hookd::server
