// wasi:http components as plugins: PluginModule::load recognises one, and a
// PluginInstance serves HTTP requests with it through hookd's WASI host,
// with the request and the response sink of the call. Real components built
// from source by the build: echo (hand-written, reusable) and hello
// (componentize-js: one request per instance).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "hookd/engine/http_exchange.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/engine/read_file.hpp"
#include "hookd/engine/vm.hpp"
#include "rss.hpp"

namespace hookd::engine {
namespace {

using namespace std::chrono_literals;

std::vector<uint8_t> component_bytes(const std::string& name) {
  auto bytes = read_file(std::string(HOOKD_COMPONENT_DIR) + "/" + name + ".wasm");
  EXPECT_TRUE(bytes) << bytes.error().describe();
  return bytes ? *bytes : std::vector<uint8_t>();
}

struct Served {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  [[nodiscard]] std::vector<std::string> header(std::string_view name) const {
    std::vector<std::string> values;
    for (const auto& [n, v] : headers) {
      if (header_name_equal(n, name)) values.push_back(v);
    }
    return values;
  }
};

// One request through the instance, as the gateway makes it.
Result<Served> serve(PluginInstance& inst, std::string_view method, std::string_view target,
                     std::vector<HeaderField> fields = {}, std::string_view body = {}) {
  const HeaderList headers(fields);
  const RequestView request{
      .method = method, .target = target, .client_address = "127.0.0.1", .headers = &headers};
  ResponseSink sink;
  CallContext ctx{"test-request"};
  ctx.request = &request;
  ctx.response = &sink;
  const std::span<const uint8_t> input(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  auto out = inst.call("handle", input, ctx);
  if (!out) return std::unexpected(out.error());
  Served s{.status = sink.status(), .headers = {}, .body = std::string(out->begin(), out->end())};
  for (const auto h : sink.headers()) s.headers.emplace_back(h.name, h.value);
  return s;
}

class ComponentPlugin : public ::testing::Test {
 protected:
  std::unique_ptr<Vm> vm = create_v8_vm();
  std::unique_ptr<Worker> worker = vm->create_worker();

  static PluginOptions options() {
    PluginOptions o;
    o.limits.deadline = 10s;  // a 13 MB componentize-js start on a loaded machine
    return o;
  }
  Result<std::shared_ptr<const PluginModule>> load(const std::string& name, PluginOptions o = options()) {
    o.name = name;
    return PluginModule::load(*vm, *worker, component_bytes(name), std::move(o));
  }
  std::unique_ptr<PluginInstance> instance(const std::shared_ptr<const PluginModule>& module) {
    auto inst = PluginInstance::create(*worker, module);
    EXPECT_TRUE(inst) << inst.error().describe();
    return inst ? std::move(*inst) : nullptr;
  }
};

TEST_F(ComponentPlugin, LoadsAsAWasiHttpPluginWithOneFunction) {
  auto module = load("echo");
  ASSERT_TRUE(module) << module.error().describe();
  EXPECT_EQ((*module)->abi(), Abi::kWasiHttp);
  EXPECT_EQ(abi_name((*module)->abi()), "wasi-http");
  EXPECT_TRUE((*module)->is_component());
  ASSERT_EQ((*module)->functions().size(), 1u);
  EXPECT_EQ((*module)->functions()[0].name, "handle");
  EXPECT_EQ((*module)->size_bytes(), component_bytes("echo").size());
  EXPECT_EQ((*module)->sha256().size(), 64u);
}

TEST_F(ComponentPlugin, ServesRequestsFromOneInstanceWhenTheComponentAllowsIt) {
  auto module = load("echo");
  ASSERT_TRUE(module) << module.error().describe();
  auto inst = instance(*module);
  ASSERT_TRUE(inst);
  for (const std::string target : {"/a/b?c=d&e=%20", "/post", "/"}) {
    auto r = serve(*inst, "GET", target);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, target + "\n");
    EXPECT_EQ(r->header("content-type"), std::vector<std::string>{"text/plain"});
    EXPECT_FALSE(inst->poisoned()) << "echo is reused across requests";
  }
  EXPECT_EQ(inst->replacements(), 0u);
  EXPECT_GT(inst->memory_size(), 0u);
}

TEST_F(ComponentPlugin, AOneRequestComponentTakesAFreshInstanceForEachRequest) {
  auto module = load("hello");
  ASSERT_TRUE(module) << module.error().describe();
  auto inst = instance(*module);
  ASSERT_TRUE(inst);
  for (const std::string name : {"Ada", "Grace", "Edsger"}) {
    auto r = serve(*inst, "GET", "/hello?name=" + name, {{"x-greeting", "hi"}});
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("content-type"), std::vector<std::string>{"application/json"});
    EXPECT_EQ(r->header("set-cookie"),
              (std::vector<std::string>{"visited=1; Path=/", "name=" + name + "; Path=/"}));
    EXPECT_TRUE(r->header("content-length").empty()) << "the server frames the body";
    EXPECT_NE(r->body.find("\"greeting\":\"hi, " + name + "\""), std::string::npos) << r->body;
    // Served: the instance must be replaced before the next request, which
    // the embedder does off the request path.
    EXPECT_TRUE(inst->poisoned());
    ASSERT_TRUE(inst->recover());
    EXPECT_FALSE(inst->poisoned());
  }
  // The next call replaces a spent instance itself when nobody recovered it.
  ASSERT_TRUE(serve(*inst, "GET", "/hello?name=x"));
  auto again = serve(*inst, "GET", "/hello?name=y");
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_NE(again->body.find("\"name\":\"y\""), std::string::npos) << again->body;
  EXPECT_EQ(inst->replacements(), 0u) << "a fresh instance after a served request is not a fault";
}

// A replaced version's instances give their memory back: a worker collects
// once 32 MiB of destroyed instances' linear memory wait, instead of when
// its engine happens to (a worker that runs only wasm never did, and every
// replace of hello kept its three instances' 9 MiB memories mapped).
TEST_F(ComponentPlugin, AReplacedVersionsInstancesGiveTheirMemoryBack) {
  constexpr int kReplaces = 6;
  std::unique_ptr<Worker> second = vm->create_worker();
  std::shared_ptr<const PluginModule> serving;
  std::vector<std::unique_ptr<PluginInstance>> instances;
  auto replace = [&] {
    auto module = load("hello");  // its probe instance runs on `worker`
    ASSERT_TRUE(module) << module.error().describe();
    std::vector<std::unique_ptr<PluginInstance>> next;
    for (Worker* w : {worker.get(), second.get()}) {
      auto inst = PluginInstance::create(*w, *module);
      ASSERT_TRUE(inst) << inst.error().describe();
      ASSERT_TRUE(serve(**inst, "GET", "/hello?name=x", {{"host", "h"}}));
      next.push_back(std::move(*inst));
    }
    instances = std::move(next);  // the old version's instances go
    serving = std::move(*module);
  };
  replace();
  const uint64_t before = test::rss::sample().memories;
  for (int i = 0; i < kReplaces; ++i) replace();
  const uint64_t after = test::rss::sample().memories;
  // Three memories a replace (the probe's and one per worker), 18, if none
  // were unmapped; at most three 9 MiB memories per worker wait for its
  // next collection.
  EXPECT_LE(after - std::min(after, before), uint64_t{6})
      << before << " wasm memories mapped before " << kReplaces << " replaces, " << after << " after";
}

// `component` with a custom section holding `n` appended to each of its core
// modules: other bytes, so the engine compiles them anew, as it does a new
// version of a plugin.
std::vector<uint8_t> recompiled_copy(const std::vector<uint8_t>& component, uint32_t n) {
  auto read_leb = [&](size_t& at) {
    uint32_t v = 0;
    for (int shift = 0; at < component.size(); shift += 7) {
      const uint8_t b = component[at++];
      v |= static_cast<uint32_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    return v;
  };
  auto put_leb = [](std::vector<uint8_t>& out, uint32_t v) {
    do {
      const uint8_t b = v & 0x7f;
      v >>= 7;
      out.push_back(static_cast<uint8_t>(b | (v != 0 ? 0x80 : 0)));
    } while (v != 0);
  };
  const std::string name = "hookd-test";
  std::vector<uint8_t> custom = {0x00};  // a custom section: its name, then `n`
  put_leb(custom, static_cast<uint32_t>(1 + name.size() + 4));
  custom.push_back(static_cast<uint8_t>(name.size()));
  custom.insert(custom.end(), name.begin(), name.end());
  for (int i = 0; i < 4; ++i) custom.push_back(static_cast<uint8_t>(n >> (8 * i)));
  std::vector<uint8_t> out(component.begin(), component.begin() + 8);
  for (size_t at = 8; at < component.size();) {
    const uint8_t id = component[at++];
    const uint32_t size = read_leb(at);
    out.push_back(id);
    const bool core_module = id == 1;
    put_leb(out, size + (core_module ? static_cast<uint32_t>(custom.size()) : 0));
    out.insert(out.end(), component.begin() + static_cast<std::ptrdiff_t>(at),
               component.begin() + static_cast<std::ptrdiff_t>(at + size));
    if (core_module) out.insert(out.end(), custom.begin(), custom.end());
    at += size;
  }
  return out;
}

// A dropped version's compiled code is given back: each version of hello
// (other bytes each time) compiles to about 70 MiB of code, which the
// engine's compile step kept alive until a collection that never came.
TEST_F(ComponentPlugin, ADroppedVersionsCompiledCodeIsGivenBack) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "resident memory means little under ASan, whose quarantine keeps freed heap blocks";
#endif
  constexpr uint32_t kVersions = 4;
  const std::vector<uint8_t> hello = component_bytes("hello");
  auto load_version = [&](uint32_t n) {
    PluginOptions o = options();
    o.name = "hello";
    auto module = PluginModule::load(*vm, *worker, recompiled_copy(hello, n), std::move(o));
    ASSERT_TRUE(module) << module.error().describe();
    auto inst = PluginInstance::create(*worker, *module);
    ASSERT_TRUE(inst) << inst.error().describe();
    ASSERT_TRUE(serve(**inst, "GET", "/hello?name=x", {{"host", "h"}}));
  };  // the version, its instance and its module go here
  load_version(0);
  const uint64_t before = test::rss::sample().resident;
  for (uint32_t n = 1; n <= kVersions; ++n) load_version(n);
  const uint64_t after = test::rss::sample().resident;
  const uint64_t grown = after - std::min(after, before);
  // About 70 MiB a version when the code stays; a version's worth at most
  // when it goes (collections and the allocator keep some).
  EXPECT_LT(grown, uint64_t{100} << 20)
      << "resident memory grew " << (grown >> 20) << " MiB over " << kVersions << " versions";
}

TEST_F(ComponentPlugin, TheMemoryCapAppliesToTheComponentsModules) {
  PluginOptions o = options();
  o.limits.max_memory_pages = 16;  // hello's StarlingMonkey module declares 145
  auto module = load("hello", std::move(o));
  ASSERT_FALSE(module);
  EXPECT_NE(module.error().describe().find("memory"), std::string::npos) << module.error().describe();
}

TEST_F(ComponentPlugin, FormatsAreRefusedForAComponent) {
  PluginOptions options;
  options.function_formats = {
      FunctionInfo{.name = "handle", .input = Format::kJson, .output = Format::kJson}};
  auto module = load("echo", std::move(options));
  ASSERT_FALSE(module);
  EXPECT_EQ(module.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(module.error().message.find("formats do not apply"), std::string::npos) << module.error().message;
}

TEST_F(ComponentPlugin, AComponentOutsideTheProxyWorldIsRefusedAtLoad) {
  auto module = load("greet");
  ASSERT_FALSE(module);
  EXPECT_EQ(module.error().kind, ErrorKind::kInvalidModule);
  EXPECT_NE(module.error().message.find("does not export wasi:http/incoming-handler"), std::string::npos)
      << module.error().message;
}

TEST_F(ComponentPlugin, TruncatedComponentsAreRefusedAtLoad) {
  const std::vector<uint8_t> whole = component_bytes("echo");
  for (size_t keep : {size_t{8}, size_t{9}, whole.size() / 3, whole.size() / 2, whole.size() - 1}) {
    PluginOptions o = options();
    o.name = "cut";
    auto module = PluginModule::load(*vm, *worker, std::span(whole).first(keep), std::move(o));
    ASSERT_FALSE(module) << "kept " << keep << " bytes";
    EXPECT_EQ(module.error().kind, ErrorKind::kInvalidModule) << module.error().describe();
  }
}

TEST_F(ComponentPlugin, AHandlerPastItsDeadlineTimesOutAndTheNextRequestGetsAFreshInstance) {
  PluginOptions o = options();
  o.limits.deadline = 200ms;
  auto module = load("echo", std::move(o));
  ASSERT_TRUE(module) << module.error().describe();
  auto inst = instance(*module);
  ASSERT_TRUE(inst);
  auto spun = serve(*inst, "GET", "/spin");  // loops forever
  ASSERT_FALSE(spun);
  EXPECT_EQ(spun.error().kind, ErrorKind::kTimeout) << spun.error().describe();
  EXPECT_TRUE(inst->poisoned());
  auto next = serve(*inst, "GET", "/after");
  ASSERT_TRUE(next) << next.error().describe();
  EXPECT_EQ(next->body, "/after\n");
  EXPECT_EQ(inst->replacements(), 1u);
}

TEST_F(ComponentPlugin, ATrapFailsTheCallAndTheNextRequestGetsAFreshInstance) {
  auto module = load("echo");
  ASSERT_TRUE(module) << module.error().describe();
  auto inst = instance(*module);
  ASSERT_TRUE(inst);
  auto trapped = serve(*inst, "GET", "/trap");
  ASSERT_FALSE(trapped);
  EXPECT_EQ(trapped.error().kind, ErrorKind::kTrap) << trapped.error().describe();
  auto next = serve(*inst, "GET", "/after");
  ASSERT_TRUE(next) << next.error().describe();
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(inst->replacements(), 1u);
}

TEST_F(ComponentPlugin, AHandlerThatSetsNoResponseIsThePluginsError) {
  auto module = load("echo");
  ASSERT_TRUE(module) << module.error().describe();
  auto inst = instance(*module);
  ASSERT_TRUE(inst);
  auto silent = serve(*inst, "GET", "/silent");
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().kind, ErrorKind::kPluginError) << silent.error().describe();
  EXPECT_EQ(silent.error().status, 500);
  EXPECT_NE(silent.error().message.find("set no response"), std::string::npos) << silent.error().message;
  EXPECT_FALSE(inst->poisoned()) << "the component answered badly, it did not fault";
  auto next = serve(*inst, "GET", "/after");
  ASSERT_TRUE(next) << next.error().describe();
  EXPECT_EQ(next->body, "/after\n");
  EXPECT_EQ(inst->replacements(), 0u);
}

TEST_F(ComponentPlugin, ACallWithoutAnHttpRequestStillGetsAnAnswer) {
  // hookd call from the CLI: no request view, no sink.
  auto module = load("echo");
  ASSERT_TRUE(module) << module.error().describe();
  auto inst = instance(*module);
  ASSERT_TRUE(inst);
  auto out = inst->call("handle", {});
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(std::string(out->begin(), out->end()), "/\n");
}

}  // namespace
}  // namespace hookd::engine
