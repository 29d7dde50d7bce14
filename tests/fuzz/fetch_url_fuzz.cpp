// Fetch URL handling: parsing a request URL, resolving a redirect's Location
// against it, and the allowlist check. Input: URL '\n' Location '\n' pattern.
// Properties: no crash; a parsed target is well formed (http or https, a
// host, a port, an origin-form target) and parsing its normalized URL again
// gives the same target; the allowlist allows what the pattern allows.
#include "fetch/fetch_url.hpp"
#include "fuzz_check.hpp"
#include "hookd/config/address.hpp"

using hookd::fuzz::check;
using namespace hookd::host;
using namespace hookd::host::fetch;

namespace {

void check_target(const FetchTarget& t) {
  check(t.scheme == "http" || t.scheme == "https", "a target with a scheme other than http(s)");
  check(!t.host.empty(), "a target without a host");
  check(t.port != 0, "a target with port 0");
  check(!t.target.empty() && t.target[0] == '/', "a request target not in origin form");
  check(t.url.find('#') == std::string::npos, "a normalized URL with a fragment");
  for (char c : t.host_header + t.target)
    check(c > 0x20 && c != 0x7f, "a control character or space on the wire");
  auto again = parse_fetch_url(t.url);
  check(again.has_value(), "a normalized URL does not parse again");
  check(again->url == t.url && again->host == t.host && again->port == t.port && again->target == t.target &&
            again->host_header == t.host_header && again->host_is_ip == t.host_is_ip,
        "parsing a normalized URL again gives another target");
}

std::string_view next_line(std::string_view& in) {
  const size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = hookd::fuzz::text(data, size);
  const std::string_view url = next_line(in);
  const std::string_view location = next_line(in);
  const std::string_view pattern_text = next_line(in);

  auto base = parse_fetch_url(url);
  if (!base) return 0;
  check_target(*base);

  auto hop = resolve_location(*base, location);
  if (hop) check_target(*hop);

  FetchPolicy policy;
  if (auto pattern = hookd::config::FetchPattern::parse(pattern_text)) policy.allow.push_back(*pattern);
  const FetchTarget& target = hop ? *hop : *base;
  const bool allowed = check_allowlist(target, policy).has_value();
  const bool pattern_allows =
      !policy.allow.empty() && policy.allow[0].allows(target.scheme, target.host, target.port);
  check(allowed == pattern_allows, "check_allowlist disagrees with the one pattern it was given");
  return 0;
}
