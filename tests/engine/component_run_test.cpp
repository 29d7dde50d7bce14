// The component runtime on real components: greet (a lifted string ->
// string export with realloc and post-return) and echo (a wasi:http proxy
// in the layout `component new` emits, served by a fake of the few
// wasi:http and wasi:io functions it imports).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "component_run_fixture.hpp"
#include "hookd/engine/plugin.hpp"

namespace hookd::engine::component::run_test {
namespace {

using namespace std::chrono_literals;

// ---- greet --------------------------------------------------------------------------

Result<std::string> greet(ComponentInstance& inst, const std::string& name) {
  const Value arg = Value::string(name);
  auto out = inst.call("greet", std::span(&arg, 1), kTimeout);
  if (!out) return std::unexpected(out.error());
  if (out->size() != 1) return fail(ErrorKind::kInternal, "greet returned " + std::to_string(out->size()));
  EXPECT_FALSE((*out)[0].is_view());
  return std::string((*out)[0].text());
}

TEST_F(ComponentRun, GreetAnswersAsciiUtf8AndEmptyStrings) {
  NoHost host;
  auto plan = load(component_bytes("greet"), host);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->exports.size(), 1u);
  EXPECT_EQ(plan->exports[0].name, "greet");
  auto inst = instantiate(plan, host);
  ASSERT_TRUE(inst);
  for (const std::string name : {"world", "Grüße, 世界 🌍", ""}) {
    auto out = greet(*inst, name);
    ASSERT_TRUE(out) << out.error().describe();
    EXPECT_EQ(*out, "hello, " + name);
  }
  EXPECT_FALSE(inst->poisoned());
}

TEST_F(ComponentRun, GreetPostReturnFreesWhatEachCallAllocated) {
  // greet's memory is one page and its allocator only bumps: without the
  // post-return after each call, the third 20 KiB greeting would not fit.
  NoHost host;
  auto inst = instantiate(load(component_bytes("greet"), host), host);
  ASSERT_TRUE(inst);
  const std::string name(20 * 1024, 'x');
  for (int i = 0; i < 50; ++i) {
    auto out = greet(*inst, name);
    ASSERT_TRUE(out) << "call " << i << ": " << out.error().describe();
    EXPECT_EQ(out->size(), 7 + name.size());
  }
}

TEST_F(ComponentRun, GreetWithOneMebibyteTrapsCleanlyAndPoisonsTheInstance) {
  // 1 MiB does not fit the guest's 64 KiB memory: its realloc traps.
  NoHost host;
  auto plan = load(component_bytes("greet"), host);
  auto inst = instantiate(plan, host);
  ASSERT_TRUE(inst);
  auto out = greet(*inst, std::string(1 << 20, 'a'));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kTrap) << out.error().describe();
  EXPECT_TRUE(inst->poisoned());
  EXPECT_FALSE(greet(*inst, "again"));
  // A new instance of the same plan works.
  inst.reset();
  auto fresh = instantiate(plan, host);
  ASSERT_TRUE(fresh);
  auto again = greet(*fresh, "again");
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(*again, "hello, again");
}

TEST_F(ComponentRun, CallerMistakesDoNotPoison) {
  NoHost host;
  auto inst = instantiate(load(component_bytes("greet"), host), host);
  ASSERT_TRUE(inst);
  auto unknown = inst->call("nope", {}, kTimeout);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  auto no_args = inst->call("greet", {}, kTimeout);
  ASSERT_FALSE(no_args);
  EXPECT_EQ(no_args.error().kind, ErrorKind::kInvalidArgument);
  const std::string text = "viewed";
  const Value view = Value::string_view(text);
  auto viewed = inst->call("greet", std::span(&view, 1), kTimeout);
  ASSERT_FALSE(viewed);
  EXPECT_EQ(viewed.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_FALSE(inst->poisoned());
  auto out = greet(*inst, "still");
  ASSERT_TRUE(out) << out.error().describe();
}

// ---- echo ---------------------------------------------------------------------------

constexpr std::string_view kHandle = "wasi:http/incoming-handler@0.2.10#handle";

TEST_F(ComponentRun, EchoHandlerAnswersThroughTheHostFunctions) {
  FakeHost host;
  auto plan = load(component_bytes("echo"), host);
  ASSERT_TRUE(plan);
  ASSERT_NE(plan->find_export(kHandle), nullptr);
  // main, the shim with its call table, the fixup that fills it.
  EXPECT_EQ(plan->core_instances.size(), 3u);
  auto inst = instantiate(plan, host);
  ASSERT_TRUE(inst);
  EchoState& s = *host.last_state;

  const std::vector<Value> args = {Value::handle(7), Value::handle(9)};  // request, response-outparam
  auto out = inst->call(kHandle, args, kTimeout);
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_TRUE(out->empty());

  const std::vector<std::string> expected = {"path 7",
                                             "fields 1000",
                                             "append 1000 content-type",
                                             "response 1001",
                                             "status 200",
                                             "body 1002",
                                             "set 9",
                                             "stream 1003",
                                             "write 1003",
                                             "write 1003",
                                             "finish 1002 no-trailers"};
  EXPECT_EQ(s.log, expected);
  EXPECT_EQ(s.body, "/hello?x=1\n");
  ASSERT_TRUE(s.sent_response);
  EXPECT_EQ(s.status[*s.sent_response], 200u);
  const auto& headers = s.fields[s.response_headers[*s.sent_response]];
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>("content-type", "text/plain")));
  // The guest dropped its stream and the request: the host's destructors ran.
  EXPECT_EQ(*host.drops, (std::vector<std::string>{"output-stream 1003", "incoming-request 7"}));
  // Every own handle went to the host or was dropped.
  EXPECT_EQ(inst->handles().live_handles(), 0u);
  EXPECT_FALSE(inst->poisoned());

  // The same instance serves a second request.
  s.path = "/second";
  s.body.clear();
  auto again = inst->call(kHandle, std::vector<Value>{Value::handle(11), Value::handle(12)}, kTimeout);
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(s.body, "/second\n");
}

// How a server calls the handler: the call begins on the host state (which
// makes the request's objects), and the arguments are their handles.
struct CallingState : EchoState {
  void begin_call(CallContext& call) override {
    log.push_back("begin " + std::string(call.request_id));
    request = next_rep++;
    outparam = next_rep++;
  }
  void end_call() override { log.push_back("end"); }
  uint32_t request = 0;
  uint32_t outparam = 0;
};

class CallingHost : public FakeHost {
 public:
  std::unique_ptr<HostState> make_state() const override {
    auto s = std::make_unique<CallingState>();
    s->drops = drops;
    state = s.get();
    return s;
  }
  mutable CallingState* state = nullptr;
};

TEST_F(ComponentRun, ArgumentsMadeByTheHostStateOnceTheCallBegan) {
  CallingHost host;
  auto inst = instantiate(load(component_bytes("echo"), host), host);
  ASSERT_TRUE(inst);
  CallContext ctx{.request_id = "r-1"};
  auto out = inst->call(
      kHandle, ctx,
      [](HostState& state) -> Result<std::vector<Value>> {
        auto& s = static_cast<CallingState&>(state);
        return std::vector<Value>{Value::handle(s.request), Value::handle(s.outparam)};
      },
      kTimeout);
  ASSERT_TRUE(out) << out.error().describe();
  const auto& log = host.state->log;
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(log.front(), "begin r-1");
  EXPECT_EQ(log[1], "path 1000");  // the request, 1001 its outparam
  EXPECT_EQ(log[2], "fields 1002");
  EXPECT_EQ(log.back(), "end");
  EXPECT_NE(std::find(log.begin(), log.end(), "set 1001"), log.end());
  EXPECT_EQ(host.state->body, "/hello?x=1\n");

  // A host state that cannot make the arguments fails the call, and ends it,
  // without poisoning the instance.
  auto refused = inst->call(
      kHandle, ctx,
      [](HostState&) -> Result<std::vector<Value>> { return fail(ErrorKind::kHostError, "no request"); },
      kTimeout);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kHostError);
  EXPECT_EQ(host.state->log.back(), "end");
  EXPECT_FALSE(inst->poisoned());
}

TEST_F(ComponentRun, HostFunctionErrorTrapsAndDestroyingReleasesHostObjects) {
  FakeHost host(FakeOptions{.fail_path_with_query = true});
  auto inst = instantiate(load(component_bytes("echo"), host), host);
  ASSERT_TRUE(inst);
  auto out = inst->call(kHandle, std::vector<Value>{Value::handle(7), Value::handle(9)}, kTimeout);
  ASSERT_FALSE(out);
  // The host saw the call up to the function that failed.
  EXPECT_EQ(host.last_state->log.back(), "path 7");
  EXPECT_NE(out.error().message.find("the request is gone"), std::string::npos) << out.error().describe();
  EXPECT_TRUE(inst->poisoned());
  EXPECT_FALSE(inst->call(kHandle, std::vector<Value>{Value::handle(1), Value::handle(2)}, kTimeout));
  // The guest still held the request and the outparam it had not set yet:
  // destroying the instance hands them back to the host.
  EXPECT_TRUE(host.drops->empty());
  inst.reset();
  std::vector<std::string> drops = *host.drops;
  std::sort(drops.begin(), drops.end());
  EXPECT_EQ(drops, (std::vector<std::string>{"incoming-request 7", "response-outparam 9"}));
}

}  // namespace
}  // namespace hookd::engine::component::run_test
