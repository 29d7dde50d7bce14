// One incoming request through hookd's WASI host, as the server received
// it, and the response a component writes back through streams to the call's
// response sink: bodies read once, limits, error codes, objects outliving
// their call.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wasi_http_host_fixture.hpp"

namespace hookd::engine::component::wasi::host_test {
namespace {

TEST_F(RequestTest, TheRequestReadsAsTheServerReceivedIt) {
  begin();
  auto args = st().begin_request({});
  ASSERT_TRUE(args.has_value());
  const Value req = Value::handle(args->request);
  EXPECT_EQ(one("http/types", "[method]incoming-request.method", {req}).case_index(), 2U);  // post
  Value path = one("http/types", "[method]incoming-request.path-with-query", {req});
  ASSERT_EQ(path.case_index(), 1U);
  EXPECT_EQ(text(*path.payload()), "/hooks/github?name=ada&x=1");
  Value authority = one("http/types", "[method]incoming-request.authority", {req});
  ASSERT_EQ(authority.case_index(), 1U);
  EXPECT_EQ(text(*authority.payload()), "example.com:8080");
  EXPECT_EQ(one("http/types", "[method]incoming-request.scheme", {req}).case_index(), 1U);

  const uint32_t h = one("http/types", "[method]incoming-request.headers", {req}).handle_rep();
  EXPECT_EQ(get(h, "x-hub-signature-256"), std::vector<std::string>{"sha256=abc"});
  EXPECT_EQ(get(h, "ACCEPT"), (std::vector<std::string>{"text/html", "application/json"}));
  // Immutable: every change is header-error.immutable.
  Value r = one("http/types", "[method]fields.append", {Value::handle(h), Value::string("x-a"), bytes("1")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 2U);
  r = one("http/types", "[method]fields.delete", {Value::handle(h), Value::string("accept")});
  EXPECT_EQ(r.payload()->case_index(), 2U);
  r = one("http/types", "[method]fields.set", {Value::handle(h), Value::string("accept"), Value::list({})});
  EXPECT_EQ(r.payload()->case_index(), 2U);
  // Its clone is the guest's own and mutable.
  const uint32_t c = one("http/types", "[method]fields.clone", {Value::handle(h)}).handle_rep();
  EXPECT_EQ(one("http/types", "[method]fields.append", {Value::handle(c), Value::string("x-a"), bytes("1")})
                .case_index(),
            0U);
}

TEST_F(RequestTest, OtherMethodsAreNamed) {
  view.method = "PROPFIND";
  begin();
  auto args = st().begin_request({});
  ASSERT_TRUE(args.has_value());
  const Value m = one("http/types", "[method]incoming-request.method", {Value::handle(args->request)});
  ASSERT_EQ(m.case_index(), 9U);
  EXPECT_EQ(text(*m.payload()), "PROPFIND");
}

TEST_F(RequestTest, TheBodyIsReadOnceThroughItsStream) {
  const std::string body = "0123456789";
  begin();
  auto args = st().begin_request({reinterpret_cast<const uint8_t*>(body.data()), body.size()});
  ASSERT_TRUE(args.has_value());
  const Value req = Value::handle(args->request);
  Value consumed = one("http/types", "[method]incoming-request.consume", {req});
  ASSERT_EQ(consumed.case_index(), 0U);
  EXPECT_EQ(one("http/types", "[method]incoming-request.consume", {req}).case_index(), 1U);
  const Value b = *consumed.payload();
  Value stream = one("http/types", "[method]incoming-body.stream", {b});
  ASSERT_EQ(stream.case_index(), 0U);
  EXPECT_EQ(one("http/types", "[method]incoming-body.stream", {b}).case_index(), 1U);
  const Value in = *stream.payload();

  Value r = one("io/streams", "[method]input-stream.read", {in, Value::u64(4)});
  ASSERT_EQ(r.case_index(), 0U);
  EXPECT_EQ(text(*r.payload()), "0123");
  r = one("io/streams", "[method]input-stream.skip", {in, Value::u64(2)});
  EXPECT_EQ(r.payload()->as_u64(), 2U);
  r = one("io/streams", "[method]input-stream.blocking-read", {in, Value::u64(100)});
  EXPECT_EQ(text(*r.payload()), "6789");
  r = one("io/streams", "[method]input-stream.read", {in, Value::u64(1)});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 1U);  // closed

  ASSERT_TRUE(drop("io/streams", "input-stream", in.handle_rep()).has_value());
  const Value trailers = one("http/types", "[static]incoming-body.finish", {b});
  Value t = one("http/types", "[method]future-trailers.get", {trailers});
  ASSERT_EQ(t.case_index(), 1U);                                   // some
  ASSERT_EQ(t.payload()->case_index(), 0U);                        // ok
  ASSERT_EQ(t.payload()->payload()->case_index(), 0U);             // ok
  EXPECT_EQ(t.payload()->payload()->payload()->case_index(), 0U);  // no trailers
  EXPECT_EQ(one("http/types", "[method]future-trailers.get", {trailers}).payload()->case_index(), 1U);
  // The body was consumed by finish.
  EXPECT_EQ(call("http/types", "[method]incoming-body.stream", {b}).error().kind, ErrorKind::kTrap);
}

// What a componentize-js component does for a response: fields from a list
// (its own Content-Length among them), a response, its body through an
// output stream, finish, then set.
TEST_F(RequestTest, AResponseWrittenThroughStreamsReachesTheSink) {
  begin();
  auto args = st().begin_request({});
  ASSERT_TRUE(args.has_value());
  const uint32_t f = new_fields({{"content-type", "application/json"},
                                 {"set-cookie", "a=1"},
                                 {"set-cookie", "b=2"},
                                 {"Content-Length", "11"}});
  const Value resp = one("http/types", "[constructor]outgoing-response", {Value::handle(f)});
  EXPECT_EQ(call("http/types", "[method]fields.get", {Value::handle(f), Value::string("x")}).error().kind,
            ErrorKind::kTrap);  // the response took the fields
  EXPECT_EQ(one("http/types", "[method]outgoing-response.status-code", {resp}).as_u32(), 200U);
  EXPECT_EQ(
      one("http/types", "[method]outgoing-response.set-status-code", {resp, Value::u32(201)}).case_index(),
      0U);
  EXPECT_EQ(
      one("http/types", "[method]outgoing-response.set-status-code", {resp, Value::u32(600)}).case_index(),
      1U);
  EXPECT_EQ(
      one("http/types", "[method]outgoing-response.set-status-code", {resp, Value::u32(99)}).case_index(),
      1U);
  const uint32_t h = one("http/types", "[method]outgoing-response.headers", {resp}).handle_rep();
  EXPECT_EQ(one("http/types", "[method]fields.append", {Value::handle(h), Value::string("x"), bytes("1")})
                .payload()
                ->case_index(),
            2U);

  Value body = one("http/types", "[method]outgoing-response.body", {resp});
  ASSERT_EQ(body.case_index(), 0U);
  EXPECT_EQ(one("http/types", "[method]outgoing-response.body", {resp}).case_index(), 1U);
  Value stream = one("http/types", "[method]outgoing-body.write", {*body.payload()});
  ASSERT_EQ(stream.case_index(), 0U);
  EXPECT_EQ(one("http/types", "[method]outgoing-body.write", {*body.payload()}).case_index(), 1U);
  const Value out = *stream.payload();
  Value permit = one("io/streams", "[method]output-stream.check-write", {out});
  ASSERT_EQ(permit.case_index(), 0U);
  EXPECT_GT(permit.payload()->as_u64(), 0U);
  EXPECT_EQ(one("io/streams", "[method]output-stream.write", {out, bytes("hello ")}).case_index(), 0U);
  EXPECT_EQ(
      one("io/streams", "[method]output-stream.blocking-write-and-flush", {out, bytes("world")}).case_index(),
      0U);
  EXPECT_EQ(one("io/streams", "[method]output-stream.blocking-flush", {out}).case_index(), 0U);
  const Value pollable = one("io/streams", "[method]output-stream.subscribe", {out});
  EXPECT_EQ(one("io/poll", "poll", {Value::list({pollable})}).items().size(), 1U);
  ASSERT_TRUE(drop("io/poll", "pollable", pollable.handle_rep()).has_value());
  ASSERT_TRUE(drop("io/streams", "output-stream", out.handle_rep()).has_value());
  EXPECT_EQ(one("http/types", "[static]outgoing-body.finish", {*body.payload(), Value::none()}).case_index(),
            0U);

  ASSERT_TRUE(call("http/types", "[static]response-outparam.set",
                   {Value::handle(args->response_out), Value::ok(resp)}));
  auto got = st().take_response(&sink);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(got->data()), got->size()), "hello world");
  EXPECT_EQ(sink.status(), 201);
  std::vector<std::string> seen;
  for (const auto& hdr : sink.headers())
    seen.push_back(std::string(hdr.name) + ": " + std::string(hdr.value));
  EXPECT_EQ(seen, (std::vector<std::string>{"content-type: application/json", "set-cookie: a=1",
                                            "set-cookie: b=2"}));
  end();
}

TEST_F(RequestTest, ABodylessResponseIsEmptyAndASecondSetTraps) {
  begin();
  auto args = st().begin_request({});
  ASSERT_TRUE(args.has_value());
  const Value resp = one("http/types", "[constructor]outgoing-response", {Value::handle(new_fields({}))});
  ASSERT_TRUE(call("http/types", "[static]response-outparam.set",
                   {Value::handle(args->response_out), Value::ok(resp)}));
  auto again = call("http/types", "[static]response-outparam.set",
                    {Value::handle(args->response_out), Value::err(Value::variant(38, Value::none()))});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, ErrorKind::kTrap);
  auto got = st().take_response(&sink);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->empty());
  EXPECT_EQ(sink.status(), 200);
  // Once the call ended there is no response to take.
  end();
  EXPECT_FALSE(st().take_response(&sink).has_value());
}

// new Response(body, {headers: request.headers}): the request's fields,
// cloned, become the response's; its hop-by-hop headers stay out of the sink.
TEST_F(RequestTest, RequestHeadersClonedIntoAResponseLoseTheirHopByHopOnes) {
  fields.push_back({"Connection", "keep-alive"});
  fields.push_back({"Content-Length", "0"});
  headers = HeaderList{fields};
  begin();
  auto args = st().begin_request({});
  ASSERT_TRUE(args.has_value());
  const Value h = one("http/types", "[method]incoming-request.headers", {Value::handle(args->request)});
  const Value copy = one("http/types", "[method]fields.clone", {h});
  const Value resp = one("http/types", "[constructor]outgoing-response", {copy});
  ASSERT_TRUE(call("http/types", "[static]response-outparam.set",
                   {Value::handle(args->response_out), Value::ok(resp)}));
  ASSERT_TRUE(st().take_response(&sink).has_value());
  std::vector<std::string> names;
  for (const auto& hdr : sink.headers()) names.emplace_back(hdr.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Host", "X-Hub-Signature-256", "Accept", "accept"}));
}

TEST_F(RequestTest, AnErrorCodeBecomesA500NamingIt) {
  begin();
  auto args = st().begin_request({});
  ASSERT_TRUE(args.has_value());
  ASSERT_TRUE(call("http/types", "[static]response-outparam.set",
                   {Value::handle(args->response_out), Value::err(Value::variant(15))}));
  auto got = st().take_response(&sink);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(got.error().status, 500);
  EXPECT_NE(got.error().message.find("HTTP-request-denied"), std::string::npos);
  EXPECT_EQ(sink.status(), 0);
}

TEST_F(RequestTest, NoResponseOrAnUnfinishedBodyIsA500) {
  begin();
  ASSERT_TRUE(st().begin_request({}).has_value());
  auto none = st().take_response(&sink);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().status, 500);
  end();

  begin();
  auto args = st().begin_request({});
  ASSERT_TRUE(args.has_value());
  const Value resp = one("http/types", "[constructor]outgoing-response", {Value::handle(new_fields({}))});
  ASSERT_EQ(one("http/types", "[method]outgoing-response.body", {resp}).case_index(), 0U);
  ASSERT_TRUE(call("http/types", "[static]response-outparam.set",
                   {Value::handle(args->response_out), Value::ok(resp)}));
  auto unfinished = st().take_response(&sink);
  ASSERT_FALSE(unfinished.has_value());
  EXPECT_NE(unfinished.error().message.find("finish"), std::string::npos);
}

TEST_F(RequestTest, TheResponseBodyStopsAtTheCallsLimit) {
  ctx.max_result_bytes = 10;
  begin();
  ASSERT_TRUE(st().begin_request({}).has_value());
  const Value resp = one("http/types", "[constructor]outgoing-response", {Value::handle(new_fields({}))});
  const Value body = *one("http/types", "[method]outgoing-response.body", {resp}).payload();
  const Value out = *one("http/types", "[method]outgoing-body.write", {body}).payload();
  EXPECT_EQ(one("io/streams", "[method]output-stream.check-write", {out}).payload()->as_u64(), 10U);
  EXPECT_EQ(one("io/streams", "[method]output-stream.write", {out, bytes("12345678")}).case_index(), 0U);
  const Value failed = one("io/streams", "[method]output-stream.write", {out, bytes("abc")});
  ASSERT_EQ(failed.case_index(), 1U);
  ASSERT_EQ(failed.payload()->case_index(), 0U);  // last-operation-failed(error)
  const Value message = one("io/error", "[method]error.to-debug-string", {*failed.payload()->payload()});
  EXPECT_NE(text(message).find("10 bytes"), std::string::npos);
  // Closed from then on.
  EXPECT_EQ(one("io/streams", "[method]output-stream.check-write", {out}).payload()->case_index(), 1U);
  EXPECT_EQ(one("io/streams", "[method]output-stream.write", {out, bytes("a")}).payload()->case_index(), 1U);
  EXPECT_EQ(
      one("io/streams", "[method]output-stream.write-zeroes", {out, Value::u64(1)}).payload()->case_index(),
      1U);
}

TEST_F(RequestTest, CallObjectsTrapOnceTheirCallEnded) {
  begin();
  auto args = st().begin_request({});
  ASSERT_TRUE(args.has_value());
  const Value req = Value::handle(args->request);
  end();
  auto r = call("http/types", "[method]incoming-request.method", {req});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kTrap);
  // The guest may still drop them.
  EXPECT_TRUE(drop("http/types", "incoming-request", req.handle_rep()).has_value());
  EXPECT_TRUE(drop("http/types", "response-outparam", args->response_out).has_value());
  // A new call starts clean.
  begin();
  EXPECT_TRUE(st().begin_request({}).has_value());
  EXPECT_FALSE(st().begin_request({}).has_value());  // once per call
}

}  // namespace
}  // namespace hookd::engine::component::wasi::host_test
