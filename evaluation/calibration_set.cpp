// The calibration set of an analog evaluation (calibration_set.hpp).
#include "evaluation/calibration_set.hpp"

#include <chrono>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "analog/analog_config.hpp"
#include "evaluation/model_inputs.hpp"
#include "evaluation/pass_progress.hpp"
#include "io/input_file.hpp"
#include "params/error.hpp"
#include "training/corpus.hpp"
#include "transformer/perplexity.hpp"

namespace kirchhoff::evaluation {

namespace fs = std::filesystem;

namespace {

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

}  // namespace

CalibrationSet calibration_set(const params::Config& config, const tokenizers::Tokenizer& tok,
                               const std::string& scored_text_flag) {
    const analog::AnalogConfig a = analog::analog_config(config);
    CalibrationSet set;
    if (a.calibration_tokens == 0) return set;
    const bool corpus = a.calibration_text.empty();
    const fs::path path = corpus ? training::vendored_corpus_path() : fs::path(a.calibration_text);
    const std::string key = fmt::format("calibration.text = \"{}\" ({})", a.calibration_text, config.source("calibration.text"));
    // The scored text must not be the calibration text: the default scored text is the held-out
    // tail of the corpus (disjoint from its training split); a --text file is read from its start.
    const fs::path scored = scored_text_flag.empty() ? fs::path() : fs::path(scored_text_flag);
    if (!scored.empty() && same_file(scored, path))
        throw InputError(fmt::format("{}: the calibration set would be the scored text ({}, run.text / --text); "
                                     "give calibration.text another file, or set calibration.tokens = 0",
                                     corpus ? fmt::format("calibration.text = \"\" (the corpus {})", path.string()) : key,
                                     scored.string()));
    std::string text;
    try {
        text = io::read_text_file(path, "calibration.text");
    } catch (const InputError& e) {
        throw InputError(fmt::format("{}: {}", key, e.what()));
    }
    const std::size_t most = std::size_t(a.calibration_tokens) * 16;  // bytes enough for the tokens asked
    std::size_t end = text.size();
    if (corpus) end = static_cast<std::size_t>(training::heldout_split(static_cast<std::int64_t>(text.size())));  // the training split
    text = text.substr(0, std::min(end, most));
    if (auto bos = tok.bos()) set.tokens.push_back(*bos);
    try {
        for (int t : tok.encode(text)) set.tokens.push_back(t);
    } catch (const std::exception& e) {
        throw InputError(fmt::format("{}: {} cannot be encoded by the model's tokenizer ({}); give calibration.text "
                                     "a text in its alphabet",
                                     key, path.string(), e.what()));
    }
    if (long(set.tokens.size()) < a.calibration_tokens)
        throw InputError(fmt::format("calibration.tokens = {} ({}): {} holds only {} tokens{}; allowed: at most that "
                                     "many, or a longer calibration.text",
                                     a.calibration_tokens, config.source("calibration.tokens"), path.string(),
                                     set.tokens.size(), corpus ? " in its training split" : ""));
    set.tokens.resize(std::size_t(a.calibration_tokens));
    set.source = corpus ? fmt::format("{} (training split, from byte 0)", path.string()) : path.string();
    return set;
}

void CalibrationPass::count(const analog::AnalogBackend& backend, int layers) {
    mvms = backend.calibration_mvms();
    mvms_per_layer = layers > 0 ? mvms / layers : 0;
    attention_mvms = backend.attention_calibration_mvms();
}

nlohmann::json CalibrationPass::to_json() const {
    return {{"tokens", tokens},       {"source", source},         {"mvms", mvms},
            {"mvms_per_layer", mvms_per_layer}, {"attention_mvms", attention_mvms}, {"seconds", seconds}};
}

CalibrationPass calibrate(const transformer::Model& model, analog::AnalogBackend& backend, const CalibrationSet& set) {
    CalibrationPass pass;
    const analog::AnalogConfig& c = backend.options().config;
    if (set.tokens.empty()) {
        pass.source = fmt::format("the first adc.calibration_mvms = {} MVMs of each layer of the scored run{} "
                                  "(calibration.tokens = 0)",
                                  c.adc_calibration_mvms,
                                  c.attention_on_crossbars
                                      ? fmt::format(", attention: its first attention.adc_calibration_tokens = {} tokens",
                                                    c.attention_adc_calibration_tokens)
                                      : std::string());
        return pass;
    }
    backend.prepare(model);  // programming the tiles is not the calibration's time
    const auto t0 = std::chrono::steady_clock::now();
    backend.begin_calibration();
    PassProgress progress("calibration set", std::int64_t(set.tokens.size()) - 1);
    std::int64_t seen = 0;
    transformer::PerplexityOptions po;
    po.on_scored = [&](std::int64_t, std::span<const float>) { progress.scored(++seen); };
    transformer::perplexity<float>(model, backend, set.tokens, po);  // the forward steps; the score is not used
    backend.end_calibration();
    pass.tokens = long(set.tokens.size());
    pass.source = set.source;
    pass.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    pass.count(backend, int(model.linear_layers().size()));
    return pass;
}

}  // namespace kirchhoff::evaluation
