// waPC plugins reach hookd's real built-in host functions through
// __host_call (docs/abi.md, "waPC plugins"), behind the same grant check as
// native plugins: KV in the in-memory store, config values, fetch through
// the fake fetcher with its allowlist. Also the Extism AS PDK's KV plugin
// through extism:host/user.
#include <gtest/gtest.h>

#include "hookd/hookd.hpp"
#include "hookd/host/fetch_fake.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "hookd/host/plugin_services.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

Result<Plugin> load_host_plugin(const config::PluginSettings& settings, host::HostServices services) {
  PluginOptions options;
  options.name = "wapchost";
  for (const char* op : {"get", "set", "delete", "incr", "config", "fetch", "call", "log"}) {
    options.declared_functions.push_back(FunctionInfo{op});
  }
  options.host_functions = host::builtin_host_functions("wapchost", settings, services);
  return Plugin::load_file(test::plugin_path("as_wapc_host"), std::move(options));
}

config::PluginSettings kv_grant(config::KvMode mode) {
  config::PluginSettings s;
  s.grants.kv = config::KvGrant{"", mode};
  return s;
}

TEST(WapcGrants, KvThroughAGrantedStore) {
  host::MemoryKvStore kv;
  auto p = load_host_plugin(kv_grant(config::KvMode::read_write), {&kv});
  ASSERT_TRUE(p) << p.error().describe();
  ASSERT_TRUE(p->call_string("set", "greeting=hello"));
  EXPECT_EQ(kv.get("wapchost", "greeting").value(), std::optional<std::string>("hello"));
  EXPECT_EQ(*p->call_string("get", "greeting"), "hello");
  EXPECT_EQ(*p->call_string("incr", "hits=41"), "\x29");  // msgpack 41
  EXPECT_EQ(*p->call_string("incr", "hits=1"), "\x2a");
  EXPECT_EQ(*p->call_string("delete", "greeting"), "\xc3");
  auto gone = p->call_string("get", "greeting");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().message, "host: kv/get: not found");
  EXPECT_EQ(p->replacements(), 0u);
}

TEST(WapcGrants, KvWithoutAGrantIsAnErrorForTheGuestNotATrap) {
  host::MemoryKvStore kv;
  auto p = load_host_plugin({}, {&kv});
  ASSERT_TRUE(p) << p.error().describe();
  for (const char* op : {"get", "set", "incr", "delete"}) {
    auto out = p->call_string(op, "k=1");
    ASSERT_FALSE(out) << op;
    EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
    EXPECT_NE(out.error().message.find("kv is not granted to plugin wapchost"), std::string::npos)
        << out.error().message;
  }
  EXPECT_FALSE(kv.get("wapchost", "k").value().has_value());
  EXPECT_EQ(p->replacements(), 0u);
}

TEST(WapcGrants, ReadOnlyKvGrantRefusesWrites) {
  host::MemoryKvStore kv;
  ASSERT_TRUE(kv.set("wapchost", "k", "v"));
  auto p = load_host_plugin(kv_grant(config::KvMode::read), {&kv});
  ASSERT_TRUE(p);
  EXPECT_EQ(*p->call_string("get", "k"), "v");
  auto out = p->call_string("set", "k=w");
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("kv write is not granted"), std::string::npos) << out.error().message;
  EXPECT_EQ(kv.get("wapchost", "k").value(), std::optional<std::string>("v"));
}

TEST(WapcGrants, ConfigValuesNeedTheConfigGrant) {
  config::PluginSettings s;
  s.config["region"] = "eu-west";
  auto withheld = load_host_plugin(s, {});
  ASSERT_TRUE(withheld);
  auto out = withheld->call_string("config", "region");
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("config is not granted"), std::string::npos) << out.error().message;

  s.grants.config = true;
  auto granted = load_host_plugin(s, {});
  ASSERT_TRUE(granted);
  EXPECT_EQ(*granted->call_string("config", "region"), "eu-west");
  auto missing = granted->call_string("config", "zone");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "host: config/get: not found");
}

TEST(WapcGrants, FetchGoesThroughTheAllowlist) {
  host::FakeFetcher fetcher;
  host::FetchResponse res;
  res.status = 200;
  res.headers = {{"content-type", "text/plain"}};
  res.body = "sunny";
  fetcher.respond("https://api.example.com/weather", res);

  config::PluginSettings s;
  s.grants.fetch.push_back(*config::FetchPattern::parse("https://api.example.com"));
  auto p = load_host_plugin(s, {nullptr, &fetcher});
  ASSERT_TRUE(p);
  auto out = p->call_string("fetch", "https://api.example.com/weather");
  ASSERT_TRUE(out) << out.error().describe();
  // msgpack {status: 200, headers: {content-type: text/plain}, body: bin "sunny"}
  const std::string want =
      "\x83\xa6status\xcc\xc8\xa7headers\x81\xac"
      "content-type\xaa"
      "text/plain\xa4"
      "body\xc4\x05"
      "sunny";
  EXPECT_EQ(*out, want);
  ASSERT_EQ(fetcher.requests().size(), 1u);
  EXPECT_EQ(fetcher.requests()[0].method, "GET");

  auto denied = p->call_string("fetch", "https://evil.example.net/");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(fetcher.requests().size(), 1u);

  auto ungranted = load_host_plugin({}, {nullptr, &fetcher});
  ASSERT_TRUE(ungranted);
  auto no = ungranted->call_string("fetch", "https://api.example.com/weather");
  ASSERT_FALSE(no);
  EXPECT_NE(no.error().message.find("fetch is not granted to plugin wapchost"), std::string::npos)
      << no.error().message;
}

// The Extism AS PDK's way to reach hookd's KV: host functions declared in
// extism:host/user (examples/assemblyscript/extism/kv/kv.ts), through the same
// built-ins and grant check.
Result<Plugin> load_extism_kv(const config::PluginSettings& settings, host::KvStore* kv) {
  PluginOptions options;
  options.name = "extkv";
  options.host_functions = host::builtin_host_functions("extkv", settings, host::HostServices{kv});
  return Plugin::load_file(test::plugin_path("as_extism_kv"), std::move(options));
}

TEST(ExtismAsKvGrants, KvThroughUserHostFunctionsWithTheGrant) {
  host::MemoryKvStore kv;
  auto p = load_extism_kv(kv_grant(config::KvMode::read_write), &kv);
  ASSERT_TRUE(p) << p.error().describe();
  auto set = p->call_string("set", "greeting=hello");
  ASSERT_TRUE(set) << set.error().describe();
  EXPECT_EQ(kv.get("extkv", "greeting").value(), std::optional<std::string>("hello"));
  EXPECT_EQ(*p->call_string("get", "greeting"), "hello");
  EXPECT_EQ(*p->call_string("incr", "hits=41"), "41");
  EXPECT_EQ(*p->call_string("incr", "hits=1"), "42");
  EXPECT_EQ(*p->call_string("delete_key", "greeting"), "1");
  EXPECT_EQ(*p->call_string("delete_key", "greeting"), "0");
  auto gone = p->call_string("get", "greeting");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().message, "not found: greeting");
}

TEST(ExtismAsKvGrants, WithoutTheGrantTheCallFailsWithTheHostsMessage) {
  host::MemoryKvStore kv;
  auto p = load_extism_kv({}, &kv);
  ASSERT_TRUE(p) << p.error().describe();
  for (const char* fn : {"get", "set", "incr", "delete_key"}) {
    auto out = p->call_string(fn, "k=1");
    ASSERT_FALSE(out) << fn;
    EXPECT_NE(out.error().message.find("kv is not granted to plugin extkv"), std::string::npos)
        << fn << ": " << out.error().message;
  }
  EXPECT_FALSE(kv.get("extkv", "k").value().has_value());
}

}  // namespace
}  // namespace hookd
