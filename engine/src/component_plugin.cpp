#include "component_plugin.hpp"

#include <utility>
#include <vector>

#include "abi/wasi_http.hpp"
#include "component/canonical/value.hpp"
#include "component/component_instance.hpp"
#include "component/component_plan.hpp"
#include "component/wasi/wasi_host.hpp"

namespace hookd::engine {

using canonical::Value;

ComponentParts::ComponentParts() = default;
ComponentParts::~ComponentParts() = default;

Result<std::shared_ptr<const ComponentParts>> load_component_parts(Vm& vm, std::span<const uint8_t> wasm,
                                                                   const PluginModule& module) {
  auto recognised = abi::recognise_wasi_http(wasm);
  if (!recognised) return std::unexpected(recognised.error());
  const PluginOptions& options = module.options();

  component::wasi::WasiOptions wasi;
  wasi.random = options.random;
  wasi.stdout_sink = [sink = options.stdout_sink, name = options.name](std::string_view chunk) {
    sink(name, chunk);
  };
  wasi.stderr_sink = [sink = options.stderr_sink, name = options.name](std::string_view chunk) {
    sink(name, chunk);
  };
  // hookd.fetch, hookd.kv.* and hookd.config.get, with the plugin's grants:
  // the module owns the host, so it outlives this lookup.
  wasi.host_function = [&module](std::string_view name) { return module.find_host_function(name); };
  auto host = component::wasi::WasiHost::create(std::move(wasi));
  if (!host) return std::unexpected(host.error());

  auto parts = std::make_shared<ComponentParts>();
  parts->host = std::move(*host);
  parts->handler = std::move(recognised->handler);
  parts->one_request_per_instance = recognised->one_request_per_instance;
  const component::ComponentLoadOptions load{.max_memory_pages = options.limits.max_memory_pages,
                                             .module_limits = options.limits.module};
  auto plan = component::load_component(vm, wasm, *parts->host, load);
  if (!plan) return std::unexpected(plan.error());
  parts->plan = std::move(*plan);
  return std::shared_ptr<const ComponentParts>(std::move(parts));
}

Result<void> start_component(PluginInstance::State& st, Worker& worker, const ComponentParts& parts,
                             const abi::InitBudget& budget) {
  st.component.reset();
  auto instance = component::ComponentInstance::create(parts.plan, worker, *parts.host, budget.left());
  if (!instance) return std::unexpected(budget.timed_out(std::move(instance.error())));
  st.component = std::move(*instance);
  return {};
}

Result<std::span<const uint8_t>> call_component(PluginInstance::State& st, const ComponentParts& parts,
                                                std::span<const uint8_t> input,
                                                std::chrono::nanoseconds timeout) {
  using component::HostState;
  using component::wasi::WasiState;
  CallContext& ctx = st.call_ctx;
  st.output.clear();
  auto make_args = [input](HostState& hs) -> Result<std::vector<Value>> {
    auto args = static_cast<WasiState&>(hs).begin_request(input);
    if (!args) return std::unexpected(args.error());
    return std::vector<Value>{Value::handle(args->request), Value::handle(args->response_out)};
  };
  auto finish = [&st, &ctx](HostState& hs) -> Result<void> {
    auto body = static_cast<WasiState&>(hs).take_response(ctx.response);
    if (!body) return std::unexpected(body.error());
    st.output.assign(body->begin(), body->end());
    return {};
  };
  auto out = st.component->call(parts.handler, ctx, make_args, timeout, finish);
  // Served (or tried to): a component that answers once per instance needs
  // a fresh one before the next request.
  if (parts.one_request_per_instance) st.spent = true;
  if (st.component->poisoned()) st.poisoned = true;
  if (!out) return std::unexpected(out.error());
  return std::span<const uint8_t>(st.output);
}

}  // namespace hookd::engine
