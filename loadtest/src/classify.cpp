#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

#include "transport.hpp"

namespace hookd::load {

ErrorKind classify(const boost::system::error_code& ec, ErrorKind during) {
  namespace beast = boost::beast;
  namespace asio = boost::asio;
  if (ec == beast::error::timeout) return ErrorKind::timeout;
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
      ec == beast::http::error::end_of_stream || ec == beast::http::error::partial_message ||
      ec == beast::websocket::error::closed)
    return during == ErrorKind::connect ? ErrorKind::connect : ErrorKind::closed;
  if (ec.category() == beast::http::make_error_code(beast::http::error::bad_version).category() ||
      ec.category() ==
          beast::websocket::make_error_code(beast::websocket::error::bad_http_version).category())
    return ErrorKind::protocol;
  return during;
}

}  // namespace hookd::load
