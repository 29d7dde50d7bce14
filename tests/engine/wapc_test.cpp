// waPC plugins, built from source with the waPC AssemblyScript guest
// (examples/assemblyscript/wapc, tests/plugins/as/wapc) and against the raw imports (wapc_raw.c): the
// __guest_call protocol, faults that leave the worker serving, and
// __host_call reaching host functions. The real built-in host functions and
// their grants are in tests/grants/wapc_grants_test.cpp; here they are fakes
// that speak the same wire format.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <mutex>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::plugin_path;

std::vector<FunctionInfo> declare(std::initializer_list<const char*> names) {
  std::vector<FunctionInfo> out;
  for (const char* n : names) out.push_back(FunctionInfo{n});
  return out;
}

Result<Plugin> load(std::string_view file, std::initializer_list<const char*> functions,
                    PluginOptions options = {}) {
  options.declared_functions = declare(functions);
  auto plugin = Plugin::load_file(plugin_path(file), std::move(options));
  EXPECT_TRUE(plugin) << file << ": " << (plugin ? "" : plugin.error().describe());
  return plugin;
}

void expect_ok(Plugin& plugin) {
  auto ok = plugin.call_string("ok", "");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(*ok, "ok");
}

const std::string kInput64 = "The quick brown fox jumps over the lazy dog; pack my box with fi";

TEST(Wapc, EchoAnswersItsPayloadAndIsDetectedAsWapc) {
  auto plugin = load("as_wapc_echo", {"echo"});
  ASSERT_TRUE(plugin);
  EXPECT_EQ(plugin->module().abi(), engine::Abi::kWapc);
  ASSERT_EQ(kInput64.size(), 64u);
  for (const std::string& in : {kInput64, std::string("x"), std::string(), std::string(100000, 'z')}) {
    auto out = plugin->call_string("echo", in);
    ASSERT_TRUE(out) << out.error().describe();
    EXPECT_EQ(*out, in);
  }
  EXPECT_EQ(plugin->replacements(), 0u);
}

TEST(Wapc, CountVowelsAnswersJson) {
  auto plugin = load("as_wapc_count_vowels", {"count_vowels"});
  ASSERT_TRUE(plugin);
  EXPECT_EQ(*plugin->call_string("count_vowels", kInput64), R"({"count":15,"vowels":"aeiouAEIOU"})");
  EXPECT_EQ(*plugin->call_string("count_vowels", "Hello, World!"), R"({"count":3,"vowels":"aeiouAEIOU"})");
}

// The guest registers its operations in _start (as_wapc_echo) or wapc_init
// (as_wapc_host): both run at load, or no operation would be found.
TEST(Wapc, StartAndWapcInitRunAtLoad) {
  auto echo = load("as_wapc_echo", {"echo"});
  ASSERT_TRUE(echo);
  EXPECT_TRUE(echo->call_string("echo", "a"));
  auto host = load("as_wapc_host", {"log"});
  ASSERT_TRUE(host);
  auto out = host->call_string("log", "hi");
  EXPECT_TRUE(out) << out.error().describe();
}

TEST(Wapc, LoadNeedsTheOperationsDeclared) {
  auto plugin = Plugin::load_file(plugin_path("as_wapc_echo"));
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, ErrorKind::kInvalidModule);
  EXPECT_NE(plugin.error().message.find("declare them in the plugin's settings"), std::string::npos)
      << plugin.error().message;
}

TEST(Wapc, DeclaredFunctionsAreThePluginsFunctions) {
  auto plugin = load("as_wapc_fail", {"fail", "ok", "missing"});
  ASSERT_TRUE(plugin);
  ASSERT_EQ(plugin->functions().size(), 3u);
  EXPECT_EQ(plugin->functions()[0].name, "fail");
  EXPECT_EQ(plugin->functions()[2].name, "missing");
  // Not declared: the engine does not know it.
  auto out = plugin->call_string("echo", "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kNotFound);
}

TEST(Wapc, AnOperationTheGuestLacksIsTheGuestsError) {
  auto plugin = load("as_wapc_fail", {"missing", "ok"});
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("missing", "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(out.error().message, "Could not find function \"missing\"");
  expect_ok(*plugin);
  EXPECT_EQ(plugin->replacements(), 0u);
}

TEST(Wapc, GuestErrorIsAPluginErrorAndTheInstanceStays) {
  auto plugin = load("as_wapc_fail", {"fail", "ok"});
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("fail", "bad input");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(out.error().message, "failed on purpose: bad input");
  EXPECT_EQ(out.error().status, 0);
  expect_ok(*plugin);
  EXPECT_EQ(plugin->replacements(), 0u);
}

struct FaultCase {
  const char* fn;
  ErrorKind kind;
  const char* message;
};

class WapcFaults : public ::testing::TestWithParam<FaultCase> {};

// Traps, the deadline and the memory cap end the call with an error, the
// instance is replaced and the next call is served.
TEST_P(WapcFaults, EndTheCallAndTheNextCallIsServed) {
  const FaultCase& c = GetParam();
  PluginOptions options;
  options.limits.deadline = std::chrono::milliseconds(200);
  options.limits.max_memory_pages = 64;  // 4 MiB
  auto plugin = load("as_wapc_trap", {"unreachable", "throw", "hog", "loop", "ok"}, options);
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string(c.fn, "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, c.kind) << out.error().describe();
  EXPECT_NE(out.error().message.find(c.message), std::string::npos) << out.error().message;
  EXPECT_LE(plugin->memory_size(), 64u * 65536);
  expect_ok(*plugin);
  EXPECT_EQ(plugin->replacements(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    AssemblyScript, WapcFaults,
    ::testing::Values(FaultCase{"unreachable", ErrorKind::kTrap, "unreachable"},
                      // The guest's abort handler reports through __guest_error, then traps.
                      FaultCase{"throw", ErrorKind::kTrap, "(guest error: thrown on purpose"},
                      FaultCase{"hog", ErrorKind::kTrap, "unreachable"},
                      FaultCase{"loop", ErrorKind::kTimeout, ""}),
    [](const auto& info) { return std::string(info.param.fn); });

// Every pointer and length the guest hands the host is checked: a bad one
// traps the call with a message naming the import, never the host.
class WapcBadPointers : public ::testing::TestWithParam<FaultCase> {};

TEST_P(WapcBadPointers, TrapTheCallNamingTheImport) {
  const FaultCase& c = GetParam();
  PluginOptions options;
  options.host_functions.push_back(HostFunction{
      "relay",
      [](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
        out.assign(in.begin(), in.end());
        return {};
      }});
  auto plugin = load("wapc_raw", {"echo", c.fn}, options);
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string(c.fn, "payload");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, c.kind);
  EXPECT_NE(out.error().message.find(c.message), std::string::npos) << out.error().message;
  auto echo = plugin->call_string("echo", "still here");
  ASSERT_TRUE(echo) << echo.error().describe();
  EXPECT_EQ(*echo, "still here");
}

INSTANTIATE_TEST_SUITE_P(
    Raw, WapcBadPointers,
    ::testing::Values(
        FaultCase{"bad_request", ErrorKind::kTrap, "wapc.__guest_request: operation buffer out of bounds"},
        FaultCase{"bad_response", ErrorKind::kTrap, "wapc.__guest_response: response out of bounds"},
        FaultCase{"huge_response", ErrorKind::kTrap, "wapc.__guest_response: response out of bounds"},
        FaultCase{"bad_error", ErrorKind::kTrap, "wapc.__guest_error: message out of bounds"},
        FaultCase{"bad_host_call", ErrorKind::kTrap, "wapc.__host_call: namespace out of bounds"},
        FaultCase{"bad_host_response", ErrorKind::kTrap, "wapc.__host_response: destination out of bounds"},
        FaultCase{"bad_log", ErrorKind::kTrap, "wapc.__console_log: message out of bounds"}),
    [](const auto& info) { return std::string(info.param.fn); });

TEST(Wapc, SuccessWithoutAResponseIsEmptyAndFailureWithoutAMessageIsNamed) {
  auto plugin = load("wapc_raw", {"silent_ok", "silent_error"});
  ASSERT_TRUE(plugin);
  auto ok = plugin->call_string("silent_ok", "abc");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(*ok, "");
  auto err = plugin->call_string("silent_error", "abc");
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(err.error().message, "waPC operation silent_error failed");
}

// Fakes of hookd's KV host functions, speaking their host_call wire format
// (docs/abi.md), with the grant check the real ones make.
struct FakeKv {
  std::map<std::string, std::string> values;
  bool granted = true;

  static std::string text(std::span<const uint8_t> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  Result<void> check() const {
    if (!granted) return engine::fail(ErrorKind::kHostError, "kv is not granted to plugin p");
    return {};
  }

  void install(PluginOptions& options) {
    auto add = [&options](const char* name, engine::HostFunctionImpl fn) {
      options.host_functions.push_back(HostFunction{name, std::move(fn)});
    };
    add("hookd.kv.get",
        [this](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
          if (auto r = check(); !r) return r;
          auto it = values.find(text(in));
          out.assign(1, it == values.end() ? 0 : 1);
          if (it != values.end()) out.insert(out.end(), it->second.begin(), it->second.end());
          return {};
        });
    add("hookd.kv.set",
        [this](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
          if (auto r = check(); !r) return r;
          uint32_t n = 0;
          if (in.size() < 4) return engine::fail(ErrorKind::kHostError, "short");
          std::memcpy(&n, in.data(), 4);
          if (in.size() < 4 + n + 8) return engine::fail(ErrorKind::kHostError, "short");
          values[text(in.subspan(4, n))] = text(in.subspan(4 + n + 8));
          out.clear();
          return {};
        });
    add("hookd.kv.delete",
        [this](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
          if (auto r = check(); !r) return r;
          out.assign(1, values.erase(text(in)) ? 1 : 0);
          return {};
        });
    add("hookd.kv.incr",
        [this](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
          if (auto r = check(); !r) return r;
          int64_t delta = 0;
          if (in.size() < 8) return engine::fail(ErrorKind::kHostError, "short");
          std::memcpy(&delta, in.data(), 8);
          std::string& v = values[text(in.subspan(8))];
          const int64_t now = (v.empty() ? 0 : std::stoll(v)) + delta;
          v = std::to_string(now);
          out.resize(8);
          std::memcpy(out.data(), &now, 8);
          return {};
        });
  }
};

const std::initializer_list<const char*> kHostOps = {"get",    "set",   "delete", "incr",
                                                     "config", "fetch", "call",   "log"};

TEST(WapcHostCalls, KvSetGetIncrDeleteThroughTheHostFunctions) {
  FakeKv kv;
  PluginOptions options;
  kv.install(options);
  auto plugin = load("as_wapc_host", kHostOps, options);
  ASSERT_TRUE(plugin);
  auto set = plugin->call_string("set", "colour=blue");
  ASSERT_TRUE(set) << set.error().describe();
  EXPECT_EQ(*set, "");
  EXPECT_EQ(kv.values["colour"], "blue");
  EXPECT_EQ(*plugin->call_string("get", "colour"), "blue");
  // kv/incr answers the new value as a msgpack integer.
  EXPECT_EQ(*plugin->call_string("incr", "n=5"), "\x05");
  EXPECT_EQ(*plugin->call_string("incr", "n=-7"), std::string("\xfe", 1));
  // kv/delete answers whether the key existed, as a msgpack boolean.
  EXPECT_EQ(*plugin->call_string("delete", "colour"), "\xc3");
  EXPECT_EQ(*plugin->call_string("delete", "colour"), "\xc2");
  auto missing = plugin->call_string("get", "colour");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(missing.error().message, "host: kv/get: not found");
  EXPECT_EQ(plugin->replacements(), 0u);
}

TEST(WapcHostCalls, WithoutTheGrantTheGuestGetsTheHostsError) {
  FakeKv kv;
  kv.granted = false;
  PluginOptions options;
  kv.install(options);
  auto plugin = load("as_wapc_host", kHostOps, options);
  ASSERT_TRUE(plugin);
  for (const char* op : {"get", "set", "incr", "delete"}) {
    auto out = plugin->call_string(op, "k=1");
    ASSERT_FALSE(out) << op;
    EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
    EXPECT_EQ(out.error().message, "host: kv is not granted to plugin p") << op;
  }
  EXPECT_TRUE(kv.values.empty());
  EXPECT_EQ(plugin->replacements(), 0u);
}

TEST(WapcHostCalls, HostFunctionsTheEmbedderDidNotLendAreErrors) {
  auto plugin = load("as_wapc_host", kHostOps);
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("get", "k");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "host: hookd.kv.get is not available to this plugin");
  auto unknown = plugin->call_string("call", "mail/send/x");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown waPC host call mail/send"), std::string::npos)
      << unknown.error().message;
}

TEST(WapcHostCalls, MalformedMsgpackPayloadsAreErrorsForTheGuest) {
  FakeKv kv;
  PluginOptions options;
  kv.install(options);
  auto plugin = load("as_wapc_host", kHostOps, options);
  ASSERT_TRUE(plugin);
  for (std::string body :
       {std::string("not msgpack"), std::string("\x81\xa3key", 5), std::string("\x81\xa3key\x01", 6),
        std::string("\xdf\xff\xff\xff\xff", 5), std::string("\x82\xa3key\xa1k", 6)}) {
    auto out = plugin->call_string("call", "kv/set/" + body);
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().message.find("kv/set: payload must be a msgpack map"), std::string::npos)
        << out.error().message;
  }
  EXPECT_TRUE(kv.values.empty());
  // A well-formed map with an extra field and a ttl is fine.
  std::string good =
      "\x84\xa3key\xa1k\xa5value\xa1v\xa6ttl_ms\x0a\xa5"
      "extra\x92\x01\xc0";
  auto out = plugin->call_string("call", "kv/set/" + good);
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(kv.values["k"], "v");
  EXPECT_EQ(plugin->replacements(), 0u);
}

// Namespace "hookd" reaches any host function by name in its host_call form,
// the embedder's own included.
TEST(WapcHostCalls, TheHookdNamespaceReachesEmbedderHostFunctions) {
  PluginOptions options;
  options.host_functions.push_back(HostFunction{
      "reverse",
      [](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
        out.assign(in.rbegin(), in.rend());
        return {};
      }});
  auto plugin = load("as_wapc_host", kHostOps, options);
  ASSERT_TRUE(plugin);
  EXPECT_EQ(*plugin->call_string("call", "hookd/reverse/abc"), "cba");
}

TEST(WapcHostCalls, ResponseAndErrorLengthsAreWhatTheGuestReads) {
  PluginOptions options;
  options.host_functions.push_back(HostFunction{
      "relay",
      [](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
        out.assign(in.begin(), in.end());
        return {};
      }});
  auto plugin = load("wapc_raw", {"host_lens"}, options);
  ASSERT_TRUE(plugin);
  EXPECT_EQ(*plugin->call_string("host_lens", "hookd/relay/12345"), "1 5 0");
  const std::string not_lent = "hookd.missing is not available to this plugin";
  EXPECT_EQ(*plugin->call_string("host_lens", "hookd/hookd.missing/x"),
            "0 0 " + std::to_string(not_lent.size()));
}

TEST(WapcHostCalls, ConsoleLogReachesThePluginLogger) {
  std::mutex mu;
  std::vector<std::pair<LogLevel, std::string>> lines;
  PluginOptions options;
  options.name = "chatty";
  options.logger = [&](LogLevel level, std::string_view plugin, const CallContext& ctx,
                       std::string_view msg) {
    std::lock_guard lock(mu);
    lines.emplace_back(level,
                       std::string(plugin) + "|" + std::string(ctx.request_id) + "|" + std::string(msg));
  };
  auto plugin = load("as_wapc_host", kHostOps, options);
  ASSERT_TRUE(plugin);
  auto out = plugin->call(std::string_view("log"), test::bytes("hello from waPC"), CallContext{"req-7"});
  ASSERT_TRUE(out) << out.error().describe();
  std::lock_guard lock(mu);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].first, LogLevel::kInfo);
  EXPECT_EQ(lines[0].second, "chatty|req-7|hello from waPC");
}

}  // namespace
}  // namespace hookd
