// Core instances linked together the way a component's are: one module
// (link_main) owns the memory, the function table and the globals, another
// (link_user) imports them and one of main's functions; host imports call
// back into the guest (cabi_realloc, and code that traps, spins or
// recurses) while they run.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "engine_internals.hpp"
#include "hookd/engine/read_file.hpp"
#include "hookd/engine/vm.hpp"
#include "test_plugins.hpp"

namespace hookd::engine {
namespace {

using namespace std::chrono_literals;

const FuncType kVoidToVoid{{}, {}};
const FuncType kPtrToVoid{{ValType::kI32}, {}};
const FuncType kI32ToI32{{ValType::kI32}, {ValType::kI32}};

uint32_t fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

std::shared_ptr<const CompiledModule> compile(Vm& vm, std::string_view name) {
  auto bytes = read_file(test::plugin_path(name));
  EXPECT_TRUE(bytes) << bytes.error().describe();
  if (!bytes) return nullptr;
  auto module = vm.compile(*bytes);
  EXPECT_TRUE(module) << module.error().describe();
  return module ? *module : nullptr;
}

int32_t i32_of(const Val& v) { return v.i32; }

class InstanceLink : public ::testing::Test {
 protected:
  // What main's host imports do; each test sets the ones it uses.
  HostFunc greet = [](Caller&, std::span<const Val>, Val*) { return Result<void>{}; };
  HostFunc nested_trap = greet;
  HostFunc nested_spin = greet;
  HostFunc recurse = greet;

  std::unique_ptr<Vm> vm = create_v8_vm();
  std::unique_ptr<Worker> worker = vm->create_worker();
  std::shared_ptr<const CompiledModule> main_module = compile(*vm, "link_main");
  std::shared_ptr<const CompiledModule> user_module = compile(*vm, "link_user");
  // Declared in instantiation order: destroyed importer first.
  std::unique_ptr<Instance> main;
  std::unique_ptr<Instance> user;

  std::vector<ImportFunc> host_imports(bool hot = false) {
    auto forward = [](HostFunc* fn) {
      return [fn](Caller& c, std::span<const Val> args, Val* result) { return (*fn)(c, args, result); };
    };
    return {
        ImportFunc{"host", "greet", kPtrToVoid, forward(&greet), hot},
        ImportFunc{"host", "nested_trap", kVoidToVoid, forward(&nested_trap), hot},
        ImportFunc{"host", "nested_spin", kVoidToVoid, forward(&nested_spin), hot},
        ImportFunc{"host", "recurse", kI32ToI32, forward(&recurse), hot},
    };
  }

  std::vector<ImportExtern> user_externs(Instance* from) {
    return {
        ImportExtern{"env", "memory", from, "memory"},
        ImportExtern{"env", "__indirect_function_table", from, "__indirect_function_table"},
        ImportExtern{"main", "load", from, "load"},
        ImportExtern{"main", "counter", from, "counter"},
    };
  }

  void link_both() {
    ASSERT_TRUE(main_module && user_module);
    auto m = worker->instantiate_linked(*main_module, Imports{host_imports(), {}}, 1s);
    ASSERT_TRUE(m) << m.error().describe();
    main = std::move(*m);
    auto u = worker->instantiate_linked(*user_module, Imports{{}, user_externs(main.get())}, 1s);
    ASSERT_TRUE(u) << u.error().describe();
    user = std::move(*u);
  }

  // Calls `name` on `instance`; the error, or the single result (0 if none).
  static Result<Val> call(Instance& instance, std::string_view name, std::vector<Val> args = {},
                          std::chrono::nanoseconds timeout = 1s) {
    const int index = instance.find_export(name);
    if (index < 0) return fail(ErrorKind::kNotFound, std::string(name));
    Val result;
    auto r = instance.call(index, args, &result, timeout);
    if (!r) return std::unexpected(r.error());
    return result;
  }

  static int32_t call_i32(Instance& instance, std::string_view name, std::vector<Val> args = {}) {
    auto r = call(instance, name, std::move(args));
    EXPECT_TRUE(r) << name << ": " << r.error().describe();
    return r ? i32_of(*r) : -1;
  }
};

TEST_F(InstanceLink, ImporterWorksInTheExportersMemoryAndCallsItsFunction) {
  link_both();
  ASSERT_TRUE(user);
  const int32_t scratch = call_i32(*main, "scratch");
  ASSERT_TRUE(call(*main, "store", {Val::I32(scratch), Val::I32(42)}));
  EXPECT_EQ(call_i32(*user, "read_direct", {Val::I32(scratch)}), 42);
  EXPECT_EQ(call_i32(*user, "read_via_main", {Val::I32(scratch)}), 42);
  ASSERT_TRUE(call(*user, "write_direct", {Val::I32(scratch + 4), Val::I32(7)}));
  EXPECT_EQ(call_i32(*main, "load", {Val::I32(scratch + 4)}), 7);
  // Both see one memory: the importer's memory() is the one it imports.
  EXPECT_EQ(user->memory().data(), main->memory().data());
  EXPECT_EQ(user->memory().size(), main->memory().size());
  int32_t seen = 0;
  std::memcpy(&seen, main->exported_memory("memory").data() + scratch + 4, sizeof seen);
  EXPECT_EQ(seen, 7);
  EXPECT_TRUE(user->exported_memory("memory").empty());  // it exports none
}

// (module (func (export "seven") (result i32) i32.const 7)): no memory at
// all, like a component's shim modules. wasm-ld always gives a module a
// memory, so this one is written out by hand.
const std::vector<uint8_t> kNoMemoryModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                   // header
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,                         // type: () -> i32
    0x03, 0x02, 0x01, 0x00,                                           // function 0 has type 0
    0x07, 0x09, 0x01, 0x05, 's',  'e',  'v',  'e',  'n', 0x00, 0x00,  // export "seven" = func 0
    0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07, 0x0b,                   // body: i32.const 7
};

TEST_F(InstanceLink, AnInstanceWithoutMemoryWorks) {
  auto module = vm->compile(kNoMemoryModule);
  ASSERT_TRUE(module) << module.error().describe();
  auto bare = worker->instantiate_linked(**module, Imports{}, 1s);
  ASSERT_TRUE(bare) << bare.error().describe();
  EXPECT_TRUE((*bare)->memory().empty());
  EXPECT_EQ(call_i32(**bare, "seven"), 7);
}

TEST_F(InstanceLink, EachInstanceKeepsItsOwnMemory) {
  link_both();
  ASSERT_TRUE(main);
  auto second = worker->instantiate_linked(*main_module, Imports{host_imports(), {}}, 1s);
  ASSERT_TRUE(second) << second.error().describe();
  const int32_t scratch = call_i32(*main, "scratch");
  ASSERT_TRUE(call(*main, "store", {Val::I32(scratch), Val::I32(11)}));
  ASSERT_TRUE(call(**second, "store", {Val::I32(scratch), Val::I32(22)}));
  EXPECT_EQ(call_i32(*main, "load", {Val::I32(scratch)}), 11);
  EXPECT_EQ(call_i32(**second, "load", {Val::I32(scratch)}), 22);
  EXPECT_EQ(call_i32(*user, "read_direct", {Val::I32(scratch)}), 11);  // user works in main's
  EXPECT_NE((*second)->memory().data(), main->memory().data());
}

TEST_F(InstanceLink, ImporterCallsThroughTheSharedTable) {
  link_both();
  ASSERT_TRUE(user);
  EXPECT_EQ(call_i32(*user, "call_slot", {Val::I32(call_i32(*main, "add_slot")), Val::I32(2), Val::I32(3)}),
            5);
  EXPECT_EQ(call_i32(*user, "call_slot", {Val::I32(call_i32(*main, "mul_slot")), Val::I32(2), Val::I32(3)}),
            6);
  auto size = main->table_size("__indirect_function_table");
  ASSERT_TRUE(size) << size.error().describe();
  EXPECT_GE(*size, 3u);  // the null slot, add, mul
  // Calling through an empty slot is the guest's trap, not the host's.
  auto bad = call(*user, "call_slot", {Val::I32(0), Val::I32(1), Val::I32(1)});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kTrap);
  EXPECT_EQ(user->table_size("__indirect_function_table").error().kind, ErrorKind::kNotFound);
}

TEST_F(InstanceLink, ImporterReadsTheSharedGlobalAsItChanges) {
  link_both();
  ASSERT_TRUE(user);
  EXPECT_EQ(call_i32(*main, "bump", {Val::I32(5)}), 5);
  EXPECT_EQ(call_i32(*user, "read_counter"), 5);
  ASSERT_TRUE(main->set_global("counter", Val::I32(40)));
  EXPECT_EQ(call_i32(*user, "read_counter"), 40);
  auto counter = main->global("counter");
  ASSERT_TRUE(counter) << counter.error().describe();
  EXPECT_EQ(counter->type, ValType::kI32);
  EXPECT_EQ(counter->i32, 40);

  ASSERT_TRUE(main->set_global("big", Val::I64(int64_t{1} << 40)));
  auto big = main->global("big");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->type, ValType::kI64);
  EXPECT_EQ(big->i64, int64_t{1} << 40);

  EXPECT_EQ(main->set_global("counter", Val::I64(1)).error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(main->global("missing").error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(main->global("memory").error().kind, ErrorKind::kNotFound);  // not a global
}

TEST_F(InstanceLink, ExportsOfEveryKindAreFoundByName) {
  link_both();
  ASSERT_TRUE(user);
  EXPECT_EQ(main->export_kind("memory"), ExternKind::kMemory);
  EXPECT_EQ(main->export_kind("__indirect_function_table"), ExternKind::kTable);
  EXPECT_EQ(main->export_kind("counter"), ExternKind::kGlobal);
  EXPECT_EQ(main->export_kind("cabi_realloc"), ExternKind::kFunc);
  EXPECT_EQ(main->export_kind("missing"), std::nullopt);
  EXPECT_EQ(user->export_kind("memory"), std::nullopt);  // imported, not exported
  const FuncType* realloc_type = main->export_type(main->find_export("cabi_realloc"));
  ASSERT_NE(realloc_type, nullptr);
  EXPECT_EQ(*realloc_type,
            (FuncType{{ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32}, {ValType::kI32}}));
  EXPECT_EQ(main->export_type(-1), nullptr);
}

TEST_F(InstanceLink, ExportsTakeAnyCoreSignature) {
  link_both();
  ASSERT_TRUE(main);
  std::vector<Val> args;
  double expected = 0;
  for (int i = 0; i < 16; ++i) {
    const double weight = i + 1;
    switch (i % 4) {
      case 0:
        args.push_back(Val::I32(-(i + 1)));
        expected += weight * -(i + 1);
        break;
      case 1:
        args.push_back(Val::I64((int64_t{1} << 33) + i));
        expected += weight * static_cast<double>((int64_t{1} << 33) + i);
        break;
      case 2:
        args.push_back(Val::F32(0.5f + static_cast<float>(i)));
        expected += weight * (0.5 + i);
        break;
      default:
        args.push_back(Val::F64(0.25 + i));
        expected += weight * (0.25 + i);
        break;
    }
  }
  auto mixed = call(*main, "mix", args);
  ASSERT_TRUE(mixed) << mixed.error().describe();
  EXPECT_EQ(mixed->type, ValType::kF64);
  EXPECT_DOUBLE_EQ(mixed->f64, expected);

  auto half = call(*main, "half", {Val::F32(3.0f)});
  ASSERT_TRUE(half);
  EXPECT_EQ(half->type, ValType::kF32);
  EXPECT_FLOAT_EQ(half->f32, 1.5f);
  auto twice = call(*main, "twice64", {Val::I64(int64_t{3} << 40)});
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->i64, int64_t{3} << 41);
}

// What a canonical ABI lowering does to return a string: allocate in the
// guest with its cabi_realloc, write there, hand back (address, length).
Result<void> return_string(Caller& caller, int32_t ret_area, std::string_view text) {
  Instance* self = caller.instance();
  if (self == nullptr) return fail(ErrorKind::kInternal, "no calling instance");
  const int realloc_index = self->find_export("cabi_realloc");
  Val addr;
  auto r = caller.call_guest(
      *self, realloc_index,
      std::vector<Val>{Val::I32(0), Val::I32(0), Val::I32(1), Val::I32(static_cast<int32_t>(text.size()))},
      &addr);
  if (!r) return r;
  std::span<uint8_t> mem = caller.memory();  // re-read: the guest ran
  const auto at = static_cast<uint32_t>(addr.i32);
  const auto ret = static_cast<uint32_t>(ret_area);
  if (at > mem.size() || text.size() > mem.size() - at || ret > mem.size() || mem.size() - ret < 8) {
    return fail(ErrorKind::kTrap, "guest address out of bounds");
  }
  std::memcpy(mem.data() + at, text.data(), text.size());
  const int32_t pair[2] = {addr.i32, static_cast<int32_t>(text.size())};
  std::memcpy(mem.data() + ret, pair, sizeof pair);
  return {};
}

TEST_F(InstanceLink, HostImportAllocatesWithTheGuestsReallocAndTheGuestReadsIt) {
  const std::string text = "hello from the host, placed by cabi_realloc";
  greet = [&](Caller& caller, std::span<const Val> args, Val*) {
    return return_string(caller, args[0].i32, text);
  };
  link_both();
  ASSERT_TRUE(main);
  for (int i = 0; i < 3; ++i) {  // each allocation lands somewhere new
    auto hash = call(*main, "greeting_hash");
    ASSERT_TRUE(hash) << hash.error().describe();
    EXPECT_EQ(static_cast<uint32_t>(hash->i32), fnv1a(text));
  }
  // Linked instances reach their host imports through the callback path
  // only, so an import may re-enter.
  EXPECT_EQ(import_calls(*main).direct, 0u);
  EXPECT_EQ(import_calls(*main).callback, 3u);
}

TEST_F(InstanceLink, HostImportCallsAnotherInstanceOfTheWorker) {
  Result<Val> tripled = fail(ErrorKind::kInternal, "not called");
  nested_trap = [&](Caller& caller, std::span<const Val>, Val*) -> Result<void> {
    Val out;
    auto r = caller.call_guest(*user, user->find_export("triple"), std::vector<Val>{Val::I32(14)}, &out);
    if (r) tripled = out;
    return r;
  };
  link_both();
  ASSERT_TRUE(user);
  EXPECT_EQ(call_i32(*main, "call_nested_trap"), 1);
  ASSERT_TRUE(tripled);
  EXPECT_EQ(tripled->i32, 42);
}

TEST_F(InstanceLink, TrapInTheNestedCallFailsTheImportAndThenTheOuterCall) {
  Error seen_by_import;
  nested_trap = [&](Caller& caller, std::span<const Val>, Val*) -> Result<void> {
    auto r = caller.call_guest(*caller.instance(), caller.instance()->find_export("trap_now"), {}, nullptr);
    if (!r) seen_by_import = r.error();
    return r;
  };
  link_both();
  ASSERT_TRUE(main);
  auto r = call(*main, "call_nested_trap");
  ASSERT_FALSE(r);
  EXPECT_EQ(seen_by_import.kind, ErrorKind::kTrap);
  EXPECT_NE(seen_by_import.message.find("trap_now trapped"), std::string::npos) << seen_by_import.message;
  EXPECT_EQ(r.error().kind, ErrorKind::kTrap);
  EXPECT_NE(r.error().message.find("host.nested_trap: trap_now trapped"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("unreachable"), std::string::npos) << r.error().message;

  // The worker stays usable: a fresh pair of instances works.
  user.reset();
  main.reset();
  link_both();
  ASSERT_TRUE(user);
  EXPECT_EQ(call_i32(*user, "triple", {Val::I32(2)}), 6);
}

TEST_F(InstanceLink, DeadlineInTheNestedCallTimesOutTheOuterCall) {
  Error seen_by_import;
  nested_spin = [&](Caller& caller, std::span<const Val>, Val*) -> Result<void> {
    auto r = caller.call_guest(*caller.instance(), caller.instance()->find_export("spin"), {}, nullptr);
    if (!r) seen_by_import = r.error();
    return r;
  };
  link_both();
  ASSERT_TRUE(main);
  auto r = call(*main, "call_nested_spin", {}, 50ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout) << r.error().describe();
  EXPECT_EQ(seen_by_import.kind, ErrorKind::kTimeout) << seen_by_import.describe();

  // The worker runs guest code again, with and without a deadline, and the
  // host import that ignores the stop still cannot keep the guest running.
  user.reset();
  main.reset();
  link_both();
  ASSERT_TRUE(user);
  EXPECT_EQ(call_i32(*user, "triple", {Val::I32(5)}), 15);
  auto no_deadline = call(*user, "triple", {Val::I32(7)}, 0ns);
  ASSERT_TRUE(no_deadline) << no_deadline.error().describe();
  EXPECT_EQ(no_deadline->i32, 21);

  nested_spin = [&](Caller& caller, std::span<const Val>, Val*) -> Result<void> {
    (void)caller.call_guest(*caller.instance(), caller.instance()->find_export("spin"), {}, nullptr);
    return {};  // ignores that it was stopped
  };
  auto ignored = call(*main, "call_nested_spin", {}, 50ms);
  ASSERT_FALSE(ignored);
  EXPECT_EQ(ignored.error().kind, ErrorKind::kTimeout) << ignored.error().describe();
}

TEST_F(InstanceLink, TerminatingTheWorkerStopsTheNestedCallAndTheOuterOne) {
  std::atomic<bool> entered{false};
  Error seen_by_import;
  nested_spin = [&](Caller& caller, std::span<const Val>, Val*) -> Result<void> {
    entered.store(true);
    auto r = caller.call_guest(*caller.instance(), caller.instance()->find_export("spin"), {}, nullptr);
    if (!r) seen_by_import = r.error();
    return r;
  };
  link_both();
  ASSERT_TRUE(main);
  std::thread stopper([&] {
    // Bounded: the call below enters the import at once.
    for (int i = 0; i < 10'000 && !entered.load(); ++i) std::this_thread::sleep_for(1ms);
    worker->terminate();
  });
  auto r = call(*main, "call_nested_spin", {}, 0ns);  // no deadline: only terminate() ends it
  stopper.join();
  ASSERT_TRUE(entered.load());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout) << r.error().describe();
  EXPECT_EQ(seen_by_import.kind, ErrorKind::kTimeout) << seen_by_import.describe();
  user.reset();
  main.reset();
  link_both();
  ASSERT_TRUE(user);
  EXPECT_EQ(call_i32(*user, "triple", {Val::I32(3)}), 9);
}

TEST_F(InstanceLink, NestedGuestCallsAreBoundedInDepth) {
  recurse = [&](Caller& caller, std::span<const Val> args, Val* result) -> Result<void> {
    return caller.call_guest(*caller.instance(), caller.instance()->find_export("recurse"),
                             std::vector<Val>{args[0]}, result);
  };
  link_both();
  ASSERT_TRUE(main);
  EXPECT_EQ(call_i32(*main, "recurse", {Val::I32(kMaxNestedGuestCalls)}), kMaxNestedGuestCalls);
  auto r = call(*main, "recurse", {Val::I32(kMaxNestedGuestCalls + 1)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTrap);
  EXPECT_NE(r.error().message.find("deeper than " + std::to_string(kMaxNestedGuestCalls)), std::string::npos)
      << r.error().message;
  // Unwound completely: the same depth works again on a fresh instance.
  user.reset();
  main.reset();
  link_both();
  ASSERT_TRUE(main);
  EXPECT_EQ(call_i32(*main, "recurse", {Val::I32(3)}), 3);
}

TEST_F(InstanceLink, GuestCallsOnlyFromARunningImportWithMatchingArguments) {
  Caller* kept = nullptr;
  Error wrong_args;
  Error through_call;
  greet = [&](Caller& caller, std::span<const Val> args, Val*) -> Result<void> {
    kept = &caller;
    Instance& self = *caller.instance();
    // The accidental way in stays closed.
    through_call = self.call(self.find_export("scratch"), {}, nullptr, 1s).error();
    wrong_args =
        caller.call_guest(self, self.find_export("cabi_realloc"), std::vector<Val>{Val::I64(1)}, nullptr)
            .error();
    return return_string(caller, args[0].i32, "x");
  };
  link_both();
  ASSERT_TRUE(main);
  ASSERT_TRUE(call(*main, "greeting_hash"));
  EXPECT_EQ(through_call.kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(through_call.message, "a host function cannot call into a plugin");
  EXPECT_EQ(wrong_args.kind, ErrorKind::kInvalidArgument);
  ASSERT_NE(kept, nullptr);
  auto after = kept->call_guest(*main, main->find_export("scratch"), {}, nullptr);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(after.error().message.find("only a running host import"), std::string::npos);
}

struct Mismatch {
  std::string test_name;
  ImportExtern changed;  // replaces the extern of the same import
  std::string message;   // part of the kLink error
};

class InstanceLinkMismatch : public InstanceLink, public ::testing::WithParamInterface<Mismatch> {};

TEST_P(InstanceLinkMismatch, IsRefusedAtLinkWithAClearError) {
  auto m = worker->instantiate_linked(*main_module, Imports{host_imports(), {}}, 1s);
  ASSERT_TRUE(m);
  main = std::move(*m);
  std::vector<ImportExtern> externs = user_externs(main.get());
  ImportExtern changed = GetParam().changed;
  if (changed.from != nullptr) changed.from = main.get();  // the parameter's non-null stands for main
  for (auto& x : externs) {
    if (x.module == changed.module && x.name == changed.name) x = changed;
  }
  auto u = worker->instantiate_linked(*user_module, Imports{{}, externs}, 1s);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().kind, ErrorKind::kLink) << u.error().describe();
  EXPECT_NE(u.error().message.find(GetParam().message), std::string::npos) << u.error().message;
}

Instance* const kMain = reinterpret_cast<Instance*>(uintptr_t{1});

INSTANTIATE_TEST_SUITE_P(
    Kinds, InstanceLinkMismatch,
    ::testing::Values(
        Mismatch{"MemoryFromAFunction",
                 {"env", "memory", kMain, "load"},
                 "module imports env.memory from export 'load' as a memory, but it is a function"},
        Mismatch{"FunctionFromATable",
                 {"main", "load", kMain, "__indirect_function_table"},
                 "as a function, but it is a table"},
        Mismatch{"FunctionSignature",
                 {"main", "load", kMain, "add_slot"},
                 "module imports main.load from export 'add_slot' as (i32)->(i32), but it is ()->(i32)"},
        Mismatch{"GlobalType", {"main", "counter", kMain, "big"}, "as mutable i32, but it is mutable i64"},
        Mismatch{"MissingExport", {"main", "load", kMain, "lode"}, "which that instance does not export"},
        Mismatch{
            "NoInstance", {"main", "load", nullptr, "load"}, "of an instance of another worker (or none)"}),
    [](const ::testing::TestParamInfo<Mismatch>& info) { return info.param.test_name; });

TEST_F(InstanceLink, AnInstanceOfAnotherWorkerIsRefused) {
  auto other_worker = vm->create_worker();
  auto m = other_worker->instantiate_linked(*main_module, Imports{host_imports(), {}}, 1s);
  ASSERT_TRUE(m);
  auto u = worker->instantiate_linked(*user_module, Imports{{}, user_externs(m->get())}, 1s);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().kind, ErrorKind::kLink);
  EXPECT_NE(u.error().message.find("another worker"), std::string::npos) << u.error().message;
}

TEST_F(InstanceLink, AnImportLeftOutIsRefused) {
  auto m = worker->instantiate_linked(*main_module, Imports{host_imports(), {}}, 1s);
  ASSERT_TRUE(m);
  main = std::move(*m);
  auto externs = user_externs(main.get());
  externs.erase(externs.begin());  // env.memory
  auto u = worker->instantiate_linked(*user_module, Imports{{}, externs}, 1s);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().kind, ErrorKind::kLink);
  EXPECT_NE(u.error().message.find("env.memory"), std::string::npos) << u.error().message;
}

// Instances whose hot imports are reached directly keep today's fast path;
// such an import cannot enter guest code, and such an instance's code cannot
// run under another instance's call.
TEST_F(InstanceLink, DirectImportInstancesNeitherReenterNorLink) {
  Error from_direct;
  greet = [&](Caller& caller, std::span<const Val> args, Val*) -> Result<void> {
    auto r = return_string(caller, args[0].i32, "x");
    if (!r) from_direct = r.error();
    return {};
  };
  auto m = worker->instantiate(*main_module, host_imports(/*hot=*/true), 1s);
  ASSERT_TRUE(m) << m.error().describe();
  main = std::move(*m);
  (void)call(*main, "greeting_hash");
  if (import_calls(*main).direct == 0) GTEST_SKIP() << "this V8 build has no direct host calls";
  EXPECT_EQ(from_direct.kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(from_direct.message.find("reached directly"), std::string::npos) << from_direct.message;

  auto u = worker->instantiate_linked(*user_module, Imports{{}, user_externs(main.get())}, 1s);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().kind, ErrorKind::kLink);
  EXPECT_NE(u.error().message.find("reaches host imports directly"), std::string::npos) << u.error().message;
}

TEST(InstanceLinkParse, GlobalTypesOfImportsAndExportsAreRead) {
  auto main_bytes = read_file(test::plugin_path("link_main"));
  auto user_bytes = read_file(test::plugin_path("link_user"));
  ASSERT_TRUE(main_bytes && user_bytes);
  auto main_info = parse_module(*main_bytes);
  auto user_info = parse_module(*user_bytes);
  ASSERT_TRUE(main_info && user_info);
  const ExportInfo* counter = main_info->find_export("counter");
  const ExportInfo* big = main_info->find_export("big");
  ASSERT_TRUE(counter && big);
  EXPECT_EQ(counter->global, (GlobalType{ValType::kI32, true}));
  EXPECT_EQ(big->global, (GlobalType{ValType::kI64, true}));
  const auto imported = std::find_if(user_info->imports.begin(), user_info->imports.end(),
                                     [](const ImportInfo& i) { return i.kind == ExternKind::kGlobal; });
  ASSERT_NE(imported, user_info->imports.end());
  EXPECT_EQ(imported->name, "counter");
  EXPECT_EQ(imported->global, (GlobalType{ValType::kI32, true}));
}

// The exporter's code and host-import thunks die with it while an importer
// could still reach them: an embedder bug, stopped at once rather than
// becoming a use-after-free later.
using InstanceLinkDeathTest = InstanceLink;

TEST_F(InstanceLinkDeathTest, DestroyingAnExporterBeforeItsImportersAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  link_both();
  ASSERT_TRUE(user);
  EXPECT_DEATH(main.reset(), "an instance was destroyed before the 1 instance\\(s\\) importing from it");
}

TEST_F(InstanceLink, TheExistingInstantiateStillLinksHostFunctionsOnly) {
  auto u = worker->instantiate(*user_module, {}, 1s);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().kind, ErrorKind::kLink);
  EXPECT_NE(u.error().message.find("env.memory, which is not a function"), std::string::npos)
      << u.error().message;
}

}  // namespace
}  // namespace hookd::engine
