// Built-in host functions as plugins see them: real plugins (counter,
// greeter) through the embedder API, KV behind the in-memory fake, and the
// grant check in front of every call.
#include <gtest/gtest.h>

#include <algorithm>

#include "hookd/hookd.hpp"
#include "hookd/host/fetch_fake.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "hookd/host/plugin_services.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::plugin_path;

Result<Plugin> load_with(std::string_view file, const std::string& name,
                         const config::PluginSettings& settings, host::KvStore* kv) {
  PluginOptions options;
  options.name = name;
  options.host_functions = host::builtin_host_functions(name, settings, host::HostServices{kv});
  return Plugin::load_file(plugin_path(file), std::move(options));
}

config::PluginSettings kv_grant(std::string ns, config::KvMode mode) {
  config::PluginSettings s;
  s.grants.kv = config::KvGrant{std::move(ns), mode};
  return s;
}

TEST(BuiltinHostFunctions, CounterIncrementsThroughAGrantedStore) {
  host::MemoryKvStore kv;
  auto counter = load_with("counter", "counter", kv_grant("", config::KvMode::read_write), &kv);
  ASSERT_TRUE(counter) << counter.error().describe();
  EXPECT_EQ(*counter->call_string("incr", ""), "1");
  EXPECT_EQ(*counter->call_string("incr", "41"), "42");
  EXPECT_EQ(*counter->call_string("get", ""), "42");
  // Stored in the plugin's own namespace (its name, by default).
  EXPECT_EQ(kv.get("counter", "count").value(), std::optional<std::string>("42"));
}

TEST(BuiltinHostFunctions, KvWithoutAGrantIsAClearErrorNotATrap) {
  host::MemoryKvStore kv;
  auto counter = load_with("counter", "counter", {}, &kv);
  ASSERT_TRUE(counter);
  auto r = counter->call_string("incr", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kPluginError);
  EXPECT_NE(r.error().message.find("kv is not granted to plugin counter"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(counter->replacements(), 0u);
  EXPECT_FALSE(kv.get("counter", "count").value().has_value());
}

TEST(BuiltinHostFunctions, ReadOnlyGrantAllowsReadsAndRefusesWrites) {
  host::MemoryKvStore kv;
  ASSERT_TRUE(kv.set("counter", "count", "7"));
  auto counter = load_with("counter", "counter", kv_grant("", config::KvMode::read), &kv);
  ASSERT_TRUE(counter);
  EXPECT_EQ(*counter->call_string("get", ""), "7");
  auto r = counter->call_string("incr", "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("kv write is not granted"), std::string::npos);
  EXPECT_EQ(kv.get("counter", "count").value(), std::optional<std::string>("7"));
}

TEST(BuiltinHostFunctions, PluginsAreIsolatedByNamespaceUnlessGrantedTheSameOne) {
  host::MemoryKvStore kv;
  auto a = load_with("counter", "a", kv_grant("", config::KvMode::read_write), &kv);
  auto b = load_with("counter", "b", kv_grant("", config::KvMode::read_write), &kv);
  auto shared = load_with("counter", "c", kv_grant("a", config::KvMode::read_write), &kv);
  ASSERT_TRUE(a && b && shared);
  EXPECT_EQ(*a->call_string("incr", "5"), "5");
  EXPECT_EQ(*b->call_string("incr", "1"), "1");
  EXPECT_EQ(*shared->call_string("incr", "1"), "6");  // granted a's namespace
}

TEST(BuiltinHostFunctions, GreeterReadsItsConfigValues) {
  config::PluginSettings s;
  s.config["greeting"] = "Bonjour";
  s.grants.config = true;
  auto greeter = load_with("greeter", "greeter", s, nullptr);
  ASSERT_TRUE(greeter);
  EXPECT_EQ(*greeter->call_string("greet", "Ada"), "Bonjour, Ada!");
  // Not configured: the plugin's own default.
  auto plain = load_with("greeter", "greeter", {}, nullptr);
  EXPECT_EQ(*plain->call_string("greet", "Ada"), "Hello, Ada!");
}

TEST(BuiltinHostFunctions, ConfigCanBeWithheld) {
  config::PluginSettings s;
  s.config["greeting"] = "Bonjour";
  s.grants.config = false;
  auto greeter = load_with("greeter", "greeter", s, nullptr);
  ASSERT_TRUE(greeter);
  // The plugin treats "not granted" like "not set" and uses its default.
  EXPECT_EQ(*greeter->call_string("greet", "Ada"), "Hello, Ada!");
}

// Config values often hold secrets (API keys): reading them is a grant like
// the others, denied unless given, with the same clear error.
TEST(BuiltinHostFunctions, ConfigIsDeniedUnlessGranted) {
  config::PluginSettings s;
  s.config["upstream"] = "https://api.example.com/weather";
  s.grants.fetch.push_back(*config::FetchPattern::parse("https://api.example.com"));
  ASSERT_FALSE(s.grants.config) << "the default grants no config";
  host::FakeFetcher fetcher;
  PluginOptions options;
  options.name = "fetchproxy";
  options.host_functions =
      host::builtin_host_functions("fetchproxy", s, host::HostServices{nullptr, &fetcher});
  auto p = Plugin::load_file(plugin_path("fetchproxy"), std::move(options));
  ASSERT_TRUE(p) << p.error().describe();
  auto out = p->call_string("get", "");
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("upstream"), std::string::npos) << out.error().message;
  EXPECT_TRUE(fetcher.requests().empty());
}

// hookd.config.list (what a component's wasi:config get-all reads): every
// pair by name, behind the same grant as hookd.config.get.
TEST(BuiltinHostFunctions, ConfigListGivesEveryPairByNameOnlyWhenGranted) {
  config::PluginSettings s;
  s.config = {{"mode", "test"}, {"greeting", "hi"}};
  auto fns = host::builtin_host_functions("p", s, host::HostServices{});
  auto list = std::find_if(fns.begin(), fns.end(), [](const auto& f) { return f.name == host::kConfigList; });
  ASSERT_NE(list, fns.end());
  std::vector<uint8_t> out;
  auto denied = list->fn(engine::CallContext{}, {}, out);
  ASSERT_FALSE(denied);
  EXPECT_NE(denied.error().message.find("config"), std::string::npos) << denied.error().message;

  s.grants.config = true;
  fns = host::builtin_host_functions("p", s, host::HostServices{});
  list = std::find_if(fns.begin(), fns.end(), [](const auto& f) { return f.name == host::kConfigList; });
  ASSERT_TRUE(list->fn(engine::CallContext{}, {}, out));
  std::vector<uint8_t> want = {2, 0, 0, 0};
  for (std::string_view part : {"greeting", "hi", "mode", "test"}) {
    want.insert(want.end(), {static_cast<uint8_t>(part.size()), 0, 0, 0});
    want.insert(want.end(), part.begin(), part.end());
  }
  EXPECT_EQ(out, want);
}

TEST(BuiltinHostFunctions, NoStoreConfiguredIsAnErrorForThePlugin) {
  auto counter = load_with("counter", "counter", kv_grant("", config::KvMode::read_write), nullptr);
  ASSERT_TRUE(counter);
  auto r = counter->call_string("incr", "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no store configured"), std::string::npos);
}

}  // namespace
}  // namespace hookd

namespace hookd {
namespace {

Result<Plugin> fetchproxy(const config::PluginSettings& settings, host::HttpFetcher* fetcher) {
  PluginOptions options;
  options.name = "fetchproxy";
  options.host_functions =
      host::builtin_host_functions("fetchproxy", settings, host::HostServices{nullptr, fetcher});
  return Plugin::load_file(test::plugin_path("fetchproxy"), std::move(options));
}

config::PluginSettings upstream(std::string url, std::vector<std::string> allow) {
  config::PluginSettings s;
  s.config["upstream"] = std::move(url);
  s.grants.config = true;
  for (const auto& a : allow) s.grants.fetch.push_back(*config::FetchPattern::parse(a));
  return s;
}

TEST(BuiltinHostFunctions, FetchProxyWrapsTheAllowedUpstreamsJson) {
  host::FakeFetcher fetcher;
  host::FetchResponse res;
  res.status = 200;
  res.body = R"({"temp":21})";
  fetcher.respond("https://api.example.com/weather", res);
  auto p = fetchproxy(upstream("https://api.example.com/weather", {"https://api.example.com"}), &fetcher);
  ASSERT_TRUE(p) << p.error().describe();
  auto out = p->call_string("get", "");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out, R"({"upstream_status":200,"data":{"temp":21}})");
  ASSERT_EQ(fetcher.requests().size(), 1u);
  EXPECT_EQ(fetcher.requests()[0].method, "GET");
}

TEST(BuiltinHostFunctions, FetchWithoutAGrantIsRefused) {
  host::FakeFetcher fetcher;
  auto p = fetchproxy(upstream("https://api.example.com/x", {}), &fetcher);
  ASSERT_TRUE(p);
  auto out = p->call_string("get", "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().status, 502);
  EXPECT_NE(out.error().message.find("fetch is not granted to plugin fetchproxy"), std::string::npos);
  EXPECT_TRUE(fetcher.requests().empty());
}

TEST(BuiltinHostFunctions, FetchOutsideTheAllowlistIsRefused) {
  host::FakeFetcher fetcher;
  auto p = fetchproxy(upstream("https://evil.example.net/x", {"https://api.example.com"}), &fetcher);
  ASSERT_TRUE(p);
  auto out = p->call_string("get", "");
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("not allowed"), std::string::npos) << out.error().message;
}

TEST(BuiltinHostFunctions, LiteralAddressesInTheAllowlistAreTheOnlyPrivateOnesAllowed) {
  auto policy = host::fetch_policy(upstream("", {"http://127.0.0.1:8080", "https://*.example.com",
                                                 "https://[fd00::1]", "http://localhost:9000"})
                                       .grants);
  // Each literal entry is exempt for itself (scheme, address, port), never
  // as an address any other entry may reach.
  EXPECT_TRUE(policy.allowed_addresses.empty());
  ASSERT_EQ(policy.exempt.size(), 2u);
  EXPECT_EQ(policy.exempt[0], (host::AddressExemption{"http", *config::IpAddress::parse("127.0.0.1"), 8080}));
  EXPECT_EQ(policy.exempt[1], (host::AddressExemption{"https", *config::IpAddress::parse("fd00::1"), 443}));
}

}  // namespace
}  // namespace hookd

namespace hookd {
namespace {

TEST(BuiltinHostFunctions, CppPdkReachesKvAndConfig) {
  host::MemoryKvStore kv;
  config::PluginSettings s = kv_grant("", config::KvMode::read_write);
  s.config["greeting"] = "Salut";
  s.grants.config = true;
  auto p = load_with("kvcpp", "notes", s, &kv);
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(*p->call_string("set", "a=1"), "stored");
  EXPECT_EQ(*p->call_string("get", "a"), "1");
  EXPECT_EQ(p->call_string("get", "b").error().status, 404);
  EXPECT_EQ(*p->call_string("swap", "a=2>3"), "mismatch");
  EXPECT_EQ(*p->call_string("swap", "a=1>3"), "swapped");
  EXPECT_EQ(kv.get("notes", "a").value(), std::optional<std::string>("3"));
  EXPECT_EQ(*p->call_string("greeting", ""), "Salut");
  // get_many: order kept, absent keys, and a value too long for the inline buffer.
  const std::string long_value(300, 'L');
  ASSERT_TRUE(kv.set("notes", "long", long_value));
  EXPECT_EQ(*p->call_string("many", "a,zz,long"), "a=3;zz=-;long=" + long_value);
  EXPECT_NE(p->call_string("many", "a,,b").error().message.find("kv:"), std::string::npos);  // empty key
}

TEST(BuiltinHostFunctions, TenReadsGiveTheSameAnswerOneByOneBatchedAndAllocating) {
  host::MemoryKvStore kv;
  ASSERT_TRUE(kv.set("counter", "count", "12345"));
  auto counter = load_with("kvbench", "counter", kv_grant("", config::KvMode::read), &kv);
  ASSERT_TRUE(counter);
  for (const char* fn : {"get10", "get10_batch", "get10_alloc"})
    EXPECT_EQ(*counter->call_string(fn, ""), "50") << fn;
  // read10*: the same reads, then the input echoed back.
  for (const char* fn : {"read10", "read10_batch"})
    EXPECT_EQ(*counter->call_string(fn, "ping"), "ping") << fn;
  auto denied = load_with("kvbench", "counter", {}, &kv);
  ASSERT_TRUE(denied);
  for (const char* fn : {"get10", "get10_batch", "get10_alloc", "read10", "read10_batch"}) {
    auto r = denied->call_string(fn, "");
    ASSERT_FALSE(r) << fn;
    EXPECT_NE(r.error().message.find("kv is not granted"), std::string::npos)
        << fn << ": " << r.error().message;
  }
}

// hookd.kv.read takes its arguments from guest memory: every descriptor,
// key and buffer is bounds-checked (a bad one traps the guest, which is then
// replaced), and a batch is capped.
TEST(BuiltinHostFunctions, KvReadChecksEveryGuestAddress) {
  host::MemoryKvStore kv;
  ASSERT_TRUE(kv.set("badptr", "count", "7"));
  auto p = load_with("badptr", "badptr", kv_grant("", config::KvMode::read), &kv);
  ASSERT_TRUE(p) << p.error().describe();
  for (const char* fn : {"kv_read_bad_table", "kv_read_bad_key", "kv_read_bad_buffer"}) {
    auto r = p->call_string(fn, "");
    ASSERT_FALSE(r) << fn;
    EXPECT_EQ(r.error().kind, ErrorKind::kTrap) << fn << ": " << r.error().describe();
    EXPECT_NE(r.error().message.find("kv.read"), std::string::npos) << r.error().message;
  }
  auto many = p->call_string("kv_read_too_many", "");
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().kind, ErrorKind::kPluginError);
  EXPECT_NE(many.error().message.find("at most 1000 keys"), std::string::npos) << many.error().message;
  // Without a grant the same call is refused before any address is looked at.
  auto denied = load_with("badptr", "badptr", {}, &kv);
  ASSERT_TRUE(denied);
  auto r = denied->call_string("kv_read_bad_table", "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("kv is not granted"), std::string::npos) << r.error().message;
}

// A value longer than the plugin's buffer: len is the full length, only cap
// bytes are copied, and the PDK's allocating get reads it whole.
TEST(BuiltinHostFunctions, KvReadReportsTheFullLengthOfALongValue) {
  host::MemoryKvStore kv;
  const std::string long_value(5000, 'v');
  ASSERT_TRUE(kv.set("counter", "count", long_value));
  auto bench = load_with("kvbench", "counter", kv_grant("", config::KvMode::read), &kv);
  ASSERT_TRUE(bench);
  EXPECT_EQ(*bench->call_string("get10", ""), "50000");        // ten reads into 32-byte buffers
  EXPECT_EQ(*bench->call_string("get10_batch", ""), "50000");  // the same in one call
  auto counter = load_with("counter", "counter", kv_grant("", config::KvMode::read), &kv);
  ASSERT_TRUE(counter);
  EXPECT_EQ(*counter->call_string("get", ""), long_value);  // malloc'd, read again at full size
}

}  // namespace
}  // namespace hookd
