// JSON <-> MessagePack transcoding: exact encodings, round trips, a
// cross-check against msgpack-cxx on random documents, and every way the
// input can be wrong (which must end as an error value, never a crash).
#include <gtest/gtest.h>

#include "transcode_test_support.hpp"

namespace hookd::server {
namespace {

using namespace transcode_test;  // NOLINT: test helpers

// ---- exact encodings ------------------------------------------------------

struct Encoding {
  std::string json;
  std::string mp;
};

class JsonToMsgpackEncoding : public ::testing::TestWithParam<Encoding> {};

TEST_P(JsonToMsgpackEncoding, UsesTheSmallestMsgpackForm) {
  EXPECT_EQ(to_mp(GetParam().json), hex(GetParam().mp)) << GetParam().json;
}

INSTANTIATE_TEST_SUITE_P(
    Values, JsonToMsgpackEncoding,
    ::testing::Values(
        Encoding{R"({"name":"Ada"})", "81 a4 6e 61 6d 65 a3 41 64 61"}, Encoding{"null", "c0"},
        Encoding{"true", "c3"}, Encoding{"false", "c2"}, Encoding{"0", "00"}, Encoding{"127", "7f"},
        Encoding{"128", "cc 80"}, Encoding{"255", "cc ff"}, Encoding{"256", "cd 01 00"},
        Encoding{"65535", "cd ff ff"}, Encoding{"65536", "ce 00 01 00 00"},
        Encoding{"4294967295", "ce ff ff ff ff"}, Encoding{"4294967296", "cf 00 00 00 01 00 00 00 00"},
        Encoding{"18446744073709551615", "cf ff ff ff ff ff ff ff ff"}, Encoding{"-1", "ff"},
        Encoding{"-32", "e0"}, Encoding{"-33", "d0 df"}, Encoding{"-128", "d0 80"},
        Encoding{"-129", "d1 ff 7f"}, Encoding{"-32768", "d1 80 00"}, Encoding{"-32769", "d2 ff ff 7f ff"},
        Encoding{"-2147483648", "d2 80 00 00 00"}, Encoding{"-2147483649", "d3 ff ff ff ff 7f ff ff ff"},
        Encoding{"-9223372036854775808", "d3 80 00 00 00 00 00 00 00"},
        Encoding{"1.5", "cb 3f f8 00 00 00 00 00 00"}, Encoding{"1.0", "cb 3f f0 00 00 00 00 00 00"},
        Encoding{"1e2", "cb 40 59 00 00 00 00 00 00"},
        // Beyond 64 bits: float64, by the slow path.
        Encoding{"18446744073709551616", "cb 43 f0 00 00 00 00 00 00"},
        Encoding{"-9223372036854775809", "cb c3 e0 00 00 00 00 00 00"},
        Encoding{"[1e0, 36893488147419103232]", "92 cb 3f f0 00 00 00 00 00 00 cb 44 00 00 00 00 00 00 00"},
        Encoding{"[]", "90"}, Encoding{"{}", "80"}, Encoding{R"("")", "a0"}, Encoding{"[[[]]]", "91 91 90"},
        Encoding{R"({"b":1,"a":2})", "82 a1 62 01 a1 61 02"},  // key order kept
        Encoding{R"("\u00e9\n")", "a3 c3 a9 0a"}, Encoding{" \t\r\n[ true , null ]\n", "92 c3 c0"}));

TEST(JsonToMsgpack, StringHeadersGrowWithLength) {
  EXPECT_EQ(to_mp('"' + std::string(31, 'x') + '"')[0], 0xbf);
  const Bytes s8 = to_mp('"' + std::string(32, 'x') + '"');
  EXPECT_EQ(Bytes(s8.begin(), s8.begin() + 2), hex("d9 20"));
  const Bytes s16 = to_mp('"' + std::string(256, 'x') + '"');
  EXPECT_EQ(Bytes(s16.begin(), s16.begin() + 3), hex("da 01 00"));
  const Bytes s32 = to_mp('"' + std::string(65536, 'x') + '"');
  EXPECT_EQ(Bytes(s32.begin(), s32.begin() + 5), hex("db 00 01 00 00"));
  EXPECT_EQ(s32.size(), 65536u + 5);
}

std::string json_array_of(size_t n, std::string_view element) {
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i) s += ',';
    s += element;
  }
  return s + "]";
}

TEST(JsonToMsgpack, ContainerHeadersGrowWithCountOnBothPaths) {
  // The bigint element forces the On-Demand path, which patches headers afterwards.
  for (size_t n : {15u, 16u, 65535u, 65536u}) {
    const Bytes fast = to_mp(json_array_of(n, "1"));
    const Bytes slow = to_mp("[" + json_array_of(n, "1") + ",99999999999999999999]");
    const size_t header = n <= 15 ? 1 : n <= 0xffff ? 3 : 5;
    ASSERT_EQ(fast.size(), header + n) << n;
    EXPECT_EQ(fast[0], n <= 15 ? 0x90 | n : n <= 0xffff ? 0xdc : 0xdd) << n;
    // slow = array(2) [ <fast bytes>, float64 ]
    ASSERT_EQ(slow.size(), 1 + fast.size() + 9) << n;
    EXPECT_EQ(slow[0], 0x92);
    EXPECT_TRUE(std::equal(fast.begin(), fast.end(), slow.begin() + 1)) << n;
  }
  std::string obj = "{";
  for (int i = 0; i < 20; ++i) obj += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  const Bytes fast = to_mp(obj.substr(0, obj.size() - 1) + "}");
  const Bytes slow = to_mp(obj + "\"big\":123456789012345678901}");
  EXPECT_EQ(Bytes(fast.begin(), fast.begin() + 3), hex("de 00 14"));
  EXPECT_EQ(Bytes(slow.begin(), slow.begin() + 3), hex("de 00 15"));
  EXPECT_TRUE(std::equal(fast.begin() + 3, fast.end(), slow.begin() + 3));
}

TEST(JsonToMsgpack, AppendsToWhatIsAlreadyInTheBuffer) {
  Bytes out = {1, 2, 3};
  ASSERT_TRUE(json_to_msgpack("[true]", out));
  EXPECT_EQ(out, hex("01 02 03 91 c3"));
  ASSERT_TRUE(json_to_msgpack("[1,123456789012345678901234567890]", out));  // slow path too
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 5), hex("01 02 03 91 c3"));
  EXPECT_EQ(out[5], 0x92);
}

// ---- msgpack -> JSON ------------------------------------------------------

TEST(MsgpackToJson, RendersEveryScalarType) {
  EXPECT_EQ(to_json(hex("c0")), "null");
  EXPECT_EQ(to_json(hex("c2")), "false");
  EXPECT_EQ(to_json(hex("c3")), "true");
  EXPECT_EQ(to_json(hex("7f")), "127");
  EXPECT_EQ(to_json(hex("e0")), "-32");
  EXPECT_EQ(to_json(hex("cc ff")), "255");
  EXPECT_EQ(to_json(hex("cd ff ff")), "65535");
  EXPECT_EQ(to_json(hex("ce ff ff ff ff")), "4294967295");
  EXPECT_EQ(to_json(hex("cf ff ff ff ff ff ff ff ff")), "18446744073709551615");
  EXPECT_EQ(to_json(hex("d0 80")), "-128");
  EXPECT_EQ(to_json(hex("d1 80 00")), "-32768");
  EXPECT_EQ(to_json(hex("d2 80 00 00 00")), "-2147483648");
  EXPECT_EQ(to_json(hex("d3 80 00 00 00 00 00 00 00")), "-9223372036854775808");
  EXPECT_EQ(to_json(hex("d0 05")), "5");  // a signed encoding of a positive value
  EXPECT_EQ(to_json(hex("cb 3f f8 00 00 00 00 00 00")), "1.5");
  EXPECT_EQ(to_json(hex("ca 3d cc cc cd")), "0.1");  // float32 0.1f prints as 0.1, not 0.10000000149
}

TEST(MsgpackToJson, IntegralFloatsKeepAFractionSoTheyComeBackAsFloats) {
  EXPECT_EQ(to_json(hex("cb 3f f0 00 00 00 00 00 00")), "1.0");
  EXPECT_EQ(to_json(hex("cb 80 00 00 00 00 00 00 00")), "-0.0");
  EXPECT_EQ(to_json(hex("ca 42 c8 00 00")), "100.0");
  EXPECT_EQ(to_mp(to_json(hex("cb 3f f0 00 00 00 00 00 00"))), hex("cb 3f f0 00 00 00 00 00 00"));
  EXPECT_EQ(to_json(to_mp("1e300")), "1e+300");
}

TEST(MsgpackToJson, FloatsRoundTripExactly) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    double d = std::bit_cast<double>(rng());
    if (!std::isfinite(d)) continue;
    msgpack::sbuffer sb;
    pack_float64(sb, d);
    const Bytes mp(sb.data(), sb.data() + sb.size());
    EXPECT_EQ(to_mp(to_json(mp)), mp) << d;
  }
}

TEST(MsgpackToJson, EscapesStringsForJson) {
  // "\"\\\b\f\n\r\t\x01\x1f\x7f/é"
  const Bytes mp = hex("ad 22 5c 08 0c 0a 0d 09 01 1f 7f 2f c3 a9");
  EXPECT_EQ(to_json(mp), "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/\xc3\xa9\"");
}

TEST(MsgpackToJson, BinBecomesBase64) {
  EXPECT_EQ(to_json(hex("c4 00")), R"("")");
  EXPECT_EQ(to_json(hex("c4 01 66")), R"("Zg==")");
  EXPECT_EQ(to_json(hex("c4 02 66 6f")), R"("Zm8=")");
  EXPECT_EQ(to_json(hex("c4 03 66 6f 6f")), R"("Zm9v")");
  EXPECT_EQ(to_json(hex("c5 00 06 66 6f 6f 62 61 72")), R"("Zm9vYmFy")");
  EXPECT_EQ(to_json(hex("c6 00 00 00 03 ff fe fd")), R"("//79")");
  EXPECT_EQ(to_json(hex("92 c4 01 00 c3")), R"(["AA==",true])");
}

TEST(MsgpackToJson, IntegerMapKeysBecomeStrings) {
  EXPECT_EQ(to_json(hex("83 01 a1 61 ff c3 cd 01 00 c0")), R"({"1":"a","-1":true,"256":null})");
  EXPECT_EQ(to_json(hex("81 d3 80 00 00 00 00 00 00 00 90")), R"({"-9223372036854775808":[]})");
}

TEST(MsgpackToJson, RejectsKeysWithNoStringForm) {
  EXPECT_NE(mp_error(hex("81 c0 01")).find("map key at byte 1 is nil"), std::string::npos);
  EXPECT_NE(mp_error(hex("81 90 01")).find("is an array"), std::string::npos);
  EXPECT_NE(mp_error(hex("81 c3 01")).find("is a boolean"), std::string::npos);
  EXPECT_NE(mp_error(hex("81 cb 3f f0 00 00 00 00 00 00 01")).find("is a float"), std::string::npos);
}

TEST(MsgpackToJson, RejectsNanAndInfinity) {
  EXPECT_EQ(mp_error(hex("cb 7f f8 00 00 00 00 00 00")),
            "float at byte 0 is NaN, which JSON cannot represent");
  EXPECT_EQ(mp_error(hex("91 ca 7f 80 00 00")), "float at byte 1 is infinite, which JSON cannot represent");
  EXPECT_NE(mp_error(hex("ca ff c0 00 00")).find("NaN"), std::string::npos);
}

TEST(MsgpackToJson, RejectsInvalidUtf8) {
  for (std::string_view bad : {"a1 ff", "a2 c3 28", "a3 e2 82 28", "a2 c0 af" /* overlong */,
                               "a3 ed a0 80" /* surrogate */, "a4 f4 90 80 80" /* > U+10FFFF */, "a1 c3"}) {
    EXPECT_NE(mp_error(hex(bad)).find("is not valid UTF-8"), std::string::npos) << bad;
  }
  EXPECT_EQ(mp_error(hex("92 c3 a1 80")), "string at byte 2 is not valid UTF-8");
  EXPECT_EQ(to_json(hex("a4 f0 9f 98 80")), "\"\xf0\x9f\x98\x80\"");  // 4-byte sequences are fine
}

TEST(MsgpackToJson, RejectsExtTypesByName) {
  EXPECT_EQ(
      mp_error(hex("d6 ff 00 00 00 00")),
      "msgpack ext value (type -1, timestamp) at byte 0 has no JSON form; the function's output cannot be "
      "returned as JSON");
  EXPECT_NE(mp_error(hex("91 c7 01 05 00")).find("(type 5) at byte 1"), std::string::npos);
  EXPECT_NE(mp_error(hex("c8 00 01 07 00")).find("(type 7)"), std::string::npos);
  EXPECT_NE(mp_error(hex("c9 00 00 00 01 08 00")).find("(type 8)"), std::string::npos);
  EXPECT_NE(mp_error(hex("d4")).find("ext value at byte 0"), std::string::npos);  // type byte missing
}

TEST(MsgpackToJson, RejectsTheNeverUsedByte) {
  EXPECT_EQ(mp_error(hex("c1")), "invalid msgpack: byte 0xc1 (never used) at byte 0");
}

TEST(MsgpackToJson, RejectsTrailingBytesAndEmptyInput) {
  EXPECT_EQ(mp_error(hex("c0 c0")), "1 unexpected bytes after the msgpack value, at byte 1");
  EXPECT_EQ(mp_error(hex("91 01 02 03")), "2 unexpected bytes after the msgpack value, at byte 2");
  EXPECT_EQ(mp_error({}), "empty msgpack input");
}

TEST(MsgpackToJson, AppendsToWhatIsAlreadyInTheBuffer) {
  std::string out = "x=";
  ASSERT_TRUE(msgpack_to_json(hex("91 01"), out));
  EXPECT_EQ(out, "x=[1]");
}

Bytes representative_msgpack() {
  return to_mp(R"({"id":123456,"neg":-70000,"big":18446744073709551615,"pi":3.14159,"ok":true,"none":null,
    "name":"Ada \"Countess\" Lovelace\n\u00e9\u2603\ud83d\ude00","tags":["a","bb",[],{}],
    "nested":{"deep":{"deeper":[1,[2,[3,{"x":-1.5e-300}]]]}},"s32":"0123456789abcdef0123456789abcdefXYZ"})");
}

TEST(MsgpackToJson, EveryTruncationIsAnErrorNamingTheProblem) {
  Bytes mp = representative_msgpack();
  // Add a bin, a float32 and long headers so every length field gets cut.
  mp[0] = static_cast<uint8_t>(mp[0] + 3);
  mp = concat(mp, hex("a1 62 c5 00 03 01 02 03  a1 66 ca 3f c0 00 00  a1 61 dc 00 01 c0"));
  ASSERT_FALSE(to_json(mp).empty());
  for (size_t len = 0; len < mp.size(); ++len) {
    const Bytes prefix(mp.begin(), mp.begin() + static_cast<ptrdiff_t>(len));
    const std::string err = mp_error(prefix);
    EXPECT_TRUE(err.find("truncated") != std::string::npos || (len == 0 && err == "empty msgpack input"))
        << len << ": " << err;
  }
}

TEST(MsgpackToJson, CountsLargerThanTheInputAreRejectedBeforeReading) {
  EXPECT_EQ(mp_error(hex("dd ff ff ff ff 01")),
            "msgpack truncated: array at byte 0 declares 4294967295 elements but only 1 bytes follow");
  EXPECT_NE(mp_error(hex("df ff ff ff ff 01 01")).find("map at byte 0 declares 4294967295"),
            std::string::npos);
  EXPECT_NE(mp_error(hex("db ff ff ff ff 61")).find("needs 4294967295 more bytes but only 1 remain"),
            std::string::npos);
}

// Fuzz: random bytes and mutations of a valid document must end in either
// valid JSON or an error, never a crash or an out-of-bounds read (run under
// ASan to make the latter loud).
TEST(MsgpackToJson, RandomBytesNeverCrashAndSuccessMeansValidJson) {
  std::mt19937_64 rng(12345);
  const Bytes seed = representative_msgpack();
  simdjson::dom::parser parser;
  std::string out;
  Bytes input;
  size_t successes = 0;
  for (int i = 0; i < 100000; ++i) {
    if (i % 2 == 0) {
      input.resize(rng() % 48);
      for (auto& b : input) b = static_cast<uint8_t>(rng());
    } else {
      input = seed;
      for (int m = 0, n = 1 + rng() % 4; m < n; ++m)
        input[rng() % input.size()] = static_cast<uint8_t>(rng());
      if (rng() % 4 == 0) input.resize(rng() % input.size());
    }
    out.clear();
    if (msgpack_to_json(input, out, {.max_depth = 16, .max_output_bytes = 1 << 16})) {
      ++successes;
      simdjson::padded_string padded(out);
      ASSERT_EQ(parser.parse(padded).error(), simdjson::SUCCESS) << out;
    } else {
      ASSERT_TRUE(out.empty());
    }
  }
  EXPECT_GT(successes, 1000u);  // the fuzz reaches past the first byte
}

// ---- round trips ----------------------------------------------------------

struct RoundTrip {
  std::string json;
  std::string canonical;  // what msgpack_to_json gives back
};

class JsonRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(JsonRoundTrip, ComesBackAsCanonicalJsonAndTheSameMsgpack) {
  const Bytes mp = to_mp(GetParam().json);
  const std::string back = to_json(mp);
  EXPECT_EQ(back, GetParam().canonical);
  EXPECT_EQ(to_mp(back), mp);
}

INSTANTIATE_TEST_SUITE_P(
    Documents, JsonRoundTrip,
    ::testing::Values(
        RoundTrip{R"({ "a" : [ 1 , 2 , { "b" : null } ] , "c" : { } , "d" : [ ] })",
                  R"({"a":[1,2,{"b":null}],"c":{},"d":[]})"},
        RoundTrip{R"("h\u00e9llo \u2603 \ud83d\ude00 \/ \u0000")",
                  "\"h\xc3\xa9llo \xe2\x98\x83 \xf0\x9f\x98\x80 / \\u0000\""},
        RoundTrip{R"(["\"\\\b\f\n\r\t", "\u001F", "plain"])", R"(["\"\\\b\f\n\r\t","\u001f","plain"])"},
        RoundTrip{"[0,-0,1,-1,127,128,-32,-33,255,256,-128,-129,65535,65536,-32768,-32769]",
                  "[0,0,1,-1,127,128,-32,-33,255,256,-128,-129,65535,65536,-32768,-32769]"},
        RoundTrip{"[4294967295,4294967296,-2147483648,-2147483649,9223372036854775807,-9223372036854775808,"
                  "18446744073709551615]",
                  "[4294967295,4294967296,-2147483648,-2147483649,9223372036854775807,-9223372036854775808,"
                  "18446744073709551615]"},
        RoundTrip{"[1.5,-0.25,1e-7,6.02214076e23,1.7976931348623157e308,5e-324,0.1,2.0,-0.0]",
                  "[1.5,-0.25,1e-07,6.02214076e+23,1.7976931348623157e+308,5e-324,0.1,2.0,-0.0]"},
        RoundTrip{"[123456789012345678901234567890]", "[1.2345678901234568e+29]"}, RoundTrip{"\"\"", "\"\""},
        RoundTrip{"[[],{},[[]],{\"\":{}}]", R"([[],{},[[]],{"":{}}])"}, RoundTrip{"42", "42"},
        RoundTrip{"null", "null"}));

// ---- invalid JSON -----------------------------------------------------------

TEST(JsonToMsgpack, InvalidJsonIsAnErrorWithALocationWhenKnown) {
  EXPECT_EQ(
      json_error("[1, 2 3]"),
      "invalid JSON at byte 6: unexpected character: check for a missing or extra comma, colon, bracket or "
      "brace, or an unquoted key");
  EXPECT_EQ(json_error("[1, 01]"), "invalid JSON at byte 4: invalid number");
  EXPECT_EQ(json_error("{\"a\": -}"), "invalid JSON at byte 6: invalid number");
  EXPECT_EQ(json_error("[1e400]"), "invalid JSON at byte 1: number out of float64 range");
  for (std::string_view bad :
       {"", "   ", "[", "]", "{", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":}", "[1]]",
        "[[1]", "[1] x", "1 2", "tru", "[nul]", "[falsey]", "\"abc", "\"\\x\"", "\"a\tb\"", "\"\xff\"",
        "[1e]", "[.5]", "[+1]", "[NaN]", "[Infinity]", "'a'", "[1,2,]", "{\"a\":1}}", "//c\n1",
        // The slow path (a bigint is present) must be as strict as the DOM.
        "[123456789012345678901234567890, 1 2]", "[123456789012345678901234567890,]",
        "[123456789012345678901234567890] 1", "[123456789012345678901234567890]]",
        "[123456789012345678901234567890, tru]", "{\"a\":123456789012345678901234567890,}",
        "[123456789012345678901234567890, 01]", "[123456789012345678901234567890.]",
        "[-123456789012345678901234567890e]", "[123456789012345678901234567890x]",
        "123456789012345678901234567890 1", "123456789012345678901234567890]",
        "123456789012345678901234567890x", "-123456789012345678901234567890,"}) {
    const std::string err = json_error(bad);
    EXPECT_TRUE(err.starts_with("invalid JSON")) << bad << " -> " << err;
  }
}

// ---- limits -----------------------------------------------------------------

std::string nested_arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

Bytes nested_msgpack(size_t depth) {
  Bytes b(depth, 0x91);
  b.push_back(0xc0);
  return b;
}

TEST(Limits, DepthIsCountedInContainersAndEnforcedBothWays) {
  EXPECT_EQ(to_mp(nested_arrays(64)).size(), 64u);
  EXPECT_EQ(json_error(nested_arrays(65)), "JSON nesting deeper than 64");
  EXPECT_EQ(json_error(R"({"a":{"b":[1]}})", {.max_depth = 2}), "JSON nesting deeper than 2");
  EXPECT_TRUE(json_error("[[123456789012345678901234567890]]", {.max_depth = 1})
                  .starts_with("JSON nesting deeper than 1 at byte"));
  EXPECT_EQ(to_mp("7", {.max_depth = 0}), hex("07"));

  EXPECT_EQ(to_json(nested_msgpack(64)), std::string(64, '[') + "null" + std::string(64, ']'));
  EXPECT_EQ(mp_error(nested_msgpack(65)), "msgpack nesting deeper than 64 at byte 64");
  EXPECT_EQ(mp_error(hex("81 a1 61 91 c0"), {.max_depth = 1}), "msgpack nesting deeper than 1 at byte 3");
  // An empty container is a level like any other, in both directions.
  EXPECT_EQ(mp_error(hex("81 a1 61 90"), {.max_depth = 1}), "msgpack nesting deeper than 1 at byte 3");
  EXPECT_EQ(json_error(R"({"a":[]})", {.max_depth = 1}), "JSON nesting deeper than 1");
  EXPECT_EQ(to_json(hex("81 a1 61 90"), {.max_depth = 2}), R"({"a":[]})");
}

// What msgpack_to_json writes, json_to_msgpack reads back under the same
// limits: otherwise a plugin's msgpack output reaches the client as JSON that
// the gateway, and a client parser with the same limit, cannot parse.
TEST(Limits, EmptyContainerOneLevelTooDeepIsRefusedNotWrittenAsUnparsableJson) {
  // 64 one-element arrays around an empty one: 65 levels.
  Bytes deep(64, 0x91);
  deep.push_back(0x90);
  EXPECT_EQ(mp_error(deep), "msgpack nesting deeper than 64 at byte 64");
  EXPECT_EQ(json_error(nested_arrays(65)), "JSON nesting deeper than 64");
  for (uint8_t empty : {0x90, 0x80, 0xdc, 0xde}) {
    Bytes at_limit(63, 0x91);
    at_limit.push_back(empty);
    if (empty >= 0xdc) at_limit.insert(at_limit.end(), {0, 0});  // array16/map16 of 0
    const std::string json = to_json(at_limit);
    Bytes back;
    EXPECT_TRUE(json_to_msgpack(json, back)) << json;
  }

  // The fuzzer's finding (tests/fuzz/regressions/transcode_msgpack/): a tree
  // of one-element arrays whose deepest branch ends in `[]` at level 65.
  const Bytes found =
      hex("91 93 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 75 91"
          "91 91 91 91 91 91 91 91 91 91 91 91 91 91 93 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91"
          "91 91 91 91 91 91 91 99 91 91 91 75 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 90 91 91 91 91"
          "91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 90 91 91 91 91 91 91 91 91 91 91 91 91 91 91"
          "91 91 91 91 ff ff ff ff ff ff ff 21 91 91 91 91 91 c0");
  ASSERT_EQ(found.size(), 146u);
  EXPECT_EQ(mp_error(found), "msgpack nesting deeper than 64 at byte 113");
}

TEST(Limits, HugeDepthLimitsAreCappedAndDeepInputsFailCleanly) {
  const TranscodeLimits unlimited{.max_depth = std::numeric_limits<size_t>::max()};
  EXPECT_EQ(to_mp(nested_arrays(kMaxTranscodeDepth), unlimited).size(), kMaxTranscodeDepth);
  EXPECT_FALSE(json_error(nested_arrays(kMaxTranscodeDepth + 1), unlimited).empty());
  EXPECT_FALSE(json_error(nested_arrays(200000), unlimited).empty());
  EXPECT_FALSE(to_json(nested_msgpack(kMaxTranscodeDepth), unlimited).empty());
  EXPECT_FALSE(mp_error(nested_msgpack(kMaxTranscodeDepth + 1), unlimited).empty());
  EXPECT_FALSE(mp_error(nested_msgpack(200000), unlimited).empty());
}

TEST(Limits, OutputLimitIsExactAndCountsOnlyThisCallsBytes) {
  const std::string json = R"({"name":"Ada","tags":["x","y"],"n":1234567})";
  const Bytes mp = to_mp(json);
  EXPECT_EQ(to_mp(json, {.max_output_bytes = mp.size()}), mp);
  EXPECT_EQ(json_error(json, {.max_output_bytes = mp.size() - 1}),
            "msgpack output exceeds the limit of " + std::to_string(mp.size() - 1) + " bytes");
  // Same on the slow path, whose container headers are patched in afterwards.
  const std::string slow_json = "[" + json_array_of(20, "1") + ",99999999999999999999]";
  const Bytes slow = to_mp(slow_json);
  EXPECT_EQ(to_mp(slow_json, {.max_output_bytes = slow.size()}), slow);
  EXPECT_TRUE(
      json_error(slow_json, {.max_output_bytes = slow.size() - 1}).starts_with("msgpack output exceeds"));
  Bytes prefilled(100, 0);
  EXPECT_TRUE(json_to_msgpack(json, prefilled, {.max_output_bytes = mp.size()}));

  const std::string text = to_json(mp);
  EXPECT_EQ(to_json(mp, {.max_output_bytes = text.size()}), text);
  EXPECT_EQ(mp_error(mp, {.max_output_bytes = text.size() - 1}),
            "JSON output exceeds the limit of " + std::to_string(text.size() - 1) + " bytes");
}

TEST(Limits, OutputLimitStopsLargeStringsAndBinBeforeTheyAreWritten) {
  Bytes big_str = hex("db 00 10 00 00");
  big_str.resize(big_str.size() + (1 << 20), 'a');
  EXPECT_TRUE(mp_error(big_str, {.max_output_bytes = 1000}).starts_with("JSON output exceeds"));
  Bytes controls = hex("db 00 01 00 00");
  controls.resize(controls.size() + (1 << 16), 0x01);  // each becomes a 6-byte \u0001
  EXPECT_TRUE(mp_error(controls, {.max_output_bytes = 100000}).starts_with("JSON output exceeds"));
  Bytes bin = hex("c6 00 01 00 00");
  bin.resize(bin.size() + (1 << 16), 0xff);
  EXPECT_TRUE(mp_error(bin, {.max_output_bytes = 1000}).starts_with("JSON output exceeds"));
}

TEST(Limits, LargeInputsWorkAndLaterSmallOnesStillDo) {
  // Past the 1 MiB retention threshold, the per-thread buffers are released.
  const std::string big = json_array_of(300000, "\"abcdef\"");
  const Bytes mp = to_mp(big);
  EXPECT_EQ(mp.size(), 5u + 300000u * 7u);
  EXPECT_EQ(to_json(mp), big);
  EXPECT_EQ(to_mp(R"({"name":"Ada"})"), hex("81 a4 6e 61 6d 65 a3 41 64 61"));
}

TEST(JsonErrors, AnUnclosedObjectIsReportedAtTheEndOfTheInputNotAtByteZero) {
  std::vector<uint8_t> out;
  auto r = json_to_msgpack(R"({"name":)", out, {});
  ASSERT_FALSE(r);
  EXPECT_NE(
      r.error().message.find("at end of input (byte 8; the array or object opened at byte 0 is not closed)"),
      std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace hookd::server
