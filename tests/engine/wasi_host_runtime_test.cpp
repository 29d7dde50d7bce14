// The rest of hookd's WASI host a component meets at run time: handles
// checked, live objects bounded, stdout and stderr into the log, clocks and
// pollables within the call's deadline, random from the engine's source,
// cli and filesystem as a server without them, and outgoing requests kept
// but not sent without a fetch grant.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "wasi_http_host_fixture.hpp"

namespace hookd::engine::component::wasi::host_test {
namespace {

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
}  // namespace hookd::engine::component::wasi::host_test
