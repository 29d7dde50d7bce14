// Everything workers share, computed once before the run and read-only after:
// resolved endpoints, requests serialized to bytes, and the order of kinds.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <expected>
#include <string>
#include <vector>

#include "hookd/load/options.hpp"

namespace hookd::load {

struct Plan {
  Options options;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  std::string host_header;                 // "host:port" as sent in Host
  std::vector<std::string> wire_requests;  // one per kind, ready to write
  std::vector<bool> head_requests;         // responses without a body
  std::vector<unsigned> kind_sequence;     // kind of request i is [i % size]
};

/// Smooth weighted round robin: each kind appears exactly `weight` times in
/// sum(weights) slots, spread out, so any run mixes kinds in exact proportion
/// rather than by chance.
std::vector<unsigned> weighted_sequence(const std::vector<unsigned>& weights);

/// The bytes of one HTTP/1.1 keep-alive request.
std::string serialize_request(const RequestKind& kind, const std::string& host_header);

/// Resolves the target (only the host given) and prepares requests.
std::expected<Plan, std::string> make_plan(const Options& options);

/// Connects once, with a bound, so a target that refuses connections fails
/// the run at once with a clear message instead of producing a run of errors.
std::expected<void, std::string> probe_target(const Plan& plan);

}  // namespace hookd::load
