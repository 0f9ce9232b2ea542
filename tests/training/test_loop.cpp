// The training loop on the vendored corpus with a small model: the loss goes down, the saved
// model round-trips through the runner's files, a resumed run equals an uninterrupted one bit
// for bit, and the result does not depend on the thread count.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <omp.h>

#include "params/error.hpp"
#include "tokenizers/char_tokenizer.hpp"
#include "training/checkpoint.hpp"
#include "training/fixtures.hpp"
#include "training/loop.hpp"
#include "transformer/llama2c.hpp"

using namespace kirchhoff;
using namespace kirchhoff::training;
using Catch::Matchers::ContainsSubstring;

namespace {

std::filesystem::path scratch(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("kirchhoff_train_test_" + std::to_string(::getpid())) / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

struct ScratchCleanup {
    ~ScratchCleanup() {
        std::error_code ec;
        std::filesystem::remove_all(
            std::filesystem::temp_directory_path() / ("kirchhoff_train_test_" + std::to_string(::getpid())), ec);
    }
} cleanup;

std::string bytes_of(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

RunResult quiet_run(const params::Config& cfg, const std::filesystem::path& out, const std::filesystem::path& resume = {},
                    std::int64_t stop_after = 0) {
    RunOptions o;
    o.out_dir = out;
    o.resume = resume;
    o.stop_after = stop_after;
    o.log = [](std::string_view) {};
    return run_training(cfg, o);
}

}  // namespace

TEST_CASE("the vendored corpus: SHA-256 checked, split at byte 1,003,854", "[training][corpus]") {
    const Corpus c = load_corpus();
    CHECK(c.sha256 == tinyshakespeare_sha256);
    CHECK(static_cast<std::int64_t>(c.text.size()) == tinyshakespeare_bytes);
    CHECK(c.split == tinyshakespeare_split);
    CHECK(c.split == static_cast<std::int64_t>(std::floor(0.9 * 1115394)));
    CHECK(static_cast<std::int64_t>(c.train.size()) == 1003854);
    CHECK(c.heldout.size() == 1115394 - 1003854);
    CHECK(c.tokenizer.vocab_size() == 65);
    // a modified copy is refused, naming the file and both hashes
    const auto dir = scratch("corpus");
    std::string text = c.text;
    text[100] = text[100] == 'a' ? 'b' : 'a';
    std::ofstream(dir / "tampered.txt", std::ios::binary) << text;
    CHECK_THROWS_WITH(load_corpus(dir / "tampered.txt", tinyshakespeare_sha256),
                      ContainsSubstring("tampered.txt") && ContainsSubstring(std::string(tinyshakespeare_sha256)) &&
                          ContainsSubstring("SHA-256"));
}

TEST_CASE("training lowers the loss on a short run", "[training][loop]") {
    params::Config cfg = testing::small_run_config();
    cfg.set_override("train.steps=60");
    const Corpus corpus = load_corpus();
    Trainer t(train_config_from(cfg), corpus);
    t.init_weights();
    const double start = t.evaluate(false).heldout_nats;
    CHECK(std::abs(start - std::log(65.0)) < 0.3);  // near uniform at initialisation
    double first = 0, last = 0;
    for (int i = 0; i < 60; ++i) {
        const StepReport r = t.step();
        if (i < 5) first += r.loss_nats / 5;
        if (i >= 55) last += r.loss_nats / 5;
    }
    const double end = t.evaluate(false).heldout_nats;
    INFO("train loss " << first << " -> " << last << ", held-out " << start << " -> " << end);
    CHECK(last < first - 1.0);
    CHECK(end < start - 1.0);
}

TEST_CASE("saved model and tokenizer round-trip through the runner's files", "[training][loop]") {
    const auto dir = scratch("roundtrip");
    params::Config cfg = testing::small_run_config();
    cfg.set_override("train.steps=10");
    cfg.set_override("train.warmup_steps=2");
    const RunResult r = quiet_run(cfg, dir);
    const Corpus corpus = load_corpus();
    Trainer t(train_config_from(cfg), corpus);
    const TrainState saved = load_checkpoint(r.checkpoint, t.layout());
    CHECK(saved.step == 10);
    const transformer::Model m = transformer::load_llama2c(r.model);
    CHECK(from_model(t.layout(), m) == saved.params);  // bit for bit
    CHECK(m.config.vocab_size == 65);
    CHECK(tokenizers::CharTokenizer::load(r.tokenizer).bytes() == corpus.tokenizer.bytes());
    // checkpoint round trip: save what was loaded, load again
    save_checkpoint(dir / "again.safetensors", saved, cfg);
    const TrainState again = load_checkpoint(dir / "again.safetensors", t.layout());
    CHECK(again.params == saved.params);
    CHECK(again.m == saved.m);
    CHECK(again.v == saved.v);
    CHECK(again.data_rng == saved.data_rng);
}

TEST_CASE("a resumed run equals an uninterrupted one bit for bit", "[training][loop]") {
    for (const bool hwa : {false, true}) {
        params::Config cfg = testing::small_run_config();
        if (hwa)
            for (const char* kv : {"hwa.weight_noise=\"pcm\"", "hwa.output_noise_rel=0.04", "hwa.input_noise_rel=0.01",
                                   "hwa.dac_bits=8", "hwa.adc_bits=8", "hwa.weight_clip_sigma=2.5"})
                cfg.set_override(kv);
        const auto whole = scratch(hwa ? "whole_hwa" : "whole");
        const auto parts = scratch(hwa ? "parts_hwa" : "parts");
        quiet_run(cfg, whole);
        const RunResult first = quiet_run(cfg, parts, {}, 20);
        CHECK(first.steps == 20);
        std::filesystem::copy_file(first.checkpoint, parts / "step20.safetensors");
        // log cadence may change on resume; the numbers may not
        params::Config again = cfg;
        again.set_override("train.log_every=5");
        const RunResult second = quiet_run(again, parts, parts / "step20.safetensors");
        CHECK(second.steps == 40);
        CHECK(bytes_of(whole / "model.bin") == bytes_of(parts / "model.bin"));
        CHECK(bytes_of(whole / "checkpoint.safetensors").size() == bytes_of(parts / "checkpoint.safetensors").size());
        Trainer t(train_config_from(cfg), load_corpus());
        const TrainState a = load_checkpoint(whole / "checkpoint.safetensors", t.layout());
        const TrainState b = load_checkpoint(parts / "checkpoint.safetensors", t.layout());
        CHECK(a.params == b.params);
        CHECK(a.m == b.m);
        CHECK(a.v == b.v);
        CHECK(a.data_rng == b.data_rng);
    }
}

TEST_CASE("resuming with a configuration that changes the numbers is refused", "[training][loop]") {
    const auto dir = scratch("resume_mismatch");
    params::Config cfg = testing::small_run_config();
    const RunResult r = quiet_run(cfg, dir, {}, 10);
    params::Config other = cfg;
    other.set_override("train.lr=1e-3");
    CHECK_THROWS_WITH(quiet_run(other, dir, r.checkpoint),
                      ContainsSubstring("train.lr") && ContainsSubstring("0.001") && ContainsSubstring("0.003"));
}

TEST_CASE("training is the same at 1 and 2 threads", "[training][loop]") {
    params::Config cfg = testing::small_run_config();
    cfg.set_override("hwa.weight_noise=\"gaussian\"");
    cfg.set_override("hwa.weight_noise_rel=0.03");
    const Corpus corpus = load_corpus();
    std::vector<std::vector<float>> params;
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        Trainer t(train_config_from(cfg), corpus);
        t.init_weights();
        for (int i = 0; i < 8; ++i) t.step();
        params.push_back(t.state().params);
    }
    omp_set_num_threads(2);
    CHECK(params[0] == params[1]);
}
