// The fixture of the WASI host tests: hookd's WASI 0.2 host
// (engine/src/component/wasi) called the way the component runtime calls it,
// through HostInterfaces, by import and function name, with canonical Values
// for arguments and results. WasiHostTest has no call open until begin();
// RequestTest opens one with a request and a response sink attached.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "component/wasi/wasi_host.hpp"
#include "hookd/engine/http_exchange.hpp"
#include "hookd/engine/plugin.hpp"
#include "wasi_host_calls.hpp"

namespace hookd::engine::component::wasi::host_test {

using canonical::Value;
using namespace std::chrono_literals;

inline Value bytes(std::string_view s) { return Value::bytes_owned(std::string(s)); }
inline std::string text(const Value& v) { return std::string(v.text()); }

class WasiHostTest : public ::testing::Test {
 protected:
  explicit WasiHostTest(WasiOptions options = {}) {
    options.stdout_sink = [this](std::string_view s) { out += s; };
    options.stderr_sink = [this](std::string_view s) { err += s; };
    if (!options.random) options.random = fixed_random({1, 2, 3});
    auto made = WasiHost::create(std::move(options));
    EXPECT_TRUE(made.has_value()) << (made ? "" : made.error().message);
    host = std::move(*made);
    state = host->make_state();
  }

  WasiState& st() { return static_cast<WasiState&>(*state); }

  // Calls `fn` of `import` (wasi_host_calls.hpp) in the call when one is open.
  Result<std::vector<Value>> call(std::string_view import, std::string_view fn,
                                  std::vector<Value> args = {}) {
    return test::call_host(*host, *state, in_call ? &ctx : nullptr, std::string(import), fn, std::move(args));
  }
  // The single result of a call that must succeed.
  Value one(std::string_view import, std::string_view fn, std::vector<Value> args = {}) {
    return test::call_host_one(*host, *state, in_call ? &ctx : nullptr, std::string(import), fn,
                               std::move(args));
  }
  Result<void> drop(std::string_view iface, std::string_view resource, uint32_t rep) {
    return test::drop_resource(*host, *state, std::string(iface), resource, rep);
  }

  void begin() {
    st().begin_call(ctx);
    in_call = true;
  }
  void end() {
    st().end_call();
    in_call = false;
  }

  uint32_t new_fields(std::vector<std::pair<std::string, std::string>> entries) {
    std::vector<Value> list;
    for (auto& [n, v] : entries) list.push_back(Value::tuple({Value::string(n), bytes(v)}));
    Value r = one("http/types", "[static]fields.from-list", {Value::list(std::move(list))});
    EXPECT_EQ(r.case_index(), 0U);
    return r.payload() ? r.payload()->handle_rep() : 0;
  }
  std::vector<std::string> get(uint32_t fields, std::string_view name) {
    std::vector<std::string> out;
    const Value values =
        one("http/types", "[method]fields.get", {Value::handle(fields), Value::string(std::string(name))});
    for (const Value& v : values.items()) {
      out.emplace_back(v.text());
    }
    return out;
  }

  std::unique_ptr<WasiHost> host;
  std::unique_ptr<HostState> state;
  CallContext ctx;
  bool in_call = false;
  std::string out, err;
};

class RequestTest : public WasiHostTest {
 protected:
  RequestTest() {
    view.method = "POST";
    view.target = "/hooks/github?name=ada&x=1";
    view.client_address = "10.0.0.1";
    view.headers = &headers;
    ctx.request = &view;
    ctx.response = &sink;
  }
  std::vector<HeaderField> fields{{"Host", "example.com:8080"},
                                  {"X-Hub-Signature-256", "sha256=abc"},
                                  {"Accept", "text/html"},
                                  {"accept", "application/json"}};
  HeaderList headers{fields};
  RequestView view;
  ResponseSink sink;
};

}  // namespace hookd::engine::component::wasi::host_test
