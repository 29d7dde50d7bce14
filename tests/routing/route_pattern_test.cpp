// Route patterns: what parses into which segments, and every hostile form
// refused with a message that says what is wrong.
#include "routing/route_pattern.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace hookd::routing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string error_of(std::string_view text) {
  auto pattern = RoutePattern::parse(text);
  if (pattern) {
    ADD_FAILURE() << "\"" << text << "\" parsed";
    return {};
  }
  return pattern.error();
}

TEST(RoutePattern, RootHasNoSegments) {
  auto pattern = RoutePattern::parse("/");
  ASSERT_TRUE(pattern);
  EXPECT_TRUE(pattern->segments.empty());
  EXPECT_FALSE(pattern->has_wildcard());
}

TEST(RoutePattern, LiteralsParametersAndATrailingWildcard) {
  auto pattern = RoutePattern::parse("/api/v1.2/{user_id}/files/*");
  ASSERT_TRUE(pattern) << pattern.error();
  EXPECT_THAT(pattern->segments,
              ElementsAre(Segment{SegmentKind::literal, "api"}, Segment{SegmentKind::literal, "v1.2"},
                          Segment{SegmentKind::param, "user_id"}, Segment{SegmentKind::literal, "files"},
                          Segment{SegmentKind::wildcard, "*"}));
  EXPECT_TRUE(pattern->has_wildcard());
  EXPECT_THAT(pattern->capture_names(), ElementsAre("user_id", "*"));
}

TEST(RoutePattern, LiteralsTakeEveryUnescapedPathCharacter) {
  EXPECT_TRUE(RoutePattern::parse("/a-b_c~d!$&'()+,;=:@e"));
  EXPECT_TRUE(RoutePattern::parse("/...")) << "three dots are a name, not a dot segment";
}

TEST(RoutePattern, EmptyAndRelativePathsAreRefused) {
  EXPECT_THAT(error_of(""), HasSubstr("empty path"));
  EXPECT_THAT(error_of("users"), HasSubstr("must start with '/'"));
}

TEST(RoutePattern, EmptySegmentsAreRefused) {
  EXPECT_THAT(error_of("/a//b"), HasSubstr("segment 2: empty segment"));
  EXPECT_THAT(error_of("/a/"), HasSubstr("segment 2: empty segment"));
  EXPECT_THAT(error_of("//"), HasSubstr("segment 1: empty segment"));
}

TEST(RoutePattern, DotSegmentsAreRefused) {
  EXPECT_THAT(error_of("/static/../admin"), HasSubstr("segment 2: \"..\" is not allowed"));
  EXPECT_THAT(error_of("/./a"), HasSubstr("segment 1: \".\" is not allowed"));
}

TEST(RoutePattern, PercentEscapesAreRefused) {
  EXPECT_THAT(error_of("/a%2Fb"), HasSubstr("percent-escapes are not allowed"));
}

TEST(RoutePattern, ControlBytesSpacesAndNonAsciiAreRefusedByValue) {
  EXPECT_THAT(error_of("/a b"), HasSubstr("byte 0x20 is not allowed"));
  EXPECT_THAT(error_of(std::string("/a\0b", 4)), HasSubstr("byte 0x00 is not allowed"));
  EXPECT_THAT(error_of("/caf\xc3\xa9"), HasSubstr("byte 0xc3 is not allowed"));
  EXPECT_THAT(error_of("/a?b"), HasSubstr("'?' is not allowed"));
}

TEST(RoutePattern, MalformedParametersAreRefused) {
  EXPECT_THAT(error_of("/{}"), HasSubstr("empty parameter name"));
  EXPECT_THAT(error_of("/{id"), HasSubstr("a parameter is a whole segment"));
  EXPECT_THAT(error_of("/id}"), HasSubstr("a parameter is a whole segment"));
  EXPECT_THAT(error_of("/user-{id}"), HasSubstr("a parameter is a whole segment"));
  EXPECT_THAT(error_of("/{1st}"), HasSubstr("parameter names are"));
  EXPECT_THAT(error_of("/{a-b}"), HasSubstr("parameter names are"));
  EXPECT_THAT(error_of("/{" + std::string(65, 'a') + "}"), HasSubstr("longer than 64 bytes"));
  EXPECT_TRUE(RoutePattern::parse("/{" + std::string(64, 'a') + "}"));
}

TEST(RoutePattern, DuplicateParameterNamesAreRefused) {
  EXPECT_THAT(error_of("/{id}/x/{id}"), HasSubstr("segment 3: parameter {id} appears twice"));
}

TEST(RoutePattern, WildcardOnlyAsTheWholeLastSegment) {
  EXPECT_THAT(error_of("/*/a"), HasSubstr("segment 1: '*' is only allowed as the last segment"));
  EXPECT_THAT(error_of("/a*"), HasSubstr("'*' is a whole segment"));
  EXPECT_TRUE(RoutePattern::parse("/*"));
}

TEST(RoutePattern, SizeLimits) {
  std::string long_literal = "/" + std::string(kMaxPatternBytes - 1, 'a');
  EXPECT_TRUE(RoutePattern::parse(long_literal));
  EXPECT_THAT(error_of(long_literal + "a"), HasSubstr("longer than 1024 bytes"));

  std::string deep;
  for (std::size_t i = 0; i < kMaxSegments; ++i) deep += "/s";
  EXPECT_TRUE(RoutePattern::parse(deep));
  EXPECT_THAT(error_of(deep + "/s"), HasSubstr("more than 32 segments"));

  std::string params;
  for (std::size_t i = 0; i <= kMaxParams; ++i) params += "/{p" + std::to_string(i) + "}";
  EXPECT_THAT(error_of(params), HasSubstr("more than 16 parameters"));
}

}  // namespace
}  // namespace hookd::routing
