// base64, hex, ASCII case and UTF-8: the one copy each layer uses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hookd/util/ascii.hpp"
#include "hookd/util/base64.hpp"
#include "hookd/util/hex.hpp"
#include "hookd/util/utf8.hpp"

namespace hookd::util {
namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// RFC 4648, section 10.
TEST(Base64, EncodesAndDecodesTheRfcVectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_encoded_size(plain.size()), encoded.size());
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, bytes(plain));
  }
  const std::vector<uint8_t> high{0xff, 0xfe, 0xfd};
  EXPECT_EQ(base64_encode(high), "//79");
}

// The encoder works on 12-bit groups, the decoder on single characters: a
// round trip of every byte value at every position in a group checks one
// against the other.
TEST(Base64, EveryByteValueAtEveryPositionRoundTrips) {
  for (size_t shift = 0; shift < 3; ++shift) {
    std::vector<uint8_t> in(shift, 0x5a);
    for (int b = 0; b < 256; ++b) in.push_back(static_cast<uint8_t>(b));
    auto decoded = base64_decode(base64_encode(in));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, in) << shift;
  }
}

TEST(Base64, RefusesWhatIsNotPaddedStandardBase64) {
  for (std::string_view bad : {"Zg", "Zg=", "Z===", "Zm9v!A==", "Zm=v", "Zm9v\n", "Zm9-", "Zm9_"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

TEST(Base64, EncodesIntoACallersBuffer) {
  char buf[8] = "xxxxxxx";
  const std::vector<uint8_t> in{'f', 'o'};
  char* end = base64_encode_to(in, buf);
  EXPECT_EQ(std::string(buf, end), "Zm8=");
  EXPECT_EQ(buf[4], 'x');  // nothing written past the end
}

TEST(Hex, WritesTwoLowerCaseDigitsAByte) {
  const std::vector<uint8_t> in{0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(in), "000fa0ff");
  EXPECT_EQ(to_hex({}), "");
  EXPECT_TRUE(is_lower_hex("000fa0ff", 8));
  EXPECT_FALSE(is_lower_hex("000FA0FF", 8));
  EXPECT_FALSE(is_lower_hex("000fa0f", 8));
  EXPECT_FALSE(is_lower_hex("000fa0fg", 8));
}

TEST(Ascii, ComparesAsciiLettersWithoutCaseAndEverythingElseExactly) {
  EXPECT_TRUE(iequals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(iequals("chunked", "chunke"));
  EXPECT_FALSE(iequals("a-b", "a_b"));
  EXPECT_FALSE(iequals("\xc3\x84", "\xc3\xa4"));  // Ä and ä: not ASCII, compared as bytes
  EXPECT_EQ(to_lower("ABC-xyz-\xc3\x84"), "abc-xyz-\xc3\x84");
}

TEST(Utf8, AcceptsUtf8AndRefusesOverlongFormsSurrogatesAndCutSequences) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe2\x82"));          // cut short
  EXPECT_FALSE(valid_utf8("\xff"));
}

TEST(Utf8, APrefixNeverEndsInsideACharacter) {
  const std::string_view s = "ab\xe2\x82\xac";  // "ab€"
  EXPECT_EQ(utf8_prefix(s, 10), s);
  EXPECT_EQ(utf8_prefix(s, 5), s);
  EXPECT_EQ(utf8_prefix(s, 4), "ab");
  EXPECT_EQ(utf8_prefix(s, 3), "ab");
  EXPECT_EQ(utf8_prefix(s, 2), "ab");
  EXPECT_EQ(utf8_prefix(s, 0), "");
}

}  // namespace
}  // namespace hookd::util
