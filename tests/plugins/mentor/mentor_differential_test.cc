// The mentor matcher against its pre-issue-8 reference copy
// (reference_mentor_matcher.cc) over many random organisations and
// parameter settings, MMR included: responses must be identical, field for
// field. And the dense scoring kernel against the per-person score, bit for
// bit.
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/framework_registry.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "plugins/api/params.h"
#include "plugins/mentor/mentor_matcher.h"
#include "plugins/mentor/mentor_scoring.h"
#include "tests/plugins/mentor/reference_mentor_matcher.h"
#include "tests/test_util/status_matchers.h"
#include "tests/test_util/synthetic_org.h"

namespace vakwijzer::plugins {
namespace {

class MentorDifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto mini = framework::FrameworkRegistry::LoadDirectory(
        VAKWIJZER_TEST_DATA_DIR "/frameworks");
    ASSERT_OK(mini);
    mini_ = std::move(mini).value().release();
    auto sfd = framework::FrameworkRegistry::LoadDirectory(
        VAKWIJZER_TEST_DATA_DIR "/../../data/frameworks");
    ASSERT_OK(sfd);
    sfd_ = std::move(sfd).value().release();
  }
  static void TearDownTestSuite() {
    delete mini_;
    delete sfd_;
  }

  static const framework::FrameworkIndex& Framework(bool sfd) {
    return sfd ? *sfd_->Find("sfd-2021") : *mini_->Find("mini");
  }

  static framework::FrameworkRegistry* mini_;
  static framework::FrameworkRegistry* sfd_;
};

framework::FrameworkRegistry* MentorDifferentialTest::mini_ = nullptr;
framework::FrameworkRegistry* MentorDifferentialTest::sfd_ = nullptr;

// A random setting of the matcher's parameters.
std::map<std::string, std::string> RandomParams(std::mt19937_64& rng) {
  auto uniform = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  std::map<std::string, std::string> params;
  params["granularity"] = uniform(0, 1) ? "competency" : "indicator";
  if (uniform(0, 2) == 0)
    params["threshold"] = absl::StrCat(uniform(4, 16) / 4.0);
  params["voorbeeld_bonus"] = absl::StrCat(uniform(0, 6) / 4.0);
  const int lambda = uniform(0, 3);
  if (lambda > 0) params["lambda"] = absl::StrCat(uniform(0, 10) / 10.0);
  if (uniform(0, 3) == 0) params["teams"] = "team-0, team-3";
  return params;
}

// A request of `page_size` for a random subject of `org`, with random
// parameters.
v1::MatchRequest RandomRequest(const OrgSnapshot& org, int page_size,
                               std::mt19937_64& rng) {
  v1::MatchRequest request;
  request.set_parent("organizations/diff");
  request.set_matcher("mentor");
  const int subject = std::uniform_int_distribution<int>(
      0, static_cast<int>(org.people.size()) - 1)(rng);
  request.set_subject(
      absl::StrCat("organizations/diff/people/", org.people[subject]->id));
  request.set_page_size(page_size);
  for (const auto& [k, v] : RandomParams(rng)) {
    (*request.mutable_parameters())[k] = v;
  }
  return request;
}

void ExpectSame(const v1::MatchResponse& want, const v1::MatchResponse& got,
                const v1::MatchRequest& request) {
  std::string diff;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(want, got)) << request.ShortDebugString() << "\n"
                                         << diff;
}

TEST_F(MentorDifferentialTest, IdenticalToReferenceOverRandomOrgs) {
  std::unique_ptr<Matcher> matcher = NewMentorMatcher();
  std::unique_ptr<Matcher> reference = reference::NewReferenceMentorMatcher();
  const std::function<bool()> never = [] { return false; };
  int compared = 0, with_items = 0, mmr = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937_64 rng(seed);
    auto uniform = [&](int lo, int hi) {
      return std::uniform_int_distribution<int>(lo, hi)(rng);
    };
    testing::SyntheticOptions options;
    options.people = uniform(2, seed % 10 == 0 ? 2000 : 150);
    options.modules = options.roles = options.cases = 0;
    options.seed = seed;
    options.unknown_share = uniform(0, 4) / 10.0;
    const bool sfd = uniform(0, 1);
    OrgSnapshot org =
        testing::MakeSyntheticOrg(Framework(sfd), options, "diff");
    for (int run = 0; run < 8; ++run) {
      const int page_size =
          uniform(0, 2) ? uniform(1, 12)
                        : uniform(1, static_cast<int>(org.people.size()) + 1);
      const v1::MatchRequest request = RandomRequest(org, page_size, rng);
      ASSERT_OK_AND_ASSIGN(Params parsed,
                           Params::Parse(matcher->Info().parameters(), {},
                                         request.parameters()));
      MatchInput input{org, sfd ? *sfd_ : *mini_, request, parsed, never};
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse want, reference->Match(input));
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse got, matcher->Match(input));
      ExpectSame(want, got, request);
      ++compared;
      with_items += want.items_size() > 1;
      mmr += parsed.Number("lambda") < 1 && want.items_size() > 1;
    }
  }
  EXPECT_EQ(compared, 480);
  EXPECT_GE(with_items, 200);
  EXPECT_GE(mmr, 50);
}

// By score alone at competency granularity with no team filter, the scan
// only counts most rows once its exclusion notes are full (100): large
// organisations (a quarter without mentoring capacity), every page size,
// one thread and split.
TEST_F(MentorDifferentialTest, CountingScanIdenticalToReference) {
  std::unique_ptr<Matcher> matcher = NewMentorMatcher();
  std::unique_ptr<Matcher> reference = reference::NewReferenceMentorMatcher();
  const std::function<bool()> never = [] { return false; };
  ScanPool pool(3);
  int compared = 0, full_notes = 0;
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937_64 rng(seed);
    auto uniform = [&](int lo, int hi) {
      return std::uniform_int_distribution<int>(lo, hi)(rng);
    };
    testing::SyntheticOptions options;
    options.people = seed == 1 ? 3000 : 40000;
    options.modules = options.roles = options.cases = 0;
    options.seed = seed;
    options.unknown_share = 0.3;
    OrgSnapshot org =
        testing::MakeSyntheticOrg(*sfd_->Find("sfd-2021"), options, "diff");
    for (int run = 0; run < 8; ++run) {
      const int page_size = run == 7   ? options.people + 1
                            : run == 6 ? 0
                                       : uniform(1, 40);
      v1::MatchRequest request = RandomRequest(org, page_size, rng);
      request.clear_parameters();
      (*request.mutable_parameters())["granularity"] = "competency";
      (*request.mutable_parameters())["threshold"] =
          absl::StrCat(uniform(4, 16) / 4.0);
      (*request.mutable_parameters())["voorbeeld_bonus"] =
          absl::StrCat(uniform(0, 6) / 4.0);
      ASSERT_OK_AND_ASSIGN(Params parsed,
                           Params::Parse(matcher->Info().parameters(), {},
                                         request.parameters()));
      MatchInput input{org, *sfd_, request, parsed, never};
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse want, reference->Match(input));
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse got, matcher->Match(input));
      ExpectSame(want, got, request);
      input.pool = &pool;
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse split, matcher->Match(input));
      ExpectSame(want, split, request);
      ++compared;
      full_notes += want.excluded_size() == 101;  // and "… and N more"
    }
  }
  EXPECT_EQ(compared, 16);
  EXPECT_EQ(full_notes, 16);
}

// A scan split over a pool's threads (organisations large enough for 2
// and for 4 parts) answers as the reference does.
TEST_F(MentorDifferentialTest, SplitScanIdenticalToReference) {
  std::unique_ptr<Matcher> matcher = NewMentorMatcher();
  std::unique_ptr<Matcher> reference = reference::NewReferenceMentorMatcher();
  const std::function<bool()> never = [] { return false; };
  ScanPool pool(4);
  int compared = 0, mmr = 0;
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937_64 rng(seed);
    testing::SyntheticOptions options;
    options.people = seed == 1 ? 34000 : 66000;  // 132 / 257 chunks
    options.modules = options.roles = options.cases = 0;
    options.seed = seed;
    OrgSnapshot org =
        testing::MakeSyntheticOrg(*sfd_->Find("sfd-2021"), options, "diff");
    ASSERT_GE(org.people.chunk_count(), seed == 1 ? 128u : 256u);
    for (int run = 0; run < 6; ++run) {
      const v1::MatchRequest request = RandomRequest(
          org, std::uniform_int_distribution<int>(1, 30)(rng), rng);
      ASSERT_OK_AND_ASSIGN(Params parsed,
                           Params::Parse(matcher->Info().parameters(), {},
                                         request.parameters()));
      MatchInput input{org, *sfd_, request, parsed, never};
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse want, reference->Match(input));
      input.pool = &pool;
      ASSERT_OK_AND_ASSIGN(v1::MatchResponse got, matcher->Match(input));
      ExpectSame(want, got, request);
      ++compared;
      mmr += parsed.Number("lambda") < 1;
    }
  }
  EXPECT_EQ(compared, 12);
  EXPECT_GE(mmr, 2);
}

TEST_F(MentorDifferentialTest, DenseKernelEqualsScoreBitForBit) {
  int nonzero = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937_64 rng(seed);
    auto uniform = [&](int lo, int hi) {
      return std::uniform_int_distribution<int>(lo, hi)(rng);
    };
    testing::SyntheticOptions options;
    options.people = uniform(1, 120);
    options.modules = options.roles = options.cases = 0;
    options.seed = seed + 1000;
    options.unknown_share = uniform(0, 4) / 10.0;
    const bool sfd = uniform(0, 1);
    const framework::FrameworkIndex& fw = Framework(sfd);
    OrgSnapshot org = testing::MakeSyntheticOrg(fw, options, "diff");
    std::vector<const PersonView*> people;
    for (const auto& p : org.people) people.push_back(p.get());
    for (bool by_competency : {true, false}) {
      mentor::MentorScoreOptions o;
      o.by_competency = by_competency;
      o.has_threshold = uniform(0, 1);
      o.threshold = uniform(4, 16) / 4.0;
      o.voorbeeld_bonus = uniform(0, 10) / 7.0;
      mentor::MentorLevelTable table(fw, by_competency, people);
      std::vector<double> dense(people.size());
      for (const PersonView* mentee : people) {
        const mentor::MenteeGaps with = mentor::GapsOf(*mentee, o);
        const mentor::MenteeGaps without = mentor::GapsOf(*mentee, o, false);
        ASSERT_EQ(with.gaps, without.gaps);
        table.ScoreAll(without, dense.data());
        for (size_t k = 0; k < people.size(); ++k) {
          const double want = mentor::Score(with, *people[k]);
          std::vector<mentor::Cover> covers;
          EXPECT_EQ(mentor::Covers(with, *people[k], &covers), want);
          // Bit for bit, not merely close.
          EXPECT_EQ(std::memcmp(&want, &dense[k], sizeof want), 0)
              << want << " vs " << dense[k];
          nonzero += want > 0;
        }
      }
    }
  }
  EXPECT_GE(nonzero, 1000);
}

}  // namespace
}  // namespace vakwijzer::plugins
