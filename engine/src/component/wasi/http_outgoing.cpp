// wasi:http/types' outgoing side (outgoing-request and its body,
// request-options, future-incoming-response, incoming-response) and
// wasi:http/outgoing-handler. `handle` records the request in an exchange
// of the call; the request goes out through hookd.fetch when the guest
// first waits for or asks for its response (outgoing_fetch.hpp).
#include <array>
#include <string>

#include "component/wasi/http_types.hpp"
#include "component/wasi/interfaces.hpp"
#include "component/wasi/outgoing_fetch.hpp"
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

template <class Obj>
Result<OutgoingExchange*> exchange_of(WasiState& st, const Value& self) {
  auto o = st.get<Obj>(self.handle_rep());
  if (!o) return std::unexpected(o.error());
  return &st.exchange((*o)->exchange);
}

// future-incoming-response and the incoming-response it yields.
void declare_incoming_response(Decl& d, const HttpTypes& t) {
  const TypeId fut = d.borrow(Res::kFutureIncomingResponse);
  d.fn("[method]future-incoming-response.subscribe", {fut}, d.own(Res::kPollable),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto f = st.get<FutureIncomingResponseObj>(a[0].handle_rep());
         if (!f) return std::unexpected(f.error());
         auto p = st.make(PollableObj{.exchange = (*f)->exchange}, true);
         if (!p) return std::unexpected(p.error());
         return give(r, Value::handle(*p));
       });
  // option<result<result<incoming-response, error-code>>>: none while the
  // guest still writes the body; the answer once; then some(err).
  d.fn("[method]future-incoming-response.get", {fut},
       d.option(d.result(d.result(d.own(Res::kIncomingResponse), t.error_code), std::nullopt)),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto f = st.get<FutureIncomingResponseObj>(a[0].handle_rep());
         if (!f) return std::unexpected(f.error());
         const uint32_t index = (*f)->exchange;
         if (!settle_exchange(st, index)) return give(r, Value::none());
         OutgoingExchange& x = st.exchange(index);
         if (x.delivered) return give(r, Value::some(Value::err()));
         x.delivered = true;
         if (x.error) return give(r, Value::some(Value::ok(Value::err(x.error))));
         auto resp = st.make(IncomingResponseObj{.exchange = index}, true);
         if (!resp) return std::unexpected(resp.error());
         return give(r, Value::some(Value::ok(Value::ok(Value::handle(*resp)))));
       });

  const TypeId in_resp = d.borrow(Res::kIncomingResponse);
  d.fn("[method]incoming-response.status", {in_resp}, t.u16,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto x = exchange_of<IncomingResponseObj>(wasi_state(c), a[0]);
         if (!x) return std::unexpected(x.error());
         return give(r, Value::u32((*x)->status));
       });
  d.fn("[method]incoming-response.headers", {in_resp}, t.fields_own,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto x = exchange_of<IncomingResponseObj>(st, a[0]);
         if (!x) return std::unexpected(x.error());
         Fields copy = (*x)->response_headers.clone();
         copy.freeze();
         auto v = new_fields(st, std::move(copy));
         if (!v) return std::unexpected(v.error());
         return give(r, std::move(*v));
       });
  d.fn("[method]incoming-response.consume", {in_resp}, d.result(d.own(Res::kIncomingBody), std::nullopt),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto o = st.get<IncomingResponseObj>(a[0].handle_rep());
         if (!o) return std::unexpected(o.error());
         const uint32_t index = (*o)->exchange;
         if (st.exchange(index).consumed) return give(r, Value::err());
         auto body = st.make(IncomingBodyObj{.exchange = index}, true);
         if (!body) return std::unexpected(body.error());
         st.exchange(index).consumed = true;
         return give(r, Value::ok(Value::handle(*body)));
       });
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
         // The body is buffered in an exchange of the call: outside a call,
         // or past the call's bound of outgoing requests, there is none.
         WasiState& st = wasi_state(c);
         auto o = st.get<OutgoingRequestObj>(a[0].handle_rep());
         if (!o) return std::unexpected(o.error());
         if ((*o)->body_taken) return give(r, Value::err());
         auto index = st.add_exchange();
         if (!index) return give(r, Value::err());
         auto body = st.make(OutgoingBodyObj{.exchange = *index}, true);
         if (!body) return std::unexpected(body.error());
         (*o)->body_taken = true;
         (*o)->exchange = *index;
         (*o)->exchange_call = st.call_number();
         st.exchange(*index).body_taken = true;
         return give(r, Value::ok(Value::handle(*body)));
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

  declare_incoming_response(d, t);
}

// outgoing-handler.handle: the request checked and recorded, its future
// returned; nothing is sent yet.
Result<void> handle(WasiState& st, OutgoingRequestObj req, const std::optional<RequestOptionsObj>& options,
                    std::vector<Value>& r) {
  const hookd::engine::HostFunction* fetch =
      st.options().host_function ? st.options().host_function(kFetchFunction) : nullptr;
  if (fetch == nullptr || !fetch->fn) return give(r, Value::err(Value::variant(kHttpRequestDenied)));
  if (st.call() == nullptr) {
    return give(r, Value::err(internal_error("outgoing requests are sent only during a call")));
  }
  auto url = outgoing_url(req);
  if (!url) return give(r, Value::err(Value::variant(kHttpRequestUriInvalid)));
  uint32_t index = 0;
  if (req.exchange) {
    if (req.exchange_call != st.call_number()) {
      return give(r, Value::err(internal_error("the request's body belongs to a call that ended")));
    }
    index = *req.exchange;
  } else {
    auto added = st.add_exchange();
    if (!added) return give(r, Value::err(internal_error(added.error().message)));
    index = *added;
  }
  OutgoingExchange& x = st.exchange(index);
  x.method = method_text(req.method);
  x.url = std::move(*url);
  for (const Fields::Entry& e : req.headers.entries()) x.headers.emplace_back(e.name, e.value);
  if (options) {
    x.connect_timeout = options->connect_timeout;
    x.first_byte_timeout = options->first_byte_timeout;
  }
  x.handled = true;
  auto future = st.make(FutureIncomingResponseObj{.exchange = index}, true);
  if (!future) return std::unexpected(future.error());
  return give(r, Value::ok(Value::handle(*future)));
}

Result<HostInterface> outgoing_handler() {
  Decl d("wasi:http/outgoing-handler", "0.2");
  const TypeId error_code = http_error_code_type(d);
  d.fn("handle", {d.own(Res::kOutgoingRequest), d.option(d.own(Res::kRequestOptions))},
       d.result(d.own(Res::kFutureIncomingResponse), error_code),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto req = st.take<OutgoingRequestObj>(a[0].handle_rep());
         if (!req) return std::unexpected(req.error());
         std::optional<RequestOptionsObj> options;
         if (a[1].case_index() == 1) {
           auto o = st.take<RequestOptionsObj>(a[1].payload()->handle_rep());
           if (!o) return std::unexpected(o.error());
           options = *o;
         }
         return handle(st, std::move(*req), options, r);
       });
  return std::move(d).finish();
}

}  // namespace

void declare_outgoing_functions(Decl& d, const HttpTypes& t) { declare_outgoing_request(d, t); }

Result<HostInterface> outgoing_handler_interface() { return outgoing_handler(); }

}  // namespace hookd::engine::component::wasi
