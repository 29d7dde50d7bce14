#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using ::testing::HasSubstr;

IpAddress ip(std::string_view text) { return IpAddress::parse(text).value(); }

TEST(Cidr, AcceptsV4AndV6NetworksAndBareAddresses) {
  EXPECT_EQ(IpNetwork::parse("10.0.0.0/8")->to_string(), "10.0.0.0/8");
  EXPECT_EQ(IpNetwork::parse("192.168.1.7")->to_string(), "192.168.1.7/32");
  EXPECT_EQ(IpNetwork::parse("fd00::/8")->to_string(), "fd00::/8");
  EXPECT_EQ(IpNetwork::parse("::1")->to_string(), "::1/128");
  EXPECT_EQ(IpNetwork::parse("0.0.0.0/0")->prefix_length, 0);
}

TEST(Cidr, RejectsMalformedNetworks) {
  for (const auto* bad : {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0/8", "256.0.0.0/8",
                          "fd00::/129", "example.com", "10.0.0.0/8/8", "fe80::1%eth0", " 10.0.0.1"}) {
    EXPECT_FALSE(IpNetwork::parse(bad)) << bad;
  }
}

TEST(Cidr, RejectsHostBitsAndSuggestsTheNetwork) {
  auto network = IpNetwork::parse("10.1.2.3/16");
  ASSERT_FALSE(network);
  EXPECT_THAT(network.error(), HasSubstr("did you mean \"10.1.0.0/16\""));
}

TEST(Cidr, ContainsMatchesByPrefix) {
  const auto network = IpNetwork::parse("10.1.0.0/16").value();
  EXPECT_TRUE(network.contains(ip("10.1.255.3")));
  EXPECT_FALSE(network.contains(ip("10.2.0.1")));
  EXPECT_FALSE(network.contains(ip("::1")));
  EXPECT_TRUE(network.contains(ip("::ffff:10.1.0.9"))) << "dual-stack sockets report v4 peers as mapped";
  const auto v6 = IpNetwork::parse("2001:db8::/32").value();
  EXPECT_TRUE(v6.contains(ip("2001:db8:1::5")));
  EXPECT_FALSE(v6.contains(ip("2001:db9::5")));
  EXPECT_TRUE(IpNetwork::parse("0.0.0.0/0")->contains(ip("8.8.8.8")));
}

TEST(HostPortParsing, AcceptsV4V6AndPortZero) {
  EXPECT_EQ(parse_host_port("127.0.0.1:0", HostRule::ip_literal, true), (HostPort{"127.0.0.1", 0}));
  EXPECT_EQ(parse_host_port("[::]:443", HostRule::ip_literal, false), (HostPort{"::", 443}));
  EXPECT_EQ(HostPort("::1", 80).to_string(), "[::1]:80");
  EXPECT_EQ(parse_host_port("Cache.Local:6379", HostRule::ip_or_domain, false),
            (HostPort{"cache.local", 6379}));
}

TEST(HostPortParsing, RejectsBadEndpoints) {
  for (const auto* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", ":8080", "[::1]8080", "[10.0.0.1]:80",
                          "::1:80", "127.0.0.1:80x", "a b:80"}) {
    EXPECT_FALSE(parse_host_port(bad, HostRule::ip_literal, true)) << bad;
  }
  EXPECT_FALSE(parse_host_port("example.com:80", HostRule::ip_literal, true));
  EXPECT_FALSE(parse_host_port("127.0.0.1:0", HostRule::ip_literal, false));
  EXPECT_FALSE(parse_host_port("-bad-.com:80", HostRule::ip_or_domain, false));
}

TEST(FetchPatterns, ParseAndPrintBack) {
  for (const auto* text :
       {"https://api.example.com", "http://*.example.org:8080", "http://10.0.0.1:81", "https://[::1]:8443"}) {
    auto pattern = FetchPattern::parse(text);
    ASSERT_TRUE(pattern) << text << ": " << pattern.error();
    EXPECT_EQ(pattern->to_string(), text);
  }
}

TEST(FetchPatterns, RejectWhatTheyCannotMean) {
  for (const auto* bad : {"api.example.com", "ftp://example.com", "https://example.com/path", "https://*",
                          "https://*.com", "https://user@example.com", "https://example.com:0",
                          "https://*.10.0.0.1", "https://ex ample.com", "https://"}) {
    EXPECT_FALSE(FetchPattern::parse(bad)) << bad;
  }
}

TEST(FetchPatterns, AllowOnlyMatchingSchemeHostAndPort) {
  const auto exact = FetchPattern::parse("https://api.example.com").value();
  EXPECT_TRUE(exact.allows("https", "API.example.com", 443));
  EXPECT_FALSE(exact.allows("http", "api.example.com", 443));
  EXPECT_FALSE(exact.allows("https", "api.example.com", 8443)) << "no port means the default port only";
  EXPECT_FALSE(exact.allows("https", "evil.api.example.com", 443));

  const auto wildcard = FetchPattern::parse("http://*.example.org:8080").value();
  EXPECT_TRUE(wildcard.allows("http", "a.b.example.org", 8080));
  EXPECT_FALSE(wildcard.allows("http", "example.org", 8080)) << "the bare domain is not a subdomain";
  EXPECT_FALSE(wildcard.allows("http", "badexample.org", 8080));
  EXPECT_FALSE(wildcard.allows("http", "a.example.org", 80));

  const auto v6 = FetchPattern::parse("https://[::1]:8443").value();
  EXPECT_TRUE(v6.allows("https", "[::1]", 8443));
  EXPECT_TRUE(v6.allows("https", "0:0::1", 8443));
}

}  // namespace
}  // namespace hookd::config
