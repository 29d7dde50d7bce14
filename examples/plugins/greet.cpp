// greet: typed msgpack in and out. The structs travel as msgpack maps keyed
// by field name, matching MSGPACK_DEFINE_MAP on the host side.
#include <hookd/pdk.hpp>
#include <string>

struct GreetIn {
  std::string name;
  static constexpr auto hookd_fields = hookd::pdk::fields(hookd::pdk::field("name", &GreetIn::name));
};

struct GreetOut {
  std::string message;
  static constexpr auto hookd_fields = hookd::pdk::fields(hookd::pdk::field("message", &GreetOut::message));
};

HOOKD_INIT() {
  hookd::pdk::typed_fn<GreetIn, GreetOut>("greet", [](const GreetIn& in) -> hookd::pdk::Result<GreetOut> {
    if (in.name.empty()) return hookd::pdk::Error{400, "name must not be empty"};
    return GreetOut{"Hello, " + in.name + "!"};
  });
}
