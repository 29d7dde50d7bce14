// hookd's WASI 0.2 host (engine/src/component/wasi) called the way the
// component runtime calls it: through HostInterfaces, by import and function
// name, with canonical Values for arguments and results.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "component/canonical/type_match.hpp"
#include "component/wasi/wasi_host.hpp"
#include "hookd/engine/http_exchange.hpp"
#include "hookd/engine/plugin.hpp"
#include "wasi_host_calls.hpp"

namespace hookd::engine::component::wasi {
namespace {

using canonical::Value;
using namespace std::chrono_literals;

Value bytes(std::string_view s) { return Value::bytes_owned(std::string(s)); }
std::string text(const Value& v) { return std::string(v.text()); }

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
    const HostInterface* i = host->find("wasi:" + std::string(iface) + "@0.2.10");
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

TEST_F(WasiHostTest, ServesEvery02VersionAndNot03) {
  for (const char* name :
       {"wasi:http/types@0.2.0", "wasi:http/types@0.2.10", "wasi:http/types@0.2.12", "wasi:io/streams@0.2.12",
        "wasi:filesystem/preopens@0.2.6", "wasi:cli/exit@0.2.0"}) {
    EXPECT_NE(host->find(name), nullptr) << name;
  }
  for (const char* name :
       {"wasi:http/types@0.3.0", "wasi:http/types@0.20.0", "wasi:http/types", "wasi:http/typesx@0.2.0",
        "wasi:http/types@1.2.0", "wasi:sockets/tcp@0.2.0", "wasi:http/types@0.2.0-rc-2023"}) {
    EXPECT_EQ(host->find(name), nullptr) << name;
  }
  EXPECT_EQ(host->find("wasi:http/types@0.2.0")->name, "wasi:http/types");
}

TEST_F(WasiHostTest, DeclaresWhatAComponentizeJsComponentImports) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> imports = {
      {"wasi:http/types@0.2.10",
       {"[constructor]fields",
        "[static]fields.from-list",
        "[method]fields.get",
        "[method]fields.has",
        "[method]fields.set",
        "[method]fields.delete",
        "[method]fields.append",
        "[method]fields.entries",
        "[method]fields.clone",
        "[method]incoming-request.method",
        "[method]incoming-request.path-with-query",
        "[method]incoming-request.scheme",
        "[method]incoming-request.authority",
        "[method]incoming-request.headers",
        "[method]incoming-request.consume",
        "[constructor]outgoing-request",
        "[method]outgoing-request.body",
        "[method]outgoing-request.method",
        "[method]outgoing-request.set-method",
        "[method]outgoing-request.path-with-query",
        "[method]outgoing-request.set-path-with-query",
        "[method]outgoing-request.scheme",
        "[method]outgoing-request.set-scheme",
        "[method]outgoing-request.authority",
        "[method]outgoing-request.set-authority",
        "[method]outgoing-request.headers",
        "[constructor]request-options",
        "[method]request-options.connect-timeout",
        "[method]request-options.set-connect-timeout",
        "[method]request-options.first-byte-timeout",
        "[method]request-options.set-first-byte-timeout",
        "[method]request-options.between-bytes-timeout",
        "[method]request-options.set-between-bytes-timeout",
        "[static]response-outparam.set",
        "[method]incoming-response.status",
        "[method]incoming-response.headers",
        "[method]incoming-response.consume",
        "[method]incoming-body.stream",
        "[static]incoming-body.finish",
        "[method]future-trailers.subscribe",
        "[method]future-trailers.get",
        "[constructor]outgoing-response",
        "[method]outgoing-response.status-code",
        "[method]outgoing-response.set-status-code",
        "[method]outgoing-response.headers",
        "[method]outgoing-response.body",
        "[method]outgoing-body.write",
        "[static]outgoing-body.finish",
        "[method]future-incoming-response.subscribe",
        "[method]future-incoming-response.get",
        "http-error-code"}},
      {"wasi:http/outgoing-handler@0.2.10", {"handle"}},
      {"wasi:io/poll@0.2.12", {"[method]pollable.ready", "[method]pollable.block", "poll"}},
      {"wasi:io/error@0.2.12", {"[method]error.to-debug-string"}},
      {"wasi:io/streams@0.2.12",
       {"[method]input-stream.read", "[method]input-stream.blocking-read", "[method]input-stream.skip",
        "[method]input-stream.blocking-skip", "[method]input-stream.subscribe",
        "[method]output-stream.check-write", "[method]output-stream.write",
        "[method]output-stream.blocking-write-and-flush", "[method]output-stream.flush",
        "[method]output-stream.blocking-flush", "[method]output-stream.subscribe",
        "[method]output-stream.write-zeroes", "[method]output-stream.blocking-write-zeroes-and-flush",
        "[method]output-stream.splice", "[method]output-stream.blocking-splice"}},
      {"wasi:clocks/monotonic-clock@0.2.12",
       {"now", "resolution", "subscribe-instant", "subscribe-duration"}},
      {"wasi:clocks/wall-clock@0.2.12", {"now", "resolution"}},
      {"wasi:random/random@0.2.12", {"get-random-bytes", "get-random-u64"}},
      {"wasi:cli/stdin@0.2.12", {"get-stdin"}},
      {"wasi:cli/stdout@0.2.12", {"get-stdout"}},
      {"wasi:cli/stderr@0.2.12", {"get-stderr"}},
      {"wasi:cli/terminal-input@0.2.12", {}},
      {"wasi:cli/terminal-output@0.2.12", {}},
      {"wasi:cli/terminal-stdin@0.2.12", {"get-terminal-stdin"}},
      {"wasi:cli/terminal-stdout@0.2.12", {"get-terminal-stdout"}},
      {"wasi:cli/terminal-stderr@0.2.12", {"get-terminal-stderr"}},
      {"wasi:filesystem/types@0.2.12",
       {"[method]descriptor.write-via-stream", "[method]descriptor.append-via-stream",
        "[method]descriptor.get-flags", "[method]descriptor.get-type", "[method]descriptor.stat",
        "filesystem-error-code"}},
      {"wasi:filesystem/preopens@0.2.12", {"get-directories"}},
  };
  size_t http_types = 0;
  for (const auto& [iface, fns] : imports) {
    const HostInterface* i = host->find(iface);
    ASSERT_NE(i, nullptr) << iface;
    for (const std::string& fn : fns) {
      EXPECT_TRUE(std::ranges::any_of(i->functions, [&](const HostFunction& f) { return f.name == fn; }))
          << iface << " " << fn;
    }
    if (iface.starts_with("wasi:http/types")) http_types = fns.size();
  }
  EXPECT_EQ(http_types, 51U);
}

// The declared signatures are the WIT's, as the linker compares them.
TEST_F(WasiHostTest, SignaturesReadAsTheWit) {
  const auto sig = [&](std::string_view iface, std::string_view fn) {
    const HostInterface* i = host->find(std::string(iface) + "@0.2.10");
    for (const HostFunction& f : i->functions) {
      if (f.name == fn) return canonical::describe(i->types, f.type, 4096);
    }
    return std::string("missing");
  };
  const std::string fields = "own<#" + std::to_string(id(Res::kFields)) + ">";
  EXPECT_NE(sig("wasi:http/types", "[static]fields.from-list").find("list<tuple<string, list<u8>>>"),
            std::string::npos);
  EXPECT_NE(sig("wasi:http/types", "[static]fields.from-list").find(fields), std::string::npos);
  EXPECT_EQ(sig("wasi:io/poll", "poll"),
            "func(list<borrow<#" + std::to_string(id(Res::kPollable)) + ">>) -> list<u32>");
  EXPECT_EQ(sig("wasi:random/random", "get-random-bytes"), "func(u64) -> list<u8>");
  EXPECT_EQ(sig("wasi:http/types", "[method]fields.set"),
            "func(borrow<#0>, string, list<list<u8>>) -> result<_, variant { invalid-syntax, forbidden, "
            "immutable }>");
  const std::string handle = sig("wasi:http/outgoing-handler", "handle");
  for (const char* part :
       {"DNS-error(record { rcode: option<string>, info-code: option<u16> })",
        "HTTP-request-header-size(option<record { field-name: option<string>, field-size: option<u32> }>)",
        "HTTP-request-denied, ", "internal-error(option<string>)"}) {
    EXPECT_NE(handle.find(part), std::string::npos) << part << " in " << handle;
  }
  // Every function's types resolve in its interface's arena.
  for (const HostInterface& i : host->interfaces()) {
    for (const HostFunction& f : i.functions) {
      for (auto t : f.type.params) EXPECT_TRUE(i.types.contains(t)) << i.name << " " << f.name;
      for (auto t : f.type.results) EXPECT_TRUE(i.types.contains(t)) << i.name << " " << f.name;
      EXPECT_LE(f.type.results.size(), 1U);
    }
  }
}

TEST_F(WasiHostTest, FieldsGetIgnoresCaseAndKeepsRepeatsInOrder) {
  const uint32_t f = one("http/types", "[constructor]fields").handle_rep();
  EXPECT_EQ(one("http/types", "[method]fields.append",
                {Value::handle(f), Value::string("Set-Cookie"), bytes("a=1")})
                .case_index(),
            0U);
  EXPECT_EQ(
      one("http/types", "[method]fields.append", {Value::handle(f), Value::string("x-other"), bytes("o")})
          .case_index(),
      0U);
  EXPECT_EQ(one("http/types", "[method]fields.append",
                {Value::handle(f), Value::string("set-cookie"), bytes("b=2")})
                .case_index(),
            0U);
  EXPECT_EQ(get(f, "SET-COOKIE"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_TRUE(
      one("http/types", "[method]fields.has", {Value::handle(f), Value::string("X-Other")}).as_bool());
  EXPECT_FALSE(
      one("http/types", "[method]fields.has", {Value::handle(f), Value::string("x-missing")}).as_bool());
  EXPECT_TRUE(get(f, "x-missing").empty());

  const Value entries = one("http/types", "[method]fields.entries", {Value::handle(f)});
  ASSERT_EQ(entries.items().size(), 3U);
  EXPECT_EQ(text(entries.items()[0].items()[0]), "Set-Cookie");
  EXPECT_EQ(text(entries.items()[2].items()[1]), "b=2");

  // set replaces every value of the name; delete removes them.
  const Value values = Value::list({bytes("c=3")});
  EXPECT_EQ(one("http/types", "[method]fields.set", {Value::handle(f), Value::string("SET-cookie"), values})
                .case_index(),
            0U);
  EXPECT_EQ(get(f, "set-cookie"), std::vector<std::string>{"c=3"});
  EXPECT_EQ(
      one("http/types", "[method]fields.delete", {Value::handle(f), Value::string("x-other")}).case_index(),
      0U);
  EXPECT_FALSE(
      one("http/types", "[method]fields.has", {Value::handle(f), Value::string("x-other")}).as_bool());

  // clone is a separate, mutable copy.
  const uint32_t c = one("http/types", "[method]fields.clone", {Value::handle(f)}).handle_rep();
  EXPECT_NE(c, f);
  EXPECT_EQ(one("http/types", "[method]fields.append", {Value::handle(c), Value::string("x-new"), bytes("1")})
                .case_index(),
            0U);
  EXPECT_TRUE(get(f, "x-new").empty());
  EXPECT_EQ(get(c, "set-cookie"), std::vector<std::string>{"c=3"});
}

TEST_F(WasiHostTest, FieldsRefuseBadSyntaxAndServerOwnedHeaders) {
  const uint32_t f = one("http/types", "[constructor]fields").handle_rep();
  const auto append = [&](std::string name, std::string value) {
    Value r =
        one("http/types", "[method]fields.append", {Value::handle(f), Value::string(name), bytes(value)});
    return r.case_index() == 0 ? -1 : static_cast<int>(r.payload()->case_index());
  };
  EXPECT_EQ(append("bad name", "v"), 0);  // invalid-syntax
  EXPECT_EQ(append("", "v"), 0);
  EXPECT_EQ(append("x-a", "one\r\ntwo"), 0);
  EXPECT_EQ(append("x-a", std::string("nul\0", 4)), 0);
  EXPECT_EQ(append("Connection", "close"), 1);  // forbidden
  EXPECT_EQ(append("transfer-encoding", "chunked"), 1);
  EXPECT_EQ(append("Content-Length", "58"), -1);  // StarlingMonkey's own, kept
  EXPECT_EQ(append("x-tab", "a\tb"), -1);
  const Value bad = one("http/types", "[static]fields.from-list",
                        {Value::list({Value::tuple({Value::string("upgrade"), bytes("h2c")})})});
  ASSERT_EQ(bad.case_index(), 1U);
  EXPECT_EQ(bad.payload()->case_index(), 1U);
}

TEST_F(WasiHostTest, FieldsStayWithinTheResponseSinksBounds) {
  const uint32_t f = one("http/types", "[constructor]fields").handle_rep();
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(one("http/types", "[method]fields.append", {Value::handle(f), Value::string("x-h"), bytes("v")})
                  .case_index(),
              0U);
  }
  const Value past =
      one("http/types", "[method]fields.append", {Value::handle(f), Value::string("x-h"), bytes("v")});
  ASSERT_EQ(past.case_index(), 1U);
  EXPECT_EQ(past.payload()->case_index(), 1U);
  EXPECT_EQ(get(f, "x-h").size(), 100U);

  const uint32_t g = one("http/types", "[constructor]fields").handle_rep();
  const std::string big(40u << 10, 'v');
  EXPECT_EQ(one("http/types", "[method]fields.append", {Value::handle(g), Value::string("x-1"), bytes(big)})
                .case_index(),
            0U);
  EXPECT_EQ(one("http/types", "[method]fields.append", {Value::handle(g), Value::string("x-2"), bytes(big)})
                .case_index(),
            1U);
  // set counts what it replaces: swapping the big value for another fits.
  EXPECT_EQ(one("http/types", "[method]fields.set",
                {Value::handle(g), Value::string("x-1"), Value::list({bytes(big)})})
                .case_index(),
            0U);
  EXPECT_EQ(get(g, "x-1").size(), 1U);
}

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

TEST_F(WasiHostTest, BadHandlesTrap) {
  for (uint32_t rep : {0U, 7U, 999U}) {
    auto r = call("http/types", "[method]fields.entries", {Value::handle(rep)});
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ErrorKind::kTrap);
  }
  // A pollable's representation used as fields.
  const Value p = one("clocks/monotonic-clock", "subscribe-duration", {Value::u64(0)});
  EXPECT_EQ(call("http/types", "[method]fields.entries", {p}).error().kind, ErrorKind::kTrap);
  EXPECT_EQ(drop("http/types", "fields", p.handle_rep()).error().kind, ErrorKind::kTrap);
  ASSERT_TRUE(drop("io/poll", "pollable", p.handle_rep()).has_value());
  EXPECT_EQ(drop("io/poll", "pollable", p.handle_rep()).error().kind, ErrorKind::kTrap);
  // The response and its outparam need a call.
  EXPECT_EQ(
      call("http/types", "[constructor]outgoing-response", {Value::handle(new_fields({}))}).error().kind,
      ErrorKind::kTrap);
  EXPECT_FALSE(st().begin_request({}).has_value());
}

class SmallHostTest : public WasiHostTest {
 protected:
  SmallHostTest() : WasiHostTest(WasiOptions{.max_log_bytes_per_call = 8, .max_objects_per_kind = 4}) {}
};

TEST_F(SmallHostTest, LiveObjectsOfAKindAreBounded) {
  std::vector<uint32_t> reps;
  for (int i = 0; i < 4; ++i) reps.push_back(one("http/types", "[constructor]fields").handle_rep());
  auto fifth = call("http/types", "[constructor]fields");
  ASSERT_FALSE(fifth.has_value());
  EXPECT_EQ(fifth.error().kind, ErrorKind::kTrap);
  // Other kinds have their own count; a drop makes room.
  EXPECT_TRUE(call("clocks/monotonic-clock", "subscribe-duration", {Value::u64(0)}).has_value());
  ASSERT_TRUE(drop("http/types", "fields", reps[0]).has_value());
  EXPECT_TRUE(call("http/types", "[constructor]fields").has_value());
}

TEST_F(SmallHostTest, StdoutAndStderrGoToTheLogWithinTheCallsBudget) {
  begin();
  const Value so = one("cli/stdout", "get-stdout");
  const Value se = one("cli/stderr", "get-stderr");
  EXPECT_EQ(
      one("io/streams", "[method]output-stream.blocking-write-and-flush", {so, bytes("hi\n")}).case_index(),
      0U);
  EXPECT_EQ(one("io/streams", "[method]output-stream.write", {se, bytes("oops\n")}).case_index(), 0U);
  EXPECT_EQ(one("io/streams", "[method]output-stream.write", {se, bytes("and more\n")}).case_index(), 0U);
  EXPECT_EQ(out, "hi\n");
  EXPECT_EQ(err.substr(0, 5), "oops\n");
  EXPECT_NE(err.find("dropped"), std::string::npos);
  EXPECT_EQ(err.find("more"), std::string::npos);
  end();
  // stdin is empty.
  const Value in = one("cli/stdin", "get-stdin");
  EXPECT_EQ(one("io/streams", "[method]input-stream.read", {in, Value::u64(10)}).payload()->case_index(), 1U);
}

TEST_F(WasiHostTest, ClockPollablesWaitWithinTheDeadline) {
  const uint64_t a = one("clocks/monotonic-clock", "now").as_u64();
  const uint64_t b = one("clocks/monotonic-clock", "now").as_u64();
  EXPECT_LE(a, b);
  const Value now = one("clocks/monotonic-clock", "subscribe-duration", {Value::u64(0)});
  const Value later =
      one("clocks/monotonic-clock", "subscribe-duration", {Value::u64(3600ULL * 1000000000ULL)});
  const Value never = one("clocks/monotonic-clock", "subscribe-instant", {Value::u64(~0ULL)});
  EXPECT_TRUE(one("io/poll", "[method]pollable.ready", {now}).as_bool());
  EXPECT_FALSE(one("io/poll", "[method]pollable.ready", {later}).as_bool());
  EXPECT_FALSE(one("io/poll", "[method]pollable.ready", {never}).as_bool());
  const Value ready = one("io/poll", "poll", {Value::list({later, now, never})});
  ASSERT_EQ(ready.items().size(), 1U);
  EXPECT_EQ(ready.items()[0].as_u32(), 1U);
  EXPECT_EQ(call("io/poll", "poll", {Value::list({})}).error().kind, ErrorKind::kTrap);

  // Blocking past the call's deadline stops at the deadline.
  ctx.deadline = std::chrono::steady_clock::now() + 5ms;
  begin();
  auto blocked = call("io/poll", "[method]pollable.block", {later});
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(call("io/poll", "poll", {Value::list({later, never})}).error().kind, ErrorKind::kTimeout);
  // A short wait inside the deadline completes.
  ctx.deadline = std::chrono::steady_clock::now() + 10s;
  const Value soon = one("clocks/monotonic-clock", "subscribe-duration", {Value::u64(1000000)});
  EXPECT_TRUE(call("io/poll", "[method]pollable.block", {soon}).has_value());
  EXPECT_TRUE(one("io/poll", "[method]pollable.ready", {soon}).as_bool());
  end();
  // Outside a call nothing may block.
  EXPECT_EQ(call("io/poll", "[method]pollable.block", {later}).error().kind, ErrorKind::kTrap);

  const Value wall = one("clocks/wall-clock", "now");
  EXPECT_GT(wall.items()[0].as_u64(), 1700000000U);
  EXPECT_LT(wall.items()[1].as_u32(), 1000000000U);
}

class ShortWaitTest : public WasiHostTest {
 protected:
  ShortWaitTest() : WasiHostTest(WasiOptions{.max_wait = std::chrono::milliseconds(5)}) {}
};

TEST_F(ShortWaitTest, ACallWithoutADeadlineStillWaitsAtMostMaxWait) {
  ctx.deadline = {};
  begin();
  const Value forever = one("clocks/monotonic-clock", "subscribe-instant", {Value::u64(~0ULL)});
  auto blocked = call("io/poll", "[method]pollable.block", {forever});
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().kind, ErrorKind::kTimeout);
  end();
}

TEST_F(WasiHostTest, RandomComesFromTheEnginesSourceAndIsBounded) {
  const Value b = one("random/random", "get-random-bytes", {Value::u64(5)});
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin(), b.bytes().end()), (std::vector<uint8_t>{1, 2, 3, 1, 2}));
  EXPECT_EQ(one("random/random", "get-random-u64").as_u64(), 0x0201030201030201ULL);
  EXPECT_EQ(call("random/random", "get-random-bytes", {Value::u64(1ULL << 40)}).error().kind,
            ErrorKind::kTrap);
}

TEST_F(WasiHostTest, CliAndFilesystemAnswerAsAServerWithoutThem) {
  EXPECT_TRUE(one("filesystem/preopens", "get-directories").items().empty());
  EXPECT_EQ(one("cli/terminal-stderr", "get-terminal-stderr").case_index(), 0U);
  EXPECT_EQ(one("cli/terminal-stdin", "get-terminal-stdin").case_index(), 0U);
  EXPECT_TRUE(one("cli/environment", "get-environment").items().empty());
  EXPECT_TRUE(one("cli/environment", "get-arguments").items().empty());
  auto exited = call("cli/exit", "exit-with-code", {Value::u32(3)});
  ASSERT_FALSE(exited.has_value());
  EXPECT_EQ(exited.error().kind, ErrorKind::kTrap);
  EXPECT_NE(exited.error().message.find("3"), std::string::npos);
  const Value stat = one("filesystem/types", "[method]descriptor.stat", {Value::handle(1)});
  ASSERT_EQ(stat.case_index(), 1U);
  EXPECT_EQ(stat.payload()->case_index(), 3U);  // bad-descriptor
}

TEST_F(WasiHostTest, OutgoingRequestsKeepTheirPartsButAreNotSent) {
  const Value req =
      one("http/types", "[constructor]outgoing-request", {Value::handle(new_fields({{"x-a", "1"}}))});
  EXPECT_EQ(one("http/types", "[method]outgoing-request.method", {req}).case_index(), 0U);
  EXPECT_EQ(one("http/types", "[method]outgoing-request.set-method",
                {req, Value::variant(9, Value::string("PURGE"))})
                .case_index(),
            0U);
  const Value m = one("http/types", "[method]outgoing-request.method", {req});
  EXPECT_EQ(text(*m.payload()), "PURGE");
  EXPECT_EQ(
      one("http/types", "[method]outgoing-request.set-authority", {req, Value::some(Value::string("up:80"))})
          .case_index(),
      0U);
  EXPECT_EQ(text(*one("http/types", "[method]outgoing-request.authority", {req}).payload()), "up:80");
  const uint32_t h = one("http/types", "[method]outgoing-request.headers", {req}).handle_rep();
  EXPECT_EQ(get(h, "X-A"), std::vector<std::string>{"1"});
  const Value opts = one("http/types", "[constructor]request-options");
  EXPECT_EQ(
      one("http/types", "[method]request-options.set-connect-timeout", {opts, Value::some(Value::u64(5))})
          .case_index(),
      0U);
  EXPECT_EQ(one("http/types", "[method]request-options.connect-timeout", {opts}).payload()->as_u64(), 5U);
  const Value sent = one("http/outgoing-handler", "handle", {req, Value::some(opts)});
  ASSERT_EQ(sent.case_index(), 1U);
  EXPECT_EQ(sent.payload()->case_index(), 15U);  // HTTP-request-denied
  EXPECT_EQ(call("http/types", "[method]outgoing-request.method", {req}).error().kind, ErrorKind::kTrap);
}

}  // namespace
}  // namespace hookd::engine::component::wasi
