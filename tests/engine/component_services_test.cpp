// The real componentize-js components that use hookd's services (kv.js,
// config.js, fetcher.js, tests/components) served by the component runtime
// with hookd's WASI host, whose services reach fakes of hookd.kv.*,
// hookd.config.get and hookd.fetch: what StarlingMonkey does with
// wasi:keyvalue, wasi:config and wasi:http/outgoing-handler reaches the
// host functions a core plugin calls, and their answers reach the script.
//
// The components are built with the rest of `all` (half a minute and
// 800 MB each), not for this test alone: a test whose component is not
// built is skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "component/component_instance.hpp"
#include "component/component_plan.hpp"
#include "component/wasi/wasi_host.hpp"
#include "hookd/engine/http_exchange.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/engine/read_file.hpp"
#include "hookd/engine/vm.hpp"

namespace hookd::engine::component {
namespace {

using namespace std::chrono_literals;
using canonical::Value;
using Bytes = std::span<const uint8_t>;
using Out = std::vector<uint8_t>;

constexpr auto kTimeout = 10s;
constexpr std::string_view kHandle = "wasi:http/incoming-handler@0.2.10#handle";

void put_u32(Out& o, uint32_t v) {
  for (int i = 0; i < 4; ++i) o.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_str(Out& o, std::string_view s) {
  put_u32(o, static_cast<uint32_t>(s.size()));
  o.insert(o.end(), s.begin(), s.end());
}
std::string take_str(Bytes in, size_t& at) {
  uint32_t n = 0;
  for (int i = 0; i < 4 && at + i < in.size(); ++i) n |= static_cast<uint32_t>(in[at + i]) << (8 * i);
  at += 4;
  std::string s(reinterpret_cast<const char*>(in.data()) + std::min(at, in.size()),
                std::min<size_t>(n, in.size() - std::min(at, in.size())));
  at += n;
  return s;
}

struct Answer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// What the fake hookd.fetch was asked.
struct SeenFetch {
  std::string method, url, body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class ComponentServices : public ::testing::Test {
 protected:
  ComponentServices() {
    wasi::WasiOptions options;
    options.host_function = [this](std::string_view name) -> const hookd::engine::HostFunction* {
      auto it = fns.find(std::string(name));
      return it == fns.end() ? nullptr : &it->second;
    };
    auto made = wasi::WasiHost::create(std::move(options));
    EXPECT_TRUE(made) << made.error().describe();
    host = std::move(*made);
  }

  // The component's plan, or null (and the test skipped) when it is not built.
  std::shared_ptr<const ComponentPlan> load(const std::string& name) {
    auto bytes = read_file(std::string(HOOKD_COMPONENT_DIR) + "/" + name + ".wasm");
    if (!bytes) return nullptr;
    auto plan = load_component(*vm, *bytes, *host);
    EXPECT_TRUE(plan) << plan.error().describe();
    return plan ? *plan : nullptr;
  }

  // One request on a fresh instance (a componentize-js component answers
  // once per instance), the way the gateway serves it.
  Result<Answer> serve(const std::shared_ptr<const ComponentPlan>& plan, std::string_view method,
                       std::string_view target, std::string_view body = {}) {
    auto inst = ComponentInstance::create(plan, *worker, *host, kTimeout);
    if (!inst) return std::unexpected(inst.error());
    auto& st = static_cast<wasi::WasiState&>((*inst)->host_state());
    const std::vector<HeaderField> fields = {{"host", "hookd.test"}};
    const HeaderList headers(fields);
    RequestView view{.method = method, .target = target, .client_address = "10.0.0.1", .headers = &headers};
    ResponseSink sink;
    CallContext ctx{.request_id = "r-1",
                    .deadline = std::chrono::steady_clock::now() + kTimeout,
                    .max_result_bytes = 64u << 20,
                    .request = &view,
                    .response = &sink};
    st.begin_call(ctx);
    auto args = st.begin_request({reinterpret_cast<const uint8_t*>(body.data()), body.size()});
    if (!args) {
      st.end_call();
      return std::unexpected(args.error());
    }
    auto out = (*inst)->call(
        kHandle, std::vector<Value>{Value::handle(args->request), Value::handle(args->response_out)},
        kTimeout);
    if (!out) {
      st.end_call();
      return std::unexpected(out.error());
    }
    auto response = st.take_response(&sink);
    Answer a;
    if (response) {
      a.status = sink.status();
      for (const auto h : sink.headers()) a.headers.emplace_back(h.name, h.value);
      a.body.assign(reinterpret_cast<const char*>(response->data()), response->size());
    } else {
      a.status = response.error().status;
      a.body = response.error().message;
    }
    st.end_call();
    return a;
  }

  std::unique_ptr<Vm> vm = create_v8_vm();
  std::unique_ptr<Worker> worker = vm->create_worker();
  std::map<std::string, hookd::engine::HostFunction> fns;
  std::unique_ptr<wasi::WasiHost> host;
};

TEST_F(ComponentServices, KvCountsInThePluginsNamespaceThroughHookdKv) {
  std::map<std::string, std::string> kv;
  bool granted = true;
  const auto guard = [&granted]() -> Result<void> {
    if (!granted) return fail(ErrorKind::kHostError, "kv is not granted to plugin kv");
    return {};
  };
  fns["hookd.kv.get"] = {"hookd.kv.get", [&](const CallContext&, Bytes in, Out& out) -> Result<void> {
                           if (auto ok = guard(); !ok) return ok;
                           auto it = kv.find(std::string(in.begin(), in.end()));
                           out.assign(1, it == kv.end() ? 0 : 1);
                           if (it != kv.end()) out.insert(out.end(), it->second.begin(), it->second.end());
                           return {};
                         }};
  fns["hookd.kv.set"] = {"hookd.kv.set", [&](const CallContext&, Bytes in, Out& out) -> Result<void> {
                           if (auto ok = guard(); !ok) return ok;
                           size_t at = 0;
                           const std::string key = take_str(in, at);
                           at += 8;  // the TTL
                           kv[key] = std::string(in.begin() + static_cast<ptrdiff_t>(std::min(at, in.size())),
                                                 in.end());
                           out.clear();
                           return {};
                         }};
  auto plan = load("kv");
  if (!plan) GTEST_SKIP() << "kv.wasm is not built";

  const std::vector<std::tuple<std::string, std::string, std::string>> steps = {
      {"GET", "/count/visits", R"({"key":"visits","value":0})"},
      {"POST", "/count/visits", R"({"key":"visits","value":1})"},
      {"POST", "/count/visits", R"({"key":"visits","value":2})"},
      {"GET", "/count/visits", R"({"key":"visits","value":2})"},
      {"GET", "/count/other", R"({"key":"other","value":0})"},
  };
  for (const auto& [method, target, json] : steps) {
    auto a = serve(plan, method, target);
    ASSERT_TRUE(a) << a.error().describe();
    EXPECT_EQ(a->status, 200) << method << " " << target << ": " << a->body;
    EXPECT_EQ(a->body, json) << method << " " << target;
  }
  // kv.js opens the bucket "counters": its keys live under "counters/".
  EXPECT_EQ(kv, (std::map<std::string, std::string>{{"counters/visits", "2"}}));

  // A refused grant reaches the script as an error; the call still answers.
  granted = false;
  auto refused = serve(plan, "POST", "/count/visits");
  ASSERT_TRUE(refused) << refused.error().describe();
  EXPECT_NE(refused->status, 200) << refused->body;
  EXPECT_EQ(kv["counters/visits"], "2");
}

TEST_F(ComponentServices, ConfigReadsValuesThroughHookdConfigGet) {
  const std::map<std::string, std::string> config = {{"greeting", "hello from config"},
                                                     {"unicode",
                                                      "gr\xC3\xBC\xC3\x9F"
                                                      "e \xE2\x9C\x93"}};
  fns["hookd.config.get"] = {"hookd.config.get", [&](const CallContext&, Bytes in, Out& out) -> Result<void> {
                               auto it = config.find(std::string(in.begin(), in.end()));
                               out.assign(1, it == config.end() ? 0 : 1);
                               if (it != config.end())
                                 out.insert(out.end(), it->second.begin(), it->second.end());
                               return {};
                             }};
  fns["hookd.config.list"] = {"hookd.config.list", [&](const CallContext&, Bytes, Out& out) -> Result<void> {
                                out.clear();
                                put_u32(out, static_cast<uint32_t>(config.size()));
                                for (const auto& [name, value] : config) {
                                  put_str(out, name);
                                  put_str(out, value);
                                }
                                return {};
                              }};
  auto plan = load("config");
  if (!plan) GTEST_SKIP() << "config.wasm is not built";
  auto a = serve(plan, "GET", "/config/greeting");
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, R"({"key":"greeting","value":"hello from config"})");
  a = serve(plan, "GET", "/config/unicode");
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(a->body,
            "{\"key\":\"unicode\",\"value\":\"gr\xC3\xBC\xC3\x9F"
            "e \xE2\x9C\x93\"}");
  a = serve(plan, "GET", "/config/missing");
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(a->status, 404);
  // get-all: every pair, through hookd.config.list.
  a = serve(plan, "GET", "/config");
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(a->status, 200) << a->body;
  EXPECT_EQ(a->body,
            "{\"greeting\":\"hello from config\",\"unicode\":\"gr\xC3\xBC\xC3\x9F"
            "e \xE2\x9C\x93\"}");
}

TEST_F(ComponentServices, FetcherFetchesThroughHookdFetch) {
  std::vector<SeenFetch> seen;
  std::optional<std::string> refuse;
  fns["hookd.fetch"] = {"hookd.fetch", [&](const CallContext& ctx, Bytes in, Out& out) -> Result<void> {
                          EXPECT_EQ(ctx.request_id, "r-1");
                          size_t at = 0;
                          SeenFetch s;
                          s.method = take_str(in, at);
                          s.url = take_str(in, at);
                          uint32_t n = 0;
                          for (int i = 0; i < 4 && at + i < in.size(); ++i)
                            n |= static_cast<uint32_t>(in[at + i]) << (8 * i);
                          at += 4;
                          for (uint32_t i = 0; i < n; ++i) {
                            std::string name = take_str(in, at);
                            s.headers.emplace_back(std::move(name), take_str(in, at));
                          }
                          s.body = std::string(in.begin() + static_cast<ptrdiff_t>(std::min(at, in.size())),
                                               in.end());
                          seen.push_back(std::move(s));
                          if (refuse) return fail(ErrorKind::kHostError, *refuse);
                          out.clear();
                          put_u32(out, 200);
                          put_u32(out, 1);
                          put_str(out, "content-type");
                          put_str(out, "text/plain");
                          out.insert(out.end(), 1234, 'x');
                          return {};
                        }};
  auto plan = load("fetcher");
  if (!plan) GTEST_SKIP() << "fetcher.wasm is not built";

  auto a = serve(plan, "GET", "/fetch?url=http://upstream.test:8080/bytes/1234");
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(a->status, 200) << a->body;
  EXPECT_EQ(a->body, R"({"status":200,"length":1234,"contentType":"text/plain"})");
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].url, "http://upstream.test:8080/bytes/1234");
  EXPECT_NE(std::find(seen[0].headers.begin(), seen[0].headers.end(),
                      std::pair<std::string, std::string>("x-fetched-by", "fetcher")),
            seen[0].headers.end());
  EXPECT_TRUE(seen[0].body.empty());

  // The allowlist's refusal reaches the script as a failed fetch.
  refuse = "fetch: fetch of http://upstream.test:8080/ is not allowed for this plugin";
  a = serve(plan, "GET", "/fetch?url=http://upstream.test:8080/");
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(a->status, 502) << a->body;
  EXPECT_TRUE(a->body.starts_with(R"({"error":"fetch failed)")) << a->body;
  EXPECT_EQ(seen.size(), 2U);
}

}  // namespace
}  // namespace hookd::engine::component
