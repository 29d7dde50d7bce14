// [tracing]: off by default, a collector URL required to turn it on, a
// sampling ratio from 0 to 1 from the file or the environment.
#include "hookd/config/http_endpoint.hpp"
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_of;
using testing::fake_env;
using testing::parse_ok;
using testing::printed;

TEST(TracingConfig, OffByDefault) {
  const Config config = parse_ok("");
  EXPECT_FALSE(config.tracing.enabled);
  EXPECT_TRUE(config.tracing.collector_url.empty());
  EXPECT_EQ(config.tracing.service_name, "hookd");
  EXPECT_EQ(config.tracing.sample_ratio, 1.0);
}

TEST(TracingConfig, ReadsEveryKey) {
  const Config config = parse_ok(
      "[tracing]\nenabled = true\ncollector_url = \"http://otel:4318/v1/traces\"\nservice_name = \"edge\"\n"
      "sample_ratio = 0.01\nqueue_spans = 100\nbatch_spans = 10\nexport_interval_ms = 50\n"
      "export_timeout_ms = 200\nexport_retries = 0\n");
  EXPECT_TRUE(config.tracing.enabled);
  EXPECT_EQ(config.tracing.collector_url, "http://otel:4318/v1/traces");
  EXPECT_EQ(config.tracing.service_name, "edge");
  EXPECT_EQ(config.tracing.sample_ratio, 0.01);
  EXPECT_EQ(config.tracing.queue_spans, 100u);
  EXPECT_EQ(config.tracing.batch_spans, 10u);
  EXPECT_EQ(config.tracing.export_interval.count(), 50);
  EXPECT_EQ(config.tracing.export_timeout.count(), 200);
  EXPECT_EQ(config.tracing.export_retries, 0u);
  EXPECT_TRUE(validate(config).empty());
  EXPECT_EQ(parse_ok("[tracing]\nsample_ratio = 0\n").tracing.sample_ratio, 0.0);
  EXPECT_EQ(parse_ok("[tracing]\nsample_ratio = 1\n").tracing.sample_ratio, 1.0);
}

TEST(TracingConfig, BadValuesNameTheKey) {
  EXPECT_THAT(errors_of("[tracing]\nsample_ratio = 1.5\n"),
              ElementsAre("hookd.toml:2: tracing.sample_ratio: expected a number from 0 to 1, got 1.5"));
  EXPECT_THAT(errors_of("[tracing]\nsample_ratio = nan\n"),
              ElementsAre("hookd.toml:2: tracing.sample_ratio: expected a number from 0 to 1, got nan"));
  EXPECT_THAT(
      errors_of("[tracing]\ncollector_url = \"https://otel:4318/v1/traces\"\n"),
      ElementsAre("hookd.toml:2: tracing.collector_url: expected an http:// URL (https is not supported)"));
  EXPECT_THAT(errors_of("[tracing]\ncollector_url = \"http://otel:0/\"\n"),
              ElementsAre("hookd.toml:2: tracing.collector_url: the port must be 1 to 65535"));
  EXPECT_THAT(errors_of("[tracing]\nservice_name = \"\"\n"),
              ElementsAre("hookd.toml:2: tracing.service_name: must not be empty"));
  EXPECT_THAT(
      errors_of("[tracing]\nqueue_spans = 0\n"),
      ElementsAre("hookd.toml:2: tracing.queue_spans: expected an integer between 1 and 1000000, got 0"));
}

TEST(TracingConfig, EnabledWithoutACollectorIsAConflict) {
  Config config = parse_ok("[tracing]\nenabled = true\n");
  EXPECT_THAT(
      printed(validate(config)),
      ElementsAre("hookd.toml:2: tracing.enabled: tracing needs tracing.collector_url: where spans are "
                  "sent"));
}

TEST(TracingConfig, FromTheEnvironment) {
  Config config = defaults();
  EXPECT_TRUE(apply_env_overrides(config, fake_env({{"HOOKD_TRACING_SAMPLE_RATIO", "0.25"},
                                                    {"HOOKD_TRACING_ENABLED", "true"}}))
                  .empty());
  EXPECT_EQ(config.tracing.sample_ratio, 0.25);
  EXPECT_TRUE(config.tracing.enabled);
  EXPECT_THAT(
      printed(apply_env_overrides(config, fake_env({{"HOOKD_TRACING_SAMPLE_RATIO", "lots"}}))),
      ElementsAre("environment: HOOKD_TRACING_SAMPLE_RATIO: expected a number from 0 to 1, got \"lots\""));
}

TEST(TracingConfig, WrittenBackAsItWasRead) {
  Config config = defaults();
  config.tracing.enabled = true;
  config.tracing.collector_url = "http://127.0.0.1:4318/v1/traces";
  config.tracing.sample_ratio = 0.125;
  EXPECT_EQ(parse_ok(to_toml(config)).tracing, config.tracing);
}

TEST(HttpEndpoint, ParsesHostPortAndTarget) {
  EXPECT_EQ(parse_http_endpoint("http://otel:4318/v1/traces"), (HttpEndpoint{"otel", 4318, "/v1/traces"}));
  EXPECT_EQ(parse_http_endpoint("http://otel"), (HttpEndpoint{"otel", 80, "/"}));
  EXPECT_EQ(parse_http_endpoint("http://[::1]:9/x?y=1"), (HttpEndpoint{"::1", 9, "/x?y=1"}));
  for (const char* bad : {"otel:4318", "http://", "http://:80/", "http://u@otel/", "http://otel:/",
                          "http://otel:99999/", "http://otel/a b", "http://otel/#frag", "http://[::1/"}) {
    EXPECT_FALSE(parse_http_endpoint(bad)) << bad;
  }
}

}  // namespace
}  // namespace hookd::config
