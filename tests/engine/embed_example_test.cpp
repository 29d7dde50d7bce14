// The example at the top of hookd/hookd.hpp, compiled and run: an embedder
// copies it first, so it must build against the real API and do what its
// comments say. The code between the markers is the header's example
// verbatim; a test below checks that the two have not drifted apart.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_plugins.hpp"

// --- the example of hookd/hookd.hpp ---
#include "hookd/hookd.hpp"

struct GreetIn {
  std::string name;
  MSGPACK_DEFINE_MAP(name);
};
struct GreetOut {
  std::string message;
  MSGPACK_DEFINE_MAP(message);
};

// dir holds echo.wasm and greet.wasm (examples/plugins/, built by hookd_plugins).
hookd::Result<std::string> echo_then_greet(const std::string& dir) {
  // Loading compiles the module, instantiates it and runs the plugin's init.
  auto echo = hookd::Plugin::load_file(dir + "/echo.wasm");
  if (!echo) return std::unexpected(echo.error());  // error().describe() for a log line
  auto word = echo->call_string("echo", "Ada");     // raw bytes in, bytes out
  if (!word) return std::unexpected(word.error());  // a trap or a timeout is a value too

  hookd::PluginOptions options;
  options.limits.deadline = std::chrono::milliseconds(100);  // per call
  auto plugin = hookd::Plugin::load_file(dir + "/greet.wasm", options);
  if (!plugin) return std::unexpected(plugin.error());
  auto greet = hookd::PluginFn<GreetIn, GreetOut>::bind(*plugin, "greet");
  if (!greet) return std::unexpected(greet.error());
  auto reply = greet->call(GreetIn{*word});  // msgpack maps in and out
  if (!reply) return std::unexpected(reply.error());
  return reply->message;  // "Hello, Ada!"
}
// --- end of the example ---

namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The header's example: the lines of its first comment from the first
// indented one ("//   ") to the last, without the comment prefix.
std::vector<std::string> example_in_header() {
  std::vector<std::string> comment;
  for (const auto& line : lines_of(std::string(HOOKD_SOURCE_DIR) + "/engine/embed/include/hookd/hookd.hpp")) {
    if (line.rfind("//", 0) != 0) break;
    comment.push_back(line);
  }
  std::size_t first = comment.size(), last = 0;
  for (std::size_t i = 0; i < comment.size(); ++i) {
    if (comment[i].rfind("//   ", 0) == 0) {
      first = std::min(first, i);
      last = i;
    }
  }
  std::vector<std::string> code;
  for (std::size_t i = first; i <= last && i < comment.size(); ++i) {
    code.push_back(comment[i] == "//" ? "" : comment[i].substr(5));
  }
  return code;
}

std::vector<std::string> example_in_this_file() {
  std::vector<std::string> code;
  bool inside = false;
  for (const auto& line : lines_of(std::string(HOOKD_SOURCE_DIR) + "/tests/engine/embed_example_test.cpp")) {
    if (line == "// --- end of the example ---") break;
    if (inside) code.push_back(line);
    if (line == "// --- the example of hookd/hookd.hpp ---") inside = true;
  }
  return code;
}

TEST(EmbedExample, RunsAndReturnsWhatItsCommentSays) {
  auto greeting = echo_then_greet(HOOKD_PLUGIN_DIR);
  ASSERT_TRUE(greeting) << greeting.error().describe();
  EXPECT_EQ(*greeting, "Hello, Ada!");
}

TEST(EmbedExample, AMissingPluginIsAnErrorValueNamingThePath) {
  auto greeting = echo_then_greet("/nonexistent");
  ASSERT_FALSE(greeting);
  EXPECT_NE(greeting.error().describe().find("/nonexistent/echo.wasm"), std::string::npos)
      << greeting.error().describe();
}

TEST(EmbedExample, IsTheExampleInTheHeaderVerbatim) {
  auto header = example_in_header();
  auto here = example_in_this_file();
  ASSERT_GT(header.size(), 10u);
  std::ostringstream diff;
  for (std::size_t i = 0; i < std::max(header.size(), here.size()); ++i) {
    const std::string a = i < header.size() ? header[i] : "<none>";
    const std::string b = i < here.size() ? here[i] : "<none>";
    if (a != b) diff << "line " << i + 1 << ":\n  hookd.hpp: " << a << "\n  this file: " << b << "\n";
  }
  EXPECT_EQ(diff.str(), "") << "update the example in hookd/hookd.hpp and this file together";
}

}  // namespace
