// URL rules and address rules, without a network.
#include <gtest/gtest.h>

#include "fetch_test_support.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/fetch_address.hpp"

namespace hookd::host::test {
namespace {

using Code = FetchError::Code;

class FetchBadUrl : public testing::TestWithParam<const char*> {};

TEST_P(FetchBadUrl, IsRefusedBeforeAnyNetworkWork) {
  auto fetcher = make_http_fetcher(test_options());
  const FetchPolicy policy{.allow = {pattern("http://example.com"), pattern("https://example.com")}};
  auto result = fetcher->fetch(get(GetParam()), policy);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kBadUrl) << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(Urls, FetchBadUrl,
                         testing::Values("", "example.com/path", "/relative", "ftp://example.com/",
                                         "file:///etc/passwd", "http://", "http:///path",
                                         "http://user:pass@example.com/", "http://user@example.com/",
                                         "http://example.com:0/", "http://exa mple.com/",
                                         "http://exa_mple.com/", "http://[v1.fe]/", "gopher://example.com",
                                         "http://example.com:99999/",
                                         // Found by fuzzing: Boost.URL took port 80, path "abc/".
                                         "http://example.com:80abc/", "http://example.com:8x"));

TEST(FetchUrlLength, AUrlOverTheLimitIsRefusedAndQuotedOnlyByItsStart) {
  auto fetcher = make_http_fetcher(test_options());
  // No network: a URL at the limit is parsed and then refused by the
  // allowlist, one byte more is refused before it is parsed.
  const FetchPolicy policy{.allow = {pattern("http://allowed.test")}};
  const std::string base = "http://example.com/";
  const std::string at_limit = base + std::string(kMaxFetchUrlBytes - base.size(), 'a');
  auto fits = fetcher->fetch(get(at_limit), policy);
  ASSERT_FALSE(fits);
  EXPECT_EQ(fits.error().code, Code::kNotAllowed);
  auto over = fetcher->fetch(get(at_limit + "a"), policy);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Code::kBadUrl);
  EXPECT_NE(over.error().message.find("8193 bytes, over the limit of 8192"), std::string::npos)
      << over.error().message;
  EXPECT_LT(over.error().message.size(), 200u);
}

TEST(FetchAllowlist, RefusesAUrlNoPatternAllowsAndNamesIt) {
  auto fetcher = make_http_fetcher(test_options());
  const FetchPolicy policy{.allow = {pattern("https://api.example.com")}};
  for (const char* url : {"http://api.example.com/", "https://api.example.com:8443/", "https://example.com/",
                          "https://evil.com/?https://api.example.com/"}) {
    auto result = fetcher->fetch(get(url), policy);
    ASSERT_FALSE(result) << url;
    EXPECT_EQ(result.error().code, Code::kNotAllowed) << url;
  }
  auto result = fetcher->fetch(get("http://api.example.com/x"), policy);
  EXPECT_NE(result.error().message.find("http://api.example.com/x"), std::string::npos)
      << result.error().message;
}

TEST(FetchAllowlist, AnEmptyGrantAllowsNothing) {
  auto fetcher = make_http_fetcher(test_options());
  auto result = fetcher->fetch(get("https://example.com/"), FetchPolicy{});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kNotAllowed);
}

struct AddressCase {
  const char* address;
  bool is_public;
};

class FetchAddressKind : public testing::TestWithParam<AddressCase> {};

TEST_P(FetchAddressKind, MatchesTheSpecialRanges) {
  const auto& c = GetParam();
  EXPECT_EQ(!special_address_kind(ip(c.address)).has_value(), c.is_public) << c.address;
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, FetchAddressKind,
    testing::Values(
        AddressCase{"8.8.8.8", true}, AddressCase{"1.1.1.1", true}, AddressCase{"172.32.0.1", true},
        AddressCase{"100.128.0.1", true}, AddressCase{"2606:4700::1111", true},
        AddressCase{"::ffff:8.8.8.8", true}, AddressCase{"127.0.0.1", false},
        AddressCase{"127.255.0.9", false}, AddressCase{"10.1.2.3", false}, AddressCase{"172.16.0.1", false},
        AddressCase{"172.31.255.255", false}, AddressCase{"192.168.1.1", false},
        AddressCase{"169.254.169.254", false}, AddressCase{"169.254.1.1", false},
        AddressCase{"100.64.0.1", false}, AddressCase{"100.127.255.255", false},
        AddressCase{"0.0.0.0", false}, AddressCase{"224.0.0.1", false}, AddressCase{"255.255.255.255", false},
        AddressCase{"::", false}, AddressCase{"::1", false}, AddressCase{"fc00::1", false},
        AddressCase{"fd00:ec2::254", false}, AddressCase{"fe80::1", false}, AddressCase{"ff02::1", false},
        AddressCase{"::ffff:127.0.0.1", false}, AddressCase{"::ffff:169.254.169.254", false},
        AddressCase{"::ffff:10.0.0.1", false}, AddressCase{"::127.0.0.1", false},
        AddressCase{"::10.0.0.1", false}, AddressCase{"64:ff9b::7f00:1", false},
        AddressCase{"2002:7f00:1::", false}, AddressCase{"2002:a9fe:a9fe::1", false},
        AddressCase{"64:ff9b:1::a00:1", false}, AddressCase{"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", false},
        AddressCase{"64:ff9b:2::1", true}));

TEST(FetchAddressKind, NamesTheNat64LocalUseRange) {
  EXPECT_EQ(special_address_kind(ip("64:ff9b:1::7f00:1")), "NAT64 local-use");
}

TEST(FetchAddressKind, NamesTheMetadataService) {
  EXPECT_EQ(special_address_kind(ip("169.254.169.254")), "cloud metadata");
  EXPECT_EQ(special_address_kind(ip("fd00:ec2::254")), "cloud metadata");
  EXPECT_EQ(special_address_kind(ip("::ffff:169.254.169.254")), "cloud metadata");
}

TEST(FetchAddressAllowed, OnlyTheExactAddressNamedInThePolicyIsLetThrough) {
  const FetchPolicy policy{.allowed_addresses = {ip("127.0.0.1"), ip("169.254.169.254")}};
  EXPECT_TRUE(fetch_address_allowed(ip("127.0.0.1"), policy));
  EXPECT_TRUE(fetch_address_allowed(ip("::ffff:127.0.0.1"), policy));  // the same address
  EXPECT_TRUE(fetch_address_allowed(ip("169.254.169.254"), policy));
  EXPECT_FALSE(fetch_address_allowed(ip("127.0.0.2"), policy));
  EXPECT_FALSE(fetch_address_allowed(ip("::1"), policy));
  EXPECT_FALSE(fetch_address_allowed(ip("10.0.0.1"), policy));
  EXPECT_TRUE(fetch_address_allowed(ip("8.8.8.8"), FetchPolicy{}));
  EXPECT_FALSE(fetch_address_allowed(ip("127.0.0.1"), FetchPolicy{}));
}

TEST(FetchAddressAllowed, AnExemptionCoversItsOwnEntryOnly) {
  const FetchPolicy policy{.exempt = {AddressExemption{"http", ip("127.0.0.1"), 8080}}};
  EXPECT_TRUE(fetch_address_allowed(ip("127.0.0.1"), policy, "http", "127.0.0.1", 8080));
  EXPECT_FALSE(fetch_address_allowed(ip("127.0.0.1"), policy, "http", "127.0.0.1", 9000));   // another port
  EXPECT_FALSE(fetch_address_allowed(ip("127.0.0.1"), policy, "https", "127.0.0.1", 8080));  // another scheme
  EXPECT_FALSE(fetch_address_allowed(ip("127.0.0.1"), policy, "http", "localhost", 8080));   // a name for it
  EXPECT_FALSE(fetch_address_allowed(ip("127.0.0.1"), policy));
  EXPECT_TRUE(fetch_address_allowed(ip("8.8.8.8"), policy, "http", "dns.example", 80));
}

TEST(FetchErrorCode, HasReadableNames) {
  EXPECT_EQ(to_string(Code::kBlockedAddress), "blocked address");
  EXPECT_EQ(to_string(Code::kTooManyRedirects), "too many redirects");
}

}  // namespace
}  // namespace hookd::host::test
