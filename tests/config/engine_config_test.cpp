// [engine]: how plugins are compiled, one of a fixed set of names, from the
// file, the environment or a Config built in code, and written back.
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_of;
using testing::fake_env;
using testing::parse_ok;
using testing::printed;

TEST(EngineConfig, TieredByDefault) {
  EXPECT_EQ(defaults().engine.compile, EngineCompile::tiered);
  EXPECT_EQ(parse_ok("").engine.compile, EngineCompile::tiered);
  EXPECT_EQ(to_string(EngineCompile::tiered), "tiered");
  EXPECT_EQ(to_string(EngineCompile::optimized), "optimized");
}

TEST(EngineConfig, ReadsEachValue) {
  EXPECT_EQ(parse_ok("[engine]\ncompile = \"optimized\"\n").engine.compile, EngineCompile::optimized);
  const Config config = parse_ok("[engine]\ncompile = \"tiered\"\n");
  EXPECT_EQ(config.engine.compile, EngineCompile::tiered);
  EXPECT_EQ(config.origins.at("engine.compile").line, 2);
}

TEST(EngineConfig, BadValuesNameTheKeyAndTheAllowedValues) {
  EXPECT_THAT(
      errors_of("[engine]\ncompile = \"turbofan\"\n"),
      ElementsAre("hookd.toml:2: engine.compile: expected one of tiered|optimized, got \"turbofan\""));
  EXPECT_THAT(errors_of("[engine]\ncompile = true\n"),
              ElementsAre("hookd.toml:2: engine.compile: expected one of tiered|optimized, got true"));
  EXPECT_THAT(
      errors_of("[engine]\ncompile = \"Optimized\"\n"),
      ElementsAre("hookd.toml:2: engine.compile: expected one of tiered|optimized, got \"Optimized\""));
  EXPECT_THAT(errors_of("engine = \"tiered\"\n"),
              ElementsAre("hookd.toml:1: engine: expected a table, got \"tiered\""));
}

TEST(EngineConfig, UnknownKeysAreErrorsWithASuggestion) {
  EXPECT_THAT(errors_of("[engine]\ncompiler = \"tiered\"\n"),
              ElementsAre("hookd.toml:2: unknown key 'engine.compiler' (did you mean 'compile'?)"));
  EXPECT_THAT(errors_of("[engine]\nflags = \"--liftoff\"\n"),
              ElementsAre("hookd.toml:2: unknown key 'engine.flags'"));
}

TEST(EngineConfig, FromTheEnvironment) {
  EXPECT_EQ(env_variable_for("engine.compile"), "HOOKD_ENGINE_COMPILE");
  Config config = defaults();
  EXPECT_TRUE(apply_env_overrides(config, fake_env({{"HOOKD_ENGINE_COMPILE", "optimized"}})).empty());
  EXPECT_EQ(config.engine.compile, EngineCompile::optimized);
  EXPECT_THAT(
      printed(apply_env_overrides(config, fake_env({{"HOOKD_ENGINE_COMPILE", "lazy"}}))),
      ElementsAre("environment: HOOKD_ENGINE_COMPILE: expected one of tiered|optimized, got \"lazy\""));
  EXPECT_EQ(config.engine.compile, EngineCompile::optimized) << "a bad value leaves the setting alone";
}

TEST(EngineConfig, ValidateRejectsAValueOutsideTheEnum) {
  Config config = defaults();
  config.engine.compile = static_cast<EngineCompile>(7);
  EXPECT_THAT(printed(validate(config)),
              ElementsAre("defaults: engine.compile: expected one of tiered|optimized, got \"?\""));
}

TEST(EngineConfig, WrittenBackAsItWasRead) {
  Config config = defaults();
  config.engine.compile = EngineCompile::optimized;
  const std::string text = to_toml(config);
  EXPECT_THAT(text, ::testing::HasSubstr("[engine]\ncompile = 'optimized'"));
  EXPECT_EQ(parse_ok(text).engine, config.engine);
}

}  // namespace
}  // namespace hookd::config
