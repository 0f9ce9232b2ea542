// Loading, checking and splitting the training corpus.
#include "training/corpus.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "io/data_dir.hpp"
#include "params/error.hpp"
#include "training/sha256.hpp"

namespace kirchhoff::training {

std::filesystem::path vendored_corpus_path() {  // data/ in io::data_dir(), else the shared copy beside it
    const std::filesystem::path root = io::data_dir();
    const std::filesystem::path vendored = root / "data" / "tinyshakespeare.txt";
    const std::filesystem::path shared = root / ".." / "shared" / "data" / "tinyshakespeare.txt";
    return !std::filesystem::exists(vendored) && std::filesystem::exists(shared) ? shared : vendored;
}

std::int64_t heldout_split(std::int64_t bytes) { return bytes * 9 / 10; }

Corpus load_corpus(const std::filesystem::path& given, std::string_view expected_sha256) {
    Corpus c;
    const bool vendored = given.empty();
    c.path = vendored ? vendored_corpus_path() : given;
    std::ifstream in(c.path, std::ios::binary);
    if (!in)
        throw InputError(fmt::format("{}: cannot read the training corpus{}", c.path.string(),
                                     vendored ? " (the vendored copy belongs in data/)" : ""));
    std::ostringstream ss;
    ss << in.rdbuf();
    c.text = ss.str();
    c.sha256 = sha256_hex(c.text);
    if (vendored) expected_sha256 = tinyshakespeare_sha256;
    if (!expected_sha256.empty() && c.sha256 != expected_sha256)
        throw InputError(fmt::format("{}: SHA-256 is {} ({} bytes), expected {}{}", c.path.string(), c.sha256,
                                     c.text.size(), expected_sha256,
                                     vendored ? " (the vendored tiny-shakespeare, 1,115,394 bytes); restore it from git "
                                                "or from ../shared/data/"
                                              : ""));
    c.split = heldout_split(static_cast<std::int64_t>(c.text.size()));
    if (vendored && c.split != tinyshakespeare_split)
        throw std::logic_error("training corpus split is not at the stated byte offset 1,003,854");
    if (c.split < 2 || static_cast<std::int64_t>(c.text.size()) - c.split < 2)
        throw InputError(fmt::format("{}: {} bytes are too few to split 90/10 into training and held-out text",
                                     c.path.string(), c.text.size()));
    c.tokenizer = tokenizers::CharTokenizer::from_corpus(c.text);
    const std::string_view all(c.text);
    c.train = c.tokenizer.encode(all.substr(0, static_cast<std::size_t>(c.split)));
    c.heldout = c.tokenizer.encode(all.substr(static_cast<std::size_t>(c.split)));
    return c;
}

}  // namespace kirchhoff::training
