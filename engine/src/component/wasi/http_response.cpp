// wasi:http/types, the response side: outgoing-response, outgoing-body and
// response-outparam. A response's status, headers and body are collected
// in the call's ResponseData; WasiState::take_response hands the one the
// guest set to the runtime after `handle` returns.
#include <string>

#include "component/wasi/http_types.hpp"
#include "component/wasi/interfaces.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {
namespace {

Result<ResponseData*> response_of(WasiState& st, const Value& self) {
  auto o = st.get<OutgoingResponseObj>(self.handle_rep());
  if (!o) return std::unexpected(o.error());
  return &st.response((*o)->response);
}

}  // namespace

void declare_response_functions(Decl& d, const HttpTypes& t) {
  d.resource(Res::kOutgoingResponse);
  // An outgoing request's body dropped without finish: the request is
  // never sent (its future answers internal-error).
  d.resource(Res::kOutgoingBody, [](HostState& state, uint32_t rep) -> Result<void> {
    WasiState& st = static_cast<WasiState&>(state);
    if (auto body = st.get<OutgoingBodyObj>(rep); body && (*body)->exchange) {
      st.exchange(*(*body)->exchange).refused = "the request body was dropped before it was finished";
    }
    return st.drop(Res::kOutgoingBody, rep);
  });
  d.resource(Res::kResponseOutparam);
  const TypeId self = d.borrow(Res::kOutgoingResponse);
  d.fn("[constructor]outgoing-response", {t.fields_own}, d.own(Res::kOutgoingResponse),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto f = st.take<FieldsObj>(a[0].handle_rep());
         if (!f) return std::unexpected(f.error());
         auto index = st.add_response(std::move(f->fields));
         if (!index) return std::unexpected(index.error());
         auto rep = st.make(OutgoingResponseObj{.response = *index}, true);
         if (!rep) return std::unexpected(rep.error());
         return give(r, Value::handle(*rep));
       });
  d.fn("[method]outgoing-response.status-code", {self}, t.u16,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto resp = response_of(wasi_state(c), a[0]);
         if (!resp) return std::unexpected(resp.error());
         return give(r, Value::u32((*resp)->status));
       });
  d.fn("[method]outgoing-response.set-status-code", {self, t.u16}, t.unit_result,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto resp = response_of(wasi_state(c), a[0]);
         if (!resp) return std::unexpected(resp.error());
         const uint32_t status = a[1].as_u32() & 0xffff;
         if (status < 100 || status > 599) return give(r, Value::err());
         (*resp)->status = static_cast<uint16_t>(status);
         return give(r, Value::ok());
       });
  d.fn("[method]outgoing-response.headers", {self}, t.fields_own,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto resp = response_of(st, a[0]);
         if (!resp) return std::unexpected(resp.error());
         Fields copy = (*resp)->headers.clone();
         copy.freeze();
         auto rep = st.make(FieldsObj{std::move(copy)});
         if (!rep) return std::unexpected(rep.error());
         return give(r, Value::handle(*rep));
       });
  d.fn("[method]outgoing-response.body", {self}, d.result(d.own(Res::kOutgoingBody), std::nullopt),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto o = st.get<OutgoingResponseObj>(a[0].handle_rep());
         if (!o) return std::unexpected(o.error());
         ResponseData& resp = st.response((*o)->response);
         if (resp.body_taken) return give(r, Value::err());
         auto body = st.make(OutgoingBodyObj{.response = (*o)->response}, true);
         if (!body) return std::unexpected(body.error());
         resp.body_taken = true;
         return give(r, Value::ok(Value::handle(*body)));
       });
  d.fn("[method]outgoing-body.write", {d.borrow(Res::kOutgoingBody)},
       d.result(d.own(Res::kOutputStream), std::nullopt),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto body = st.get<OutgoingBodyObj>(a[0].handle_rep());
         if (!body) return std::unexpected(body.error());
         if ((*body)->stream_taken) return give(r, Value::err());
         const OutgoingBodyObj& b = **body;
         auto out = st.make(
             b.exchange
                 ? OutputStreamObj{.sink = OutputStreamObj::Sink::kRequestBody, .exchange = *b.exchange}
                 : OutputStreamObj{.sink = OutputStreamObj::Sink::kResponseBody, .response = b.response},
             true);
         if (!out) return std::unexpected(out.error());
         (*body)->stream_taken = true;
         return give(r, Value::ok(Value::handle(*out)));
       });
  // Trailers: neither hookd's server nor its fetch sends any, so finish
  // refuses a non-empty set (internal-error naming why; an outgoing
  // request is then never sent) and accepts none or an empty one.
  d.fn("[static]outgoing-body.finish", {d.own(Res::kOutgoingBody), d.option(t.fields_own)}, t.error_result,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto body = st.take<OutgoingBodyObj>(a[0].handle_rep());
         if (!body) return std::unexpected(body.error());
         bool trailers_given = false;
         if (a[1].case_index() == 1) {
           auto trailers = st.take<FieldsObj>(a[1].payload()->handle_rep());
           if (!trailers) return std::unexpected(trailers.error());
           trailers_given = !trailers->fields.entries().empty();
         }
         if (body->exchange) {
           OutgoingExchange& x = st.exchange(*body->exchange);
           x.body_finished = true;
           if (trailers_given) {
             x.refused = "the request has trailers, which hookd does not send";
             return give(r, Value::err(internal_error("hookd does not send request trailers")));
           }
           return give(r, Value::ok());
         }
         st.response(body->response).body_finished = true;
         if (trailers_given)
           return give(r, Value::err(internal_error("hookd does not send response trailers")));
         return give(r, Value::ok());
       });
  d.fn("[method]response-outparam.send-informational",
       {d.borrow(Res::kResponseOutparam), t.u16, t.fields_own}, t.error_result,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         if (auto o = st.get<ResponseOutparamObj>(a[0].handle_rep()); !o) return std::unexpected(o.error());
         if (auto f = st.take<FieldsObj>(a[2].handle_rep()); !f) return std::unexpected(f.error());
         return give(r, Value::err(internal_error("hookd does not send informational responses")));
       });
  d.fn("[static]response-outparam.set",
       {d.own(Res::kResponseOutparam), d.result(d.own(Res::kOutgoingResponse), t.error_code)}, std::nullopt,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>&) -> Result<void> {
         WasiState& st = wasi_state(c);
         if (auto o = st.take<ResponseOutparamObj>(a[0].handle_rep()); !o) return std::unexpected(o.error());
         if (a[1].case_index() != 0)
           return st.set_response(std::nullopt, describe_http_error_code(*a[1].payload()));
         auto resp = st.take<OutgoingResponseObj>(a[1].payload()->handle_rep());
         if (!resp) return std::unexpected(resp.error());
         return st.set_response(resp->response, {});
       });
}

}  // namespace hookd::engine::component::wasi
