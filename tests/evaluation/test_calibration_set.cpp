// The calibration set of an evaluation (evaluation/calibration_set.hpp): which tokens (the
// first N of calibration.text, whatever is scored), the inputs it refuses with the key and
// value, and the circuit reference replaying it through the circuit: ppl_circuit bit for bit a
// nodal backend calibrated on the same set.
#include <filesystem>
#include <functional>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <unistd.h>

#include "analog/analog_backend.hpp"
#include "evaluation/calibration_set.hpp"
#include "evaluation/circuit_reference.hpp"
#include "evaluation/model_evaluation.hpp"
#include "evaluation/model_inputs.hpp"
#include "params/error.hpp"
#include "support/analog_fixtures.hpp"
#include "tokenizers/char_tokenizer.hpp"
#include "transformer/linear_backend.hpp"
#include "transformer/model.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {

const std::string corpus_text = "first citizen:\nbefore we proceed any further, hear me speak.\nall: speak, speak.\n";

struct Scratch {
    fs::path dir = fs::temp_directory_path() / ("kirchhoff_test_calset_" + std::to_string(::getpid()));
    Scratch() {
        fs::create_directories(dir);
        std::ofstream(dir / "scored.txt") << corpus_text;
        std::ofstream(dir / "calibration.txt") << "all: hear me, citizen, before we speak any further.\n";
        std::ofstream(dir / "other.txt") << "ZZZ unknown letters QQQ\n";
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

params::Config config(const std::vector<std::string>& sets) {
    params::Config c(evaluation::evaluation_schema());
    for (const auto& s : sets) c.set_override(s);
    return c;
}

std::string message(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("the calibration set is the first calibration.tokens tokens of calibration.text", "[validation][calibration]") {
    const Scratch s;
    const auto tok = tokenizers::CharTokenizer::from_corpus(corpus_text);
    const std::string cal = "calibration.text=" + (s.dir / "calibration.txt").string();
    const evaluation::CalibrationSet set = evaluation::calibration_set(config({cal, "calibration.tokens=20"}), tok, "");
    REQUIRE(set.tokens.size() == 20);
    const auto expect = tok.encode("all: hear me, citizen, before");
    for (std::size_t i = 0; i < 20; ++i) CHECK(set.tokens[i] == expect[i]);  // the char tokenizer has no BOS
    CHECK_THAT(set.source, ContainsSubstring("calibration.txt"));
    CHECK(evaluation::calibration_set(config({cal, "calibration.tokens=0"}), tok, "").tokens.empty());
    // The default: the vendored corpus' training split, from its start.
    const auto shipped =
        tokenizers::CharTokenizer::load(fs::path(evaluation::default_model_path()).parent_path() / "tokenizer.json");
    const evaluation::CalibrationSet def = evaluation::calibration_set(config({}), shipped, "");
    REQUIRE(def.tokens.size() == 256);
    CHECK_THAT(def.source, ContainsSubstring("training split"));
    const auto first = shipped.encode("First Citizen:");
    for (std::size_t i = 0; i < first.size(); ++i) CHECK(def.tokens[i] == first[i]);
}

TEST_CASE("a calibration set that cannot be had is refused with the key and value", "[validation][calibration]") {
    const Scratch s;
    const auto tok = tokenizers::CharTokenizer::from_corpus(corpus_text);
    const std::string cal = "calibration.text=" + (s.dir / "calibration.txt").string();
    CHECK_THAT(message([&] { evaluation::calibration_set(config({cal, "calibration.tokens=500"}), tok, ""); }),
               ContainsSubstring("calibration.tokens = 500") && ContainsSubstring("holds only"));
    CHECK_THAT(message([&] { evaluation::calibration_set(config({cal}), tok, (s.dir / "calibration.txt").string()); }),
               ContainsSubstring("calibration.text") && ContainsSubstring("scored text"));
    CHECK_THAT(message([&] {
                   evaluation::calibration_set(config({"calibration.text=" + (s.dir / "other.txt").string()}), tok, "");
               }),
               ContainsSubstring("calibration.text") && ContainsSubstring("cannot be encoded"));
    CHECK_THAT(message([&] {
                   evaluation::calibration_set(config({"calibration.text=" + (s.dir / "missing.txt").string()}), tok, "");
               }),
               ContainsSubstring("calibration.text") && ContainsSubstring("missing.txt"));
    CHECK_THAT(message([&] { evaluation::calibration_set(config({"calibration.tokens=1"}), tok, ""); }),
               ContainsSubstring("calibration.tokens = 1") && ContainsSubstring("at least 2"));
}

TEST_CASE("the circuit reference replays the calibration set through the circuit", "[validation][calibration]") {
    const transformer::Model m = test::one_block_llama(3);
    const std::vector<int> t = test::probe_tokens(14, 11, 5);
    std::vector<int> cal;
    for (int i = 0; i < 20; ++i) cal.push_back((i * 3 + 2 * i * i + 1) % 11);
    const evaluation::CalibrationSet set{cal, "test"};
    auto options = [](cosim::Engine engine) {  // the shared RRAM tiles, attention on crossbars
        return test::analog_options_with(test::with(test::rram_tile_sets(), {"attention.on_crossbars=true", "seed=11"}),
                                         engine);
    };
    const std::size_t n = 10;
    analog::AnalogOptions o = options(cosim::Engine::ideal);
    o.validate = cosim::Engine::nodal;
    o.validate_fraction = 0.3;
    analog::AnalogBackend engine(o);
    const evaluation::CalibrationPass pass = evaluation::calibrate(m, engine, set);
    CHECK(pass.tokens == 20);
    transformer::IdealBackend digital;  // 20 tokens in windows of 8 overlapping by one: 8 + 8 + 6 forward steps
    const long steps = long(transformer::perplexity<float>(m, digital, cal).tokens_run);
    CHECK(steps == 22);
    CHECK(pass.mvms == steps * long(m.linear_layers().size()));
    CHECK(pass.mvms_per_layer == steps);
    CHECK(pass.attention_mvms > 0);
    evaluation::WindowScore window(t, std::int64_t(n));
    transformer::PerplexityOptions po;
    po.on_scored = [&](std::int64_t target, std::span<const float> z) { window.add(target, z); };
    transformer::perplexity<float>(m, engine, t, po);
    const auto r = evaluation::circuit_reference(m, std::span<const int>(t).first(n), engine, window.result(), set);

    analog::AnalogBackend nodal(options(cosim::Engine::nodal)), uncalibrated(options(cosim::Engine::nodal));
    evaluation::calibrate(m, nodal, set);
    const auto first = std::span<const int>(t).first(n);
    CHECK(r.circuit.nll_sum_nats == transformer::perplexity<float>(m, nodal, first).nll_sum_nats);  // bitwise
    CHECK(r.circuit.nll_sum_nats != transformer::perplexity<float>(m, uncalibrated, first).nll_sum_nats);
}
