// One plugin call on the calling thread, for the dispatcher
// (call_dispatcher.hpp): the concurrency limit and worker share, content
// negotiation (JSON <-> msgpack), the call itself, and the mapping of every
// engine error to an honest HTTP status and error kind.
#pragma once

#include "calls/call_dispatcher.hpp"

namespace hookd::server {

enum class Ran {
  kDone,    // `out` holds the result
  kParked,  // not run: the plugin is at its worker share and the call may still wait
};

// On `w`'s thread, with `bp` and `fn` resolved on it.
Ran run_plugin_call(IoWorker& w, const config::LimitsConfig& limits, BoundPlugin& bp,
                    const engine::FunctionInfo& fn, const CallRequest& req, CallResult& out);

}  // namespace hookd::server
