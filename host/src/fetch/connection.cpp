#include "fetch/connection.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <stdexcept>

#include "fetch/response_parser.hpp"

namespace hookd::host::fetch {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Code = FetchError::Code;

tcp::endpoint to_endpoint(const config::IpAddress& ip, std::uint16_t port) {
  if (!ip.is_v6) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(ip.bytes.begin(), 4, b.begin());
    return {asio::ip::address_v4(b), port};
  }
  asio::ip::address_v6::bytes_type b;
  std::copy_n(ip.bytes.begin(), 16, b.begin());
  return {asio::ip::address_v6(b), port};
}

config::IpAddress from_address(const asio::ip::address& address) {
  config::IpAddress ip;
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin());
  } else {
    const auto b = address.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin());
    ip.is_v6 = true;
  }
  return ip;
}

bool is_timeout(const error_code& ec) { return ec == beast::error::timeout; }

}  // namespace

struct TlsContext::Impl {
  asio::ssl::context context{asio::ssl::context::tls_client};
};

TlsContext::TlsContext(const std::string& extra_ca_file) : impl_(std::make_unique<Impl>()) {
  auto& ctx = impl_->context;
  error_code ec;
  ctx.set_default_verify_paths(ec);  // a missing system store only means fewer trusted CAs
  if (!extra_ca_file.empty()) {
    ctx.load_verify_file(extra_ca_file, ec);
    if (ec) {
      throw std::invalid_argument(
          fmt::format("fetch extra_ca_file \"{}\" cannot be loaded: {}", extra_ca_file, ec.message()));
    }
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
}

TlsContext::~TlsContext() = default;

struct Connection::Impl {
  asio::io_context io{1};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  config::IpAddress peer;
  std::string url;  // for messages: scheme://host:port of the first request

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Starts one async operation with `start(handler)` and runs the io_context
  // until it completes. Each operation is bounded by the tcp_stream's expiry.
  template <class Start>
  error_code run(Start&& start) {
    error_code result = asio::error::would_block;
    start([&result](error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }

  template <class F>
  decltype(auto) with_stream(F&& f) {
    if (tls) return f(*tls);
    return f(*plain);
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Connection::~Connection() {
  if (impl_) {
    error_code ignored;
    impl_->lowest().socket().close(ignored);
  }
}

const config::IpAddress& Connection::peer() const { return impl_->peer; }

std::expected<std::unique_ptr<Connection>, FetchError> Connection::open(
    const FetchTarget& target, const std::vector<config::IpAddress>& addresses, TlsContext& tls,
    Clock::time_point connect_deadline, Clock::time_point deadline) {
  auto impl = std::make_unique<Impl>();
  impl->url = fmt::format("{}://{}", target.scheme, target.host_header);
  if (target.scheme == "https") {
    impl->tls.emplace(impl->io, tls.impl().context);
  } else {
    impl->plain.emplace(impl->io);
  }

  std::vector<tcp::endpoint> endpoints;
  endpoints.reserve(addresses.size());
  for (const auto& address : addresses) endpoints.push_back(to_endpoint(address, target.port));

  // Only the vetted endpoints are ever handed to connect, so a name that
  // re-resolves elsewhere in between cannot redirect the socket.
  auto& stream = impl->lowest();
  stream.expires_at(std::min(connect_deadline, deadline));
  tcp::endpoint connected;
  error_code ec = impl->run([&](auto handler) {
    stream.async_connect(endpoints, [&connected, handler](error_code e, const tcp::endpoint& ep) mutable {
      connected = ep;
      handler(e);
    });
  });
  if (is_timeout(ec)) {
    return std::unexpected(FetchError{Code::kTimeout, fmt::format("connect to {} timed out", impl->url)});
  }
  if (ec) {
    return std::unexpected(
        FetchError{Code::kConnect, fmt::format("cannot connect to {}: {}", impl->url, ec.message())});
  }
  impl->peer = from_address(connected.address());

  if (impl->tls) {
    SSL* ssl = impl->tls->native_handle();
    if (target.host_is_ip) {
      // No SNI for address literals (RFC 6066); the certificate must name the IP.
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), target.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, target.host.c_str());
      SSL_set1_host(ssl, target.host.c_str());
    }
    stream.expires_at(deadline);
    ec =
        impl->run([&](auto handler) { impl->tls->async_handshake(asio::ssl::stream_base::client, handler); });
    if (is_timeout(ec)) {
      return std::unexpected(
          FetchError{Code::kTimeout, fmt::format("TLS handshake with {} timed out", impl->url)});
    }
    if (ec) {
      std::string reason = ec.message();
      if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
        reason += fmt::format(" ({})", X509_verify_cert_error_string(verify));
      }
      return std::unexpected(
          FetchError{Code::kTls, fmt::format("TLS handshake with {} failed: {}", impl->url, reason)});
    }
  }
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

std::expected<ExchangeResult, ExchangeFailure> Connection::exchange(const WireRequest& request,
                                                                    const ExchangeLimits& limits,
                                                                    Clock::time_point deadline) {
  auto& impl = *impl_;
  auto fail = [&](Code code, std::string message, bool nothing_received = false) {
    return std::unexpected(ExchangeFailure{FetchError{code, std::move(message)}, nothing_received});
  };

  http::request<http::string_body> req;
  const auto verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    req.method_string(request.method);
  } else {
    req.method(verb);
  }
  req.target(request.target);
  req.version(11);
  for (const auto& [name, value] : request.headers) req.insert(name, value);
  req.body() = request.body;
  if (request.send_content_length) req.content_length(request.body.size());

  impl.lowest().expires_at(deadline);
  error_code ec = impl.with_stream(
      [&](auto& stream) { return impl.run([&](auto handler) { http::async_write(stream, req, handler); }); });
  if (is_timeout(ec))
    return fail(Code::kTimeout, fmt::format("sending the request to {} timed out", impl.url));
  if (ec) {
    return fail(Code::kConnect, fmt::format("sending the request to {} failed: {}", impl.url, ec.message()),
                true);
  }

  // One read at a time into the parser's bounded buffer, the call's deadline
  // checked before each: the whole exchange ends by `deadline`, however the
  // upstream paces its bytes.
  ResponseParser parser(ResponseLimits{limits.max_body_bytes, limits.max_header_bytes},
                        req.method() == http::verb::head);
  while (parser.state() == ResponseParser::State::kNeedMore) {
    if (Clock::now() >= deadline)
      return fail(Code::kTimeout, fmt::format("waiting for {} timed out", impl.url));
    const auto space = parser.prepare();
    std::size_t n = 0;
    ec = impl.with_stream([&](auto& stream) {
      return impl.run([&](auto handler) {
        stream.async_read_some(asio::buffer(space.data(), space.size()),
                               [&n, handler](error_code e, std::size_t bytes) mutable {
                                 n = bytes;
                                 handler(e);
                               });
      });
    });
    if (n > 0) parser.commit(n);
    if (!ec || parser.state() != ResponseParser::State::kNeedMore) continue;
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      // A TLS server may end an EOF-delimited body without close_notify.
      parser.eof();
      break;
    }
    if (is_timeout(ec)) return fail(Code::kTimeout, fmt::format("waiting for {} timed out", impl.url));
    if (ec.category() == asio::error::get_ssl_category()) {
      return fail(Code::kTls, fmt::format("TLS error reading from {}: {}", impl.url, ec.message()));
    }
    return fail(Code::kConnect,
                fmt::format("reading the response from {} failed: {}", impl.url, ec.message()),
                !parser.got_some());
  }
  if (parser.state() == ResponseParser::State::kFailed) {
    const auto& error = *parser.error();
    return fail(error.code, fmt::format("{} (from {})", error.message, impl.url), !parser.got_some());
  }
  ExchangeResult result;
  result.reusable = parser.reusable();
  result.response = parser.take();
  return result;
}

bool Connection::idle_and_open() const {
  auto& impl = *impl_;
  if (impl.tls && SSL_pending(impl.tls->native_handle()) > 0) return false;
  auto& socket = impl.lowest().socket();
  if (!socket.is_open()) return false;
  pollfd pfd{socket.native_handle(), POLLIN, 0};
  // Readable while idle means EOF, a reset or bytes nobody asked for.
  return ::poll(&pfd, 1, 0) == 0;
}

}  // namespace hookd::host::fetch
