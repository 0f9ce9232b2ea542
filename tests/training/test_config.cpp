// Training configuration: every key declared with default, unit, range and meaning; bad
// values are refused naming the key, the value and the allowed range; SHA-256 known answers.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "params/error.hpp"
#include "training/config.hpp"
#include "training/sha256.hpp"

using namespace kirchhoff;
using namespace kirchhoff::training;
using Catch::Matchers::ContainsSubstring;

namespace {
TrainConfig with(std::initializer_list<const char*> sets) {
    params::Config cfg(training_schema());
    for (const char* s : sets) cfg.set_override(s);
    return train_config_from(cfg);
}
}  // namespace

TEST_CASE("every training key has a meaning, and numbers a unit", "[training][config]") {
    const params::Schema schema = training_schema();  // (ranging over a temporary's keys() would dangle)
    for (const params::Key& k : schema.keys()) {
        INFO(k.name);
        CHECK(!k.meaning.empty());
        if (k.type == params::Type::real) CHECK(!k.unit.empty());
    }
    const TrainConfig d = with({});
    CHECK(d.model.dim == 128);
    CHECK(d.hwa.weight_noise == WeightNoise::none);
    CHECK(!d.hwa.forward_enabled());
}

TEST_CASE("out-of-range values name the key, the value and the range", "[training][config]") {
    CHECK_THROWS_WITH(with({"model.dim=0"}), ContainsSubstring("model.dim") && ContainsSubstring("0") &&
                                                 ContainsSubstring("[2, 4096]"));
    CHECK_THROWS_WITH(with({"train.lr=2"}), ContainsSubstring("train.lr") && ContainsSubstring("2") &&
                                                ContainsSubstring("(0, 1]"));
    CHECK_THROWS_WITH(with({"hwa.weight_noise_rel=-0.1"}),
                      ContainsSubstring("hwa.weight_noise_rel") && ContainsSubstring("-0.1") && ContainsSubstring("[0, 1]"));
    CHECK_THROWS_WITH(with({"hwa.dac_bits=30"}), ContainsSubstring("hwa.dac_bits") && ContainsSubstring("30") &&
                                                     ContainsSubstring("[0, 24]"));
    CHECK_THROWS_WITH(with({"hwa.weight_noise=\"lognormal\""}),
                      ContainsSubstring("hwa.weight_noise") && ContainsSubstring("lognormal") && ContainsSubstring("pcm"));
}

TEST_CASE("cross-key rules name both keys and values", "[training][config]") {
    CHECK_THROWS_WITH(with({"model.dim=100", "model.n_heads=3"}),
                      ContainsSubstring("model.dim = 100") && ContainsSubstring("n_heads = 3"));
    CHECK_THROWS_WITH(with({"model.dim=12", "model.n_heads=4"}), ContainsSubstring("even head size"));
    CHECK_THROWS_WITH(with({"model.n_heads=4", "model.n_kv_heads=3"}),
                      ContainsSubstring("model.n_kv_heads = 3") && ContainsSubstring("model.n_heads = 4"));
    CHECK_THROWS_WITH(with({"train.lr=1e-3", "train.lr_min=2e-3"}),
                      ContainsSubstring("train.lr_min = 0.002") && ContainsSubstring("train.lr = 0.001"));
    CHECK_THROWS_WITH(with({"train.steps=100", "train.warmup_steps=100"}),
                      ContainsSubstring("train.warmup_steps = 100") && ContainsSubstring("train.steps = 100"));
    CHECK_THROWS_WITH(with({"hwa.adc_bits=1"}), ContainsSubstring("hwa.adc_bits = 1") && ContainsSubstring("[2, 24]"));
    CHECK_THROWS_WITH(with({"hwa.weight_noise=\"gaussian\""}), ContainsSubstring("hwa.weight_noise_rel"));
    CHECK_THROWS_AS(with({"model.dim=100", "model.n_heads=3"}), InputError);
}

TEST_CASE("SHA-256 known answers (FIPS 180-4 examples)", "[training][config]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
