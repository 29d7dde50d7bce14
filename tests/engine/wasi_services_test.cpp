// The WASI host's services over the embedder's host functions: outgoing
// HTTP over "hookd.fetch", wasi:keyvalue over "hookd.kv.*", wasi:config over
// "hookd.config.get". The host functions here are fakes that speak the wire
// formats of docs/abi.md ("Built-in host functions"), decoded and encoded
// by hand below (not with the host's own wire code), record what they were
// asked and answer canned replies or the real functions' error messages.
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

namespace hookd::engine::component::wasi {
namespace {

using canonical::Value;
using namespace std::chrono_literals;
using Bytes = std::span<const uint8_t>;
using Out = std::vector<uint8_t>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

// --- The wire formats, little-endian, written out independently. ---

void put_u32(Out& o, uint32_t v) {
  for (int i = 0; i < 4; ++i) o.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u64(Out& o, uint64_t v) {
  for (int i = 0; i < 8; ++i) o.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_str(Out& o, std::string_view s) {
  put_u32(o, static_cast<uint32_t>(s.size()));
  o.insert(o.end(), s.begin(), s.end());
}
void put_rest(Out& o, std::string_view s) { o.insert(o.end(), s.begin(), s.end()); }

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

Out fetch_reply(uint32_t status, const Pairs& headers, std::string_view body) {
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

Value bytes(std::string_view s) { return Value::bytes_owned(std::string(s)); }
std::string text(const Value& v) { return std::string(v.text()); }

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
    const HostInterface* i = host->find("wasi:" + import + "@0.2.10");
    for (const HostResource& r : i->resources) {
      if (r.name == resource) return r.drop(*state, rep);
    }
    return fail(ErrorKind::kNotFound, std::string(resource));
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

// ------------------------------------------------------------ outgoing HTTP

TEST_F(ServicesTest, AFetchIsSentWhenItsBodyIsFinishedAndReadsAsAnIncomingResponse) {
  fake_fetch();
  fetch_out = fetch_reply(201, {{"Set-Cookie", "a=1"}, {"content-type", "text/plain"}, {"set-cookie", "b=2"}},
                          "pong, a longer body");
  begin();
  const Value req = request({{"x-a", "1"}, {"X-A", "2"}, {"accept", "text/plain"}});
  set(req, "method", Value::variant(2));  // post
  set(req, "scheme", Value::some(Value::variant(0)));
  set(req, "authority", Value::some(Value::string("up.example:8080")));
  set(req, "path-with-query", Value::some(Value::string("/v1/items?x=1&y=2")));
  const Value body = one("http/types", "[method]outgoing-request.body", {req});
  ASSERT_EQ(body.case_index(), 0U);
  EXPECT_EQ(one("http/types", "[method]outgoing-request.body", {req}).case_index(), 1U);
  // wasi:http's usual order: handle first, then write and finish the body.
  const Value future = send(req);
  const Value pollable = one("http/types", "[method]future-incoming-response.subscribe", {future});
  const Value out = one("http/types", "[method]outgoing-body.write", {*body.payload()});
  ASSERT_EQ(out.case_index(), 0U);
  EXPECT_EQ(one("io/streams", "[method]output-stream.write", {*out.payload(), bytes("hello ")}).case_index(),
            0U);
  EXPECT_FALSE(one("io/poll", "[method]pollable.ready", {pollable}).as_bool());
  EXPECT_EQ(one("http/types", "[method]future-incoming-response.get", {future}).case_index(), 0U);  // none
  EXPECT_TRUE(fetches.empty());
  EXPECT_EQ(
      one("io/streams", "[method]output-stream.blocking-write-and-flush", {*out.payload(), bytes("world")})
          .case_index(),
      0U);
  EXPECT_EQ(one("http/types", "[static]outgoing-body.finish", {*body.payload(), Value::none()}).case_index(),
            0U);
  EXPECT_TRUE(fetches.empty());  // still lazy: sent when waited for

  const Value ready = one("io/poll", "poll", {Value::list({pollable})});
  ASSERT_EQ(ready.items().size(), 1U);
  ASSERT_EQ(fetches.size(), 1U);
  const SeenFetch& f = fetches[0];
  EXPECT_EQ(f.method, "POST");
  EXPECT_EQ(f.url, "http://up.example:8080/v1/items?x=1&y=2");
  EXPECT_EQ(f.headers, (Pairs{{"x-a", "1"}, {"X-A", "2"}, {"accept", "text/plain"}}));
  EXPECT_EQ(f.body, "hello world");
  EXPECT_EQ(f.deadline, ctx.deadline);
  EXPECT_EQ(f.max_result_bytes, ctx.max_result_bytes);

  const Value inner = answer(future);
  ASSERT_EQ(inner.case_index(), 0U);
  const Value resp = *inner.payload();
  EXPECT_EQ(one("http/types", "[method]incoming-response.status", {resp}).as_u32(), 201U);
  const uint32_t h = one("http/types", "[method]incoming-response.headers", {resp}).handle_rep();
  const Value cookies =
      one("http/types", "[method]fields.get", {Value::handle(h), Value::string("set-cookie")});
  ASSERT_EQ(cookies.items().size(), 2U);
  EXPECT_EQ(text(cookies.items()[0]), "a=1");
  EXPECT_EQ(text(cookies.items()[1]), "b=2");
  // Immutable.
  EXPECT_EQ(one("http/types", "[method]fields.append", {Value::handle(h), Value::string("x"), bytes("1")})
                .payload()
                ->case_index(),
            2U);
  EXPECT_EQ(read_all(resp), "pong, a longer body");
  EXPECT_EQ(one("http/types", "[method]incoming-response.consume", {resp}).case_index(), 1U);
  // The answer is handed out once.
  const Value again = one("http/types", "[method]future-incoming-response.get", {future});
  ASSERT_EQ(again.case_index(), 1U);
  EXPECT_EQ(again.payload()->case_index(), 1U);
  EXPECT_EQ(fetches.size(), 1U);
  end();
}

TEST_F(ServicesTest, ARequestWithoutABodyGoesOutOnGetWithTheDefaults) {
  fake_fetch();
  begin();
  const Value req = request();
  set(req, "authority", Value::some(Value::string("api.example")));
  set(req, "method", Value::variant(9, Value::string("PURGE")));
  const Value future = send(req);
  EXPECT_TRUE(fetches.empty());
  const Value inner = answer(future);
  ASSERT_EQ(fetches.size(), 1U);
  EXPECT_EQ(fetches[0].url, "https://api.example/");
  EXPECT_EQ(fetches[0].method, "PURGE");
  EXPECT_TRUE(fetches[0].body.empty());
  ASSERT_EQ(inner.case_index(), 0U);
  EXPECT_EQ(read_all(*inner.payload()), "ok");

  // A query alone gets its "/"; a request without an authority is refused at once.
  const Value q = request();
  set(q, "authority", Value::some(Value::string("api.example")));
  set(q, "path-with-query", Value::some(Value::string("?a=1")));
  (void)answer(send(q));
  EXPECT_EQ(fetches.back().url, "https://api.example/?a=1");
  const Value bare = request();
  const Value refused = one("http/outgoing-handler", "handle", {bare, Value::none()});
  ASSERT_EQ(refused.case_index(), 1U);
  EXPECT_EQ(refused.payload()->case_index(), 19U);  // HTTP-request-URI-invalid
  EXPECT_EQ(fetches.size(), 2U);
  end();
}

TEST_F(ServicesTest, RequestOptionsOnlyShortenTheCallsDeadline) {
  fake_fetch();
  begin();
  const auto before = std::chrono::steady_clock::now();
  const Value opts = one("http/types", "[constructor]request-options");
  EXPECT_EQ(one("http/types", "[method]request-options.set-connect-timeout",
                {opts, Value::some(Value::u64(1'000'000))})
                .case_index(),
            0U);
  EXPECT_EQ(one("http/types", "[method]request-options.set-first-byte-timeout",
                {opts, Value::some(Value::u64(2'000'000))})
                .case_index(),
            0U);
  Value req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  (void)answer(send(req, opts));
  ASSERT_EQ(fetches.size(), 1U);
  EXPECT_GE(fetches[0].deadline, before + 3ms);
  EXPECT_LE(fetches[0].deadline, std::chrono::steady_clock::now() + 3ms);

  // A timeout past the call's deadline leaves the deadline as it was.
  const Value slow = one("http/types", "[constructor]request-options");
  EXPECT_EQ(one("http/types", "[method]request-options.set-first-byte-timeout",
                {slow, Value::some(Value::u64(3600ULL * 1'000'000'000ULL))})
                .case_index(),
            0U);
  req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  (void)answer(send(req, slow));
  EXPECT_EQ(fetches[1].deadline, ctx.deadline);
  end();
}

TEST_F(ServicesTest, FetchFailuresBecomeTheirErrorCodes) {
  fake_fetch();
  const std::vector<std::pair<std::string, uint32_t>> cases = {
      {"fetch is not granted to plugin p", 15},
      {"fetch: outbound HTTP is not configured", 15},
      {"fetch: fetch of https://evil.example/ is not allowed for this plugin", 15},
      {"fetch: https://a.example/ resolves to 127.0.0.1 (loopback), which this plugin may not reach", 15},
      {"fetch: bad URL \"https://a b/\": invalid host", 19},
      {"fetch: cannot resolve nowhere.example: Name or service not known", 1},
      {"fetch: nowhere.example has no addresses", 1},
      {"fetch: connect to https://a.example/ timed out", 8},
      {"fetch: waiting for https://a.example/ timed out", 8},
      {"fetch: the plugin call's deadline has passed", 8},
      {"fetch: cannot connect to https://a.example/: Connection refused", 6},
      {"fetch: TLS handshake with https://a.example/ failed: certificate verify failed", 12},
      {"fetch: response body is over 1024 bytes (from https://a.example/)", 28},
      {"fetch: the response (2000000 bytes with its headers) is larger than the plugin's memory allows", 28},
      {"fetch: response head is over 65536 bytes", 26},
      {"fetch: bad HTTP method \"G T\"", 18},
      {"fetch: more than 5 redirects, the last from https://a.example/", 38},
      {"hookd.fetch: malformed request payload", 38},
  };
  for (const auto& [message, expected] : cases) {
    fetch_error = message;
    begin();
    const Value req = request();
    set(req, "authority", Value::some(Value::string("a.example")));
    const Value code = error_code_of(send(req));
    EXPECT_EQ(code.case_index(), expected) << message;
    if (expected == 38) {
      ASSERT_EQ(code.payload()->case_index(), 1U);
      EXPECT_EQ(text(*code.payload()->payload()), message);
    }
    end();
  }
  EXPECT_EQ(fetches.size(), cases.size());
}

TEST_F(ServicesTest, WithoutHookdFetchARequestIsDenied) {
  fake_kv();  // other functions do not make fetch appear
  begin();
  const Value req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  const Value r = one("http/outgoing-handler", "handle", {req, Value::none()});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 15U);
  end();
}

TEST_F(ServicesTest, OneCallMakesAtMostItsBoundOfRequests) {
  fake_fetch();
  begin();
  for (int i = 0; i < 16; ++i) {
    const Value req = request();
    set(req, "authority", Value::some(Value::string("a.example")));
    (void)send(req);
  }
  Value req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  const Value r = one("http/outgoing-handler", "handle", {req, Value::none()});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 38U);
  EXPECT_NE(text(*r.payload()->payload()->payload()).find("16"), std::string::npos);
  req = request();
  EXPECT_EQ(one("http/types", "[method]outgoing-request.body", {req}).case_index(), 1U);
  end();
  // The next call has its own.
  begin();
  req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  (void)send(req);
  end();
}

TEST_F(ServicesTest, BodiesStayWithinTheCallsLimit) {
  fake_fetch();
  ctx.max_result_bytes = 10;
  begin();
  // The request body: 10 bytes fit, the 11th closes the stream.
  Value req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  const Value body = *one("http/types", "[method]outgoing-request.body", {req}).payload();
  const Value out = *one("http/types", "[method]outgoing-body.write", {body}).payload();
  EXPECT_EQ(one("io/streams", "[method]output-stream.check-write", {out}).payload()->as_u64(), 10U);
  EXPECT_EQ(one("io/streams", "[method]output-stream.write", {out, bytes("0123456789")}).case_index(), 0U);
  EXPECT_EQ(one("io/streams", "[method]output-stream.write", {out, bytes("x")}).case_index(), 1U);

  // Responses: the call's fetches share the limit; the fetch is told what is left.
  fetch_out = fetch_reply(200, {}, "123456");
  req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  ASSERT_EQ(answer(send(req)).case_index(), 0U);
  EXPECT_EQ(fetches.back().max_result_bytes, 10U);
  fetch_out = fetch_reply(200, {}, "7890");
  req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  ASSERT_EQ(answer(send(req)).case_index(), 0U);
  EXPECT_EQ(fetches.back().max_result_bytes, 4U);
  req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  const Value code = error_code_of(send(req));
  EXPECT_EQ(code.case_index(), 28U);  // HTTP-response-body-size, without asking hookd.fetch
  EXPECT_EQ(fetches.size(), 2U);
  end();
}

TEST_F(ServicesTest, ABodyDroppedUnfinishedIsNeverSent) {
  fake_fetch();
  begin();
  const Value req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  const Value body = *one("http/types", "[method]outgoing-request.body", {req}).payload();
  const Value future = send(req);
  // Waiting while the body is open would wait forever: a trap, not a hang.
  const Value pollable = one("http/types", "[method]future-incoming-response.subscribe", {future});
  EXPECT_EQ(call("io/poll", "[method]pollable.block", {pollable}).error().kind, ErrorKind::kTrap);
  EXPECT_EQ(call("io/poll", "poll", {Value::list({pollable})}).error().kind, ErrorKind::kTrap);
  ASSERT_TRUE(drop("http/types", "outgoing-body", body.handle_rep()).has_value());
  const Value code = error_code_of(future);
  EXPECT_EQ(code.case_index(), 38U);
  EXPECT_NE(text(*code.payload()->payload()).find("dropped"), std::string::npos);
  EXPECT_TRUE(fetches.empty());
  end();
}

TEST_F(ServicesTest, ResponseObjectsEndWithTheirCall) {
  fake_fetch();
  begin();
  const Value req = request();
  set(req, "authority", Value::some(Value::string("a.example")));
  const Value future = send(req);
  const Value resp = *answer(future).payload();
  end();
  EXPECT_EQ(call("http/types", "[method]incoming-response.status", {resp}).error().kind, ErrorKind::kTrap);
  EXPECT_EQ(call("http/types", "[method]future-incoming-response.get", {future}).error().kind,
            ErrorKind::kTrap);
  EXPECT_TRUE(drop("http/types", "incoming-response", resp.handle_rep()).has_value());
}

// ---------------------------------------------------------------- keyvalue

constexpr const char* kStore = "keyvalue/store@0.2.0-draft";

TEST_F(ServicesTest, KeyvalueBucketsReadAndWriteThePluginsNamespace) {
  fake_kv();
  begin();
  const Value own = one(kStore, "open", {Value::string("")});
  ASSERT_EQ(own.case_index(), 0U);
  const Value def = *one(kStore, "open", {Value::string("default")}).payload();
  const Value counters = *one(kStore, "open", {Value::string("counters")}).payload();
  const Value bad = one(kStore, "open", {Value::string("no/slashes")});
  ASSERT_EQ(bad.case_index(), 1U);
  EXPECT_EQ(bad.payload()->case_index(), 0U);  // no-such-store

  const Value b = *own.payload();
  EXPECT_EQ(one(kStore, "[method]bucket.get", {b, Value::string("k")}).payload()->case_index(), 0U);  // none
  EXPECT_EQ(one(kStore, "[method]bucket.set", {b, Value::string("k"), bytes("v1")}).case_index(), 0U);
  EXPECT_EQ(one(kStore, "[method]bucket.set", {counters, Value::string("k"), bytes("7")}).case_index(), 0U);
  EXPECT_EQ(kv, (std::map<std::string, std::string>{{"k", "v1"}, {"counters/k", "7"}}));
  const Value got = one(kStore, "[method]bucket.get", {def, Value::string("k")});
  ASSERT_EQ(got.case_index(), 0U);
  EXPECT_EQ(text(*got.payload()->payload()), "v1");
  EXPECT_EQ(text(*one(kStore, "[method]bucket.get", {counters, Value::string("k")}).payload()->payload()),
            "7");
  EXPECT_TRUE(one(kStore, "[method]bucket.exists", {b, Value::string("k")}).payload()->as_bool());
  EXPECT_FALSE(one(kStore, "[method]bucket.exists", {b, Value::string("nope")}).payload()->as_bool());
  EXPECT_EQ(one(kStore, "[method]bucket.delete", {b, Value::string("k")}).case_index(), 0U);
  EXPECT_EQ(one(kStore, "[method]bucket.delete", {b, Value::string("k")}).case_index(),
            0U);  // gone: no error
  EXPECT_FALSE(one(kStore, "[method]bucket.exists", {b, Value::string("k")}).payload()->as_bool());
  EXPECT_EQ(kv, (std::map<std::string, std::string>{{"counters/k", "7"}}));

  const Value n =
      one("keyvalue/atomics@0.2.0-draft", "increment", {counters, Value::string("k"), Value::u64(5)});
  ASSERT_EQ(n.case_index(), 0U);
  EXPECT_EQ(n.payload()->as_u64(), 12U);
  EXPECT_EQ(kv["counters/k"], "12");
  end();
}

TEST_F(ServicesTest, ListKeysPagesWithCursorsAndStripsTheBucketsPrefix) {
  fake_kv();
  kv_page = 2;
  kv = {{"a", "1"}, {"b", "1"}, {"c", "1"}, {"logs/x", "1"}, {"logs/y", "1"}, {"logs/z", "1"}, {"m", "1"}};
  begin();
  const Value logs = *one(kStore, "open", {Value::string("logs")}).payload();
  std::vector<std::string> seen;
  std::optional<Value> cursor;
  for (int page = 0; page < 5; ++page) {
    const Value r =
        one(kStore, "[method]bucket.list-keys", {logs, cursor ? Value::some(*cursor) : Value::none()});
    ASSERT_EQ(r.case_index(), 0U);
    for (const Value& k : r.payload()->items()[0].items()) seen.push_back(text(k));
    const Value& next = r.payload()->items()[1];
    if (next.case_index() == 0) break;
    cursor = *next.payload();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(list_limits.front(), 1000U);
  // The default bucket sees every key; a cursor is its bucket's.
  const Value all = *one(kStore, "open", {Value::string("")}).payload();
  const Value first = one(kStore, "[method]bucket.list-keys", {all, Value::none()});
  ASSERT_EQ(first.payload()->items()[1].case_index(), 1U);
  const Value token = *first.payload()->items()[1].payload();
  const Value foreign = one(kStore, "[method]bucket.list-keys", {logs, Value::some(token)});
  ASSERT_EQ(foreign.case_index(), 1U);
  EXPECT_EQ(foreign.payload()->case_index(), 2U);  // other
  EXPECT_EQ(one(kStore, "[method]bucket.list-keys", {all, Value::some(Value::u64(999))}).case_index(), 1U);
  end();
}

TEST_F(ServicesTest, KeyvalueErrorsSayWhetherTheGrantRefused) {
  fake_kv();
  begin();
  const Value b = *one(kStore, "open", {Value::string("")}).payload();
  kv_write = false;  // read-only grant
  EXPECT_EQ(one(kStore, "[method]bucket.get", {b, Value::string("k")}).case_index(), 0U);
  Value r = one(kStore, "[method]bucket.set", {b, Value::string("k"), bytes("v")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 1U);  // access-denied
  kv_read = false;
  r = one(kStore, "[method]bucket.get", {b, Value::string("k")});
  EXPECT_EQ(r.payload()->case_index(), 1U);
  kv_read = kv_write = true;
  kv_failure = "kv: quota exceeded: namespace p holds 10 bytes in 1 keys";
  r = one(kStore, "[method]bucket.set", {b, Value::string("k"), bytes("v")});
  ASSERT_EQ(r.payload()->case_index(), 2U);  // other(message)
  EXPECT_EQ(text(*r.payload()->payload()), *kv_failure);
  end();
  // Without hookd's kv functions: other, naming why.
  fns.clear();
  begin();
  r = one(kStore, "[method]bucket.exists", {b, Value::string("k")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 2U);
  EXPECT_NE(text(*r.payload()->payload()).find("not available"), std::string::npos);
  end();
}

// ------------------------------------------------------------------ config

constexpr const char* kConfig = "config/store@0.2.0-draft";

TEST_F(ServicesTest, ConfigGetReadsThePluginsValuesBehindItsGrant) {
  fake_config();
  config = {{"greeting", "hello from config"},
            {"unicode",
             "gr\xC3\xBC\xC3\x9F"
             "e"},
            {"raw", "\xFF"}};
  begin();
  Value r = one(kConfig, "get", {Value::string("greeting")});
  ASSERT_EQ(r.case_index(), 0U);
  EXPECT_EQ(text(*r.payload()->payload()), "hello from config");
  EXPECT_EQ(text(*one(kConfig, "get", {Value::string("unicode")}).payload()->payload()),
            "gr\xC3\xBC\xC3\x9F"
            "e");
  EXPECT_EQ(one(kConfig, "get", {Value::string("missing")}).payload()->case_index(), 0U);  // none
  r = one(kConfig, "get", {Value::string("raw")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 0U);  // upstream: not UTF-8
  r = one(kConfig, "get-all");
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 0U);  // upstream: raw's value is not UTF-8
  config.erase("raw");
  r = one(kConfig, "get-all");
  ASSERT_EQ(r.case_index(), 0U);
  ASSERT_EQ(r.payload()->items().size(), 2U);
  EXPECT_EQ(text(r.payload()->items()[0].items()[0]), "greeting");
  EXPECT_EQ(text(r.payload()->items()[0].items()[1]), "hello from config");
  EXPECT_EQ(text(r.payload()->items()[1].items()[0]), "unicode");
  config_granted = false;
  r = one(kConfig, "get", {Value::string("greeting")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(text(*r.payload()->payload()), "config is not granted to plugin p");
  end();
  fns.clear();
  begin();
  r = one(kConfig, "get", {Value::string("greeting")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 1U);  // io: not available
  end();
}

TEST_F(ServicesTest, KeyvalueAndConfigAreServedAtTheirDraftVersion) {
  EXPECT_NE(host->find("wasi:keyvalue/store@0.2.0-draft"), nullptr);
  EXPECT_NE(host->find("wasi:keyvalue/atomics@0.2.0-draft"), nullptr);
  EXPECT_NE(host->find("wasi:config/store@0.2.0-draft"), nullptr);
  EXPECT_EQ(host->find("wasi:keyvalue/store@0.2.0"), nullptr);
  EXPECT_EQ(host->find("wasi:keyvalue/batch@0.2.0-draft"), nullptr);
}

}  // namespace
}  // namespace hookd::engine::component::wasi
