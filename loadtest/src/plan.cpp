#include "plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "hookd/util/ascii.hpp"

namespace hookd::load {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::vector<unsigned> weighted_sequence(const std::vector<unsigned>& weights) {
  std::int64_t total = 0;
  for (auto w : weights) total += w;
  std::vector<std::int64_t> current(weights.size(), 0);
  std::vector<unsigned> sequence;
  sequence.reserve(static_cast<std::size_t>(total));
  for (std::int64_t step = 0; step < total; ++step) {
    std::size_t best = 0;
    for (std::size_t k = 0; k < weights.size(); ++k) {
      current[k] += weights[k];
      if (current[k] > current[best]) best = k;
    }
    current[best] -= total;
    sequence.push_back(static_cast<unsigned>(best));
  }
  return sequence;
}

std::string serialize_request(const RequestKind& kind, const std::string& host_header) {
  std::string out = fmt::format("{} {} HTTP/1.1\r\n", kind.method, kind.target);
  bool has_host = false;
  for (const auto& [name, value] : kind.headers) {
    // The body below decides the framing; a user-given length could only lie.
    if (util::iequals(name, "content-length") || util::iequals(name, "transfer-encoding")) continue;
    has_host = has_host || util::iequals(name, "host");
    out += fmt::format("{}: {}\r\n", name, value);
  }
  if (!has_host) out += fmt::format("Host: {}\r\n", host_header);
  const bool method_has_body = kind.method == "POST" || kind.method == "PUT" || kind.method == "PATCH";
  if (!kind.body.empty() || method_has_body) out += fmt::format("Content-Length: {}\r\n", kind.body.size());
  out += "\r\n";
  out += kind.body;
  return out;
}

std::expected<Plan, std::string> make_plan(const Options& options) {
  Plan plan;
  plan.options = options;
  asio::io_context ctx;
  tcp::resolver resolver(ctx);
  boost::system::error_code ec;
  auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec) return std::unexpected(fmt::format("cannot resolve {}: {}", options.host, ec.message()));
  for (const auto& r : results) plan.endpoints.push_back(r.endpoint());
  if (plan.endpoints.empty()) return std::unexpected(fmt::format("{} resolved to no address", options.host));

  const bool ipv6 = options.host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + options.host + "]" : options.host;
  plan.host_header = options.port == 80 ? host : fmt::format("{}:{}", host, options.port);

  std::vector<unsigned> weights;
  for (const auto& kind : options.kinds) {
    plan.wire_requests.push_back(serialize_request(kind, plan.host_header));
    plan.head_requests.push_back(kind.method == "HEAD");
    weights.push_back(kind.weight);
  }
  plan.kind_sequence = weights.empty() ? std::vector<unsigned>{0} : weighted_sequence(weights);
  return plan;
}

std::expected<void, std::string> probe_target(const Plan& plan) {
  asio::io_context ctx;
  boost::beast::tcp_stream stream(ctx);
  stream.expires_after(std::min<Nanos>(plan.options.timeout, std::chrono::seconds(5)));
  boost::system::error_code result = asio::error::would_block;
  stream.async_connect(plan.endpoints,
                       [&](boost::system::error_code ec, const tcp::endpoint&) { result = ec; });
  ctx.run();
  if (result)
    return std::unexpected(
        fmt::format("cannot connect to {}:{}: {}", plan.options.host, plan.options.port, result.message()));
  return {};
}

}  // namespace hookd::load
