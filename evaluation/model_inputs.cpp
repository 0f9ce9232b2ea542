// Model, tokenizer, text and analog backend setup for `run` and `generate` (model_inputs.hpp).
#include "evaluation/model_inputs.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analog/analog_config.hpp"
#include "cosim/ngspice_session.hpp"
#include "cosim/surrogate_model.hpp"
#include "io/data_dir.hpp"
#include "io/input_file.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/error.hpp"
#include "training/corpus.hpp"
#include "transformer/hf_checkpoint.hpp"
#include "transformer/llama2c.hpp"

namespace kirchhoff::evaluation {

namespace fs = std::filesystem;

std::string default_model_path() { return (io::data_dir() / "models" / "plain" / "model.bin").string(); }

transformer::Model load_model(const fs::path& path) {
    if (fs::is_directory(path)) return transformer::load_hf(path);
    if (!fs::exists(path)) throw InputError(fmt::format("--model {}: no such file or folder", path.string()));
    return transformer::load_llama2c(path);
}

std::vector<int> end_of_sequence_tokens(const fs::path& model, const tokenizers::Tokenizer& tokenizer, int vocab_size) {
    std::vector<int> out;
    if (!fs::is_directory(model)) {  // llama2.c
        if (auto bos = tokenizer.bos()) out.push_back(*bos);
        return out;
    }
    for (const char* name : {"generation_config.json", "config.json"}) {
        const fs::path file = model / name;
        if (!fs::exists(file)) continue;
        const nlohmann::json j = io::read_json_file(file, "model configuration");
        if (!j.is_object() || !j.contains("eos_token_id") || j["eos_token_id"].is_null()) continue;
        const nlohmann::json& e = j["eos_token_id"];
        for (const nlohmann::json& id : e.is_array() ? e : nlohmann::json::array({e})) {
            if (!id.is_number_integer() || id.get<long long>() < 0 || id.get<long long>() >= vocab_size)
                throw InputError(fmt::format("{}: eos_token_id {}: not a token id in [0, {})", file.string(), id.dump(),
                                             vocab_size));
            out.push_back(id.get<int>());
        }
        return out;
    }
    if (auto eos = tokenizer.eos()) out.push_back(*eos);
    return out;
}

std::unique_ptr<tokenizers::Tokenizer> load_model_tokenizer(const std::string& flag, const fs::path& model,
                                                             int vocab_size) {
    if (!flag.empty()) return tokenizers::load_tokenizer(flag, vocab_size);
    const fs::path dir = fs::is_directory(model) ? model : model.parent_path();
    for (const char* name : {"tokenizer.json", "tokenizer.bin"})
        if (fs::exists(dir / name)) return tokenizers::load_tokenizer(dir / name, vocab_size);
    throw InputError(fmt::format("--tokenizer: none given and no tokenizer.json or tokenizer.bin in {}",
                                 dir.empty() ? "." : dir.string()));
}

std::size_t held_out_start(const std::string& text) {
    const auto start = static_cast<std::size_t>(training::heldout_split(static_cast<std::int64_t>(text.size())));
    const std::size_t line = text.find('\n', start);
    return line == std::string::npos ? start : line + 1;
}

std::vector<int> text_tokens(const std::string& flag, const tokenizers::Tokenizer& tok, int max_tokens,
                             std::string* source) {
    const fs::path path = flag.empty() ? training::vendored_corpus_path() : fs::path(flag);
    std::string text;
    try {
        text = io::read_text_file(path, "text");
    } catch (const InputError& e) {
        throw InputError(fmt::format("{} {}{}", flag.empty() ? "default text:" : "--text:", e.what(),
                                     flag.empty() ? " (give a text file with --text)" : ""));
    }
    if (flag.empty()) {  // held-out tail: the training corpus's held-out split, from its first line start
        const std::size_t start = held_out_start(text);
        text = text.substr(start, std::size_t(max_tokens > 0 ? max_tokens * 16 : std::string::npos));
        if (source) *source = fmt::format("{} (held-out tail from byte {})", path.string(), start);
    } else if (source) {
        *source = path.string();
    }
    std::vector<int> tokens;
    if (auto bos = tok.bos()) tokens.push_back(*bos);
    for (int t : tok.encode(text)) tokens.push_back(t);
    if (max_tokens > 0 && int(tokens.size()) > max_tokens) tokens.resize(std::size_t(max_tokens));
    if (tokens.size() < 2) throw InputError(fmt::format("{}: fewer than 2 tokens to score", path.string()));
    return tokens;
}

analog::AnalogOptions analog_options(const params::Config& config, cosim::Engine engine,
                                     const std::string& tables_path) {
    analog::AnalogOptions o;
    o.config = analog::analog_config(config);
    o.engine = engine;
    o.surrogate = cosim::surrogate_options(config);
    const bool device = o.config.crossbar.device_preset != "linear";
    if (!tables_path.empty()) {
        const cosim::SurrogateModel m = cosim::load_surrogate(tables_path);
        cosim::check_compatible(m, o.config.crossbar, tables_path);
        o.response = m.response;
        o.v_star_volt = m.v_star_volt;
    } else if (device && engine == cosim::Engine::surrogate) {
        fmt::print(stderr, "fitting a surrogate for device.preset = {} (ngspice; give --tables FILE to reuse one)\n",
                   o.config.crossbar.device_preset);
        params::Config fit(cosim::surrogate_fit_schema());
        const params::Schema tile = netlists::crossbar_schema();  // alive through the loop: keys() is a reference
        for (const params::Key& k : tile.keys()) fit.copy_from(config, k.name);
        for (const auto& row : cosim::surrogate_keys().rows()) fit.copy_from(config, row.key.name);
        cosim::NgspiceSession session;
        const cosim::SurrogateModel m = cosim::fit_surrogate(fit, session);
        o.response = m.response;
        o.v_star_volt = m.v_star_volt;
    }
    return o;
}

}  // namespace kirchhoff::evaluation
