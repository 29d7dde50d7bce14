#pragma once

#include <memory>

#include "plan.hpp"
#include "transport.hpp"

namespace boost::asio {
class any_io_executor;
}

namespace hookd::load {

/// A WebSocket client: each message sent is one request, and the next
/// message received is its reply.
std::unique_ptr<Transport> make_ws_transport(const boost::asio::any_io_executor& executor, const Plan& plan);

}  // namespace hookd::load
