// The response head hookd writes itself (response_head.hpp) is byte for byte
// what Beast's serializer writes for the same message.
#include "net/response_head.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace hookd::server {
namespace {

std::string by_beast(const HttpResponse& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

std::string by_hookd(const HttpResponse& res) {
  std::string head = "left over from the last response";
  serialize_head(res, head);
  return head + res.body();
}

HttpResponse response(http::status status, unsigned version, bool keep_alive, std::string body) {
  HttpResponse res;
  res.result(status);
  res.version(version);
  res.set(http::field::content_type, "application/octet-stream");
  res.set("X-Request-Id", "abc-123");
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

TEST(ResponseHead, MatchesBeastsSerializer) {
  const std::vector<HttpResponse> cases = {
      response(http::status::ok, 11, true, "hello"),
      response(http::status::ok, 11, false, std::string(70000, 'x')),
      response(http::status::ok, 10, true, "keep-alive on HTTP/1.0"),
      response(http::status::ok, 10, false, ""),
      response(http::status::not_found, 11, true, "{\"error\":\"not_found\"}\n"),
      response(http::status::no_content, 11, true, ""),
      response(http::status::too_many_requests, 11, true, "busy"),
      response(static_cast<http::status>(599), 11, true, "an unknown status"),
  };
  for (const auto& res : cases) EXPECT_EQ(by_hookd(res), by_beast(res)) << res.result_int();
}

TEST(ResponseHead, KeepsAFieldsOrderAndAnExplicitReason) {
  HttpResponse res = response(http::status::service_unavailable, 11, false, "draining");
  res.set(http::field::retry_after, "1");
  res.reason("Going Away Soon");
  res.insert("X-Custom", "b");
  res.insert("X-Custom", "a");
  EXPECT_EQ(by_hookd(res), by_beast(res));
  EXPECT_NE(by_hookd(res).find("HTTP/1.1 503 Going Away Soon\r\n"), std::string::npos);
}

TEST(ResponseHead, EveryStatusAPluginMayChooseHasAReasonPhrase) {
  for (unsigned status = 100; status <= 599; ++status) {
    const std::string_view reason = status_reason(status);
    EXPECT_FALSE(reason.empty()) << status;
    EXPECT_EQ(reason.find('<'), std::string_view::npos) << status << ": " << reason;
  }
  EXPECT_EQ(status_reason(418), "I'm a teapot");
  EXPECT_EQ(status_reason(404), "Not Found");
  EXPECT_EQ(status_reason(299), "Success");
  EXPECT_EQ(status_reason(499), "Client Closed Request");
  EXPECT_EQ(status_reason(460), "Client Error");

  std::string head;
  serialize_call_head({11, static_cast<http::status>(418), "text/plain", false, "r", true, 2}, head);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 418 I'm a teapot\r\n")) << head;
  HttpResponse res = response(static_cast<http::status>(460), 11, true, "x");
  serialize_head(res, head);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 460 Client Error\r\n")) << head;
}

TEST(ResponseHead, AHeadAnswerCarriesTheLengthWithoutTheBody) {
  HttpResponse res = response(http::status::ok, 11, true, "twelve bytes");
  res.body().clear();
  res.content_length(12);
  const std::string head = by_hookd(res);
  EXPECT_EQ(head, by_beast(res));
  EXPECT_NE(head.find("Content-Length: 12\r\n"), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
}

// What HttpSession built for a call's answer before serialize_call_head:
// the fields set one by one, then keep_alive and prepare_payload.
HttpResponse call_response_by_fields(const CallHead& h) {
  HttpResponse res;
  res.result(h.status);
  res.version(h.version);
  res.set(http::field::content_type, h.content_type);
  if (h.retry_after) res.set(http::field::retry_after, "1");
  if (!h.served_version.empty()) res.set("X-Hookd-Version", h.served_version);
  res.body() = std::string(h.content_length, 'b');
  res.set("X-Request-Id", h.request_id);
  res.keep_alive(h.keep_alive);
  res.prepare_payload();
  return res;
}

TEST(ResponseHead, ACallsHeadMatchesTheOneBuiltFromFields) {
  const http::status statuses[] = {http::status::ok,
                                   http::status::bad_request,
                                   http::status::not_found,
                                   http::status::payload_too_large,
                                   http::status::too_many_requests,
                                   http::status::internal_server_error,
                                   http::status::service_unavailable,
                                   http::status::gateway_timeout,
                                   static_cast<http::status>(599)};
  int compared = 0;
  for (const auto status : statuses) {
    for (const unsigned version : {10u, 11u}) {
      for (const bool keep_alive : {true, false}) {
        for (const bool retry_after : {false, true}) {
          for (const size_t length : {size_t{0}, size_t{64}, size_t{1234567}}) {
            for (const std::string_view type : {"application/octet-stream", "application/json", ""}) {
              for (const std::string_view served : {"", "7", "18446744073709551615"}) {
                const CallHead h{version, status, type, retry_after, "req-42", keep_alive, length, served};
                ASSERT_TRUE(call_head_applies(status));
                std::string head = "left over from the last response";
                serialize_call_head(h, head);
                const HttpResponse res = call_response_by_fields(h);
                ASSERT_EQ(head + res.body(), by_beast(res))
                    << static_cast<unsigned>(status) << " v" << version << " keep_alive " << keep_alive
                    << " retry_after " << retry_after << " length " << length << " type '" << type
                    << "' version '" << served << "'";
                ++compared;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 9 * 2 * 2 * 2 * 3 * 3 * 3);
}

TEST(ResponseHead, StatusesWithoutALengthTakeTheFieldsPath) {
  EXPECT_FALSE(call_head_applies(http::status::continue_));
  EXPECT_FALSE(call_head_applies(http::status::switching_protocols));
  EXPECT_FALSE(call_head_applies(http::status::no_content));
  EXPECT_FALSE(call_head_applies(http::status::not_modified));
  EXPECT_TRUE(call_head_applies(http::status::ok));
  EXPECT_TRUE(call_head_applies(http::status::created));
  EXPECT_TRUE(call_head_applies(http::status::gateway_timeout));
}

}  // namespace
}  // namespace hookd::server
