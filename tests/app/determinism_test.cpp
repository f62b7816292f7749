// Determinism is a feature: the same scenario and seed give byte-identical JSON, however many
// other runs share the process and in whatever order; another seed changes what is random.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "app/report.hpp"
#include "app/scenario_loader.hpp"
#include "models/world.hpp"

namespace fs = std::filesystem;
using namespace gilsim;

namespace {
std::string json_of(const models::Scenario& s, std::uint64_t seed) {
  return app::result_json(s, models::simulate(s, seed));
}
}  // namespace

TEST_CASE("the same scenario and seed give byte-identical JSON, whatever ran before",
          "[app][determinism]") {
  std::vector<models::Scenario> all;
  for (const auto& e : fs::directory_iterator(std::string(GILSIM_SOURCE_DIR) + "/configs/seeds")) {
    all.push_back(app::load_scenario(e.path().string()));
  }
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.name < b.name; });
  std::vector<std::string> first;
  for (const auto& s : all) first.push_back(json_of(s, 1));
  // Again, in reverse order, interleaved with runs of other seeds.
  for (std::size_t i = all.size(); i-- > 0;) {
    (void)json_of(all[(i + 1) % all.size()], 99);
    INFO(all[i].name);
    CHECK(json_of(all[i], 1) == first[i]);
  }
}

TEST_CASE("a different seed changes a result that depends on random draws", "[app][determinism]") {
  const auto s =
      app::load_scenario(std::string(GILSIM_SOURCE_DIR) + "/configs/seeds/convoy-effect.yaml");
  const std::string a = json_of(s, 1), b = json_of(s, 2);
  CHECK(a != b);
  // ... but not the structure of the answer: the convoy is there with every seed.
  for (std::uint64_t seed : {2, 3, 4}) {
    const auto r = models::simulate(s, seed);
    CHECK(r.groups[1].io_resume.quantile(0.5) > 5'000'000);
  }
}

TEST_CASE("a scenario with only constant durations is the same for every seed",
          "[app][determinism]") {
  auto s = app::load_scenario(std::string(GILSIM_SOURCE_DIR) + "/configs/seeds/convoy-effect.yaml",
                              {"os.wakeup_latency=20us", "interpreter.check_gap=0ns"});
  const std::string a = json_of(s, 1), b = json_of(s, 2);
  CHECK(a.substr(a.find("\"gilsim_version\"")) == b.substr(b.find("\"gilsim_version\"")));
}

TEST_CASE("a replica runs the same work with the environment's randomness drawn afresh",
          "[app][determinism]") {
  // Step durations drawn from distributions stay; wake-up latencies and the GIL's choices move.
  const auto s = app::parse_scenario(R"(
name: replicas
interpreter: {version: "3.11"}
threads:
  - name: w
    count: 3
    program:
      - repeat: 20
        steps:
          - cpu: {uniform: {min: 1ms, max: 3ms}}
          - io: 1ms
)",
                                     "replicas.yaml");
  const models::RunResult zero = models::simulate(s, 1);
  CHECK(app::result_json(s, models::simulate(s, 1, nullptr, 0)) == app::result_json(s, zero));
  const models::RunResult one = models::simulate(s, 1, nullptr, 1);
  CHECK(app::result_json(s, one) == app::result_json(s, models::simulate(s, 1, nullptr, 1)));
  CHECK(one.serial == zero.serial);
  CHECK(app::result_json(s, one) != app::result_json(s, zero));
  // Another seed draws other work.
  CHECK(models::simulate(s, 2).serial != zero.serial);
}
