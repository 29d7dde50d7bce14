// The component runtime on runtime_probe (component_wat/runtime_probe.wat):
// host resources made, lent and dropped, the component's own resource and
// its destructor, a borrow kept past the call, a deadline, a string outside
// memory.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "component_run_fixture.hpp"
#include "probe_interface.hpp"

namespace hookd::engine::component::run_test {
namespace {

using namespace std::chrono_literals;

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

}  // namespace
}  // namespace hookd::engine::component::run_test
