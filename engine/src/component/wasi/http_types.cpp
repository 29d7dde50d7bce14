// wasi:http/types as the proxy world's incoming side uses it: fields,
// incoming-request, incoming-body, future-trailers. Responses are in
// http_response.cpp, the outgoing side in http_outgoing.cpp, error-code in
// http_error_code.cpp.
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

// The first Host header's value: the request's authority.
class FindHost final : public HeaderVisitor {
 public:
  bool field(std::string_view name, std::string_view value) override {
    if (!header_name_equal(name, "host")) return true;
    host = std::string(value);
    return false;
  }
  std::optional<std::string> host;
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
           FindHost find;
           (*req)->headers->visit(find);
           host = find.host;
         }
         // Without one (HTTP/1.0, a call with no request) "localhost": the
         // proxy world allows none, but componentize-js traps building the
         // request's URL from it.
         return give(r, Value::some(Value::string(host ? std::move(*host) : std::string("localhost"))));
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
         const auto& fetched = (*body)->exchange;
         auto in = st.make(
             fetched ? InputStreamObj{.source = InputStreamObj::Source::kFetchedBody, .exchange = *fetched}
                     : InputStreamObj{.source = InputStreamObj::Source::kRequestBody},
             true);
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

Result<HostInterface> types() {
  Decl d("wasi:http/types", "0.2");
  const HttpTypes t = declare_http_types(d);
  declare_fields(d, t);
  declare_incoming_request(d, t);
  declare_incoming_body(d, t);
  declare_outgoing_functions(d, t);
  declare_response_functions(d, t);
  d.fn("http-error-code", {d.borrow(Res::kError)}, d.option(t.error_code),
       [](HostCall&, std::span<const Value>, std::vector<Value>& r) { return give(r, Value::none()); });
  return std::move(d).finish();
}

}  // namespace

std::string method_text(const Value& method) {
  if (method.case_index() < kMethods.size()) return std::string(kMethods[method.case_index()]);
  return method.payload() != nullptr ? std::string(method.payload()->text()) : std::string();
}

Result<Value> new_fields(WasiState& st, Fields f) {
  auto rep = st.make(FieldsObj{std::move(f)});
  if (!rep) return std::unexpected(rep.error());
  return Value::handle(*rep);
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

Result<void> add_http_interfaces(std::vector<HostInterface>& out) {
  for (auto make : {types, outgoing_handler_interface}) {
    auto iface = make();
    if (!iface) return std::unexpected(iface.error());
    out.push_back(std::move(*iface));
  }
  return {};
}

}  // namespace hookd::engine::component::wasi
