// One instance of a loaded component (component_plan.hpp) in one worker:
// its core instances linked together in the plan's order, its handle table,
// and the host's state for it. Calls its lifted exports with component
// values; serves its lowered imports from the host's functions.
//
// Errors: a trap, a deadline, a canonical ABI violation (a bad pointer, bad
// UTF-8, a handle used wrongly or still borrowed when the call returns), a
// host function's error: the call fails with that error and the instance is
// poisoned (every later call fails): the caller replaces it. Only a call
// the embedder got wrong (an unknown export, the wrong number of arguments)
// leaves it usable.
//
// One thread at a time, like the worker it lives in. It must be destroyed
// before that worker.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "component/canonical/handle_table.hpp"
#include "component/canonical/value.hpp"
#include "component/component_plan.hpp"
#include "component/host_interface.hpp"
#include "hookd/engine/result.hpp"
#include "hookd/engine/vm.hpp"

namespace hookd::engine::component {

class ComponentInstance {
 public:
  // Instantiates `plan` in `worker` (start functions run under `timeout`).
  // `host` must be the HostInterfaces the plan was loaded with.
  static Result<std::unique_ptr<ComponentInstance>> create(std::shared_ptr<const ComponentPlan> plan,
                                                           Worker& worker, const HostInterfaces& host,
                                                           std::chrono::nanoseconds timeout);
  ~ComponentInstance();
  ComponentInstance(const ComponentInstance&) = delete;
  ComponentInstance& operator=(const ComponentInstance&) = delete;

  // Calls the export `name` ("greet", "wasi:http/incoming-handler@0.2.10#handle")
  // with one value per parameter (own/borrow of a host resource: its
  // representation; values must own their bytes). The results are copies.
  // `call`, when given, is passed to the host state's begin_call/end_call.
  Result<std::vector<canonical::Value>> call(std::string_view name, std::span<const canonical::Value> args,
                                             std::chrono::nanoseconds timeout, CallContext* call = nullptr);

  // The same for a call whose arguments come from the host state once the
  // call has begun (begin_call(call) made the request's host objects):
  // `make_args` returns them; its error fails the call without poisoning.
  // `finish`, when given, runs after the export returned and before the
  // call ends (end_call): what the host state made of the call (a response)
  // is taken there; its error fails the call without poisoning.
  using MakeArgs = std::function<Result<std::vector<canonical::Value>>(HostState& state)>;
  using Finish = std::function<Result<void>(HostState& state)>;
  Result<std::vector<canonical::Value>> call(std::string_view name, CallContext& call,
                                             const MakeArgs& make_args, std::chrono::nanoseconds timeout,
                                             const Finish& finish = nullptr);

  // The bytes of every linear memory the instance's core instances use
  // (a memory shared between them counted once).
  [[nodiscard]] uint64_t memory_bytes() const;

  [[nodiscard]] bool poisoned() const { return poisoned_; }
  [[nodiscard]] const ComponentPlan& plan() const { return *plan_; }
  [[nodiscard]] HostState& host_state() { return *state_; }
  [[nodiscard]] const canonical::HandleTable& handles() const { return handles_; }

 private:
  // An export of one of the core instances, found: its instance and index.
  struct CoreFunction {
    engine::Instance* instance = nullptr;
    int index = -1;
  };
  // A canon option's memory (its core instance, null without the option,
  // and its export name, the plan's; whether it is that instance's own
  // memory()) and realloc.
  struct CanonTargets {
    engine::Instance* memory = nullptr;
    std::string_view memory_name;
    bool memory_is_own = false;
    std::optional<CoreFunction> realloc;
  };
  struct LiftedTargets {
    CoreFunction func;
    std::optional<CoreFunction> post_return;  // any core instance's export, not only the callee's
    CanonTargets options;
  };

  ComponentInstance(std::shared_ptr<const ComponentPlan> plan, std::unique_ptr<HostState> state);

  Result<std::vector<canonical::Value>> run(std::string_view name, std::chrono::nanoseconds timeout,
                                            CallContext* call, const MakeArgs& make_args,
                                            const Finish& finish);
  Result<void> instantiate(Worker& worker, std::chrono::nanoseconds timeout);
  Result<void> call_lowered(Caller& caller, uint32_t index, std::span<const Val> args, Val* result);
  Result<void> call_builtin(Caller& caller, uint32_t index, std::span<const Val> args, Val* result);
  Result<std::vector<canonical::Value>> call_lifted(const LiftedFunction& fn, const LiftedTargets& targets,
                                                    std::span<const canonical::Value> args,
                                                    std::chrono::nanoseconds timeout);
  // The core instance a CoreRef names.
  Result<engine::Instance*> core(const CoreRef& ref) const;
  // The core instance and export index of a function a CoreRef names;
  // `what` names it in the error when the instance lacks it.
  Result<CoreFunction> core_function(const CoreRef& ref, std::string_view what) const;
  // A canon option's memory and realloc.
  Result<CanonTargets> canon_targets(const std::optional<CoreRef>& memory,
                                     const std::optional<CoreRef>& realloc) const;
  // Find the targets below: a lowered function's before the first core
  // instance importing it is made (`p`: its start function may call it), a
  // guest destructor's as soon as its core instance is made (`instance`),
  // the lifted exports' once all are.
  Result<void> resolve_lowered(const CoreInstancePlan& p);
  Result<void> resolve_destructors(uint32_t instance);
  Result<void> resolve_lifted();

  std::shared_ptr<const ComponentPlan> plan_;
  // Declared before the handle table: the table's destructor runs host
  // destructors, which need the state.
  std::unique_ptr<HostState> state_;
  canonical::HandleTable handles_;
  std::vector<std::unique_ptr<engine::Instance>> cores_;  // destroyed in reverse order
  // What the plan's CoreRefs name in cores_, found by name once, so that a
  // call (an export's, a host function's, a guest destructor's) looks
  // nothing up: by ComponentPlan::lowered, ::exports and ::resources.
  std::vector<std::optional<CanonTargets>> lowered_targets_;
  std::vector<LiftedTargets> lifted_targets_;
  std::vector<CoreFunction> destructors_;  // instance null: none, or not instantiated yet
  CallContext* current_call_ = nullptr;
  Caller* dropping_ = nullptr;  // the guest's resource.drop running
  bool poisoned_ = false;
};

}  // namespace hookd::engine::component
