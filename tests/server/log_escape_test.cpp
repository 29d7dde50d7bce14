// Escaping of text that reaches the log from clients and plugins, and the
// admin log's targets without their query strings (the access log's are in
// access_log_test.cpp).
#include "observability/log_escape.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cstdint>
#include <random>
#include <string>

#include "gateway_fixture.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

using server::escape_log_text;
using server::without_query;

std::string json_string(std::string_view in) {
  std::string out = "\"";
  server::append_json_string(in, out);
  return out + "\"";
}

TEST(LogEscape, TextKeepsPrintableUtf8AndEscapesEverythingElse) {
  EXPECT_EQ(escape_log_text("plain text, üñíçødé €"), "plain text, üñíçødé €");
  EXPECT_EQ(escape_log_text("a\nb\r\tc\\d"), R"(a\nb\r\tc\\d)");
  // A quote would end the text access log's quoted request line early.
  EXPECT_EQ(escape_log_text(R"(GET /x" 200 1 1us plugin=forged ")"),
            R"(GET /x\" 200 1 1us plugin=forged \")");
  EXPECT_EQ(escape_log_text("\x1b[31mred\x1b[0m"), R"(\x1b[31mred\x1b[0m)");
  EXPECT_EQ(escape_log_text(std::string_view("nul\0del\x7f", 8)), R"(nul\x00del\x7f)");
  // Not UTF-8: a lone continuation byte, a truncated sequence, an overlong
  // form, a surrogate and a value past U+10FFFF.
  EXPECT_EQ(escape_log_text("\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80"),
            R"(\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80)");
  // C1 CSI, line separator, right-to-left override.
  EXPECT_EQ(escape_log_text("\xc2\x9b|\xe2\x80\xa8|\xe2\x80\xae"), R"(\u009b|\u2028|\u202e)");
}

TEST(LogEscape, JsonStringsAreAlwaysValidJson) {
  static constexpr char kNasty[] = "q\"b\\n\nesc\x1b[2K\xff\xc2\x9b\xe2\x80\xa8 ok\0end";
  static constexpr char kDecoded[] = "q\"b\\n\nesc\x1b[2K\\xff\xc2\x9b\xe2\x80\xa8 ok\0end";
  const std::string nasty(kNasty, sizeof kNasty - 1);
  const std::string quoted = json_string(nasty);
  EXPECT_EQ(quoted.find('\n'), std::string::npos);
  boost::system::error_code ec;
  auto v = boost::json::parse(quoted, ec);
  ASSERT_FALSE(ec) << quoted;
  EXPECT_EQ(std::string_view(v.as_string()), std::string_view(kDecoded, sizeof kDecoded - 1));
}

// The text form decoded: \\ \n \r \t \xNN and \uNNNN (as UTF-8) back to
// bytes. Escaping is lossless, so decode(escape(s)) == s for any bytes.
std::string decode_text(std::string_view in) {
  std::string out;
  auto hex = [](std::string_view h) {
    return static_cast<uint32_t>(std::stoul(std::string(h), nullptr, 16));
  };
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    const char kind = in.at(++i);
    if (kind == 'n') out += '\n';
    if (kind == 'r') out += '\r';
    if (kind == 't') out += '\t';
    if (kind == '\\') out += '\\';
    if (kind == '"') out += '"';
    if (kind == 'x') out += static_cast<char>(hex(in.substr(i + 1, 2))), i += 2;
    if (kind == 'u') {
      const uint32_t cp = hex(in.substr(i + 1, 4));
      i += 4;
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6)), out += static_cast<char>(0x80 | (cp & 0x3f));
      } else {
        out += static_cast<char>(0xe0 | (cp >> 12)), out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      }
    }
  }
  return out;
}

// Random byte strings weighted towards what the escaping treats specially
// (quotes, backslashes, controls, C1 and separators in UTF-8, truncated and
// invalid sequences) between runs of plain text.
TEST(LogEscape, AnyBytesRoundTripAndStayOnePrintableLine) {
  static const std::string_view kPieces[] = {"plain",
                                             "/plugins/echo/echo",
                                             "\"",
                                             "\\",
                                             "\n",
                                             "\r",
                                             "\t",
                                             "\x1b[31m",
                                             std::string_view("\0", 1),
                                             "\x7f",
                                             "\xc2\x9b",
                                             "\xe2\x80\xa8",
                                             "\xe2\x80\xae",
                                             "\xe2\x81\xa6",
                                             "\xf0\x9f\x98\x80",
                                             "\xc3\xa9",
                                             "\xff",
                                             "\xc2",
                                             "\xe2\x80",
                                             "\xed\xa0\x80",
                                             "\xc0\xaf",
                                             "\xf4\x90\x80\x80",
                                             "?",
                                             "#",
                                             " ",
                                             "~"};
  std::mt19937 rng(20261201);
  for (int n = 0; n < 20000; ++n) {
    std::string in;
    const int parts = static_cast<int>(rng() % 12);
    for (int p = 0; p < parts; ++p) {
      if (rng() % 4 == 0) {
        in += static_cast<char>(rng() % 256);
      } else {
        in += kPieces[rng() % std::size(kPieces)];
      }
    }
    const std::string text = escape_log_text(in);
    for (const char c : text) {
      const auto b = static_cast<unsigned char>(c);
      ASSERT_TRUE(b >= 0x20 && b != 0x7f) << "raw control byte in " << text;
    }
    ASSERT_EQ(decode_text(text), in) << text;
    const std::string quoted = json_string(in);
    boost::system::error_code ec;
    const auto v = boost::json::parse(quoted, ec);
    ASSERT_FALSE(ec) << quoted;
    ASSERT_TRUE(v.is_string());
  }
}

TEST(LogEscape, UrlsLoseTheirQueryAndFragment) {
  EXPECT_EQ(without_query("https://api.example/v1/x?key=secret#frag"), "https://api.example/v1/x");
  EXPECT_EQ(without_query("/plugins/echo/echo?token=abc"), "/plugins/echo/echo");
  EXPECT_EQ(without_query("/a#b?c"), "/a");
  EXPECT_EQ(without_query("/plain"), "/plain");
}

TEST(AdminLog, PathsAreLoggedWithoutTheirQueryStringAndEscaped) {
  // Admin requests are logged by the default logger.
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));

  auto c = test_config(fresh_dir("admin-log"));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  HttpClient client(g->admin_port());
  // Authorized and refused requests both carry a query string; the last
  // path has bytes that are not UTF-8.
  EXPECT_EQ(
      client.get("/admin/plugins?secret=hunter2", {{"Authorization", "Bearer test-token"}}).result_int(),
      200);
  EXPECT_EQ(client.get("/admin/plugins/x%1b?secret=hunter3").result_int(), 401);
  client.close();
  EXPECT_EQ(client.raw("GET /admin/\xff\xfez?secret=hunter4 HTTP/1.1\r\nHost: a\r\n\r\n").result_int(), 401);
  g.reset();
  spdlog::set_default_logger(previous);

  int admin_lines = 0;
  for (const auto& line : sink->last_formatted()) {
    EXPECT_EQ(line.find("hunter"), std::string::npos) << line;
    EXPECT_EQ(line.find('\xff'), std::string::npos) << line;
    if (line.find("admin ") != std::string::npos && line.find("\"GET /admin/") != std::string::npos)
      ++admin_lines;
  }
  EXPECT_EQ(admin_lines, 3);
}

}  // namespace
}  // namespace hookd::test
