// The WASI host's outgoing HTTP over the embedder's "hookd.fetch" (a fake:
// wasi_services_fixture.hpp): when a request goes out, what it carries, its
// errors and its bounds.
#include <gtest/gtest.h>

#include "wasi_services_fixture.hpp"

namespace hookd::engine::component::wasi::services_test {
namespace {

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

}  // namespace
}  // namespace hookd::engine::component::wasi::services_test
