// The component runtime on real components: greet (a lifted string ->
// string export with realloc and post-return) and echo (a wasi:http proxy
// in the layout `component new` emits, served by a fake of the few
// wasi:http and wasi:io functions it imports), and the load errors a
// component gets for what hookd does not provide.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "abi/wasi_http.hpp"
#include "component/component_instance.hpp"
#include "component/component_parse.hpp"
#include "component/component_plan.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/engine/read_file.hpp"
#include "hookd/engine/vm.hpp"
#include "probe_interface.hpp"

namespace hookd::engine::component {
namespace {

using namespace std::chrono_literals;
using canonical::FunctionType;
using canonical::TypeArena;
using canonical::TypeId;
using canonical::Value;

constexpr auto kTimeout = 5s;

std::vector<uint8_t> component_bytes(const std::string& name) {
  auto bytes = read_file(std::string(HOOKD_COMPONENT_DIR) + "/" + name + ".wasm");
  EXPECT_TRUE(bytes) << bytes.error().describe();
  return bytes ? *bytes : std::vector<uint8_t>();
}

// ---- A fake host ----------------------------------------------------------------

// What the echo component did to the host, in order.
struct EchoState : HostState {
  void begin_call(CallContext&) override {}
  void end_call() override {}

  std::vector<std::string> log;
  uint32_t next_rep = 1000;
  std::map<uint32_t, std::vector<std::pair<std::string, std::string>>> fields;
  std::map<uint32_t, uint32_t> response_headers;  // response -> fields
  std::map<uint32_t, uint32_t> status;            // response -> status
  std::string body;
  std::optional<uint32_t> sent_response;
  // Host destructors that ran, shared with the FakeHost (the state goes with
  // the instance).
  std::shared_ptr<std::vector<std::string>> drops;
  std::string path = "/hello?x=1";
};

EchoState& state_of(HostCall& call) { return static_cast<EchoState&>(call.state); }

// Resource numbers, shared by every interface's types.
enum : canonical::ResourceTypeId {
  kError,
  kOutputStream,
  kFields,
  kOutgoingResponse,
  kOutgoingBody,
  kResponseOutparam,
  kIncomingRequest,
};

TypeId ok(Result<TypeId> t) {
  EXPECT_TRUE(t) << t.error().describe();
  return t ? *t : 0;
}

// wasi:http/types' error-code, as WASI 0.2 defines it.
TypeId error_code(TypeArena& a) {
  const TypeId opt_string = ok(a.option(a.string()));
  const TypeId opt_u16 = ok(a.option(a.u16()));
  const TypeId opt_u8 = ok(a.option(a.u8()));
  const TypeId opt_u32 = ok(a.option(a.u32()));
  const TypeId opt_u64 = ok(a.option(a.u64()));
  const TypeId dns = ok(a.record({"rcode", "info-code"}, {opt_string, opt_u16}));
  const TypeId tls = ok(a.record({"alert-id", "alert-message"}, {opt_u8, opt_string}));
  const TypeId size = ok(a.record({"field-name", "field-size"}, {opt_string, opt_u32}));
  const TypeId opt_size = ok(a.option(size));
  std::vector<std::pair<std::string, std::optional<TypeId>>> cases = {
      {"DNS-timeout", {}},
      {"DNS-error", dns},
      {"destination-not-found", {}},
      {"destination-unavailable", {}},
      {"destination-IP-prohibited", {}},
      {"destination-IP-unroutable", {}},
      {"connection-refused", {}},
      {"connection-terminated", {}},
      {"connection-timeout", {}},
      {"connection-read-timeout", {}},
      {"connection-write-timeout", {}},
      {"connection-limit-reached", {}},
      {"TLS-protocol-error", {}},
      {"TLS-certificate-error", {}},
      {"TLS-alert-received", tls},
      {"HTTP-request-denied", {}},
      {"HTTP-request-length-required", {}},
      {"HTTP-request-body-size", opt_u64},
      {"HTTP-request-method-invalid", {}},
      {"HTTP-request-URI-invalid", {}},
      {"HTTP-request-URI-too-long", {}},
      {"HTTP-request-header-section-size", opt_u32},
      {"HTTP-request-header-size", opt_size},
      {"HTTP-request-trailer-section-size", opt_u32},
      {"HTTP-request-trailer-size", size},
      {"HTTP-response-incomplete", {}},
      {"HTTP-response-header-section-size", opt_u32},
      {"HTTP-response-header-size", size},
      {"HTTP-response-body-size", opt_u64},
      {"HTTP-response-trailer-section-size", opt_u32},
      {"HTTP-response-trailer-size", size},
      {"HTTP-response-transfer-coding", opt_string},
      {"HTTP-response-content-coding", opt_string},
      {"HTTP-response-timeout", {}},
      {"HTTP-upgrade-failed", {}},
      {"HTTP-protocol-error", {}},
      {"loop-detected", {}},
      {"configuration-error", {}},
      {"internal-error", opt_string},
  };
  std::vector<std::string> names;
  std::vector<std::optional<TypeId>> payloads;
  for (auto& [n, p] : cases) {
    names.push_back(n);
    payloads.push_back(p);
  }
  return ok(a.variant(std::move(names), std::move(payloads)));
}

struct FakeOptions {
  bool without_streams = false;        // no wasi:io/streams at all
  bool without_fields_append = false;  // wasi:http/types lacks one function
  bool append_returns_unit = false;    // ... or declares another type for it
  bool fail_path_with_query = false;   // the host function fails
};

// The interfaces the echo component imports, implemented on EchoState.
class FakeHost : public HostInterfaces {
 public:
  explicit FakeHost(FakeOptions options = {}) {
    interfaces_.push_back(io_error());
    if (!options.without_streams) interfaces_.push_back(io_streams());
    interfaces_.push_back(http_types(options));
  }

  const HostInterface* find(std::string_view import_name) const override {
    const auto at = import_name.find('@');
    const std::string_view name = import_name.substr(0, at);
    for (const auto& i : interfaces_) {
      if (i.name == name) return &i;
    }
    return nullptr;
  }
  std::unique_ptr<HostState> make_state() const override {
    auto s = std::make_unique<EchoState>();
    s->drops = drops;
    last_state = s.get();
    return s;
  }

  mutable EchoState* last_state = nullptr;
  std::shared_ptr<std::vector<std::string>> drops = std::make_shared<std::vector<std::string>>();

 private:
  static HostResource resource(std::string name, canonical::ResourceTypeId id) {
    return HostResource{name, id, [name](HostState& s, uint32_t rep) -> Result<void> {
                          static_cast<EchoState&>(s).drops->push_back(name + " " + std::to_string(rep));
                          return {};
                        }};
  }

  static HostInterface io_error() {
    HostInterface i{.name = "wasi:io/error", .version_prefix = "0.2"};
    i.resources.push_back(resource("error", kError));
    return i;
  }

  static HostInterface io_streams() {
    HostInterface i{.name = "wasi:io/streams", .version_prefix = "0.2"};
    auto& a = i.types;
    i.resources.push_back(resource("output-stream", kOutputStream));
    const TypeId stream_error =
        ok(a.variant({"last-operation-failed", "closed"}, {ok(a.own(kError)), std::nullopt}));
    const TypeId bytes = ok(a.list(a.u8()));
    FunctionType write{{ok(a.borrow(kOutputStream)), bytes}, {ok(a.result(std::nullopt, stream_error))}};
    i.functions.push_back(
        {"[method]output-stream.blocking-write-and-flush", write,
         [](HostCall& call, std::span<const Value> args, std::vector<Value>& out) -> Result<void> {
           auto& s = state_of(call);
           s.log.push_back("write " + std::to_string(args[0].handle_rep()));
           auto b = args[1].bytes();
           s.body.append(reinterpret_cast<const char*>(b.data()), b.size());
           out.push_back(Value::ok());
           return {};
         }});
    return i;
  }

  static HostInterface http_types(const FakeOptions& options) {
    HostInterface i{.name = "wasi:http/types", .version_prefix = "0.2"};
    auto& a = i.types;
    for (auto [name, id] : {std::pair{"fields", kFields},
                            {"outgoing-response", kOutgoingResponse},
                            {"outgoing-body", kOutgoingBody},
                            {"response-outparam", kResponseOutparam},
                            {"incoming-request", kIncomingRequest}}) {
      i.resources.push_back(resource(name, id));
    }
    const TypeId header_error = ok(a.variant({"invalid-syntax", "forbidden", "immutable"}, {{}, {}, {}}));
    const TypeId code = error_code(a);
    const TypeId own_fields = ok(a.own(kFields));
    const TypeId own_response = ok(a.own(kOutgoingResponse));
    const TypeId own_body = ok(a.own(kOutgoingBody));
    const TypeId unit_result = ok(a.result(std::nullopt, std::nullopt));

    i.functions.push_back(
        {"[constructor]fields",
         {{}, {own_fields}},
         [](HostCall& call, std::span<const Value>, std::vector<Value>& out) -> Result<void> {
           auto& s = state_of(call);
           const uint32_t rep = s.next_rep++;
           s.fields[rep];
           s.log.push_back("fields " + std::to_string(rep));
           out.push_back(Value::handle(rep));
           return {};
         }});
    if (!options.without_fields_append) {
      FunctionType append{
          {ok(a.borrow(kFields)), a.string(), ok(a.list(a.u8()))},
          {options.append_returns_unit ? unit_result : ok(a.result(std::nullopt, header_error))}};
      i.functions.push_back(
          {"[method]fields.append", append,
           [](HostCall& call, std::span<const Value> args, std::vector<Value>& out) -> Result<void> {
             auto& s = state_of(call);
             auto v = args[2].bytes();
             s.fields[args[0].handle_rep()].emplace_back(
                 std::string(args[1].text()), std::string(reinterpret_cast<const char*>(v.data()), v.size()));
             s.log.push_back("append " + std::to_string(args[0].handle_rep()) + " " +
                             std::string(args[1].text()));
             out.push_back(Value::ok());
             return {};
           }});
    }
    const bool fail_path = options.fail_path_with_query;
    i.functions.push_back(
        {"[method]incoming-request.path-with-query",
         {{ok(a.borrow(kIncomingRequest))}, {ok(a.option(a.string()))}},
         [fail_path](HostCall& call, std::span<const Value> args, std::vector<Value>& out) -> Result<void> {
           auto& s = state_of(call);
           s.log.push_back("path " + std::to_string(args[0].handle_rep()));
           if (fail_path) return fail(ErrorKind::kHostError, "the request is gone");
           out.push_back(Value::some(Value::string(s.path)));
           return {};
         }});
    i.functions.push_back(
        {"[static]response-outparam.set",
         {{ok(a.own(kResponseOutparam)), ok(a.result(own_response, code))}, {}},
         [](HostCall& call, std::span<const Value> args, std::vector<Value>& out) -> Result<void> {
           auto& s = state_of(call);
           s.log.push_back("set " + std::to_string(args[0].handle_rep()));
           if (args[1].case_index() == 0) s.sent_response = args[1].payload()->handle_rep();
           return {};
         }});
    i.functions.push_back(
        {"[constructor]outgoing-response",
         {{own_fields}, {own_response}},
         [](HostCall& call, std::span<const Value> args, std::vector<Value>& out) -> Result<void> {
           auto& s = state_of(call);
           const uint32_t rep = s.next_rep++;
           s.response_headers[rep] = args[0].handle_rep();
           s.log.push_back("response " + std::to_string(rep));
           out.push_back(Value::handle(rep));
           return {};
         }});
    i.functions.push_back(
        {"[method]outgoing-response.set-status-code",
         {{ok(a.borrow(kOutgoingResponse)), a.u16()}, {unit_result}},
         [](HostCall& call, std::span<const Value> args, std::vector<Value>& out) -> Result<void> {
           auto& s = state_of(call);
           s.status[args[0].handle_rep()] = args[1].as_u32();
           s.log.push_back("status " + std::to_string(args[1].as_u32()));
           out.push_back(Value::ok());
           return {};
         }});
    i.functions.push_back(
        {"[method]outgoing-response.body",
         {{ok(a.borrow(kOutgoingResponse))}, {ok(a.result(own_body, std::nullopt))}},
         [](HostCall& call, std::span<const Value>, std::vector<Value>& out) -> Result<void> {
           auto& s = state_of(call);
           const uint32_t rep = s.next_rep++;
           s.log.push_back("body " + std::to_string(rep));
           out.push_back(Value::ok(Value::handle(rep)));
           return {};
         }});
    i.functions.push_back(
        {"[method]outgoing-body.write",
         {{ok(a.borrow(kOutgoingBody))}, {ok(a.result(ok(a.own(kOutputStream)), std::nullopt))}},
         [](HostCall& call, std::span<const Value>, std::vector<Value>& out) -> Result<void> {
           auto& s = state_of(call);
           const uint32_t rep = s.next_rep++;
           s.log.push_back("stream " + std::to_string(rep));
           out.push_back(Value::ok(Value::handle(rep)));
           return {};
         }});
    i.functions.push_back(
        {"[static]outgoing-body.finish",
         {{own_body, ok(a.option(own_fields))}, {ok(a.result(std::nullopt, code))}},
         [](HostCall& call, std::span<const Value> args, std::vector<Value>& out) -> Result<void> {
           auto& s = state_of(call);
           s.log.push_back("finish " + std::to_string(args[0].handle_rep()) +
                           (args[1].case_index() == 0 ? " no-trailers" : " trailers"));
           out.push_back(Value::ok());
           return {};
         }});
    return i;
  }

  std::vector<HostInterface> interfaces_;
};

// No interfaces at all.
class NoHost : public HostInterfaces {
 public:
  const HostInterface* find(std::string_view) const override { return nullptr; }
  std::unique_ptr<HostState> make_state() const override {
    auto s = std::make_unique<EchoState>();
    s->drops = std::make_shared<std::vector<std::string>>();
    return s;
  }
};

// ---- Fixture ----------------------------------------------------------------------

class ComponentRun : public ::testing::Test {
 protected:
  std::unique_ptr<Vm> vm = create_v8_vm();
  std::unique_ptr<Worker> worker = vm->create_worker();

  std::shared_ptr<const ComponentPlan> load(const std::vector<uint8_t>& bytes, const HostInterfaces& host) {
    auto plan = load_component(*vm, bytes, host);
    EXPECT_TRUE(plan) << plan.error().describe();
    return plan ? *plan : nullptr;
  }
  std::unique_ptr<ComponentInstance> instantiate(std::shared_ptr<const ComponentPlan> plan,
                                                 const HostInterfaces& host) {
    if (!plan) return nullptr;
    auto inst = ComponentInstance::create(std::move(plan), *worker, host, kTimeout);
    EXPECT_TRUE(inst) << inst.error().describe();
    return inst ? std::move(*inst) : nullptr;
  }
};

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

  const std::vector<std::string> expected = {"fields 1000",
                                             "append 1000 content-type",
                                             "response 1001",
                                             "status 200",
                                             "body 1002",
                                             "set 9",
                                             "stream 1003",
                                             "path 7",
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
  EXPECT_EQ(log[1], "fields 1002");  // 1000 and 1001: the request and its outparam
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
  // The guest still held the request, the body and its stream: destroying
  // the instance hands them back to the host.
  EXPECT_TRUE(host.drops->empty());
  inst.reset();
  std::vector<std::string> drops = *host.drops;
  std::sort(drops.begin(), drops.end());
  EXPECT_EQ(drops,
            (std::vector<std::string>{"incoming-request 7", "outgoing-body 1002", "output-stream 1003"}));
}

// ---- runtime_probe ----------------------------------------------------------------------

// test:probe/host: things with a label.
struct ProbeState : HostState {
  void begin_call(CallContext&) override {}
  void end_call() override {}
  std::map<uint32_t, std::string> things;
  uint32_t next_rep = 500;
  std::vector<std::string> log;
  std::shared_ptr<std::vector<std::string>> drops;
};

class ProbeHost : public HostInterfaces {
 public:
  ProbeHost()
      : interface_(hookd::test::probe_interface(
            [](HostCall& call, std::span<const Value> args, std::vector<Value>& out) -> Result<void> {
              auto& s = static_cast<ProbeState&>(call.state);
              const uint32_t rep = s.next_rep++;
              s.things[rep] = std::string(args[0].text());
              s.log.push_back("make " + std::string(args[0].text()));
              out.push_back(Value::handle(rep));
              return {};
            },
            [](HostCall& call, std::span<const Value> args, std::vector<Value>& out) -> Result<void> {
              auto& s = static_cast<ProbeState&>(call.state);
              auto it = s.things.find(args[0].handle_rep());
              if (it == s.things.end()) return fail(ErrorKind::kTrap, "no such thing");
              s.log.push_back("label " + std::to_string(args[0].handle_rep()));
              out.push_back(Value::string(it->second));
              return {};
            },
            [](HostState& s, uint32_t rep) -> Result<void> {
              static_cast<ProbeState&>(s).drops->push_back("thing " + std::to_string(rep));
              return {};
            })) {}
  const HostInterface* find(std::string_view import_name) const override {
    return import_name.starts_with("test:probe/host@") ? &interface_ : nullptr;
  }
  std::unique_ptr<HostState> make_state() const override {
    auto s = std::make_unique<ProbeState>();
    s->drops = drops;
    s->things[42] = "lent";
    last_state = s.get();
    return s;
  }
  mutable ProbeState* last_state = nullptr;
  std::shared_ptr<std::vector<std::string>> drops = std::make_shared<std::vector<std::string>>();

 private:
  HostInterface interface_;
};

class ComponentProbe : public ComponentRun {
 protected:
  ProbeHost host;
  std::unique_ptr<ComponentInstance> inst = instantiate(load(component_bytes("runtime_probe"), host), host);

  Result<std::vector<Value>> call(std::string_view name, std::vector<Value> args = {},
                                  std::chrono::nanoseconds timeout = kTimeout) {
    return inst->call(name, args, timeout);
  }
};

TEST_F(ComponentProbe, HostResourceMadeReadThroughABorrowAndDropped) {
  ASSERT_TRUE(inst);
  for (int i = 0; i < 3; ++i) {
    auto out = call("round-trip");
    ASSERT_TRUE(out) << out.error().describe();
    ASSERT_EQ(out->size(), 1u);
    EXPECT_EQ((*out)[0].text(), "probe");
  }
  EXPECT_EQ(host.last_state->log, (std::vector<std::string>{"make probe", "label 500", "make probe",
                                                            "label 501", "make probe", "label 502"}));
  EXPECT_EQ(*host.drops, (std::vector<std::string>{"thing 500", "thing 501", "thing 502"}));
  EXPECT_EQ(inst->handles().live_handles(), 0u);
}

TEST_F(ComponentProbe, ABorrowTheHostLendsIsDroppedWithoutDestroyingTheThing) {
  ASSERT_TRUE(inst);
  auto out = call("use-borrow", {Value::handle(42)});
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ((*out)[0].text(), "lent");
  EXPECT_TRUE(host.drops->empty());
  EXPECT_EQ(inst->handles().live_handles(), 0u);
  EXPECT_FALSE(inst->poisoned());
}

TEST_F(ComponentProbe, ABorrowKeptPastTheCallFailsItAndPoisons) {
  ASSERT_TRUE(inst);
  auto out = call("keep-borrow", {Value::handle(42)});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kTrap) << out.error().describe();
  EXPECT_NE(out.error().message.find("borrowed handle"), std::string::npos) << out.error().describe();
  EXPECT_TRUE(inst->poisoned());
  EXPECT_EQ(inst->handles().live_handles(), 0u);  // the dangling borrow is gone
  EXPECT_TRUE(host.drops->empty());               // and the host's thing was only lent
}

TEST_F(ComponentProbe, TheComponentsOwnResourceAndItsDestructor) {
  ASSERT_TRUE(inst);
  auto made = call("counter-new", {Value::u32(5)});
  ASSERT_TRUE(made) << made.error().describe();
  const uint32_t rep = (*made)[0].handle_rep();
  EXPECT_EQ(rep, 5u);  // the host holds the guest's representation
  EXPECT_EQ(inst->handles().live_handles(), 0u);
  auto got = call("counter-get", {Value::handle(rep)});
  ASSERT_TRUE(got) << got.error().describe();
  EXPECT_EQ((*got)[0].as_u32(), 5u);
  auto calls = call("dtor-calls");
  ASSERT_TRUE(calls);
  EXPECT_EQ((*calls)[0].as_u32(), 0u);
  ASSERT_TRUE(call("counter-drop", {Value::handle(rep)}));
  calls = call("dtor-calls");
  ASSERT_TRUE(calls);
  EXPECT_EQ((*calls)[0].as_u32(), 1u);
  // A counter the guest keeps: its handle stays in the table.
  auto kept = call("counter-keep", {Value::handle(9)});
  ASSERT_TRUE(kept) << kept.error().describe();
  EXPECT_EQ((*kept)[0].as_u32(), 9u);
  EXPECT_EQ(inst->handles().live_handles(), 1u);
}

TEST_F(ComponentProbe, AGuestThatSpinsHitsTheDeadline) {
  ASSERT_TRUE(inst);
  auto out = call("spin", {}, 50ms);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kTimeout) << out.error().describe();
  EXPECT_TRUE(inst->poisoned());
  // The worker stays usable: a new instance answers.
  inst.reset();
  inst = instantiate(load(component_bytes("runtime_probe"), host), host);
  ASSERT_TRUE(inst);
  auto again = call("round-trip");
  ASSERT_TRUE(again) << again.error().describe();
}

TEST_F(ComponentProbe, AStringOutsideMemoryIsATrap) {
  ASSERT_TRUE(inst);
  auto out = call("bad-string");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kTrap) << out.error().describe();
  EXPECT_NE(out.error().message.find("outside the guest's memory"), std::string::npos)
      << out.error().describe();
  EXPECT_TRUE(inst->poisoned());
}

// ---- load errors ----------------------------------------------------------------------

TEST_F(ComponentRun, LoadListsEveryImportTheHostLacks) {
  FakeHost host(FakeOptions{.without_streams = true, .without_fields_append = true});
  auto plan = load_component(*vm, component_bytes("echo"), host);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kLink);
  const std::string& m = plan.error().message;
  EXPECT_NE(m.find("import interface wasi:io/streams@0.2.10"), std::string::npos) << m;
  EXPECT_NE(m.find("import function wasi:http/types@0.2.10#[method]fields.append"), std::string::npos) << m;
  // One line each, and nothing said twice: functions using the missing
  // interface's resources are not reported as mismatches on top.
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 2) << m;

  NoHost none;
  auto bare = load_component(*vm, component_bytes("echo"), none);
  ASSERT_FALSE(bare);
  for (const char* iface : {"wasi:io/error@0.2.10", "wasi:io/streams@0.2.10", "wasi:http/types@0.2.10"}) {
    EXPECT_NE(bare.error().message.find(std::string("import interface ") + iface), std::string::npos)
        << bare.error().message;
  }
}

TEST_F(ComponentRun, LoadWalksAComponentizeJsComponentAndListsWhatItImports) {
  // hello.wasm (13 MB, StarlingMonkey) is built with the rest of `all`, not
  // for this test alone: its build takes half a minute and 800 MB.
  const std::string path = std::string(HOOKD_COMPONENT_DIR) + "/hello.wasm";
  auto bytes = read_file(path);
  if (!bytes) GTEST_SKIP() << path << " is not built";
  NoHost none;
  auto plan = load_component(*vm, *bytes, none);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kLink) << plan.error().describe();
  const std::string& m = plan.error().message;
  for (const char* iface :
       {"wasi:http/types@0.2", "wasi:io/streams@0.2", "wasi:io/poll@0.2", "wasi:clocks/monotonic-clock@0.2",
        "wasi:random/random@0.2", "wasi:cli/stdout@0.2", "wasi:http/outgoing-handler@0.2",
        "wasi:filesystem/preopens@0.2"}) {
    EXPECT_NE(m.find(std::string("import interface ") + iface), std::string::npos) << iface << "\n" << m;
  }
}

TEST_F(ComponentRun, LoadRefusesAnImportOfAnotherType) {
  FakeHost host(FakeOptions{.append_returns_unit = true});
  auto plan = load_component(*vm, component_bytes("echo"), host);
  ASSERT_FALSE(plan);
  const std::string& m = plan.error().message;
  EXPECT_NE(m.find("[method]fields.append has type"), std::string::npos) << m;
  // Both sides described, resources by name.
  EXPECT_NE(m.find("func(borrow<fields>, string, list<u8>) -> result<_, variant { invalid-syntax, forbidden, "
                   "immutable }>, hookd's is func(borrow<fields>, string, list<u8>) -> result"),
            std::string::npos)
      << m;
}

// greet with its lift's string-encoding option rewritten from utf8 to `to`.
std::vector<uint8_t> greet_with_encoding(std::vector<uint8_t> bytes, uint8_t to) {
  auto comp = parse_component(bytes);
  EXPECT_TRUE(comp);
  if (!comp || comp->canons.empty()) return {};
  // lift: 0x00 0x00, the core func index, then the options vec.
  size_t at = comp->canons[0].offset + 2;
  while (bytes[at] & 0x80) ++at;
  ++at;
  const uint8_t count = bytes[at++];
  for (uint8_t i = 0; i < count; ++i) {
    const uint8_t opt = bytes[at];
    if (opt == 0x00) {
      bytes[at] = to;
      return bytes;
    }
    at += 2;  // memory, realloc, post-return: one small index each
  }
  ADD_FAILURE() << "greet's lift has no string-encoding option";
  return {};
}

TEST_F(ComponentRun, LoadRefusesOtherStringEncodings) {
  NoHost host;
  for (uint8_t encoding : {uint8_t{0x01}, uint8_t{0x02}}) {
    auto plan = load_component(*vm, greet_with_encoding(component_bytes("greet"), encoding), host);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidModule);
    EXPECT_NE(plan.error().message.find(encoding == 1 ? "utf16" : "latin1+utf16"), std::string::npos)
        << plan.error().message;
  }
}

TEST_F(ComponentRun, LoadRefusesACanonOptionNamingAMissingCoreExport) {
  // Rename the core module's post-return export: the component still names
  // it in its lift.
  NoHost host;
  auto bytes = component_bytes("greet");
  auto comp = parse_component(bytes);
  ASSERT_TRUE(comp);
  const CoreModule& m = comp->core_modules.at(0);
  const std::string needle = "cabi_post_greet";
  auto begin = bytes.begin() + static_cast<ptrdiff_t>(m.offset);
  auto at = std::search(begin, begin + static_cast<ptrdiff_t>(m.size), needle.begin(), needle.end());
  ASSERT_NE(at, begin + static_cast<ptrdiff_t>(m.size));
  at[needle.size() - 1] = 'X';
  auto plan = load_component(*vm, bytes, host);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidModule);
  EXPECT_NE(plan.error().message.find("post-return: the core instance has no such export cabi_post_greet"),
            std::string::npos)
      << plan.error().describe();
}

TEST_F(ComponentRun, LoadRefusesNestedComponentsWithCoreCode) {
  NoHost host;
  auto plan = load_component(*vm, component_bytes("nested_core"), host);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidModule);
  EXPECT_NE(plan.error().message.find("core definitions inside a nested component are not supported"),
            std::string::npos)
      << plan.error().describe();
}

TEST_F(ComponentRun, LoadRefusesCorruptComponents) {
  NoHost host;
  auto bytes = component_bytes("echo");
  auto truncated =
      std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(bytes.size() / 2));
  auto plan = load_component(*vm, truncated, host);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidModule);

  // A core module whose code is garbage: the engine refuses it at load.
  auto greet = component_bytes("greet");
  auto comp = parse_component(greet);
  ASSERT_TRUE(comp);
  const CoreModule& m = comp->core_modules.at(0);
  for (size_t i = m.offset + 8; i < m.offset + m.size; ++i) greet[i] = 0xff;
  auto broken = load_component(*vm, greet, host);
  ASSERT_FALSE(broken);
  EXPECT_TRUE(broken.error().kind == ErrorKind::kInvalidModule || broken.error().kind == ErrorKind::kCompile)
      << broken.error().describe();
}

// ---- ABI detection -----------------------------------------------------------------------

TEST(WasiHttpAbi, RecognisesAProxyComponentAndNamesItsHandler) {
  EXPECT_EQ(abi_name(Abi::kWasiHttp), "wasi-http");
  auto echo = abi::recognise_wasi_http(component_bytes("echo"));
  ASSERT_TRUE(echo) << echo.error().describe();
  EXPECT_EQ(*echo, "wasi:http/incoming-handler@0.2.10#handle");
}

TEST(WasiHttpAbi, RefusesOtherComponentsAndCoreModules) {
  auto greet = abi::recognise_wasi_http(component_bytes("greet"));
  ASSERT_FALSE(greet);
  EXPECT_NE(greet.error().message.find("does not export wasi:http/incoming-handler"), std::string::npos)
      << greet.error().describe();
  const std::vector<uint8_t> core_module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  auto core = abi::recognise_wasi_http(core_module);
  ASSERT_FALSE(core);
  EXPECT_EQ(core.error().message, "not a WebAssembly component");
}

}  // namespace
}  // namespace hookd::engine::component
