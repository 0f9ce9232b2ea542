// `kirchhoff run` and `kirchhoff generate` end to end on a tiny model written by the test
// (llama2.c writer, character tokenizer): the JSON keys, the output files, and bad flags and
// configuration values refused with exit status 2 and the key, value and range.
// attention.on_crossbars runs on the shipped model (models/plain, the run command's default).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "support/run_program.hpp"
#include "tokenizers/char_tokenizer.hpp"
#include "transformer/llama2c.hpp"

using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {

// A random 2-block model over the characters of a short text, with that text beside it.
fs::path write_tiny_model() {
    struct Scratch {  // removed when the test process exits
        fs::path dir = fs::temp_directory_path() / ("kirchhoff_test_run_" + std::to_string(::getpid()));
        ~Scratch() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    };
    static const Scratch scratch;
    static const fs::path dir = [] {
        const fs::path d = scratch.dir;
        fs::create_directories(d);
        const std::string text = "first citizen:\nbefore we proceed any further, hear me speak.\nall: speak, speak.\n";
        std::ofstream(d / "text.txt") << text;
        // The calibration set of the runs (calibration.*): another text in the same alphabet.
        std::ofstream(d / "calibration.txt") << "hear me, citizen: we speak any further before all proceed.\nspeak first, all.\n";
        const auto tok = kirchhoff::tokenizers::CharTokenizer::from_corpus(text);
        tok.save(d / "tokenizer.json");
        kirchhoff::transformer::ModelConfig c;
        c.arch = kirchhoff::transformer::Architecture::llama;
        c.dim = 32, c.hidden_dim = 48, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 4;
        c.vocab_size = tok.vocab_size(), c.seq_len = 64;
        const auto m = kirchhoff::transformer::random_model(c, 1);
        kirchhoff::transformer::save_llama2c(m, d / "model.bin");
        return d;
    }();
    return dir;
}

// --text of the tiny model, and its calibration set (the default, the vendored corpus, has
// bytes the tiny model's tokenizer does not know).
std::string text_and_calibration(const fs::path& d) {
    return (d / "text.txt").string() + " --set calibration.text=" + (d / "calibration.txt").string() +
           " --set calibration.tokens=40";
}

kirchhoff::test::Run kirchhoff_run(const std::string& args) {
    return kirchhoff::test::run_program(std::string(KIRCHHOFF_PROGRAM) + " " + args);
}

}  // namespace

TEST_CASE("kirchhoff run prints the JSON summary and writes CSV, JSON and config", "[analog][cli]") {
    const fs::path d = write_tiny_model();
    const auto out = d / "out";
    const auto r = kirchhoff_run("run --model " + (d / "model.bin").string() + " --text " + text_and_calibration(d) +
                                 " --engine surrogate --validate-fraction 0.5 --set array.rows=16 --set array.cols=16"
                                 " --out " + out.string() + " --json");
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.stdout_only);
    for (const char* key : {"ppl_digital", "ppl_analog", "tokens_per_s", "validation", "logit_effect"})
        CHECK(j.contains(key));
    CHECK(j["validation"].size() == 2 * 7 + 1);
    for (const auto& v : j["validation"])
        for (const char* key : {"layer", "count", "nmse", "max_rel_err"}) CHECK(v.contains(key));
    CHECK(j["ppl_digital"].get<double>() > 1.0);
    CHECK(fs::exists(out / "validation.csv"));
    CHECK(fs::exists(out / "summary.json"));
    CHECK(fs::exists(out / "config.toml"));
}

TEST_CASE("kirchhoff run: layers without validated MVMs have no score; calibration and energy steps named",
          "[analog][cli]") {
    const fs::path d = write_tiny_model();
    const auto out = d / "out_sparse";
    const std::string base = "run --model " + (d / "model.bin").string() + " --text " + text_and_calibration(d) +
                             " --engine ideal --validate-fraction 0.02 --set array.rows=16 --set array.cols=16";
    const auto r = kirchhoff_run(base + " --out " + out.string() + " --json");
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.stdout_only);
    CHECK(j["calibration"] == "per_column");
    CHECK(j["energy"]["forward_steps"].get<double>() > 0);  // what "per token" divides by
    // The calibration set in force, apart from the scored tokens, the energy and the op counts.
    CHECK(j["calibration_set"]["tokens"] == 40);
    CHECK(j["calibration_set"]["mvms_per_layer"] == 40);  // one window of the 64-token context
    CHECK(j["calibration_set"]["mvms"] == 40 * 15);       // 15 linear layers
    CHECK_THAT(j["calibration_set"]["source"].get<std::string>(), ContainsSubstring("calibration.txt"));
    const auto in_run = kirchhoff_run(base + " --json --set calibration.tokens=0");
    REQUIRE(in_run.status == 0);
    const auto k = nlohmann::json::parse(in_run.stdout_only);
    CHECK(k["tokens"] == j["tokens"]);
    CHECK(k["energy"]["forward_steps"] == j["energy"]["forward_steps"]);
    CHECK(k["calibration_set"]["tokens"] == 0);
    CHECK(k["calibration_set"]["mvms_per_layer"] == 8);  // adc.calibration_mvms
    CHECK(k["ppl_analog"] != j["ppl_analog"]);
    int unscored = 0;
    for (const auto& v : j["validation"])
        if (v["count"] == 0) {
            ++unscored;
            CHECK(v["nmse"].is_null());
            CHECK(v["max_rel_err"].is_null());
            CHECK(v["correlation"].is_null());
        } else {
            CHECK(v["nmse"].is_number());
        }
    REQUIRE(unscored > 0);
    std::ifstream csv(out / "validation.csv");
    int null_rows = 0;
    for (std::string line; std::getline(csv, line);)
        if (line.find(",0,null,null,null,") != std::string::npos) ++null_rows;
    CHECK(null_rows == unscored);
    const auto text = kirchhoff_run(base + " --set adc.calibration=global");
    REQUIRE(text.status == 0);
    CHECK_THAT(text.stdout_only, ContainsSubstring("output calibration global (adc.calibration)") &&
                                     ContainsSubstring("calibration set of 40 tokens") &&
                                     ContainsSubstring("40 MVMs per layer"));
    int dash_rows = 0;
    for (std::size_t at = 0; (at = text.stdout_only.find("            -            -            -\n", at)) != std::string::npos; ++at)
        ++dash_rows;
    CHECK(dash_rows == unscored);  // the same MVMs are sampled whatever the calibration
}

TEST_CASE("kirchhoff generate: greedy text, the same on near-ideal crossbars", "[analog][cli]") {
    const fs::path d = write_tiny_model();
    const std::string cmd = "generate --model " + (d / "model.bin").string() + " --prompt 'all: ' --steps 12 --temperature 0";
    const auto a = kirchhoff_run(cmd), b = kirchhoff_run(cmd + " --engine ideal --set dac.bits=24 --set adc.bits=24"
                                                               " --set array.r_wire_row_ohm=0 --set array.r_wire_col_ohm=0"
                                                               " --set calibration.text=" +
                                                               (d / "calibration.txt").string() +
                                                               " --set calibration.tokens=40");
    INFO(a.out << b.out);
    REQUIRE(a.status == 0);
    REQUIRE(b.status == 0);
    CHECK(a.stdout_only.rfind("all: ", 0) == 0);
    CHECK(a.stdout_only.size() > 6);
    CHECK(a.stdout_only == b.stdout_only);  // near-ideal crossbars generate the digital text
}

TEST_CASE("kirchhoff run refuses bad flags and configuration values", "[analog][cli]") {
    const fs::path d = write_tiny_model();
    const std::string base = "run --model " + (d / "model.bin").string() + " --text " + text_and_calibration(d);
    const auto bits = kirchhoff_run(base + " --set adc.bits=99");
    CHECK(bits.status == 2);
    CHECK_THAT(bits.out, ContainsSubstring("adc.bits") && ContainsSubstring("99") && ContainsSubstring("[2, 24]"));
    const auto diff = kirchhoff_run(base + " --set array.differential=none");
    CHECK(diff.status == 2);
    CHECK_THAT(diff.out, ContainsSubstring("array.differential"));
    // A flag is its run.* key: the message names the flag, the key, the value and what is allowed.
    const auto fraction = kirchhoff_run(base + " --validate-fraction 2");
    CHECK(fraction.status == 2);
    CHECK_THAT(fraction.out, ContainsSubstring("--validate-fraction: run.validate_fraction = 2 is outside the allowed "
                                               "range [0, 1]"));
    const auto engine = kirchhoff_run(base + " --engine spicy");
    CHECK(engine.status == 2);
    CHECK_THAT(engine.out, ContainsSubstring("--engine: run.engine = \"spicy\" is not allowed; one of: ideal surrogate nodal"));
    const auto tokens = kirchhoff_run(base + " --tokens many");
    CHECK(tokens.status == 2);
    CHECK_THAT(tokens.out, ContainsSubstring("--tokens many: run.tokens expects an integer, got 'many'"));
    const auto set = kirchhoff_run(base + " --set run.validate_count=-1");
    CHECK(set.status == 2);
    CHECK_THAT(set.out, ContainsSubstring("--set: run.validate_count = -1 is outside the allowed range [0, "));
    const auto missing = kirchhoff_run("run --model " + (d / "nothing.bin").string());
    CHECK(missing.status == 2);
    CHECK_THAT(missing.out, ContainsSubstring("nothing.bin"));
}

TEST_CASE("kirchhoff run --reference-tokens: ppl_circuit is bit for bit --engine nodal on those tokens", "[analog][cli]") {
    // Nonlinear cells (Newton solves) behind 1 ohm wires; the ideal engine needs no surrogate fit.
    const fs::path d = write_tiny_model();
    const std::string base = "run --model " + (d / "model.bin").string() + " --text " + text_and_calibration(d) +
                             " --set array.rows=16 --set array.cols=16 --set device.preset=stanford_rram_aimc"
                             " --set device.g_min_siemens=2e-6 --validate-fraction 0.2 --json";
    const auto with_ref = kirchhoff_run(base + " --engine ideal --tokens 16 --reference-tokens 8 --out " +
                                        (d / "reference_out").string());
    const auto nodal = kirchhoff_run(base + " --engine nodal --tokens 8");
    const auto ideal = kirchhoff_run(base + " --engine ideal --tokens 8");
    const auto nodal_ref = kirchhoff_run(base + " --engine nodal --tokens 8 --reference-tokens 8");
    INFO(with_ref.out << nodal.out << ideal.out << nodal_ref.out);
    REQUIRE(with_ref.status == 0);
    REQUIRE(nodal.status == 0);
    REQUIRE(ideal.status == 0);
    REQUIRE(nodal_ref.status == 0);
    const auto j = nlohmann::json::parse(with_ref.stdout_only);
    REQUIRE(j.contains("circuit_reference"));
    const auto& r = j["circuit_reference"];
    CHECK(r["tokens"].get<int>() == 8);
    CHECK(r["engine"] == "ideal");
    CHECK(r["engine_is_circuit"] == false);
    // JSON numbers keep every bit (17 significant digits).
    CHECK(r["ppl_circuit"].get<double>() == nlohmann::json::parse(nodal.stdout_only)["ppl_analog"].get<double>());
    CHECK(r["ppl_analog_window"].get<double>() == nlohmann::json::parse(ideal.stdout_only)["ppl_analog"].get<double>());
    CHECK(r["ppl_digital_window"].get<double>() == nlohmann::json::parse(ideal.stdout_only)["ppl_digital"].get<double>());
    const double c = r["ppl_circuit"], a = r["ppl_analog_window"], g = r["ppl_digital_window"];
    CHECK(r["engine_error_share"].get<double>() == std::abs(a - c) / std::abs(c - g));
    const auto saved = nlohmann::json::parse(std::ifstream(d / "reference_out" / "summary.json"));
    CHECK(saved["circuit_reference"] == r);
    // The engine is the circuit: said so, share 0, its own perplexity.
    const auto nodal_json = nlohmann::json::parse(nodal_ref.stdout_only);
    const auto& n = nodal_json["circuit_reference"];
    CHECK(n["engine_is_circuit"] == true);
    CHECK(n["engine_error_share"].get<double>() == 0.0);
    CHECK(n["ppl_circuit"].get<double>() == r["ppl_circuit"].get<double>());
    // The printed table names the numbers.
    const auto table = kirchhoff_run("run --model " + (d / "model.bin").string() + " --text " +
                                     text_and_calibration(d) + " --tokens 8 --engine ideal --reference-tokens 4");
    REQUIRE(table.status == 0);
    CHECK_THAT(table.stdout_only, ContainsSubstring("circuit reference over the first 4 tokens") &&
                                      ContainsSubstring("share of the analog error"));
}

TEST_CASE("kirchhoff run refuses a reference window it cannot score", "[analog][cli]") {
    const fs::path d = write_tiny_model();
    const std::string base = "run --model " + (d / "model.bin").string() + " --text " + text_and_calibration(d) +
                             " --engine ideal --tokens 8";
    const auto one = kirchhoff_run(base + " --reference-tokens 1");
    CHECK(one.status == 2);
    CHECK_THAT(one.out, ContainsSubstring("run.reference_tokens") && ContainsSubstring("[2, 8]"));
    const auto many = kirchhoff_run(base + " --reference-tokens 9");
    CHECK(many.status == 2);
    CHECK_THAT(many.out, ContainsSubstring("reference_tokens") && ContainsSubstring("9"));
}

TEST_CASE("kirchhoff run fits a device surrogate in-process and validates it against the circuit",
          "[analog][cli][ngspice]") {
    const fs::path d = write_tiny_model();
    const auto r = kirchhoff_run("run --model " + (d / "model.bin").string() + " --text " + text_and_calibration(d) +
                                 " --tokens 24 --set array.rows=16 --set array.cols=16 --set device.preset=stanford_rram_aimc"
                                 " --set device.g_min_siemens=2e-6 --validate-fraction 1 --validate-count 1 --json");
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.stdout_only);
    for (const auto& v : j["validation"]) {
        INFO(v.dump());
        CHECK(v["count"].get<int>() == 1);
        CHECK(v["nmse"].get<double>() > 0);     // sinh cells with 1 ohm wires: not exact,
        CHECK(v["nmse"].get<double>() < 1e-3);  // but close (cosim/README: surrogate residuals)
    }
}

TEST_CASE("kirchhoff run --tables accepts a table `kirchhoff fit` wrote with its defaults", "[analog][cli][ngspice]") {
    const fs::path d = write_tiny_model();
    const std::string tile = " --set array.rows=16 --set array.cols=16 --set device.preset=stanford_rram_aimc"
                             " --set device.g_min_siemens=2e-6";
    const fs::path table = d / "fit_default.safetensors", single = d / "fit_single.safetensors";
    const auto fit = kirchhoff_run("fit" + tile + " --set fit.tiles=1 --out " + table.string());
    INFO(fit.out);
    REQUIRE(fit.status == 0);
    const std::string run = "run --model " + (d / "model.bin").string() + " --text " + text_and_calibration(d) +
                            " --tokens 8 --json" + tile;
    const auto r = kirchhoff_run(run + " --tables " + table.string());
    INFO(r.out);
    CHECK(r.status == 0);
    // A table fitted on single columns is another configuration: refused, naming the key.
    REQUIRE(kirchhoff_run("fit" + tile + " --set fit.tiles=1 --set array.differential=none --out " + single.string())
                .status == 0);
    const auto refused = kirchhoff_run(run + " --tables " + single.string());
    CHECK(refused.status == 2);
    CHECK_THAT(refused.out, ContainsSubstring("array.differential"));
}

TEST_CASE("kirchhoff run --set attention.on_crossbars=true on the shipped model (ideal engine)", "[analog][cli]") {
    const auto r = kirchhoff_run("run --set attention.on_crossbars=true --tokens 32 --engine ideal --json");
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.stdout_only);
    // models/plain: 5 blocks x 7 layers + classifier, then scores and values per block; 264
    // linear tiles of 64 x 64 and, per block and kv head (4), K^T and V over 256 positions:
    // 4 + 4 tiles.
    REQUIRE(j["validation"].size() == 5 * 7 + 1 + 2 * 5);
    CHECK(j["validation"][36]["layer"] == "layers.0.attn.scores");
    CHECK(j["validation"][45]["layer"] == "layers.4.attn.values");
    CHECK(j["tiles"].get<int>() == 264 + 5 * 4 * 8);
    const double digital = j["ppl_digital"].get<double>(), analog = j["ppl_analog"].get<double>();
    CHECK(std::abs(analog / digital - 1) < 0.1);  // 8-bit converters everywhere: close, not equal
}

TEST_CASE("kirchhoff run --set attention.on_crossbars=true --tokens 32 (surrogate engine)", "[analog][cli][slow]") {
    // A 64-token calibration set: the surrogate rebuilds the written K/V tiles every token (3
    // tokens/s), so the default 256 would add minutes.
    const auto r = kirchhoff_run("run --set attention.on_crossbars=true --tokens 32 --set calibration.tokens=64 --json");
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.stdout_only);
    CHECK(j["engine"] == "surrogate");
    CHECK(j["validation"].size() == 5 * 7 + 1 + 2 * 5);
    const double digital = j["ppl_digital"].get<double>(), analog = j["ppl_analog"].get<double>();
    CHECK(std::abs(analog / digital - 1) < 0.1);
}

TEST_CASE("kirchhoff run: the flags are the run.* keys, from --set or --config alike; --help from the table",
          "[analog][cli]") {
    const fs::path d = write_tiny_model();
    const std::string hw = " --set calibration.text=" + (d / "calibration.txt").string() +
                           " --set calibration.tokens=40 --set array.rows=16 --set array.cols=16 --json";
    const auto flags = kirchhoff_run("run --model " + (d / "model.bin").string() + " --text " + (d / "text.txt").string() +
                                     " --tokens 24 --engine ideal --validate-fraction 0.5 --validate-inline" + hw);
    const auto sets = kirchhoff_run("run --set run.model=" + (d / "model.bin").string() + " --set run.text=" +
                                    (d / "text.txt").string() +
                                    " --set run.tokens=24 --set run.engine=ideal --set run.validate_fraction=0.5"
                                    " --set run.validate_in_background=false" + hw);
    const fs::path toml = d / "run_keys.toml";
    std::ofstream(toml) << "[run]\nmodel = \"" << (d / "model.bin").string() << "\"\ntext = \"" << (d / "text.txt").string()
                        << "\"\ntokens = 24\nengine = \"ideal\"\nvalidate_fraction = 0.5\n";
    const auto file = kirchhoff_run("run --config " + toml.string() + " --validate-inline" + hw);
    INFO(flags.out << sets.out << file.out);
    REQUIRE(flags.status == 0);
    REQUIRE(sets.status == 0);
    REQUIRE(file.status == 0);
    auto a = nlohmann::json::parse(flags.stdout_only), b = nlohmann::json::parse(sets.stdout_only),
         c = nlohmann::json::parse(file.stdout_only);
    CHECK(a["tokens"] == 24);
    CHECK(a["engine"] == "ideal");
    for (const char* key : {"ppl_digital", "ppl_analog", "validation", "logit_effect"}) {
        INFO(key);
        CHECK(a[key] == b[key]);
        CHECK(a[key] == c[key]);
    }
    // The effective configuration names each flag as its value's source.
    CHECK_THAT(flags.out, ContainsSubstring("tokens = 24") && ContainsSubstring("--tokens"));
    // A flag given after --set wins.
    const auto later = kirchhoff_run("run --model " + (d / "model.bin").string() + " --text " + (d / "text.txt").string() +
                                     " --set run.tokens=16 --tokens 24 --engine ideal --validate-fraction 0" + hw);
    REQUIRE(later.status == 0);
    CHECK(nlohmann::json::parse(later.stdout_only)["tokens"] == 24);
    // --help: each flag's meaning, key, default and allowed values come from the run.* table.
    const auto help = kirchhoff_run("run --help");
    CHECK(help.status == 0);
    CHECK_THAT(help.out, ContainsSubstring("score the first N tokens of the text, 0 for all (--set run.tokens; "
                                           "default 256, allowed [0, 1073741824])"));
    CHECK_THAT(help.out, ContainsSubstring("(--set run.validate_in_background=false)"));
    CHECK_THAT(help.out, ContainsSubstring("run.logit_effect"));  // in the key listing
}
