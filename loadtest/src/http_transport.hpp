#pragma once

#include <memory>

#include "plan.hpp"
#include "transport.hpp"

namespace boost::asio {
class any_io_executor;
}

namespace hookd::load {

/// HTTP/1.1 keep-alive over one TCP connection; pipelined batches are written
/// in one gather write and their responses read in order.
std::unique_ptr<Transport> make_http_transport(const boost::asio::any_io_executor& executor,
                                               const Plan& plan);

}  // namespace hookd::load
