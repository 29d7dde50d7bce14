// examples/handlers/webhook as the gateway runs it: GitHub's signature over
// the raw body checked with the plugin's secret, deliveries stored once.
#include <gtest/gtest.h>

#include <cctype>

#include "handler_harness.hpp"
#include "hmac.hpp"
#include "hookd/host/memory_kv_store.hpp"

namespace hookd {
namespace {

using test::Answer;
using test::Exchange;
using test::github_signature;

constexpr std::string_view kSecret = "hookd-example-secret";
constexpr std::string_view kBody = R"({"zen":"Keep it logically awesome.","hook_id":1})";

class Webhook : public ::testing::Test {
 protected:
  // A delivery as GitHub sends it; headers given replace the defaults.
  Answer deliver(std::string_view body, std::vector<std::pair<std::string, std::string>> headers) {
    ex_.method = "POST";
    ex_.target = "/hooks/github";
    ex_.header_text = std::move(headers);
    return hook_.call("github", ex_, body);
  }
  Answer deliver_signed(std::string_view body, std::string delivery) {
    return deliver(body, {{"Content-Type", "application/json"},
                          {"X-GitHub-Event", "push"},
                          {"X-GitHub-Delivery", std::move(delivery)},
                          {"X-Hub-Signature-256", github_signature(kSecret, body)}});
  }
  [[nodiscard]] std::optional<std::string> stored(std::string_view delivery) {
    auto v = kv_.get("webhook", "delivery:" + std::string(delivery));
    EXPECT_TRUE(v.has_value());
    return v ? *v : std::nullopt;
  }

  host::MemoryKvStore kv_;
  test::Handler hook_{"webhook", "webhook", test::webhook_settings(), &kv_};
  Exchange ex_;
};

TEST_F(Webhook, ASignedDeliveryIsAccepted202AndStoredWithItsEvent) {
  const Answer a = deliver_signed(kBody, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
  ASSERT_FALSE(a.error) << a.error->describe();
  EXPECT_EQ(a.status, 202);
  EXPECT_EQ(a.header("Content-Type"), "application/json");
  EXPECT_EQ(a.body, R"({"accepted":true,"delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958"})");
  EXPECT_EQ(stored("72d3162e-cc78-11e3-81ab-4c9367dc0958"), "push");
}

TEST_F(Webhook, TheSameDeliveryAgainIs200DuplicateAndStoredOnce) {
  ASSERT_EQ(deliver_signed(kBody, "d-1").status, 202);
  const Answer again = deliver_signed(kBody, "d-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, R"({"duplicate":true,"delivery":"d-1"})");
  EXPECT_EQ(again.header("Content-Type"), "application/json");
  // Another delivery is new.
  EXPECT_EQ(deliver_signed(kBody, "d-2").status, 202);
  auto page = kv_.list("webhook", "delivery:", "", 100);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->keys.size(), 2u);
}

TEST_F(Webhook, AWrongMissingOrMalformedSignatureIs401WithAJsonErrorAndNothingStored) {
  std::string good = github_signature(kSecret, kBody);
  std::string flipped = good;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  const std::vector<std::optional<std::string>> signatures = {
      std::nullopt,                                          // missing
      "",                                                    // empty
      flipped,                                               // one digit off
      github_signature("another-secret", kBody),             // another secret
      github_signature(kSecret, std::string(kBody) + "\n"),  // another body
      "sha1=" + good.substr(7, 40),                          // GitHub's old SHA-1 header format
      good.substr(7),                                        // no "sha256=" prefix
      good.substr(0, good.size() - 2),                       // cut short
      good + "00",                                           // too long
      "sha256=" + std::string(64, 'g'),                      // not hex
  };
  for (const auto& sig : signatures) {
    std::vector<std::pair<std::string, std::string>> headers = {{"X-GitHub-Delivery", "d-401"}};
    if (sig) headers.emplace_back("X-Hub-Signature-256", *sig);
    const Answer a = deliver(kBody, headers);
    const std::string shown = sig.value_or("(none)");
    ASSERT_FALSE(a.error) << shown << ": " << a.error->describe();
    EXPECT_EQ(a.status, 401) << shown;
    EXPECT_EQ(a.header("Content-Type"), "application/json") << shown;
    EXPECT_EQ(a.body, R"({"error":"missing or invalid X-Hub-Signature-256"})") << shown;
  }
  EXPECT_EQ(stored("d-401"), std::nullopt);
}

TEST_F(Webhook, UpperCaseHexInTheSignatureIsTheSameMac) {
  std::string sig = github_signature(kSecret, kBody);
  for (size_t i = 7; i < sig.size(); ++i)
    sig[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(sig[i])));
  EXPECT_EQ(deliver(kBody, {{"X-GitHub-Delivery", "d-upper"}, {"X-Hub-Signature-256", sig}}).status, 202);
}

TEST_F(Webhook, TheMacCoversTheRawBodyByteForByte) {
  // Bytes a JSON re-encoding would change: spacing, escapes, a NUL.
  using namespace std::string_literals;
  const std::string body = "{ \"a\" : \"\\u00e9\",\n\"b\":\"\0\" }"s;
  EXPECT_EQ(deliver_signed(body, "d-raw").status, 202);
  EXPECT_EQ(deliver_signed("", "d-empty").status, 202);
}

TEST_F(Webhook, ASignedDeliveryWithoutADeliveryIdIs400) {
  const Answer a = deliver(kBody, {{"X-Hub-Signature-256", github_signature(kSecret, kBody)}});
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body, R"({"error":"missing X-GitHub-Delivery"})");
  for (const char* bad : {"", "a b", "x\"y", "../k", "é"}) {
    const Answer b = deliver(
        kBody, {{"X-GitHub-Delivery", bad}, {"X-Hub-Signature-256", github_signature(kSecret, kBody)}});
    EXPECT_EQ(b.status, 400) << bad;
  }
  EXPECT_EQ(deliver_signed(kBody, std::string(129, 'a')).status, 400);
  EXPECT_EQ(deliver_signed(kBody, std::string(128, 'a')).status, 202);
}

TEST_F(Webhook, AnUnsignedDeliveryWithoutADeliveryIdIs401NotA400) {
  // Nothing about the request is looked at before it is authenticated.
  EXPECT_EQ(deliver(kBody, {}).status, 401);
}

TEST(WebhookSecret, WithoutTheSecretEveryDeliveryIs500AndNothingIsStored) {
  host::MemoryKvStore kv;
  auto settings = test::webhook_settings();
  settings.config.clear();
  test::Handler hook("webhook", "webhook", settings, &kv);
  Exchange ex;
  ex.method = "POST";
  ex.header_text = {{"X-GitHub-Delivery", "d"}, {"X-Hub-Signature-256", github_signature("", kBody)}};
  const Answer a = hook.call("github", ex, kBody);
  EXPECT_EQ(a.status, 500);
  EXPECT_EQ(a.body, R"({"error":"the webhook secret is not configured"})");
  auto v = kv.get("webhook", "delivery:d");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, std::nullopt);
}

TEST(WebhookSecret, WithoutTheCryptoGrantTheCallFailsInsteadOfAccepting) {
  host::MemoryKvStore kv;
  auto settings = test::webhook_settings();
  settings.grants.crypto = false;
  test::Handler hook("webhook", "webhook", settings, &kv);
  Exchange ex;
  ex.method = "POST";
  ex.header_text = {{"X-GitHub-Delivery", "d"}, {"X-Hub-Signature-256", github_signature(kSecret, kBody)}};
  const Answer a = hook.call("github", ex, kBody);
  ASSERT_TRUE(a.error);
  EXPECT_NE(a.error->describe().find("crypto"), std::string::npos) << a.error->describe();
}

}  // namespace
}  // namespace hookd
