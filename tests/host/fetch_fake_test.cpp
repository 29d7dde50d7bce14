// FakeFetcher: what tests of the plugin host functions rely on.
#include "hookd/host/fetch_fake.hpp"

#include <gtest/gtest.h>

#include "fetch_test_support.hpp"

namespace hookd::host::test {
namespace {

using Code = FetchError::Code;

const FetchPolicy kApi{.allow = {pattern("https://api.example.com")}};

TEST(FakeFetcher, ReturnsTheCannedResponseAndRecordsTheRequest) {
  FakeFetcher fake;
  fake.respond("https://api.example.com/v1", FetchResponse{.status = 200, .body = "{}"});
  FetchRequest request{.method = "POST", .url = "https://api.example.com/v1", .body = "q"};
  auto response = fake.fetch(request, kApi);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "{}");
  EXPECT_EQ(response->final_url, "https://api.example.com/v1");
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(fake.requests()[0].body, "q");
}

TEST(FakeFetcher, AppliesTheSameUrlAndAllowlistChecksAsTheRealFetcher) {
  FakeFetcher fake;
  fake.respond("https://other.example.com/", FetchResponse{.status = 200});
  EXPECT_EQ(fake.fetch(get("https://other.example.com/"), kApi).error().code, Code::kNotAllowed);
  EXPECT_EQ(fake.fetch(get("ftp://api.example.com/"), kApi).error().code, Code::kBadUrl);
  EXPECT_TRUE(fake.requests().empty());
}

TEST(FakeFetcher, CannedErrorsHandlerAndUnknownUrls) {
  FakeFetcher fake;
  fake.fail("https://api.example.com/slow", FetchError{Code::kTimeout, "timed out"});
  EXPECT_EQ(fake.fetch(get("https://api.example.com/slow"), kApi).error().code, Code::kTimeout);
  EXPECT_EQ(fake.fetch(get("https://api.example.com/none"), kApi).error().code, Code::kConnect);
  fake.set_handler([](const FetchRequest& r) { return FetchResponse{.status = 418, .body = r.url}; });
  EXPECT_EQ(fake.fetch(get("https://api.example.com/none"), kApi)->status, 418);
  EXPECT_EQ(fake.requests().size(), 3u);
}

}  // namespace
}  // namespace hookd::host::test
