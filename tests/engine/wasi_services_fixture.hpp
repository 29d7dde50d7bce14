// The fixture of the WASI host services tests (wasi_services_test.cpp:
// keyvalue and config; wasi_fetch_test.cpp: outgoing HTTP): a WasiHost
// whose host functions are fakes that speak the wire formats of docs/abi.md
// ("Built-in host functions"), decoded and encoded by hand below (not with
// the host's own wire code), record what they were asked and answer canned
// replies or the real functions' error messages.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "component/wasi/wasi_host.hpp"
#include "hookd/engine/plugin.hpp"
#include "wasi_host_calls.hpp"

namespace hookd::engine::component::wasi::services_test {

using canonical::Value;
using namespace std::chrono_literals;
using Bytes = std::span<const uint8_t>;
using Out = std::vector<uint8_t>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

// --- The wire formats, little-endian, written out independently. ---

inline void put_u32(Out& o, uint32_t v) {
  for (int i = 0; i < 4; ++i) o.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put_u64(Out& o, uint64_t v) {
  for (int i = 0; i < 8; ++i) o.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put_str(Out& o, std::string_view s) {
  put_u32(o, static_cast<uint32_t>(s.size()));
  o.insert(o.end(), s.begin(), s.end());
}
inline void put_rest(Out& o, std::string_view s) { o.insert(o.end(), s.begin(), s.end()); }

struct In {
  Bytes b;
  size_t p = 0;
  uint64_t le(size_t n) {
    EXPECT_LE(p + n, b.size());
    uint64_t v = 0;
    for (size_t i = 0; i < n && p + i < b.size(); ++i) v |= static_cast<uint64_t>(b[p + i]) << (8 * i);
    p += n;
    return v;
  }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  std::string str() {
    const uint32_t n = u32();
    EXPECT_LE(p + n, b.size());
    std::string s(reinterpret_cast<const char*>(b.data()) + std::min(p, b.size()),
                  std::min<size_t>(n, b.size() - std::min(p, b.size())));
    p += n;
    return s;
  }
  std::string rest() {
    std::string s(reinterpret_cast<const char*>(b.data()) + std::min(p, b.size()),
                  b.size() - std::min(p, b.size()));
    p = b.size();
    return s;
  }
};

inline Out fetch_reply(uint32_t status, const Pairs& headers, std::string_view body) {
  Out o;
  put_u32(o, status);
  put_u32(o, static_cast<uint32_t>(headers.size()));
  for (const auto& [n, v] : headers) {
    put_str(o, n);
    put_str(o, v);
  }
  put_rest(o, body);
  return o;
}

// What the fake hookd.fetch was asked.
struct SeenFetch {
  std::string method, url;
  Pairs headers;
  std::string body;
  std::chrono::steady_clock::time_point deadline;
  size_t max_result_bytes = 0;
};

inline Value bytes(std::string_view s) { return Value::bytes_owned(std::string(s)); }
inline std::string text(const Value& v) { return std::string(v.text()); }

class ServicesTest : public ::testing::Test {
 protected:
  ServicesTest() { make_host({}); }

  void make_host(WasiOptions options) {
    options.random = fixed_random({1});
    options.host_function = [this](std::string_view name) -> const hookd::engine::HostFunction* {
      auto it = fns.find(std::string(name));
      return it == fns.end() ? nullptr : &it->second;
    };
    auto made = WasiHost::create(std::move(options));
    ASSERT_TRUE(made.has_value()) << made.error().message;
    host = std::move(*made);
    state = host->make_state();
    ctx.deadline = std::chrono::steady_clock::now() + 10s;
    ctx.max_result_bytes = 1u << 20;
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
  Result<void> drop(const std::string& import, std::string_view resource, uint32_t rep) {
    return test::drop_resource(*host, *state, import, resource, rep);
  }
  void begin() {
    st().begin_call(ctx);
    in_call = true;
  }
  void end() {
    st().end_call();
    in_call = false;
  }

  // --- Fakes ---

  // hookd.fetch: records the request, answers `fetch_answer` (200 "ok" by default).
  void fake_fetch() {
    fns["hookd.fetch"] = hookd::engine::HostFunction{
        "hookd.fetch", [this](const CallContext& c, Bytes in, Out& out) -> Result<void> {
          In r{in};
          SeenFetch s;
          s.method = r.str();
          s.url = r.str();
          const uint32_t n = r.u32();
          for (uint32_t i = 0; i < n; ++i) {
            std::string name = r.str();
            s.headers.emplace_back(std::move(name), r.str());
          }
          s.body = r.rest();
          s.deadline = c.deadline;
          s.max_result_bytes = c.max_result_bytes;
          fetches.push_back(std::move(s));
          if (fetch_error) return fail(ErrorKind::kHostError, *fetch_error);
          out = fetch_out;
          return {};
        }};
  }

  // hookd.kv.*: an in-memory namespace; `kv_read`/`kv_write` are the grant.
  void fake_kv() {
    auto add = [this](const std::string& name, bool writes, const std::function<void(Bytes, Out&)>& op) {
      fns[name] = hookd::engine::HostFunction{
          name, [this, writes, op](const CallContext&, Bytes in, Out& out) -> Result<void> {
            if (!kv_read) return fail(ErrorKind::kHostError, "kv is not granted to plugin p");
            if (writes && !kv_write)
              return fail(ErrorKind::kHostError, "kv write is not granted to plugin p");
            if (kv_failure) return fail(ErrorKind::kHostError, *kv_failure);
            out.clear();
            op(in, out);
            return {};
          }};
    };
    add("hookd.kv.get", false, [this](Bytes in, Out& out) {
      auto it = kv.find(In{in}.rest());
      out.push_back(it == kv.end() ? 0 : 1);
      if (it != kv.end()) put_rest(out, it->second);
    });
    add("hookd.kv.set", true, [this](Bytes in, Out&) {
      In r{in};
      std::string key = r.str();
      EXPECT_EQ(r.le(8), 0U);  // no TTL
      kv[key] = r.rest();
    });
    add("hookd.kv.delete", true,
        [this](Bytes in, Out& out) { out.push_back(kv.erase(In{in}.rest()) ? 1 : 0); });
    // A page of at most kv_page keys after the cursor (the last key returned).
    add("hookd.kv.list", false, [this](Bytes in, Out& out) {
      In r{in};
      const uint32_t limit = r.u32();
      const std::string prefix = r.str();
      const std::string cursor = r.rest();
      list_limits.push_back(limit);
      std::vector<std::string> page;
      auto it = cursor.empty() ? kv.begin() : kv.upper_bound(cursor);
      for (; it != kv.end() && page.size() < std::min<size_t>(limit, kv_page); ++it) {
        if (it->first.starts_with(prefix)) page.push_back(it->first);
      }
      bool more = false;
      for (auto rest = it; rest != kv.end(); ++rest) more = more || rest->first.starts_with(prefix);
      put_u32(out, static_cast<uint32_t>(page.size()));
      for (const auto& k : page) put_str(out, k);
      out.push_back(more ? 1 : 0);
      if (more) put_rest(out, page.back());
    });
    add("hookd.kv.incr", true, [this](Bytes in, Out& out) {
      In r{in};
      const auto delta = static_cast<int64_t>(r.le(8));
      const std::string key = r.rest();
      const int64_t v = (kv.contains(key) ? std::stoll(kv[key]) : 0) + delta;
      kv[key] = std::to_string(v);
      put_u64(out, static_cast<uint64_t>(v));
    });
  }

  // hookd.config.get over `config`; `config_granted` is the grant.
  void fake_config() {
    fns["hookd.config.get"] = hookd::engine::HostFunction{
        "hookd.config.get", [this](const CallContext&, Bytes in, Out& out) -> Result<void> {
          if (!config_granted) return fail(ErrorKind::kHostError, "config is not granted to plugin p");
          auto it = config.find(In{in}.rest());
          out.assign(1, it == config.end() ? 0 : 1);
          if (it != config.end()) put_rest(out, it->second);
          return {};
        }};
    fns["hookd.config.list"] = hookd::engine::HostFunction{
        "hookd.config.list", [this](const CallContext&, Bytes, Out& out) -> Result<void> {
          if (!config_granted) return fail(ErrorKind::kHostError, "config is not granted to plugin p");
          out.clear();
          put_u32(out, static_cast<uint32_t>(config.size()));
          for (const auto& [name, value] : config) {
            put_str(out, name);
            put_str(out, value);
          }
          return {};
        }};
  }

  // --- wasi:http helpers ---

  uint32_t fields(const Pairs& entries) {
    std::vector<Value> list;
    for (const auto& [n, v] : entries) list.push_back(Value::tuple({Value::string(n), bytes(v)}));
    const Value r = one("http/types", "[static]fields.from-list", {Value::list(std::move(list))});
    EXPECT_EQ(r.case_index(), 0U);
    return r.payload() != nullptr ? r.payload()->handle_rep() : 0;
  }
  Value request(const Pairs& headers = {}) {
    return one("http/types", "[constructor]outgoing-request", {Value::handle(fields(headers))});
  }
  void set(const Value& req, std::string_view field, Value v) {
    EXPECT_EQ(one("http/types", "[method]outgoing-request.set-" + std::string(field), {req, std::move(v)})
                  .case_index(),
              0U)
        << field;
  }
  // handle(request) -> the future's handle (the call must succeed).
  Value send(const Value& req, std::optional<Value> options = std::nullopt) {
    const Value r =
        one("http/outgoing-handler", "handle", {req, options ? Value::some(*options) : Value::none()});
    EXPECT_EQ(r.case_index(), 0U) << (r.payload() != nullptr ? r.payload()->case_index() : 0);
    return r.payload() != nullptr ? *r.payload() : Value{};
  }
  // future.get's answer once settled: the incoming-response or the error-code.
  Value answer(const Value& future) {
    const Value got = one("http/types", "[method]future-incoming-response.get", {future});
    EXPECT_EQ(got.case_index(), 1U) << "not ready";
    if (got.payload() == nullptr) return {};
    EXPECT_EQ(got.payload()->case_index(), 0U) << "taken twice";
    return *got.payload()->payload();
  }
  // The error-code a failing fetch answers.
  Value error_code_of(const Value& future) {
    const Value inner = answer(future);
    EXPECT_EQ(inner.case_index(), 1U) << "the fetch succeeded";
    return inner.payload() != nullptr ? *inner.payload() : Value{};
  }
  std::string read_all(const Value& response) {
    const Value body = one("http/types", "[method]incoming-response.consume", {response});
    EXPECT_EQ(body.case_index(), 0U);
    const Value stream = one("http/types", "[method]incoming-body.stream", {*body.payload()});
    std::string all;
    for (;;) {
      const Value r = one("io/streams", "[method]input-stream.read", {*stream.payload(), Value::u64(3)});
      if (r.case_index() != 0) break;
      all += r.payload()->text();
    }
    return all;
  }

  std::unique_ptr<WasiHost> host;
  std::unique_ptr<HostState> state;
  CallContext ctx;
  bool in_call = false;

  std::map<std::string, hookd::engine::HostFunction> fns;
  std::vector<SeenFetch> fetches;
  Out fetch_out = fetch_reply(200, {}, "ok");
  std::optional<std::string> fetch_error;
  std::map<std::string, std::string> kv;
  size_t kv_page = 1000;
  std::vector<uint32_t> list_limits;
  bool kv_read = true, kv_write = true;
  std::optional<std::string> kv_failure;
  std::map<std::string, std::string> config;
  bool config_granted = true;
};

}  // namespace hookd::engine::component::wasi::services_test
