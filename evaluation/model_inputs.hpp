// The inputs of a model evaluation (`kirchhoff run`, `generate`, `sweep`): the model, its
// tokenizer, the text to score, and the analog backend an engine and the configuration
// describe (with the surrogate's cell response from a table file, an in-process fit, or ohmic
// cells).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "analog/analog_backend.hpp"
#include "tokenizers/tokenizer.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::evaluation {

/// The model `kirchhoff run` and `generate` use without --model: the shipped plain model
/// (models/README.md) in io::data_dir(), with its char tokenizer beside it.
std::string default_model_path();

/// A llama2.c .bin file, or a folder with a Hugging Face config.json. InputError otherwise.
transformer::Model load_model(const std::filesystem::path& path);

/// --tokenizer, or the first of tokenizer.json, tokenizer.bin beside the model. InputError
/// naming where it looked when there is none.
std::unique_ptr<tokenizers::Tokenizer> load_model_tokenizer(const std::string& tokenizer_flag,
                                                             const std::filesystem::path& model_path,
                                                             int vocab_size);

/// The tokens that end a generated sequence, by the model's convention: for a llama2.c .bin the
/// tokenizer's BOS (llama2.c's run.c stops at BOS: "the BOS (=1) token delimits sequences");
/// for a Hugging Face folder the eos_token_id (one id or a list) of its generation_config.json,
/// else of its config.json, else the tokenizer's EOS. InputError naming the file for an id
/// outside the vocabulary or a value that is not one.
std::vector<int> end_of_sequence_tokens(const std::filesystem::path& model_path, const tokenizers::Tokenizer& tokenizer,
                                        int vocab_size);

/// Where the scored held-out tail of the corpus `text` starts: the first line start at or after
/// training::heldout_split(size) (floor(0.9 size), the one split training uses: the shipped
/// models train on the bytes before it). tiny-shakespeare: split 1,003,854, scored from 1,003,856.
std::size_t held_out_start(const std::string& text);

/// Tokens to score: the first `max_tokens` (0: all) tokens of --text, or without --text of the
/// held-out tail (last 10%, from its first line start) of the vendored tiny-shakespeare corpus
/// (training::vendored_corpus_path()).
/// BOS first when the tokenizer has one. InputError naming the file.
std::vector<int> text_tokens(const std::string& text_flag, const tokenizers::Tokenizer& tokenizer, int max_tokens,
                             std::string* source);

/// The backend for `engine` (ideal, surrogate, nodal) under `config` (analog_schema keys).
/// For the surrogate engine with device cells the response comes from `tables_path`
/// (checked with cosim::check_compatible) or, without it, from cosim::fit_surrogate.
analog::AnalogOptions analog_options(const params::Config& config, cosim::Engine engine,
                                     const std::string& tables_path);

}  // namespace kirchhoff::evaluation
