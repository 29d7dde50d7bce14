// wasi:http/types' outgoing side, declared with its state kept
// (outgoing-request, request-options) and wasi:http/outgoing-handler, whose
// `handle` answers HTTP-request-denied: hookd's fetch is not wired to
// components yet, so no incoming-response or future-incoming-response is
// ever made and their methods trap as a handle the host never gave would.
#include <array>
#include <string>

#include "component/wasi/http_types.hpp"
#include "component/wasi/interfaces.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {
namespace {

// Reads or writes one optional field of an outgoing request or its options.
template <class Obj, class Member>
void accessor(Decl& d, const std::string& resource, const std::string& field, TypeId value_type, TypeId unit,
              Member member) {
  const TypeId self = d.borrow(Obj::kKind);
  d.fn("[method]" + resource + "." + field, {self}, value_type,
       [member](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto o = wasi_state(c).get<Obj>(a[0].handle_rep());
         if (!o) return std::unexpected(o.error());
         return give(r, member(**o, nullptr));
       });
  d.fn("[method]" + resource + ".set-" + field, {self, value_type}, unit,
       [member](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto o = wasi_state(c).get<Obj>(a[0].handle_rep());
         if (!o) return std::unexpected(o.error());
         Value v = a[1];
         v.detach();
         member(**o, &v);
         return give(r, Value::ok());
       });
}

// An optional string kept as a Value-shaped option.
Value opt_string(std::optional<std::string>& slot, const Value* set) {
  if (set != nullptr) {
    slot = set->case_index() == 0 ? std::nullopt : std::optional(std::string(set->payload()->text()));
    return {};
  }
  return slot ? Value::some(Value::string(*slot)) : Value::none();
}

Value opt_u64(std::optional<uint64_t>& slot, const Value* set) {
  if (set != nullptr) {
    slot = set->case_index() == 0 ? std::nullopt : std::optional(set->payload()->as_u64());
    return {};
  }
  return slot ? Value::some(Value::u64(*slot)) : Value::none();
}

void declare_outgoing_request(Decl& d, const HttpTypes& t) {
  d.resource(Res::kOutgoingRequest);
  d.resource(Res::kRequestOptions);
  d.resource(Res::kIncomingResponse);
  d.resource(Res::kFutureIncomingResponse);
  d.fn("[constructor]outgoing-request", {t.fields_own}, d.own(Res::kOutgoingRequest),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto f = st.take<FieldsObj>(a[0].handle_rep());
         if (!f) return std::unexpected(f.error());
         f->fields.freeze();
         auto req = st.make(OutgoingRequestObj{.headers = std::move(f->fields)});
         if (!req) return std::unexpected(req.error());
         return give(r, Value::handle(*req));
       });
  const TypeId self = d.borrow(Res::kOutgoingRequest);
  d.fn("[method]outgoing-request.body", {self}, d.result(d.own(Res::kOutgoingBody), std::nullopt),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         // No outgoing handler sends requests yet, so there is no body to write.
         auto o = wasi_state(c).get<OutgoingRequestObj>(a[0].handle_rep());
         if (!o) return std::unexpected(o.error());
         return give(r, Value::err());
       });
  d.fn("[method]outgoing-request.headers", {self}, t.fields_own,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto o = st.get<OutgoingRequestObj>(a[0].handle_rep());
         if (!o) return std::unexpected(o.error());
         Fields copy = (*o)->headers.clone();
         copy.freeze();
         auto v = new_fields(st, std::move(copy));
         if (!v) return std::unexpected(v.error());
         return give(r, std::move(*v));
       });
  using Req = OutgoingRequestObj;
  accessor<Req>(d, "outgoing-request", "method", t.method, t.unit_result, [](Req& o, const Value* set) {
    if (set != nullptr) {
      o.method = *set;
      return Value{};
    }
    return o.method;
  });
  accessor<Req>(d, "outgoing-request", "path-with-query", d.option(t.string), t.unit_result,
                [](Req& o, const Value* set) { return opt_string(o.path_with_query, set); });
  accessor<Req>(d, "outgoing-request", "scheme", d.option(t.scheme), t.unit_result,
                [](Req& o, const Value* set) {
                  if (set != nullptr) {
                    o.scheme = set->case_index() == 0 ? std::nullopt : std::optional(*set->payload());
                    return Value{};
                  }
                  return o.scheme ? Value::some(*o.scheme) : Value::none();
                });
  accessor<Req>(d, "outgoing-request", "authority", d.option(t.string), t.unit_result,
                [](Req& o, const Value* set) { return opt_string(o.authority, set); });

  d.fn("[constructor]request-options", {}, d.own(Res::kRequestOptions),
       [](HostCall& c, std::span<const Value>, std::vector<Value>& r) -> Result<void> {
         auto o = wasi_state(c).make(RequestOptionsObj{});
         if (!o) return std::unexpected(o.error());
         return give(r, Value::handle(*o));
       });
  using Opt = RequestOptionsObj;
  const TypeId dur = d.option(t.duration);
  accessor<Opt>(d, "request-options", "connect-timeout", dur, t.unit_result,
                [](Opt& o, const Value* set) { return opt_u64(o.connect_timeout, set); });
  accessor<Opt>(d, "request-options", "first-byte-timeout", dur, t.unit_result,
                [](Opt& o, const Value* set) { return opt_u64(o.first_byte_timeout, set); });
  accessor<Opt>(d, "request-options", "between-bytes-timeout", dur, t.unit_result,
                [](Opt& o, const Value* set) { return opt_u64(o.between_bytes_timeout, set); });

  // incoming-response and future-incoming-response: no outgoing handler
  // makes one, so any handle to them is a guest's misuse.
  const auto never = [](Res kind) {
    return [kind](HostCall&, std::span<const Value> a, std::vector<Value>&) -> Result<void> {
      return fail(ErrorKind::kTrap, "wasi: " + std::string(resource_name(kind)) + " #" +
                                        std::to_string(a[0].handle_rep()) + " is not live");
    };
  };
  const TypeId in_resp = d.borrow(Res::kIncomingResponse);
  d.fn("[method]incoming-response.status", {in_resp}, t.u16, never(Res::kIncomingResponse));
  d.fn("[method]incoming-response.headers", {in_resp}, t.fields_own, never(Res::kIncomingResponse));
  d.fn("[method]incoming-response.consume", {in_resp}, d.result(d.own(Res::kIncomingBody), std::nullopt),
       never(Res::kIncomingResponse));
  const TypeId fut = d.borrow(Res::kFutureIncomingResponse);
  d.fn("[method]future-incoming-response.subscribe", {fut}, d.own(Res::kPollable),
       never(Res::kFutureIncomingResponse));
  d.fn("[method]future-incoming-response.get", {fut},
       d.option(d.result(d.result(d.own(Res::kIncomingResponse), t.error_code), std::nullopt)),
       never(Res::kFutureIncomingResponse));
}

Result<HostInterface> outgoing_handler() {
  Decl d("wasi:http/outgoing-handler", "0.2");
  const TypeId error_code = http_error_code_type(d);
  d.fn("handle", {d.own(Res::kOutgoingRequest), d.option(d.own(Res::kRequestOptions))},
       d.result(d.own(Res::kFutureIncomingResponse), error_code),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         if (auto req = st.take<OutgoingRequestObj>(a[0].handle_rep()); !req)
           return std::unexpected(req.error());
         if (a[1].case_index() == 1) {
           if (auto o = st.take<RequestOptionsObj>(a[1].payload()->handle_rep()); !o) {
             return std::unexpected(o.error());
           }
         }
         return give(r, Value::err(Value::variant(kHttpRequestDenied)));
       });
  return std::move(d).finish();
}

}  // namespace

void declare_outgoing_functions(Decl& d, const HttpTypes& t) { declare_outgoing_request(d, t); }

Result<HostInterface> outgoing_handler_interface() { return outgoing_handler(); }

}  // namespace hookd::engine::component::wasi
