// What hookd's WASI host declares (the 0.2 versions it serves, what a
// componentize-js component imports, signatures as the WIT has them) and
// wasi:http fields: case, repeats, syntax, server-owned names, bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "component/canonical/type_match.hpp"
#include "wasi_http_host_fixture.hpp"

namespace hookd::engine::component::wasi::host_test {
namespace {

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

}  // namespace
}  // namespace hookd::engine::component::wasi::host_test
