// wasi:http/types as the proxy world's incoming side uses it (fields,
// incoming-request, incoming-body, future-trailers; responses are in
// http_response.cpp), the outgoing-request types declared with their state
// kept, and wasi:http/outgoing-handler declared: `handle` answers
// HTTP-request-denied (hookd's fetch is not wired to components yet).
#include "component/wasi/http_types.hpp"

#include <array>
#include <string>

#include "component/wasi/interfaces.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {
namespace {

constexpr std::array<std::string_view, 9> kMethods = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                      "CONNECT", "OPTIONS", "TRACE", "PATCH"};
constexpr uint32_t kOtherMethod = 9;

std::string_view as_text(const Value& bytes) {
  return {reinterpret_cast<const char*>(bytes.bytes().data()), bytes.bytes().size()};
}

Value header_outcome(const Fields::Outcome& outcome) {
  if (outcome) return Value::ok();
  return Value::err(Value::variant(static_cast<uint32_t>(outcome.error())));
}

Value entries_value(const Fields& f) {
  std::vector<Value> out;
  out.reserve(f.entries().size());
  for (const Fields::Entry& e : f.entries()) {
    out.push_back(Value::tuple({Value::string(e.name), Value::bytes_owned(e.value)}));
  }
  return Value::list(std::move(out));
}

Result<Value> new_fields(WasiState& st, Fields f) {
  auto rep = st.make(FieldsObj{std::move(f)});
  if (!rep) return std::unexpected(rep.error());
  return Value::handle(*rep);
}

Result<Fields*> mutable_fields(HostCall& c, const Value& self) {
  auto f = wasi_state(c).get<FieldsObj>(self.handle_rep());
  if (!f) return std::unexpected(f.error());
  return &(*f)->fields;
}

void declare_fields(Decl& d, const HttpTypes& t) {
  d.resource(Res::kFields);
  d.fn("[constructor]fields", {}, t.fields_own,
       [](HostCall& c, std::span<const Value>, std::vector<Value>& r) {
         WasiState& st = wasi_state(c);
         auto v = new_fields(st, Fields(st.options().fields));
         if (!v) return Result<void>(std::unexpected(v.error()));
         return give(r, std::move(*v));
       });
  d.fn("[static]fields.from-list", {t.entries}, d.result(t.fields_own, t.header_error),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         Fields f(st.options().fields);
         for (const Value& e : a[0].items()) {
           auto ok = f.append(e.items()[0].text(), as_text(e.items()[1]));
           if (!ok) return give(r, header_outcome(ok));
         }
         auto v = new_fields(st, std::move(f));
         if (!v) return std::unexpected(v.error());
         return give(r, Value::ok(std::move(*v)));
       });
  d.fn("[method]fields.get", {t.fields_borrow, t.string}, d.list(t.bytes),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto f = mutable_fields(c, a[0]);
         if (!f) return std::unexpected(f.error());
         std::vector<Value> out;
         for (std::string_view v : (*f)->get(a[1].text())) {
           out.push_back(Value::bytes({reinterpret_cast<const uint8_t*>(v.data()), v.size()}));
         }
         return give(r, Value::list(std::move(out)));
       });
  d.fn("[method]fields.has", {t.fields_borrow, t.string}, d.types().boolean(),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto f = mutable_fields(c, a[0]);
         if (!f) return std::unexpected(f.error());
         return give(r, Value::boolean((*f)->has(a[1].text())));
       });
  d.fn("[method]fields.set", {t.fields_borrow, t.string, d.list(t.bytes)}, t.header_result,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto f = mutable_fields(c, a[0]);
         if (!f) return std::unexpected(f.error());
         std::vector<std::string_view> values;
         values.reserve(a[2].items().size());
         for (const Value& v : a[2].items()) values.push_back(as_text(v));
         return give(r, header_outcome((*f)->set(a[1].text(), values)));
       });
  d.fn("[method]fields.delete", {t.fields_borrow, t.string}, t.header_result,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto f = mutable_fields(c, a[0]);
         if (!f) return std::unexpected(f.error());
         return give(r, header_outcome((*f)->remove(a[1].text())));
       });
  d.fn("[method]fields.append", {t.fields_borrow, t.string, t.bytes}, t.header_result,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto f = mutable_fields(c, a[0]);
         if (!f) return std::unexpected(f.error());
         return give(r, header_outcome((*f)->append(a[1].text(), as_text(a[2]))));
       });
  d.fn("[method]fields.entries", {t.fields_borrow}, t.entries,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto f = mutable_fields(c, a[0]);
         if (!f) return std::unexpected(f.error());
         return give(r, entries_value(**f));
       });
  d.fn("[method]fields.clone", {t.fields_borrow}, t.fields_own,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto f = mutable_fields(c, a[0]);
         if (!f) return std::unexpected(f.error());
         auto v = new_fields(wasi_state(c), (*f)->clone());
         if (!v) return std::unexpected(v.error());
         return give(r, std::move(*v));
       });
}

// The call's request (null when the call answers none: a CLI call, a test).
Result<const RequestView*> request_of(HostCall& c, const Value& self) {
  WasiState& st = wasi_state(c);
  auto req = st.get<IncomingRequestObj>(self.handle_rep());
  if (!req) return std::unexpected(req.error());
  return st.call()->request;
}

Value method_value(std::string_view method) {
  for (uint32_t i = 0; i < kMethods.size(); ++i) {
    if (method == kMethods[i]) return Value::variant(i);
  }
  return Value::variant(kOtherMethod, Value::string(std::string(method)));
}

// Copies the request's headers (walked in the order received).
class Copy final : public HeaderVisitor {
 public:
  explicit Copy(Fields& out) : out_(out) {}
  bool field(std::string_view name, std::string_view value) override {
    if (out_.add_trusted(name, value)) return true;
    overflow = true;
    return false;
  }
  bool overflow = false;

 private:
  Fields& out_;
};

void declare_incoming_request(Decl& d, const HttpTypes& t) {
  d.resource(Res::kIncomingRequest);
  const TypeId self = d.borrow(Res::kIncomingRequest);
  d.fn("[method]incoming-request.method", {self}, t.method,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto req = request_of(c, a[0]);
         if (!req) return std::unexpected(req.error());
         return give(r, method_value(*req ? (*req)->method : "GET"));
       });
  d.fn("[method]incoming-request.path-with-query", {self}, d.option(t.string),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto req = request_of(c, a[0]);
         if (!req) return std::unexpected(req.error());
         return give(r, Value::some(Value::string(std::string(*req ? (*req)->target : "/"))));
       });
  d.fn("[method]incoming-request.scheme", {self}, d.option(t.scheme),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto req = request_of(c, a[0]);
         if (!req) return std::unexpected(req.error());
         return give(r, Value::some(Value::variant(0)));  // HTTP: TLS ends before hookd or in front of it
       });
  d.fn("[method]incoming-request.authority", {self}, d.option(t.string),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto req = request_of(c, a[0]);
         if (!req) return std::unexpected(req.error());
         std::optional<std::string> host;
         if (*req && (*req)->headers) {
           Fields f(FieldLimits{.max_fields = 4096, .max_bytes = 1u << 20});
           Copy copy(f);
           (*req)->headers->visit(copy);
           if (auto v = f.get("host"); !v.empty()) host = std::string(v.front());
         }
         return give(r, host ? Value::some(Value::string(std::move(*host))) : Value::none());
       });
  d.fn("[method]incoming-request.headers", {self}, t.fields_own,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto req = request_of(c, a[0]);
         if (!req) return std::unexpected(req.error());
         WasiState& st = wasi_state(c);
         Fields f(st.options().request_fields);
         if (*req && (*req)->headers) {
           Copy copy(f);
           (*req)->headers->visit(copy);
           if (copy.overflow)
             return fail(ErrorKind::kHostError, "wasi: the request's headers pass the host's bound");
         }
         f.freeze();
         auto v = new_fields(st, std::move(f));
         if (!v) return std::unexpected(v.error());
         return give(r, std::move(*v));
       });
  d.fn("[method]incoming-request.consume", {self}, d.result(d.own(Res::kIncomingBody), std::nullopt),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto req = st.get<IncomingRequestObj>(a[0].handle_rep());
         if (!req) return std::unexpected(req.error());
         if ((*req)->consumed) return give(r, Value::err());
         auto body = st.make(IncomingBodyObj{}, true);
         if (!body) return std::unexpected(body.error());
         (*req)->consumed = true;
         return give(r, Value::ok(Value::handle(*body)));
       });
}

void declare_incoming_body(Decl& d, const HttpTypes& t) {
  d.resource(Res::kIncomingBody);
  d.resource(Res::kFutureTrailers);
  d.fn("[method]incoming-body.stream", {d.borrow(Res::kIncomingBody)},
       d.result(d.own(Res::kInputStream), std::nullopt),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto body = st.get<IncomingBodyObj>(a[0].handle_rep());
         if (!body) return std::unexpected(body.error());
         if ((*body)->stream_taken) return give(r, Value::err());
         auto in = st.make(InputStreamObj{.source = InputStreamObj::Source::kRequestBody}, true);
         if (!in) return std::unexpected(in.error());
         (*body)->stream_taken = true;
         return give(r, Value::ok(Value::handle(*in)));
       });
  d.fn("[static]incoming-body.finish", {d.own(Res::kIncomingBody)}, d.own(Res::kFutureTrailers),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         if (auto body = st.take<IncomingBodyObj>(a[0].handle_rep()); !body)
           return std::unexpected(body.error());
         auto f = st.make(FutureTrailersObj{}, true);
         if (!f) return std::unexpected(f.error());
         return give(r, Value::handle(*f));
       });
  d.fn("[method]future-trailers.subscribe", {d.borrow(Res::kFutureTrailers)}, d.own(Res::kPollable),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         if (auto f = st.get<FutureTrailersObj>(a[0].handle_rep()); !f) return std::unexpected(f.error());
         auto p = ready_pollable(st);
         if (!p) return std::unexpected(p.error());
         return give(r, std::move(*p));
       });
  // option<result<result<option<trailers>, error-code>>>: the request had
  // no trailers (the server does not pass them on); a second get is err.
  const TypeId inner = d.result(d.option(t.fields_own), t.error_code);
  d.fn("[method]future-trailers.get", {d.borrow(Res::kFutureTrailers)},
       d.option(d.result(inner, std::nullopt)),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto f = wasi_state(c).get<FutureTrailersObj>(a[0].handle_rep());
         if (!f) return std::unexpected(f.error());
         if ((*f)->taken) return give(r, Value::some(Value::err()));
         (*f)->taken = true;
         return give(r, Value::some(Value::ok(Value::ok(Value::none()))));
       });
}

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

Result<HostInterface> types() {
  Decl d("wasi:http/types", "0.2");
  const HttpTypes t = declare_http_types(d);
  declare_fields(d, t);
  declare_incoming_request(d, t);
  declare_incoming_body(d, t);
  declare_outgoing_request(d, t);
  declare_response_functions(d, t);
  d.fn("http-error-code", {d.borrow(Res::kError)}, d.option(t.error_code),
       [](HostCall&, std::span<const Value>, std::vector<Value>& r) { return give(r, Value::none()); });
  return std::move(d).finish();
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

TypeId http_error_code_type(Decl& d) {
  const TypeId s = d.types().string();
  const TypeId os = d.option(s);
  const TypeId o32 = d.option(d.types().u32());
  const TypeId o64 = d.option(d.types().u64());
  const TypeId dns = d.record({"rcode", "info-code"}, {os, d.option(d.types().u16())});
  const TypeId tls = d.record({"alert-id", "alert-message"}, {d.option(d.types().u8()), os});
  const TypeId fsize = d.record({"field-name", "field-size"}, {os, o32});
  const TypeId ofsize = d.option(fsize);
  return d.variant({"DNS-timeout",
                    "DNS-error",
                    "destination-not-found",
                    "destination-unavailable",
                    "destination-IP-prohibited",
                    "destination-IP-unroutable",
                    "connection-refused",
                    "connection-terminated",
                    "connection-timeout",
                    "connection-read-timeout",
                    "connection-write-timeout",
                    "connection-limit-reached",
                    "TLS-protocol-error",
                    "TLS-certificate-error",
                    "TLS-alert-received",
                    "HTTP-request-denied",
                    "HTTP-request-length-required",
                    "HTTP-request-body-size",
                    "HTTP-request-method-invalid",
                    "HTTP-request-URI-invalid",
                    "HTTP-request-URI-too-long",
                    "HTTP-request-header-section-size",
                    "HTTP-request-header-size",
                    "HTTP-request-trailer-section-size",
                    "HTTP-request-trailer-size",
                    "HTTP-response-incomplete",
                    "HTTP-response-header-section-size",
                    "HTTP-response-header-size",
                    "HTTP-response-body-size",
                    "HTTP-response-trailer-section-size",
                    "HTTP-response-trailer-size",
                    "HTTP-response-transfer-coding",
                    "HTTP-response-content-coding",
                    "HTTP-response-timeout",
                    "HTTP-upgrade-failed",
                    "HTTP-protocol-error",
                    "loop-detected",
                    "configuration-error",
                    "internal-error"},
                   {std::nullopt, dns,          std::nullopt,
                    std::nullopt, std::nullopt, std::nullopt,
                    std::nullopt, std::nullopt, std::nullopt,
                    std::nullopt, std::nullopt, std::nullopt,
                    std::nullopt, std::nullopt, tls,
                    std::nullopt, std::nullopt, o64,
                    std::nullopt, std::nullopt, std::nullopt,
                    o32,          ofsize,       o32,
                    fsize,        std::nullopt, o32,
                    fsize,        o64,          o32,
                    fsize,        os,           os,
                    std::nullopt, std::nullopt, std::nullopt,
                    std::nullopt, std::nullopt, os});
}

HttpTypes declare_http_types(Decl& d) {
  HttpTypes t{};
  t.string = d.types().string();
  t.u16 = d.types().u16();
  t.duration = d.types().u64();
  t.method =
      d.variant({"get", "head", "post", "put", "delete", "connect", "options", "trace", "patch", "other"},
                {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                 std::nullopt, std::nullopt, std::nullopt, t.string});
  t.scheme = d.variant({"HTTP", "HTTPS", "other"}, {std::nullopt, std::nullopt, t.string});
  t.error_code = http_error_code_type(d);
  t.header_error =
      d.variant({"invalid-syntax", "forbidden", "immutable"}, {std::nullopt, std::nullopt, std::nullopt});
  t.bytes = d.list(d.types().u8());
  t.entry = d.tuple({t.string, t.bytes});
  t.entries = d.list(t.entry);
  t.fields_own = d.own(Res::kFields);
  t.fields_borrow = d.borrow(Res::kFields);
  t.unit_result = d.result(std::nullopt, std::nullopt);
  t.header_result = d.result(std::nullopt, t.header_error);
  t.error_result = d.result(std::nullopt, t.error_code);
  return t;
}

Value internal_error(std::string message) {
  return Value::variant(kInternalError, Value::some(Value::string(std::move(message))));
}

std::string describe_http_error_code(const Value& code) {
  static constexpr std::array<std::string_view, 39> kNames = {"DNS-timeout",
                                                              "DNS-error",
                                                              "destination-not-found",
                                                              "destination-unavailable",
                                                              "destination-IP-prohibited",
                                                              "destination-IP-unroutable",
                                                              "connection-refused",
                                                              "connection-terminated",
                                                              "connection-timeout",
                                                              "connection-read-timeout",
                                                              "connection-write-timeout",
                                                              "connection-limit-reached",
                                                              "TLS-protocol-error",
                                                              "TLS-certificate-error",
                                                              "TLS-alert-received",
                                                              "HTTP-request-denied",
                                                              "HTTP-request-length-required",
                                                              "HTTP-request-body-size",
                                                              "HTTP-request-method-invalid",
                                                              "HTTP-request-URI-invalid",
                                                              "HTTP-request-URI-too-long",
                                                              "HTTP-request-header-section-size",
                                                              "HTTP-request-header-size",
                                                              "HTTP-request-trailer-section-size",
                                                              "HTTP-request-trailer-size",
                                                              "HTTP-response-incomplete",
                                                              "HTTP-response-header-section-size",
                                                              "HTTP-response-header-size",
                                                              "HTTP-response-body-size",
                                                              "HTTP-response-trailer-section-size",
                                                              "HTTP-response-trailer-size",
                                                              "HTTP-response-transfer-coding",
                                                              "HTTP-response-content-coding",
                                                              "HTTP-response-timeout",
                                                              "HTTP-upgrade-failed",
                                                              "HTTP-protocol-error",
                                                              "loop-detected",
                                                              "configuration-error",
                                                              "internal-error"};
  const uint32_t i = code.case_index();
  std::string out = "error-code " + std::string(i < kNames.size() ? kNames[i] : "?");
  // internal-error(some(message)): the guest's own words, cut.
  if (i == kInternalError && code.payload() != nullptr && code.payload()->case_index() == 1) {
    out += ": " + std::string(code.payload()->payload()->text().substr(0, 256));
  }
  return out;
}

Result<void> add_http_interfaces(std::vector<HostInterface>& out) {
  for (auto make : {types, outgoing_handler}) {
    auto iface = make();
    if (!iface) return std::unexpected(iface.error());
    out.push_back(std::move(*iface));
  }
  return {};
}

}  // namespace hookd::engine::component::wasi
