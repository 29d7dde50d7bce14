#include "component/component_instance.hpp"

#include <algorithm>
#include <utility>

#include "component/canonical/lift_lower.hpp"

namespace hookd::engine::component {
namespace {

using canonical::CallScope;
using canonical::Context;
using canonical::Value;

// A core instance's exported memory, asked again every time (guest code may
// have grown and moved it): as the instance's own memory() when that is the
// one the export names (no lookup by name), else by its name.
class CoreMemory : public canonical::GuestMemory {
 public:
  CoreMemory(engine::Instance* instance, std::string_view name, bool own)
      : instance_(instance), name_(name), own_(own) {}
  std::span<uint8_t> bytes() override {
    if (!instance_) return {};
    return own_ ? instance_->memory() : instance_->exported_memory(name_);
  }

 private:
  engine::Instance* instance_;
  std::string_view name_;
  bool own_;
};

Result<uint32_t> realloc_result(const Result<void>& r, const Val& out) {
  if (!r) return std::unexpected(r.error());
  return static_cast<uint32_t>(out.i32);
}

std::array<Val, 4> realloc_args(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) {
  return {Val::I32(static_cast<int32_t>(old_ptr)), Val::I32(static_cast<int32_t>(old_size)),
          Val::I32(static_cast<int32_t>(align)), Val::I32(static_cast<int32_t>(new_size))};
}

// cabi_realloc called by the host around an export call (outside imports).
class DirectRealloc : public canonical::GuestRealloc {
 public:
  DirectRealloc(engine::Instance& instance, int index, std::chrono::nanoseconds timeout)
      : instance_(instance), index_(index), timeout_(timeout) {}
  Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override {
    auto args = realloc_args(old_ptr, old_size, align, new_size);
    Val out;
    return realloc_result(instance_.call(index_, args, &out, timeout_), out);
  }

 private:
  engine::Instance& instance_;
  int index_;
  std::chrono::nanoseconds timeout_;
};

// cabi_realloc called while a host import runs (lowering its results).
class NestedRealloc : public canonical::GuestRealloc {
 public:
  NestedRealloc(Caller& caller, engine::Instance& instance, int index)
      : caller_(caller), instance_(instance), index_(index) {}
  Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override {
    auto args = realloc_args(old_ptr, old_size, align, new_size);
    Val out;
    return realloc_result(caller_.call_guest(instance_, index_, args, &out), out);
  }

 private:
  Caller& caller_;
  engine::Instance& instance_;
  int index_;
};

std::unexpected<Error> not_instantiated(uint32_t instance) {
  return fail(ErrorKind::kTrap,
              "component: core instance " + std::to_string(instance) + " used before it was instantiated");
}

// Ends a call scope on every path; the first error wins.
Result<void> finish(canonical::HandleTable& handles, CallScope& scope, Result<void> outcome) {
  auto ended = handles.end_call(scope);
  if (!outcome) return outcome;
  return ended;
}

}  // namespace

ComponentInstance::ComponentInstance(std::shared_ptr<const ComponentPlan> plan,
                                     std::unique_ptr<HostState> state)
    : plan_(std::move(plan)), state_(std::move(state)) {}

ComponentInstance::~ComponentInstance() {
  // The core instances go first, importers before exporters; then the
  // handle table (the members' order), whose destructor drops the host
  // objects the guest still held while the host state is still there.
  while (!cores_.empty()) cores_.pop_back();
}

Result<std::unique_ptr<ComponentInstance>> ComponentInstance::create(
    std::shared_ptr<const ComponentPlan> plan, Worker& worker, const HostInterfaces& host,
    std::chrono::nanoseconds timeout) {
  auto state = host.make_state();
  if (!state) return fail(ErrorKind::kInternal, "the host made no state for the component instance");
  std::unique_ptr<ComponentInstance> self(new ComponentInstance(std::move(plan), std::move(state)));
  if (auto r = self->instantiate(worker, timeout); !r) return std::unexpected(r.error());
  return self;
}

Result<void> ComponentInstance::instantiate(Worker& worker, std::chrono::nanoseconds timeout) {
  for (const ResourcePlan& r : plan_->resources) {
    canonical::Destructor dtor;
    if (r.host && r.host->drop) {
      const HostResource* hr = r.host;
      dtor = [this, hr](uint32_t rep) { return hr->drop(*state_, rep); };
    }
    if (r.implemented_by_guest && r.destructor) {
      // The guest's own destructor, when the guest drops its last own
      // handle (resource.drop, a host import: the call goes through the
      // caller running it). Handles left when the instance goes are not
      // destroyed: the guest's memory goes with it.
      const auto resource = static_cast<size_t>(&r - plan_->resources.data());
      dtor = [this, resource](uint32_t rep) -> Result<void> {
        if (!dropping_) return {};
        const CoreFunction& target = destructors_[resource];
        // Found as soon as its core instance was made (resolve_destructors).
        if (!target.instance) return not_instantiated(plan_->resources[resource].destructor->instance);
        const Val arg = Val::I32(static_cast<int32_t>(rep));
        return dropping_->call_guest(*target.instance, target.index, std::span(&arg, 1), nullptr);
      };
    }
    handles_.add_resource_type(r.name, std::move(dtor), r.implemented_by_guest);
  }
  lowered_targets_.resize(plan_->lowered.size());
  destructors_.resize(plan_->resources.size());
  for (const CoreInstancePlan& p : plan_->core_instances) {
    if (auto r = resolve_lowered(p); !r) return r;
    Imports imports;
    for (const CoreImportLink& link : p.imports) {
      switch (link.kind) {
        case CoreImportLink::Kind::kExtern: {
          auto from = core(link.from);
          if (!from) return std::unexpected(from.error());
          imports.externs.push_back(ImportExtern{link.module, link.name, *from, link.from.name});
          break;
        }
        case CoreImportLink::Kind::kLowered: {
          const uint32_t index = link.index;
          imports.funcs.push_back(
              ImportFunc{link.module, link.name, link.type,
                         [this, index](Caller& caller, std::span<const Val> args, Val* result) {
                           return call_lowered(caller, index, args, result);
                         }});
          break;
        }
        case CoreImportLink::Kind::kBuiltin: {
          const uint32_t index = link.index;
          imports.funcs.push_back(
              ImportFunc{link.module, link.name, link.type,
                         [this, index](Caller& caller, std::span<const Val> args, Val* result) {
                           return call_builtin(caller, index, args, result);
                         }});
          break;
        }
      }
    }
    auto inst = worker.instantiate_linked(*plan_->modules[p.module], std::move(imports), timeout);
    if (!inst) return std::unexpected(inst.error());
    cores_.push_back(std::move(*inst));
    if (auto r = resolve_destructors(static_cast<uint32_t>(cores_.size() - 1)); !r) return r;
  }
  return resolve_lifted();
}

Result<void> ComponentInstance::resolve_lowered(const CoreInstancePlan& p) {
  for (const CoreImportLink& link : p.imports) {
    if (link.kind != CoreImportLink::Kind::kLowered || lowered_targets_[link.index]) continue;
    const LoweredFunction& fn = plan_->lowered[link.index];
    auto targets = canon_targets(fn.memory, fn.realloc);
    if (!targets) return std::unexpected(targets.error());
    lowered_targets_[link.index] = *targets;
  }
  return {};
}

Result<void> ComponentInstance::resolve_destructors(uint32_t instance) {
  for (size_t i = 0; i < plan_->resources.size(); ++i) {
    const ResourcePlan& r = plan_->resources[i];
    if (!r.implemented_by_guest || !r.destructor || r.destructor->instance != instance) continue;
    auto target = core_function(*r.destructor, "destructor export");
    if (!target) return std::unexpected(target.error());
    destructors_[i] = *target;
  }
  return {};
}

Result<void> ComponentInstance::resolve_lifted() {
  lifted_targets_.reserve(plan_->exports.size());
  for (const LiftedFunction& fn : plan_->exports) {
    LiftedTargets t;
    auto func = core_function(fn.func, "core export");
    if (!func) return std::unexpected(func.error());
    t.func = *func;
    if (fn.post_return) {
      auto post = core_function(*fn.post_return, "post-return");
      if (!post) return std::unexpected(post.error());
      t.post_return = *post;
    }
    auto options = canon_targets(fn.memory, fn.realloc);
    if (!options) return std::unexpected(options.error());
    t.options = *options;
    lifted_targets_.push_back(t);
  }
  return {};
}

Result<engine::Instance*> ComponentInstance::core(const CoreRef& ref) const {
  if (ref.instance >= cores_.size()) return not_instantiated(ref.instance);
  return cores_[ref.instance].get();
}

Result<ComponentInstance::CoreFunction> ComponentInstance::core_function(const CoreRef& ref,
                                                                         std::string_view what) const {
  auto instance = core(ref);
  if (!instance) return std::unexpected(instance.error());
  const int at = (*instance)->find_export(ref.name);
  if (at < 0) return fail(ErrorKind::kTrap, "component: no " + std::string(what) + " " + ref.name);
  return CoreFunction{*instance, at};
}

Result<ComponentInstance::CanonTargets> ComponentInstance::canon_targets(
    const std::optional<CoreRef>& memory, const std::optional<CoreRef>& realloc) const {
  CanonTargets out;
  if (memory) {
    auto instance = core(*memory);
    if (!instance) return std::unexpected(instance.error());
    out.memory = *instance;
    out.memory_name = memory->name;
    // A core module has at most one memory (V8 10.2 has no multi-memory),
    // so the one exported under this name is the instance's memory(); the
    // two are compared rather than assumed.
    const std::span<uint8_t> named = out.memory->exported_memory(out.memory_name);
    const std::span<uint8_t> own = out.memory->memory();
    out.memory_is_own = named.data() == own.data() && named.size() == own.size();
  }
  if (realloc) {
    auto f = core_function(*realloc, "realloc export");
    if (!f) return std::unexpected(f.error());
    out.realloc = *f;
  }
  return out;
}

Result<void> ComponentInstance::call_builtin(Caller& caller, uint32_t index, std::span<const Val> args,
                                             Val* result) {
  const Builtin& b = plan_->builtins[index];
  const auto arg = static_cast<uint32_t>(args[0].i32);
  switch (b.op) {
    case BuiltinOp::kResourceDrop: {
      dropping_ = &caller;
      auto dropped = handles_.drop(b.resource, arg);
      dropping_ = nullptr;
      return dropped;
    }
    case BuiltinOp::kResourceNew: {
      auto h = handles_.new_own(b.resource, arg);
      if (!h) return std::unexpected(h.error());
      *result = Val::I32(static_cast<int32_t>(*h));
      return {};
    }
    case BuiltinOp::kResourceRep: {
      auto rep = handles_.rep(b.resource, arg);
      if (!rep) return std::unexpected(rep.error());
      *result = Val::I32(static_cast<int32_t>(*rep));
      return {};
    }
  }
  return fail(ErrorKind::kInternal, "component: unknown built-in");
}

Result<void> ComponentInstance::call_lowered(Caller& caller, uint32_t index, std::span<const Val> args,
                                             Val* result) {
  const LoweredFunction& fn = plan_->lowered[index];
  if (!fn.host || !fn.host->fn) return fail(ErrorKind::kLink, "component: " + fn.label + " is not provided");
  // Found before the instance that imports it was made (resolve_lowered).
  const CanonTargets& targets = *lowered_targets_[index];
  CoreMemory memory(targets.memory, targets.memory_name, targets.memory_is_own);
  std::optional<NestedRealloc> realloc;
  if (targets.realloc) realloc.emplace(caller, *targets.realloc->instance, targets.realloc->index);
  CallScope scope;
  Context cx{.types = plan_->types,
             .memory = memory,
             .realloc = realloc ? &*realloc : nullptr,
             .handles = &handles_,
             .scope = &scope,
             .views = true};
  auto params = args;
  std::optional<uint32_t> out_ptr;
  if (fn.signature.results_in_memory) {
    if (args.empty()) return fail(ErrorKind::kInternal, "component: lowered call without its result pointer");
    params = args.first(args.size() - 1);
    out_ptr = static_cast<uint32_t>(args.back().i32);
  }
  auto lifted = canonical::lift_values(cx, fn.type.params, params, canonical::kMaxFlatParams);
  if (!lifted) return finish(handles_, scope, std::unexpected(lifted.error()));
  HostCall call{*state_, current_call_};
  std::vector<Value> results;
  if (auto r = fn.host->fn(call, *lifted, results); !r) return finish(handles_, scope, r);
  if (results.size() != fn.type.results.size()) {
    return finish(handles_, scope,
                  fail(ErrorKind::kInternal, "component: host function " + fn.label + " returned " +
                                                 std::to_string(results.size()) + " results"));
  }
  std::vector<Val> core_results;
  auto lowered = canonical::lower_values(cx, fn.type.results, results, canonical::kMaxFlatResults,
                                         core_results, out_ptr);
  if (auto r = finish(handles_, scope, lowered); !r) return r;
  if (!core_results.empty()) {
    if (!result) return fail(ErrorKind::kInternal, "component: lowered call has nowhere to put its result");
    *result = core_results.front();
  }
  return {};
}

Result<std::vector<Value>> ComponentInstance::call(std::string_view name, std::span<const Value> args,
                                                   std::chrono::nanoseconds timeout, CallContext* call) {
  return run(
      name, timeout, call,
      [&](HostState&) -> Result<std::vector<Value>> { return std::vector<Value>(args.begin(), args.end()); },
      nullptr);
}

Result<std::vector<Value>> ComponentInstance::call(std::string_view name, CallContext& call,
                                                   const MakeArgs& make_args,
                                                   std::chrono::nanoseconds timeout, const Finish& finish) {
  return run(name, timeout, &call, make_args, finish);
}

uint64_t ComponentInstance::memory_bytes() const {
  std::vector<const uint8_t*> seen;
  uint64_t total = 0;
  for (const auto& c : cores_) {
    const std::span<uint8_t> m = c->memory();
    if (m.empty() || std::find(seen.begin(), seen.end(), m.data()) != seen.end()) continue;
    seen.push_back(m.data());
    total += m.size();
  }
  return total;
}

Result<std::vector<Value>> ComponentInstance::run(std::string_view name, std::chrono::nanoseconds timeout,
                                                  CallContext* call, const MakeArgs& make_args,
                                                  const Finish& finish) {
  if (poisoned_) return fail(ErrorKind::kTrap, "component instance is poisoned by an earlier failure");
  const LiftedFunction* fn = plan_->find_export(name);
  if (!fn) return fail(ErrorKind::kNotFound, "component exports no function " + std::string(name));
  if (call) state_->begin_call(*call);
  current_call_ = call;
  auto out = [&]() -> Result<std::vector<Value>> {
    auto args = make_args(*state_);
    if (!args) return std::unexpected(args.error());
    if (args->size() != fn->type.params.size()) {
      return fail(ErrorKind::kInvalidArgument, std::string(name) + " takes " +
                                                   std::to_string(fn->type.params.size()) +
                                                   " arguments, not " + std::to_string(args->size()));
    }
    for (const Value& v : *args) {
      if (v.holds_views())
        return fail(ErrorKind::kInvalidArgument, "component call arguments must own their bytes");
    }
    auto results =
        call_lifted(*fn, lifted_targets_[static_cast<size_t>(fn - plan_->exports.data())], *args, timeout);
    if (!results) {
      poisoned_ = true;
      return results;
    }
    if (finish) {
      if (auto r = finish(*state_); !r) return std::unexpected(r.error());
    }
    return results;
  }();
  current_call_ = nullptr;
  if (call) state_->end_call();
  return out;
}

Result<std::vector<Value>> ComponentInstance::call_lifted(const LiftedFunction& fn,
                                                          const LiftedTargets& targets,
                                                          std::span<const Value> args,
                                                          std::chrono::nanoseconds timeout) {
  engine::Instance& inst = *targets.func.instance;
  CoreMemory memory(targets.options.memory, targets.options.memory_name, targets.options.memory_is_own);
  std::optional<DirectRealloc> realloc;
  if (targets.options.realloc) {
    realloc.emplace(*targets.options.realloc->instance, targets.options.realloc->index, timeout);
  }
  CallScope scope;
  Context cx{.types = plan_->types,
             .memory = memory,
             .realloc = realloc ? &*realloc : nullptr,
             .handles = &handles_,
             .scope = &scope,
             .views = false};
  std::vector<Val> core_args;
  if (auto r = canonical::lower_values(cx, fn.type.params, args, canonical::kMaxFlatParams, core_args); !r) {
    return std::unexpected(finish(handles_, scope, r).error());
  }
  const bool has_result = !fn.signature.core.results.empty();
  Val core_result;
  if (auto r = inst.call(targets.func.index, core_args, has_result ? &core_result : nullptr, timeout); !r) {
    return std::unexpected(finish(handles_, scope, r).error());
  }
  std::span<const Val> flat = has_result ? std::span<const Val>(&core_result, 1) : std::span<const Val>();
  auto results = canonical::lift_values(cx, fn.type.results, flat, canonical::kMaxFlatResults);
  if (!results) return std::unexpected(finish(handles_, scope, std::unexpected(results.error())).error());
  if (targets.post_return) {
    if (auto r = targets.post_return->instance->call(targets.post_return->index, flat, nullptr, timeout); !r)
      return std::unexpected(finish(handles_, scope, r).error());
  }
  if (auto r = finish(handles_, scope, {}); !r) return std::unexpected(r.error());
  return std::move(*results);
}

}  // namespace hookd::engine::component
