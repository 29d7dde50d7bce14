// What the component runtime's tests share (component_run_test.cpp: greet
// and echo; component_probe_test.cpp: runtime_probe; component_load_test.cpp:
// load errors): the components the build made (build/components), a fake of
// the few wasi:http and wasi:io functions echo imports, a host without
// interfaces, and the fixture that loads and instantiates on one worker.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "component/component_instance.hpp"
#include "component/component_plan.hpp"
#include "hookd/engine/read_file.hpp"
#include "hookd/engine/vm.hpp"
#include "wasi_http_error_code.hpp"

namespace hookd::engine::component::run_test {

using canonical::FunctionType;
using canonical::TypeArena;
using canonical::TypeId;
using canonical::Value;

inline constexpr std::chrono::seconds kTimeout{5};

inline std::vector<uint8_t> component_bytes(const std::string& name) {
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

inline EchoState& state_of(HostCall& call) { return static_cast<EchoState&>(call.state); }

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

inline TypeId ok(Result<TypeId> t) {
  EXPECT_TRUE(t) << t.error().describe();
  return t ? *t : 0;
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
    const TypeId code = hookd::test::wasi_http_error_code(a).type;
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

}  // namespace hookd::engine::component::run_test
