// The character-level training corpus: the vendored tiny-shakespeare text (data/,
// provenance in its README), checked by SHA-256 at load, split into a training part and a
// held-out part at a stated byte offset, and tokenized with a CharTokenizer built from the
// whole text (its 65 distinct bytes).
//
// Split: the first 90% of the bytes train, the last 10% are held out, at
// floor(0.9 * size) = floor(0.9 * 1,115,394) = 1,003,854 for the vendored file (checked at
// load). Another corpus (data.corpus) is split the same way, at floor(0.9 * its size).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/char_tokenizer.hpp"

namespace kirchhoff::training {

inline constexpr std::string_view tinyshakespeare_sha256 =
    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed";
inline constexpr std::int64_t tinyshakespeare_bytes = 1'115'394;
inline constexpr std::int64_t tinyshakespeare_split = 1'003'854;  // floor(0.9 * 1,115,394)

/// Where the vendored copy lives: data/tinyshakespeare.txt in io::data_dir() (the source tree,
/// or the installed Python package's copy), else ../shared/data/ beside that folder when only
/// the shared copy exists (the first path when neither does). Training and `kirchhoff run`'s
/// default text both read this one path.
std::filesystem::path vendored_corpus_path();

struct Corpus {
    std::filesystem::path path;
    std::string text;
    std::string sha256;
    std::int64_t split = 0;  // bytes [0, split) train, [split, size) held out
    tokenizers::CharTokenizer tokenizer{std::vector<unsigned char>{0}};  // set by load_corpus
    std::vector<int> train;    // tokens of text[0, split)
    std::vector<int> heldout;  // tokens of text[split, size)
};

/// Loads `path` ("" = the vendored corpus, whose SHA-256 must be tinyshakespeare_sha256).
/// With `expected_sha256` non-empty the file's hash must equal it: InputError naming the
/// file, the expected and the found hash otherwise. InputError for an unreadable file or one
/// too short to split.
Corpus load_corpus(const std::filesystem::path& path = {}, std::string_view expected_sha256 = {});

/// floor(0.9 * bytes).
std::int64_t heldout_split(std::int64_t bytes);

}  // namespace kirchhoff::training
