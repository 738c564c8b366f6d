#include "plugins/api/params.h"

#include "gtest/gtest.h"
#include "tests/test_util/status_matchers.h"

namespace vakwijzer::plugins {
namespace {

google::protobuf::RepeatedPtrField<v1::ParameterSpec> Specs() {
  google::protobuf::RepeatedPtrField<v1::ParameterSpec> specs;
  *specs.Add() = NumberParam("budget", "40", "hours", 0, 100);
  *specs.Add() = IntegerParam("count", "5", "modules", 1, 10);
  *specs.Add() = BoolParam("strict", "false", "strict mode");
  *specs.Add() = StringParam("mode", "auto", "algorithm", {"auto", "exact"});
  *specs.Add() = ListParam("formats", "allowed formats");
  *specs.Add() = NumberParam("threshold", "", "optional", 0, 4);
  return specs;
}

absl::StatusOr<Params> Parse(std::map<std::string, std::string> values,
                             std::map<std::string, std::string> defaults = {}) {
  google::protobuf::Map<std::string, std::string> v(values.begin(),
                                                    values.end());
  return Params::Parse(Specs(), defaults, v);
}

TEST(ParamsTest, SpecDefaultsApplyWhenNothingIsGiven) {
  ASSERT_OK_AND_ASSIGN(Params p, Parse({}));
  EXPECT_DOUBLE_EQ(p.Number("budget"), 40);
  EXPECT_EQ(p.Integer("count"), 5);
  EXPECT_FALSE(p.Bool("strict"));
  EXPECT_EQ(p.String("mode"), "auto");
  EXPECT_TRUE(p.List("formats").empty());
  EXPECT_FALSE(p.Has("threshold"));
  EXPECT_TRUE(p.Has("budget"));
}

TEST(ParamsTest, RequestValuesOverrideServerDefaultsOverrideSpecDefaults) {
  ASSERT_OK_AND_ASSIGN(Params p, Parse({{"budget", "12.5"}},
                                       {{"budget", "20"}, {"count", "7"}}));
  EXPECT_DOUBLE_EQ(p.Number("budget"), 12.5);
  EXPECT_EQ(p.Integer("count"), 7);
}

TEST(ParamsTest, ParsesEveryType) {
  ASSERT_OK_AND_ASSIGN(Params p, Parse({{"strict", "true"},
                                        {"mode", "exact"},
                                        {"formats", " online, klassikaal ,,"},
                                        {"threshold", "3"}}));
  EXPECT_TRUE(p.Bool("strict"));
  EXPECT_EQ(p.String("mode"), "exact");
  EXPECT_EQ(p.List("formats"),
            (std::vector<std::string>{"online", "klassikaal"}));
  EXPECT_DOUBLE_EQ(p.Number("threshold"), 3);
}

TEST(ParamsTest, RejectsUnknownNamesListingTheKnownOnes) {
  EXPECT_STATUS(Parse({{"budgt", "3"}}), absl::StatusCode::kInvalidArgument,
                "parameters[\"budgt\"]: unknown parameter; this matcher takes "
                "budget, count");
}

TEST(ParamsTest, RejectsBadValuesNamingTheParameter) {
  EXPECT_STATUS(Parse({{"budget", "lots"}}), absl::StatusCode::kInvalidArgument,
                "parameters[\"budget\"]: \"lots\" is not a number");
  EXPECT_STATUS(Parse({{"budget", "nan"}}), absl::StatusCode::kInvalidArgument,
                "is not a number");
  EXPECT_STATUS(Parse({{"budget", "100.5"}}),
                absl::StatusCode::kInvalidArgument,
                "parameters[\"budget\"]: 100.5 is outside 0..100");
  EXPECT_STATUS(Parse({{"count", "2.5"}}), absl::StatusCode::kInvalidArgument,
                "parameters[\"count\"]: \"2.5\" is not an integer");
  EXPECT_STATUS(Parse({{"count", "0"}}), absl::StatusCode::kInvalidArgument,
                "0 is outside 1..10");
  EXPECT_STATUS(Parse({{"strict", "maybe"}}),
                absl::StatusCode::kInvalidArgument,
                "parameters[\"strict\"]: \"maybe\" is not true or false");
  EXPECT_STATUS(Parse({{"mode", "greedy"}}), absl::StatusCode::kInvalidArgument,
                "parameters[\"mode\"]: \"greedy\" is not one of auto, exact");
}

TEST(ParamsTest, ServerDefaultsAreCheckedToo) {
  EXPECT_STATUS(Parse({}, {{"count", "11"}}),
                absl::StatusCode::kInvalidArgument, "parameters[\"count\"]");
}

}  // namespace
}  // namespace vakwijzer::plugins
