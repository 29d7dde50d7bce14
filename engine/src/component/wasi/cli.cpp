// wasi:cli as a server gives it: stdout and stderr go to the plugin log,
// stdin is empty, there is no terminal, no environment and no arguments,
// and exit stops the guest (a trap naming the status).
#include <string>

#include "component/wasi/interfaces.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {
namespace {

Result<HostInterface> stdio(const char* iface, const char* fn, Res kind,
                            std::optional<OutputStreamObj::Sink> sink) {
  Decl d(iface, "0.2");
  d.fn(fn, {}, d.own(kind),
       [sink](HostCall& c, std::span<const Value>, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto rep = sink ? st.make(OutputStreamObj{.sink = *sink}) : st.make(InputStreamObj{});
         if (!rep) return std::unexpected(rep.error());
         return give(r, Value::handle(*rep));
       });
  return std::move(d).finish();
}

Result<HostInterface> terminal_resource(const char* iface, Res kind) {
  Decl d(iface, "0.2");
  d.resource(kind);
  return std::move(d).finish();
}

Result<HostInterface> terminal_getter(const char* iface, const char* fn, Res kind) {
  Decl d(iface, "0.2");
  d.fn(fn, {}, d.option(d.own(kind)),
       [](HostCall&, std::span<const Value>, std::vector<Value>& r) { return give(r, Value::none()); });
  return std::move(d).finish();
}

Result<HostInterface> environment() {
  Decl d("wasi:cli/environment", "0.2");
  const TypeId s = d.types().string();
  d.fn("get-environment", {}, d.list(d.tuple({s, s})),
       [](HostCall&, std::span<const Value>, std::vector<Value>& r) { return give(r, Value::list({})); });
  d.fn("get-arguments", {}, d.list(s),
       [](HostCall&, std::span<const Value>, std::vector<Value>& r) { return give(r, Value::list({})); });
  d.fn("initial-cwd", {}, d.option(s),
       [](HostCall&, std::span<const Value>, std::vector<Value>& r) { return give(r, Value::none()); });
  return std::move(d).finish();
}

Result<HostInterface> exit() {
  Decl d("wasi:cli/exit", "0.2");
  d.fn("exit", {d.result(std::nullopt, std::nullopt)}, std::nullopt,
       [](HostCall&, std::span<const Value> a, std::vector<Value>&) -> Result<void> {
         return fail(ErrorKind::kTrap, a[0].case_index() == 0 ? "wasi: exit(ok)" : "wasi: exit(err)");
       });
  d.fn("exit-with-code", {d.types().u8()}, std::nullopt,
       [](HostCall&, std::span<const Value> a, std::vector<Value>&) -> Result<void> {
         return fail(ErrorKind::kTrap, "wasi: exit with code " + std::to_string(a[0].as_u32() & 0xff));
       });
  return std::move(d).finish();
}

}  // namespace

Result<void> add_cli_interfaces(std::vector<HostInterface>& out) {
  using Sink = OutputStreamObj::Sink;
  Result<HostInterface> all[] = {
      stdio("wasi:cli/stdin", "get-stdin", Res::kInputStream, std::nullopt),
      stdio("wasi:cli/stdout", "get-stdout", Res::kOutputStream, Sink::kStdout),
      stdio("wasi:cli/stderr", "get-stderr", Res::kOutputStream, Sink::kStderr),
      terminal_resource("wasi:cli/terminal-input", Res::kTerminalInput),
      terminal_resource("wasi:cli/terminal-output", Res::kTerminalOutput),
      terminal_getter("wasi:cli/terminal-stdin", "get-terminal-stdin", Res::kTerminalInput),
      terminal_getter("wasi:cli/terminal-stdout", "get-terminal-stdout", Res::kTerminalOutput),
      terminal_getter("wasi:cli/terminal-stderr", "get-terminal-stderr", Res::kTerminalOutput),
      environment(),
      exit(),
  };
  for (auto& iface : all) {
    if (!iface) return std::unexpected(iface.error());
    out.push_back(std::move(*iface));
  }
  return {};
}

}  // namespace hookd::engine::component::wasi
