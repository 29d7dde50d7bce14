// The C++ PDK's HTTP layer (hookd::pdk::request, response, crypto):
//   redirect  reads the method, header X-Token (both values, any case), the
//             query parameter q, the route parameter id and every header;
//             answers 302 with two Set-Cookie and a Location
//   verify    input "signature-hex\nbody": checks an HMAC-SHA256 of the body
//             under the key "secret", answers "valid" or "invalid"
#include <hookd/pdk_host.hpp>

namespace {

namespace pdk = hookd::pdk;

pdk::Result<std::string> redirect(pdk::Bytes) {
  auto method = pdk::request::method();
  auto first = pdk::request::header("x-TOKEN");
  auto second = pdk::request::header("X-Token", 1);
  auto q = pdk::request::query_param("q");
  auto id = pdk::request::route_param("id");
  auto all = pdk::request::headers();
  if (!method || !first || !second || !q || !id || !all) return pdk::Error{500, "request not readable"};
  for (auto r : {pdk::response::set_status(302), pdk::response::add_header("Set-Cookie", "a=1; Path=/"),
                 pdk::response::add_header("Set-Cookie", "b=2; HttpOnly"),
                 pdk::response::add_header("Location", "/users/" + id->value_or(""))}) {
    if (!r) return r.error();
  }
  return *method + " token=" + first->value_or("-") + "," + second->value_or("-") + " q=" + q->value_or("-") +
         " id=" + id->value_or("-") + " headers=" + std::to_string(all->size());
}

pdk::Result<std::string> verify(pdk::Bytes in) {
  std::string_view s(reinterpret_cast<const char*>(in.data()), in.size());
  const size_t nl = s.find('\n');
  if (nl == std::string_view::npos) return pdk::Error{400, "want signature\\nbody"};
  auto mac = pdk::crypto::hmac_sha256("secret", s.substr(nl + 1));
  if (!mac) return mac.error();
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : *mac) hex.append({digits[b >> 4], digits[b & 15]});
  auto same = pdk::crypto::equal(hex, s.substr(0, nl));
  if (!same) return same.error();
  return std::string(*same ? "valid" : "invalid");
}

}  // namespace

HOOKD_INIT() {
  pdk::fn("redirect", redirect);
  pdk::fn("verify", verify);
}
