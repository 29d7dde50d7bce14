// A request as a plugin reads it (engine/http_exchange.hpp), over what the
// session already holds: the parsed request's fields are walked in place
// when a plugin asks for a header, so a plugin that never asks pays nothing,
// and route parameters are views into the request target. The response the
// plugin shapes is a sink reused across the connection's requests.
#pragma once

#include <array>
#include <string_view>

#include "hookd/engine/http_exchange.hpp"
#include "net/http_types.hpp"
#include "routing/route_table.hpp"

namespace hookd::server {

class RequestExchange {
 public:
  // Points the view at `req` (and the parameters of `match`, when a route
  // matched) and empties the sink. `client` is the address after
  // trusted_proxies. Everything viewed must outlive the call.
  void begin(const HttpRequest& req, std::string_view client, const routing::Match* match) {
    fields_.request = &req;
    param_count_ = 0;
    if (match != nullptr) {
      for (const routing::Capture& c : match->params()) params_[param_count_++] = {c.name, c.value};
    }
    view_ = engine::RequestView{{req.method_string().data(), req.method_string().size()},
                                {req.target().data(), req.target().size()},
                                client,
                                {params_.data(), param_count_},
                                &fields_};
    sink_.reset();
  }

  [[nodiscard]] const engine::RequestView* request() const { return &view_; }
  engine::ResponseSink* response() { return &sink_; }
  [[nodiscard]] const engine::ResponseSink& sink() const { return sink_; }

 private:
  struct Fields final : engine::HeaderSource {
    const HttpRequest* request = nullptr;
    void visit(engine::HeaderVisitor& visitor) const override {
      for (const auto& f : request->base()) {
        if (!visitor.field({f.name_string().data(), f.name_string().size()},
                           {f.value().data(), f.value().size()}))
          return;
      }
    }
  };

  Fields fields_;
  std::array<engine::HeaderField, routing::kMaxCaptures> params_{};
  std::size_t param_count_ = 0;
  engine::RequestView view_;
  engine::ResponseSink sink_;
};

}  // namespace hookd::server
