// An Extism plugin (tests/plugins/extism_raw.c) reaching hookd's services
// through the real built-in host functions: the extism:host/user KV and
// config functions and the kernel's config_get and http_request obey the
// plugin's grants, the fetch allowlist and the SSRF guard, exactly as a
// native plugin's calls do.
#include <gtest/gtest.h>

#include "fetch_test_server.hpp"
#include "hookd/hookd.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/fetch_fake.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "hookd/host/plugin_services.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

// The output, or the error described: a failed call shows in the
// expectation's message instead of dereferencing an error.
std::string str(const Result<std::string>& r) { return r ? *r : "<error: " + r.error().describe() + ">"; }

Result<Plugin> extism(const config::PluginSettings& settings, host::HostServices services) {
  PluginOptions options;
  options.name = "ext";
  options.host_functions = host::builtin_host_functions("ext", settings, services);
  auto p = Plugin::load_file(test::plugin_path("extism_raw"), std::move(options));
  EXPECT_TRUE(p) << (p ? "" : p.error().describe());
  return p;
}

config::PluginSettings kv(config::KvMode mode) {
  config::PluginSettings s;
  s.grants.kv = config::KvGrant{"", mode};
  return s;
}

TEST(ExtismGrants, UserKvFunctionsReadAndWriteThePluginsNamespaceWhenGranted) {
  host::MemoryKvStore store;
  auto p = extism(kv(config::KvMode::read_write), {&store});
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("kv_put_get", "hello")), "hello");
  EXPECT_EQ(store.get("ext", "greeting").value(), std::optional<std::string>("hello"));
  EXPECT_EQ(str(p->call_string("kv_missing", "")), "none");
  EXPECT_EQ(str(p->call_string("kv_hits", "")), "2");
  EXPECT_EQ(str(p->call_string("kv_hits", "")), "4");
  EXPECT_EQ(str(p->call_string("kv_del", "")), "1");
  EXPECT_EQ(str(p->call_string("kv_del", "")), "0");
}

TEST(ExtismGrants, UserKvWithoutAGrantFailsTheCallWithTheGrantError) {
  host::MemoryKvStore store;
  auto p = extism({}, {&store});
  ASSERT_TRUE(p);
  auto r = p->call_string("kv_put_get", "hello");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("extism:host/user.kv_set: kv is not granted to plugin ext"),
            std::string::npos)
      << r.error().message;
  EXPECT_FALSE(store.get("ext", "greeting").value());
  EXPECT_EQ(str(p->call_string("echo", "x")), "x");
}

TEST(ExtismGrants, AReadOnlyGrantReadsButDoesNotWrite) {
  host::MemoryKvStore store;
  auto p = extism(kv(config::KvMode::read), {&store});
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("kv_missing", "")), "none");
  auto r = p->call_string("kv_hits", "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("kv write is not granted to plugin ext"), std::string::npos)
      << r.error().message;
}

TEST(ExtismGrants, ConfigNeedsTheConfigGrantInBothNamespaces) {
  config::PluginSettings s;
  s.config["greeting"] = "hi";
  auto without = extism(s, {});
  ASSERT_TRUE(without);
  EXPECT_EQ(str(without->call_string("config", "greeting")), "unset");  // the kernel's config_get: not set
  auto r = without->call_string("user_config", "greeting");             // hookd's: the grant error
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("config is not granted to plugin ext"), std::string::npos)
      << r.error().message;

  s.grants.config = true;
  auto with = extism(s, {});
  ASSERT_TRUE(with);
  EXPECT_EQ(str(with->call_string("config", "greeting")), "hi");
  EXPECT_EQ(str(with->call_string("user_config", "greeting")), "hi");
  EXPECT_EQ(str(with->call_string("config", "other")), "unset");
}

config::PluginSettings fetch_grant(std::vector<std::string> allow) {
  config::PluginSettings s;
  for (const auto& a : allow) s.grants.fetch.push_back(*config::FetchPattern::parse(a));
  return s;
}

TEST(ExtismGrants, HttpRequestReachesAnAllowedUrlThroughHookdFetch) {
  host::FakeFetcher fetcher;
  host::FetchResponse res;
  res.status = 200;
  res.headers = {{"content-type", "text/plain"}};
  res.body = "sunny";
  fetcher.respond("https://api.example.com/weather", res);
  auto p = extism(fetch_grant({"https://api.example.com"}), {nullptr, &fetcher});
  ASSERT_TRUE(p);
  auto out = p->call_string("http", R"({"url":"https://api.example.com/weather","method":"GET"})");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out, "200\n{\"content-type\":\"text/plain\"}\nsunny");
  ASSERT_EQ(fetcher.requests().size(), 1u);
}

TEST(ExtismGrants, HttpRequestWithoutAGrantOrOutsideTheAllowlistIsAnErrorForThePluginNotATrap) {
  host::FakeFetcher fetcher;
  auto none = extism({}, {nullptr, &fetcher});
  ASSERT_TRUE(none);
  EXPECT_EQ(str(none->call_string("http", R"({"url":"https://api.example.com/"})")),
            "0\n\nfetch is not granted to plugin ext");
  auto other = extism(fetch_grant({"https://api.example.com"}), {nullptr, &fetcher});
  ASSERT_TRUE(other);
  auto out = other->call_string("http", R"({"url":"https://evil.example.net/"})");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_TRUE(out->starts_with("0\n\nfetch: ")) << *out;
  EXPECT_NE(out->find("not allowed"), std::string::npos) << *out;
  EXPECT_TRUE(fetcher.requests().empty());
  EXPECT_EQ(other->replacements(), 0u);
}

TEST(ExtismGrants, HttpRequestToLoopbackByNameIsStoppedByTheSsrfGuard) {
  host::test::TestServer upstream(
      [](const host::test::SeenRequest&) { return host::test::TestReply{.body = "inside"}; });
  auto fetcher = host::make_http_fetcher({});
  const std::string by_name = "http://localhost:" + std::to_string(upstream.port());
  auto p = extism(fetch_grant({by_name}), {nullptr, fetcher.get()});
  ASSERT_TRUE(p);
  auto out = p->call_string("http", R"({"url":")" + by_name + R"(/"})");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_TRUE(out->starts_with("0\n\nfetch: ")) << *out;
  EXPECT_EQ(upstream.accepted(), 0);

  // The address named literally in the grant is the one way in.
  const std::string literal = "http://127.0.0.1:" + std::to_string(upstream.port());
  auto q = extism(fetch_grant({literal}), {nullptr, fetcher.get()});
  ASSERT_TRUE(q);
  auto ok = q->call_string("http", R"({"url":")" + literal + R"(/"})");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_TRUE(ok->starts_with("200\n")) << *ok;
  EXPECT_TRUE(ok->ends_with("\ninside")) << *ok;
}

}  // namespace
}  // namespace hookd
