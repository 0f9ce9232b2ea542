// The analog backend against the digital reference: tiling, zero non-idealities, validation
// statistics and their independence from the inference result, determinism across thread
// counts, and configuration errors.
#include <cmath>
#include <filesystem>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <omp.h>
#include <unistd.h>

#include "analog/analog_backend.hpp"
#include "analog/check_cache.hpp"
#include "params/error.hpp"
#include "support/analog_fixtures.hpp"
#include "support/stanford_response.hpp"
#include "transformer/llama2c.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;
using namespace kirchhoff::analog;
using Catch::Matchers::ContainsSubstring;

namespace {

// A small Llama written to and read back from a llama2.c file with the existing writer. No
// layer fits one 16 x 8 tile, and none is a whole number of tiles.
transformer::Model tiny_model(std::uint64_t seed) {
    transformer::ModelConfig c;
    c.arch = transformer::Architecture::llama;
    c.dim = 24, c.hidden_dim = 40, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2, c.vocab_size = 19, c.seq_len = 32;
    transformer::Model m = transformer::make_model(c);
    std::mt19937_64 rng(seed);
    auto fill = [&](std::vector<float>& v, double scale, double offset) {
        for (float& x : v) x = float(offset + scale * (2.0 * double(rng() >> 11) * 0x1.0p-53 - 1.0));
    };
    fill(m.token_embedding, 1.0, 0.0);
    for (auto& b : m.blocks) fill(b.attn_norm.weight, 0.2, 1.0), fill(b.mlp_norm.weight, 0.2, 1.0);
    fill(m.final_norm.weight, 0.2, 1.0);
    for (transformer::LinearLayer* l : m.linear_layers()) fill(l->weight, 2.0 / std::sqrt(double(l->in)), 0.0);
    const auto path = std::filesystem::temp_directory_path() /
                      ("kirchhoff_test_analog_" + std::to_string(::getpid()) + "_" + std::to_string(seed) + ".bin");
    transformer::save_llama2c(m, path);
    transformer::Model loaded = transformer::load_llama2c(path);
    std::filesystem::remove(path);
    return loaded;
}

// The shared noisy 16 x 8 tiles (tests/support/analog_fixtures.hpp), seed 7.
std::vector<std::string> noisy_sets() { return test::with(test::noisy_tile_sets(), {"seed=7"}); }

// Scores `t` on the surrogate engine under `sets` with half the MVMs after calibration
// re-solved by the nodal circuit (or by `check`), inline or on the worker: the summed NLL and
// the validation rows.
std::pair<double, std::vector<ValidationStats>> validated_run(
    const transformer::Model& m, const std::vector<int>& t, const std::vector<std::string>& sets, bool background,
    std::function<std::unique_ptr<cosim::MvmEngine>(const cosim::ProgrammedTile&)> check = {}) {
    AnalogOptions o = test::analog_options_with(sets, cosim::Engine::surrogate);
    o.validate = cosim::Engine::nodal;
    o.validate_fraction = 0.5;
    o.validate_in_background = background;
    o.make_check_engine = std::move(check);
    AnalogBackend analog(o);
    const double nll = transformer::perplexity<float>(m, analog, t).nll_sum_nats;
    return {nll, analog.validation()};
}

}  // namespace

TEST_CASE("the ideal engine through tiles equals the untiled matmul", "[analog]") {
    const transformer::Model m = tiny_model(1);
    for (const char* signs : {"dac.signs=signed", "dac.signs=two_phase"})
    for (const char* encoding : {"dac.encoding=amplitude", "dac.encoding=bit_serial"}) {
        auto sets = test::clean_tile_sets(24);
        sets.push_back(signs);
        sets.push_back(encoding);
        AnalogBackend analog(test::analog_options_with(sets, cosim::Engine::ideal));
        transformer::IdealBackend digital;
        analog.prepare(m);
        CHECK(analog.tiles() > int(m.linear_layers().size()));
        std::mt19937_64 rng(3);
        for (const transformer::LinearLayer* l : m.linear_layers()) {
            std::vector<float> x(l->in), y(l->out), y_ref(l->out);
            for (float& v : x) v = float(double(rng() >> 11) * 0x1.0p-53 * 2 - 1);
            digital.matvec(*l, x, y_ref);
            analog.matvec(*l, x, y);
            for (int k = 0; k < l->out; ++k) {
                double scale = 0;  // sum |w x|: the size of float rounding in the dot product
                for (int i = 0; i < l->in; ++i) scale += std::abs(double(l->w(k, i)) * x[i]);
                INFO(l->name << " output " << k << " " << signs << " " << encoding);
                CHECK(std::abs(y[k] - y_ref[k]) <= 1e-6 * scale + 1e-7);
            }
        }
    }
}

TEST_CASE("programming reports each tile once, in count order, with the total", "[analog]") {
    const transformer::Model m = tiny_model(1);
    AnalogOptions o = test::analog_options_with(test::clean_tile_sets(8), cosim::Engine::surrogate);
    std::vector<std::pair<long, long>> calls;  // serialised by the backend, from any thread
    o.on_tile_programmed = [&](long programmed, long total) { calls.emplace_back(programmed, total); };
    AnalogBackend analog(o);
    analog.prepare(m);
    REQUIRE(analog.tiles() > 1);
    REQUIRE(calls.size() == std::size_t(analog.tiles()));
    for (std::size_t k = 0; k < calls.size(); ++k) {
        CHECK(calls[k].first == long(k) + 1);
        CHECK(calls[k].second == analog.tiles());
    }
}

TEST_CASE("zero non-idealities reproduce the digital perplexity", "[analog]") {
    const transformer::Model m = tiny_model(2);
    const auto t = test::probe_tokens(30, m.config.vocab_size);
    transformer::IdealBackend digital;
    const double ppl_digital = transformer::perplexity<float>(m, digital, t).perplexity();
    for (cosim::Engine e : {cosim::Engine::ideal, cosim::Engine::surrogate, cosim::Engine::nodal}) {
        AnalogBackend analog(test::analog_options_with(test::clean_tile_sets(24), e));
        const double ppl = transformer::perplexity<float>(m, analog, t).perplexity();
        INFO(to_string(e));
        CHECK(ppl == Catch::Approx(ppl_digital).epsilon(1e-5));  // stated tolerance: 1e-5 relative
    }
    // Bit-serial inputs with ideal converters give the amplitude result (linear cells).
    auto serial = test::clean_tile_sets(24);
    serial.push_back("dac.encoding=bit_serial");
    serial.push_back("dac.bits=10");
    AnalogBackend bits(test::analog_options_with(serial, cosim::Engine::surrogate));
    CHECK(transformer::perplexity<float>(m, bits, t).perplexity() == Catch::Approx(ppl_digital).epsilon(1e-2));
    AnalogBackend noisy(test::analog_options_with(noisy_sets(), cosim::Engine::surrogate));
    const double ppl_noisy = transformer::perplexity<float>(m, noisy, t).perplexity();
    // With wires, 6/7-bit converters and noise the perplexity moves. Measured (build/tests/test_analog
    // 'zero non-idealities*' -s; tiny_model(2), 30 tokens, surrogate engine, noisy_sets()):
    // 36.580 against the digital 41.0789. Each non-ideality left out on its own gives (same
    // run): wires 28.44 (row) / 30.31 (column), 16-bit DAC 34.17, 16-bit ADC 34.88, no
    // programming noise 37.20, no drift 34.02, no read noise 38.67, no d2d 60.60, no stuck-at
    // faults 64.91, no drift compensation 37.77; seeds 8 and 9 give 31.96 and 65.88. The run is
    // deterministic (bitwise at 1 and 2 threads, tested below), so the band is the measured
    // value +-1%: the smallest of those changes (programming noise, +1.7%) falls outside it.
    // A change of the random streams moves it like a new seed: re-measure then.
    INFO("noisy " << ppl_noisy << ", digital " << ppl_digital);
    CHECK(ppl_noisy == Catch::Approx(36.580).epsilon(0.01));
    CHECK(std::abs(ppl_noisy / ppl_digital - 1) > 0.03);  // and the non-idealities were applied
}

TEST_CASE("validation statistics on a planted difference", "[analog]") {
    ValidationStats s;
    const std::vector<float> circuit{1, 2, 3, 4}, engine{1.1f, 2, 3, 3.8f};
    s.add(circuit, engine);
    s.add(std::vector<float>{2, -2}, std::vector<float>{2, -1});  // error 1 on a largest output of 2
    double sse = 0, ssr = 0, mx = 0, my = 0;
    std::vector<double> xs{1, 2, 3, 4, 2, -2}, ys{1.1f, 2, 3, 3.8f, 2, -1};
    for (std::size_t i = 0; i < xs.size(); ++i) sse += (ys[i] - xs[i]) * (ys[i] - xs[i]), ssr += xs[i] * xs[i];
    for (std::size_t i = 0; i < xs.size(); ++i) mx += xs[i] / 6, my += ys[i] / 6;
    double cxy = 0, cxx = 0, cyy = 0;
    for (std::size_t i = 0; i < xs.size(); ++i)
        cxy += (xs[i] - mx) * (ys[i] - my), cxx += (xs[i] - mx) * (xs[i] - mx), cyy += (ys[i] - my) * (ys[i] - my);
    CHECK(s.count == 2);
    CHECK(s.elements == 6);
    CHECK(s.nmse() == Catch::Approx(sse / ssr).epsilon(1e-6));
    CHECK(s.max_rel_err == Catch::Approx(0.5).epsilon(1e-6));
    CHECK(s.correlation() == Catch::Approx(cxy / std::sqrt(cxx * cyy)).epsilon(1e-6));

    // Through the backend: an engine blind to the wires (ideal) checked by the nodal circuit
    // solve that sees them: a planted, known-sign difference; with ideal wires, none.
    const transformer::Model m = tiny_model(3);
    const auto t = test::probe_tokens(12, m.config.vocab_size);
    for (const char* wire : {"0", "5"}) {
        auto sets = test::clean_tile_sets(24);
        sets.push_back(std::string("array.r_wire_row_ohm=") + wire);
        sets.push_back(std::string("array.r_wire_col_ohm=") + wire);
        sets.push_back("adc.calibration_mvms=2");
        AnalogOptions o = test::analog_options_with(sets, cosim::Engine::ideal);
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 1.0;
        AnalogBackend analog(o);
        const auto run = transformer::perplexity<float>(m, analog, t);
        for (const ValidationStats& v : analog.validation()) {
            INFO(v.layer << " wire " << wire);
            CHECK(v.count == run.tokens_run - 2);  // every call after the two calibration calls
            if (std::string(wire) == "0") {
                CHECK(v.nmse() < 1e-10);
                CHECK(v.correlation() > 1 - 1e-9);
            } else {
                CHECK(v.nmse() > 1e-6);   // IR drop: the circuit gives less than G^T v
                CHECK(v.max_rel_err > 1e-4);
            }
        }
    }
}

TEST_CASE("validation never changes the inference result", "[analog]") {
    const transformer::Model m = tiny_model(4);
    const auto t = test::probe_tokens(20, m.config.vocab_size);
    auto run = [&](std::optional<cosim::Engine> check, double fraction, bool substitute) {
        AnalogOptions o = test::analog_options_with(noisy_sets(), cosim::Engine::surrogate);
        o.validate = check;
        o.validate_fraction = fraction;
        AnalogBackend analog(o);
        analog.set_substitute(substitute);
        std::vector<std::vector<float>> logits;
        transformer::PerplexityOptions po;
        po.on_scored = [&](std::int64_t, std::span<const float> z) { logits.emplace_back(z.begin(), z.end()); };
        const double nll = transformer::perplexity<float>(m, analog, t, po).nll_sum_nats;
        return std::make_pair(nll, logits);
    };
    const auto plain = run(std::nullopt, 0.0, false);
    const auto checked = run(cosim::Engine::nodal, 0.5, false);
    CHECK(plain.first == checked.first);   // bitwise
    CHECK(plain.second == checked.second);
    // The shadow pass: for ohmic cells the surrogate is exact, so substituting the circuit's
    // outputs changes the logits only at solver precision.
    const auto shadow = run(cosim::Engine::nodal, 0.5, true);
    REQUIRE(shadow.second.size() == plain.second.size());
    for (std::size_t i = 0; i < plain.second.size(); ++i)
        for (std::size_t k = 0; k < plain.second[i].size(); ++k)
            CHECK(std::abs(shadow.second[i][k] - plain.second[i][k]) <= 1e-3 * (1 + std::abs(plain.second[i][k])));
}

TEST_CASE("validation on the worker thread gives the inline statistics and results", "[analog]") {
    const transformer::Model m = tiny_model(5);
    const auto t = test::probe_tokens(24, m.config.vocab_size);
    auto sets = noisy_sets();
    sets.push_back("array.r_wire_row_ohm=2");
    sets.push_back("array.r_wire_col_ohm=2");
    const auto inline_run = validated_run(m, t, sets, false), background_run = validated_run(m, t, sets, true);
    CHECK(inline_run.first == background_run.first);  // bitwise
    REQUIRE(inline_run.second.size() == background_run.second.size());
    long validated = 0;
    for (std::size_t l = 0; l < inline_run.second.size(); ++l) {
        const ValidationStats &a = inline_run.second[l], &b = background_run.second[l];
        INFO(a.layer);
        CHECK(a.count == b.count);
        CHECK(a.failed == 0);
        CHECK(b.failed == 0);
        CHECK(a.sum_sq_err == b.sum_sq_err);  // same solves summed in the same order
        CHECK(a.sum_sq_ref == b.sum_sq_ref);
        CHECK(a.max_rel_err == b.max_rel_err);
        CHECK(a.sxy == b.sxy);
        validated += long(a.count);
    }
    CHECK(validated > 0);
}

TEST_CASE("a failed circuit solve is recorded and inference goes on", "[analog]") {
    // A validation engine that fails like a circuit that does not converge.
    struct Failing final : cosim::MvmEngine {
        std::string_view name() const override { return "failing"; }
        Eigen::VectorXd matvec(const Eigen::VectorXd&) override {
            throw std::runtime_error("planted: the circuit did not converge");
        }
    };
    const transformer::Model m = tiny_model(6);
    const auto t = test::probe_tokens(16, m.config.vocab_size);
    auto sets = noisy_sets();  // with the attention products on crossbars: their rows too
    sets.push_back("attention.on_crossbars=true");
    sets.push_back("attention.adc_calibration_tokens=3");
    auto run = [&](bool failing, bool background) {
        if (!failing) return validated_run(m, t, sets, background);
        return validated_run(m, t, sets, background,
                             [](const cosim::ProgrammedTile&) { return std::make_unique<Failing>(); });
    };
    const auto good = run(false, true);
    long sampled = 0, attention = 0;
    for (const ValidationStats& v : good.second) sampled += long(v.count);
    for (std::size_t l = m.linear_layers().size(); l < good.second.size(); ++l) attention += long(good.second[l].count);
    REQUIRE(good.second.size() == m.linear_layers().size() + 2 * std::size_t(m.config.n_layers));
    REQUIRE(attention > 0);
    REQUIRE(sampled > attention);
    for (bool background : {true, false}) {
        INFO("background " << background);
        const auto bad = run(true, background);
        CHECK(bad.first == good.first);  // the inference result is untouched
        REQUIRE(bad.second.size() == good.second.size());
        for (std::size_t l = 0; l < good.second.size(); ++l) {
            INFO(good.second[l].layer);
            CHECK(bad.second[l].count == 0);
            CHECK(bad.second[l].failed == good.second[l].count);  // every sampled MVM, none lost
            if (bad.second[l].failed) {
                CHECK(bad.second[l].first_error.find("planted: the circuit did not converge") != std::string::npos);
                CHECK(bad.second[l].first_error.find(good.second[l].layer) != std::string::npos);
            }
        }
    }
}

TEST_CASE("the same seed gives the same results at 1 and 2 threads", "[analog]") {
    const transformer::Model m = tiny_model(5);
    const auto t = test::probe_tokens(20, m.config.vocab_size);
    auto run = [&](int threads, std::string seed, cosim::Engine engine = cosim::Engine::surrogate,
                   std::string read_noise_mode = "per_mvm") {
        omp_set_num_threads(threads);
        auto sets = noisy_sets();
        sets.push_back("seed=" + seed);
        sets.push_back("pcm.read_noise_mode=" + read_noise_mode);
        AnalogOptions o = test::analog_options_with(sets, engine);
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 0.3;
        AnalogBackend analog(o);
        const double nll = transformer::perplexity<float>(m, analog, t).nll_sum_nats;
        return std::make_pair(nll, analog.validation().front().sum_sq_err);
    };
    const int before = omp_get_max_threads();
    const auto one = run(1, "7"), two = run(2, "7"), other = run(2, "8");
    // The nodal engine runs the tiles of each MVM on threads (analog_backend.cpp).
    const auto nodal_one = run(1, "7", cosim::Engine::nodal), nodal_two = run(2, "7", cosim::Engine::nodal);
    // Frozen read noise: its own stream per tile, drawn while programming.
    const auto frozen_one = run(1, "7", cosim::Engine::surrogate, "frozen"),
               frozen_two = run(2, "7", cosim::Engine::surrogate, "frozen");
    omp_set_num_threads(before);
    CHECK(one == two);
    CHECK(nodal_one == nodal_two);
    CHECK(frozen_one == frozen_two);
    CHECK(frozen_one.first != one.first);
    CHECK(one.first != other.first);
}

TEST_CASE("a backend on the same tiles gives what a new backend with its engine gives", "[analog]") {
    // The circuit reference of `kirchhoff run` (evaluation/circuit_reference.hpp): the nodal
    // engine on tiles copied from an ideal-engine backend that has run and validated, with noise,
    // faults, drift and read noise, against a nodal backend that programmed its own.
    const transformer::Model m = tiny_model(6);
    const auto t = test::probe_tokens(14, m.config.vocab_size);
    for (const bool attention : {false, true}) {
        INFO("attention.on_crossbars = " << attention);
        auto sets = noisy_sets();
        sets.push_back(attention ? "attention.on_crossbars=true" : "attention.on_crossbars=false");
        AnalogOptions o = test::analog_options_with(sets, cosim::Engine::ideal);
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 0.3;
        AnalogBackend engine(o);
        CHECK_THROWS_AS(engine.on_same_tiles(cosim::Engine::nodal, m), std::logic_error);  // not prepared yet
        const double engine_nll = transformer::perplexity<float>(m, engine, t).nll_sum_nats;
        const auto copied = engine.on_same_tiles(cosim::Engine::nodal, m);
        CHECK(!copied->options().validate);
        AnalogBackend fresh(test::analog_options_with(sets, cosim::Engine::nodal));
        const auto a = transformer::perplexity<float>(m, *copied, t), b = transformer::perplexity<float>(m, fresh, t);
        CHECK(a.nll_sum_nats == b.nll_sum_nats);  // bitwise
        CHECK(a.nll_sum_nats != engine_nll);      // the ideal engine ignores the 2 ohm wires, the circuit does not
        CHECK(copied->tiles() == fresh.tiles());
        // The engine's backend goes on as before.
        engine.restart();
        CHECK(transformer::perplexity<float>(m, engine, t).nll_sum_nats == engine_nll);
    }
}

TEST_CASE("bad analog configuration is refused with key, value and range", "[analog]") {
    auto message = [](const std::vector<std::string>& sets) -> std::string {
        try {
            test::analog_config_with(sets);
        } catch (const InputError& e) {
            return e.what();
        }
        return "";
    };
    CHECK_THAT(message({"dac.bits=1"}), ContainsSubstring("dac.bits") && ContainsSubstring("[2, 24]"));
    CHECK_THAT(message({"adc.bits=40"}), ContainsSubstring("adc.bits") && ContainsSubstring("40"));
    CHECK_THAT(message({"faults.stuck_rate=1.5"}), ContainsSubstring("faults.stuck_rate"));
    CHECK_THAT(message({"array.differential=none"}),
               ContainsSubstring("array.differential") && ContainsSubstring("columns, arrays"));
    CHECK(message({"pcm.read_noise=true"}).empty());  // at t_inference 0 the cells are t0 = 20 s old
    CHECK_THAT(message({"pcm.read_noise_mode=sometimes"}),
               ContainsSubstring("pcm.read_noise_mode") && ContainsSubstring("sometimes") && ContainsSubstring("frozen"));
    CHECK_THAT(message({"pcm.clamp=at_zero", "device.preset=stanford_rram_aimc"}),
               ContainsSubstring("pcm.clamp") && ContainsSubstring("stanford_rram_aimc") && ContainsSubstring("window"));
    CHECK_THAT(message({"dac.signs=bitserial"}), ContainsSubstring("dac.signs"));
    CHECK_THAT(message({"dac.encoding=thermometer"}), ContainsSubstring("dac.encoding") && ContainsSubstring("bit_serial"));
    AnalogOptions o = test::analog_options_with({}, cosim::Engine::ideal);
    o.validate_fraction = 1.5;
    CHECK_THROWS_AS(AnalogBackend(o), InputError);
    // The engines are cosim::Engine's; the backend takes ideal/surrogate/nodal for inference and
    // none/nodal/spice for validation, and names the flag, the value and the allowed ones.
    CHECK(parse_inference_engine("nodal", "--engine") == cosim::Engine::nodal);
    CHECK_THROWS_WITH(parse_inference_engine("spicy", "--engine"),
                      "--engine spicy: unknown engine; allowed: ideal, surrogate, nodal");
    CHECK_THROWS_WITH(parse_inference_engine("spice", "run.engine"),
                      "run.engine spice: unknown engine; allowed: ideal, surrogate, nodal");
    CHECK(parse_validation_engine("none", "--validate-engine") == std::nullopt);
    CHECK(parse_validation_engine("spice", "--validate-engine") == cosim::Engine::spice);
    CHECK_THROWS_WITH(parse_validation_engine("ideal", "run.validate_engine"),
                      "run.validate_engine ideal: unknown validation engine; allowed: none, nodal, spice");
    CHECK(validation_engine_name(std::nullopt) == "none");
    CHECK(validation_engine_name(cosim::Engine::nodal) == "nodal");
    AnalogOptions spice = o;
    spice.validate_fraction = 0;
    spice.engine = cosim::Engine::spice;
    CHECK_THROWS_WITH(AnalogBackend(spice), ContainsSubstring("engine spice") && ContainsSubstring("ideal, surrogate, nodal"));
    AnalogOptions ideal_check = spice;
    ideal_check.engine = cosim::Engine::ideal;
    ideal_check.validate = cosim::Engine::surrogate;
    CHECK_THROWS_WITH(AnalogBackend(ideal_check),
                      ContainsSubstring("validation engine surrogate") && ContainsSubstring("none, nodal, spice"));
}

TEST_CASE("spice validation past solver.timeout_s is a failed check and inference is unchanged", "[analog][ngspice]") {
    const transformer::Model m = tiny_model(6);
    const auto t = test::probe_tokens(6, m.config.vocab_size);
    auto sets = test::clean_tile_sets(24);
    sets.push_back("adc.calibration_mvms=4");
    AnalogBackend plain(test::analog_options_with(sets, cosim::Engine::ideal));
    const double expected = transformer::perplexity<float>(m, plain, t).perplexity();
    sets.push_back("solver.timeout_s=1e-9");  // no ngspice solve meets it
    AnalogOptions o = test::analog_options_with(sets, cosim::Engine::ideal);
    o.validate = cosim::Engine::spice;
    o.validate_fraction = 1.0;
    o.validate_max_per_layer = 2;
    AnalogBackend analog(o);
    CHECK(transformer::perplexity<float>(m, analog, t).perplexity() == expected);  // nothing lost or changed
    // A tile this small may finish before ngspice's clock is first looked at, so not every
    // check fails; most do, and each failure is the time limit's, recorded, not thrown.
    std::int64_t failed = 0;
    for (const ValidationStats& v : analog.validation()) {
        INFO(v.layer);
        CHECK(v.count + v.failed == 2);
        failed += v.failed;
        if (v.failed > 0) CHECK_THAT(v.first_error, ContainsSubstring("time limit of 1e-09 s"));
    }
    CHECK(failed > 0);
}

TEST_CASE("spice validation agrees with the nodal solve on ohmic tiles", "[analog][ngspice]") {
    const transformer::Model m = tiny_model(6);
    const auto t = test::probe_tokens(6, m.config.vocab_size);
    auto sets = test::clean_tile_sets(24);
    sets.push_back("adc.calibration_mvms=4");
    AnalogOptions o = test::analog_options_with(sets, cosim::Engine::nodal);
    o.validate = cosim::Engine::spice;
    o.validate_fraction = 1.0;
    o.validate_max_per_layer = 1;
    AnalogBackend analog(o);
    transformer::perplexity<float>(m, analog, t);
    for (const ValidationStats& v : analog.validation()) {
        INFO(v.layer);
        CHECK(v.count == 1);
        CHECK(v.nmse() < 1e-10);
    }
}

TEST_CASE("factorisations kept for validation give the statistics of fresh solves, within their budget", "[analog]") {
    // Ohmic cells, surrogate engine, nodal validation (check_cache.hpp): the check engines on
    // the surrogate's factorisations give bitwise what engines factorised at validation time
    // give, whether every tile, some or none fit run.validate_cache_mib.
    const transformer::Model m = tiny_model(6);
    const auto t = test::probe_tokens(16, m.config.vocab_size);
    auto run = [&](double cache_mib, bool background) {
        AnalogOptions o = test::analog_options_with(noisy_sets(), cosim::Engine::surrogate);
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 0.5;
        o.validate_in_background = background;
        o.validate_cache_mib = cache_mib;
        AnalogBackend analog(o);
        const double nll = transformer::perplexity<float>(m, analog, t).nll_sum_nats;
        auto stats = analog.validation();  // waits for the worker
        return std::tuple(nll, std::move(stats), analog.kept_check_bytes(), analog.tiles());
    };
    // The reference: nothing kept, every check engine factorised at validation time.
    const auto [nll_none, stats_none, bytes_none, tiles] = run(0.0, false);
    CHECK(bytes_none == 0.0);
    const auto [nll_all, stats_all, bytes_all, tiles_all] = run(1024.0, true);
    REQUIRE(bytes_all > 0.0);
    const double per_tile = bytes_all / tiles;  // every tile of this model has the same circuit
    const double some_mib = 2.5 * per_tile / (1024.0 * 1024.0);
    const auto [nll_some, stats_some, bytes_some, tiles_some] = run(some_mib, true);
    CHECK(bytes_some <= some_mib * 1024.0 * 1024.0);  // the budget holds
    CHECK(bytes_some == 2.0 * per_tile);              // two tiles fit, not three
    CHECK(nll_none == nll_all);
    CHECK(nll_none == nll_some);
    REQUIRE(stats_none.size() == stats_all.size());
    REQUIRE(stats_none.size() == stats_some.size());
    long validated = 0;
    for (std::size_t l = 0; l < stats_none.size(); ++l) {
        INFO(stats_none[l].layer);
        for (const auto* s : {&stats_all[l], &stats_some[l]}) {
            CHECK(s->count == stats_none[l].count);
            CHECK(s->failed == 0);
            CHECK(s->sum_sq_err == stats_none[l].sum_sq_err);  // bitwise
            CHECK(s->sum_sq_ref == stats_none[l].sum_sq_ref);
            CHECK(s->max_rel_err == stats_none[l].max_rel_err);
        }
        validated += long(stats_none[l].count);
    }
    CHECK(validated > 0);
}

namespace {

// Stanford-PKU cells (rram_tile_sets, seed 7) on the line-relaxation surrogate, half the MVMs
// validated by the nodal circuit: the device-tile validation tests' backend.
AnalogOptions stanford_validated_options() {
    AnalogOptions o = test::analog_options_with(test::with(test::rram_tile_sets(), {"seed=7"}), cosim::Engine::surrogate);
    o.response = test::stanford_response(o.config.crossbar);
    o.v_star_volt = 0.6 * o.config.crossbar.v_read_volt;
    o.validate = cosim::Engine::nodal;
    o.validate_fraction = 0.5;
    return o;
}

// Device-tile validation statistics per layer: `one` and `two` (1 and 2 threads) bitwise
// equal, `ref` (another way to the same circuit outputs) within the Newton tolerance, no
// failures. Returns the MVMs validated.
long check_device_stats(const std::vector<ValidationStats>& one, const std::vector<ValidationStats>& two,
                        const std::vector<ValidationStats>& ref) {
    REQUIRE(one.size() == two.size());
    REQUIRE(one.size() == ref.size());
    long validated = 0;
    for (std::size_t l = 0; l < one.size(); ++l) {
        const ValidationStats &a = one[l], &b = two[l], &z = ref[l];
        INFO(a.layer);
        CHECK(a.failed == 0);
        CHECK(z.failed == 0);
        CHECK(a.count == b.count);
        CHECK(a.sum_sq_err == b.sum_sq_err);  // bitwise
        CHECK(a.sum_sq_ref == b.sum_sq_ref);
        CHECK(a.max_rel_err == b.max_rel_err);
        CHECK(a.count == z.count);
        CHECK(a.sum_sq_ref == Catch::Approx(z.sum_sq_ref).epsilon(1e-9));
        CHECK(a.sum_sq_err == Catch::Approx(z.sum_sq_err).epsilon(1e-6).margin(1e-12 * z.sum_sq_ref));
        validated += long(a.count);
    }
    return validated;
}

}  // namespace

TEST_CASE("device tiles validated from the surrogate's solution: the zero-bias statistics, the same at 1 and 2 threads",
          "[analog]") {
    // Stanford-PKU cells on the line-relaxation surrogate, nodal validation (run.validate_start,
    // analog/check_cache.hpp): Newton from the surrogate's solution gives the circuit outputs
    // of the zero-bias start within the Newton tolerance, so the statistics agree to far below
    // the engine's own error; and bitwise at 1 and 2 threads.
    const transformer::Model m = tiny_model(7);
    const auto t = test::probe_tokens(12, m.config.vocab_size);
    auto run = [&](int threads, bool from_surrogate) {
        omp_set_num_threads(threads);
        AnalogOptions o = stanford_validated_options();
        o.validate_from_surrogate = from_surrogate;
        AnalogBackend analog(o);
        const double nll = transformer::perplexity<float>(m, analog, t).nll_sum_nats;
        return std::make_pair(nll, analog.validation());
    };
    const int before = omp_get_max_threads();
    const auto one = run(1, true), two = run(2, true), zero_bias = run(2, false);
    omp_set_num_threads(before);
    CHECK(one.first == two.first);
    CHECK(one.first == zero_bias.first);  // validation never changes inference
    CHECK(check_device_stats(one.second, two.second, zero_bias.second) > 0);
}

TEST_CASE("device tiles' checks run on pooled solvers: nothing kept per tile, the same at 1 and 2 threads",
          "[analog]") {
    // Stanford-PKU cells, nodal validation (check_solvers.hpp): each validated tile borrows a
    // solver of the pool, reprogrammed with its cells, instead of building and keeping its
    // own engine. The statistics are those of engines kept per tile (make_check_engine, whose
    // cached Newton factors carry over) within the Newton tolerance, bitwise the same at 1 and 2
    // threads, nothing is charged to run.validate_cache_mib, and the pool holds as many solvers
    // as checks ran at once.
    const transformer::Model m = tiny_model(7);
    const auto t = test::probe_tokens(12, m.config.vocab_size);
    struct Run {
        std::vector<ValidationStats> stats;
        double kept_bytes;
        int solvers;
        cosim::NodalCounts counts;
    };
    auto run = [&](int threads, bool per_tile) {
        omp_set_num_threads(threads);
        AnalogOptions o = stanford_validated_options();
        o.validate_cache_mib = 1024.0;
        if (per_tile) {
            const AnalogOptions plain = o;
            o.make_check_engine = [plain](const cosim::ProgrammedTile& tile) { return make_nodal_check_engine(plain, tile); };
        }
        AnalogBackend analog(o);
        transformer::perplexity<float>(m, analog, t);
        Run r{analog.validation(), 0, 0, {}};  // validation() waits for the worker
        r.kept_bytes = analog.kept_check_bytes();
        r.solvers = analog.check_solvers();
        r.counts = analog.check_counts();
        return r;
    };
    const int before = omp_get_max_threads();
    const Run one = run(1, false), two = run(2, false), kept = run(2, true);
    omp_set_num_threads(before);
    CHECK(one.kept_bytes == 0.0);
    CHECK(two.kept_bytes == 0.0);
    CHECK(one.solvers == 1);  // one thread: one solver for every tile
    CHECK(two.solvers >= 1);  // as many as tiles were validated at once (timing decides)
    CHECK(two.solvers <= 2);
    CHECK(kept.solvers == 0);
    CHECK(one.counts.solves > 0);
    CHECK(one.counts.solves == two.counts.solves);
    CHECK(one.counts.solves == kept.counts.solves);
    CHECK(check_device_stats(one.stats, two.stats, kept.stats) > 0);
}
