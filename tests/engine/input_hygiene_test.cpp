// A plugin's input buffer never shows a previous caller's bytes past the
// current input: the host zeroes the tail a shorter input leaves.
#include <gtest/gtest.h>

#include <algorithm>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

TEST(InputHygiene, AShorterInputDoesNotShowTheRestOfALongerEarlierOne) {
  auto plugin = Plugin::load_file(test::plugin_path("tail"));
  ASSERT_TRUE(plugin) << plugin.error().describe();
  const std::string secret(4000, 'S');
  ASSERT_TRUE(plugin->call_string("tail", secret));
  for (const std::string& next : {std::string("x"), std::string(100, 'y'), std::string()}) {
    auto tail = plugin->call_string("tail", next);
    ASSERT_TRUE(tail) << tail.error().describe();
    ASSERT_GE(tail->size(), secret.size() - next.size());  // it did look where the secret was
    EXPECT_EQ(std::count(tail->begin(), tail->end(), 'S'), 0)
        << "after an input of " << next.size() << " bytes";
  }
}

TEST(InputHygiene, TheInputItselfIsIntact) {
  auto plugin = Plugin::load_file(test::plugin_path("tail"));
  ASSERT_TRUE(plugin);
  ASSERT_TRUE(plugin->call_string("tail", std::string(300, 'a')));
  auto echo = plugin->call_string("ok", "bb");
  ASSERT_TRUE(echo);
  auto tail = plugin->call_string("tail", "cc");
  ASSERT_TRUE(tail);
  EXPECT_EQ(std::count(tail->begin(), tail->end(), 'a'), 0);
}

}  // namespace
}  // namespace hookd
