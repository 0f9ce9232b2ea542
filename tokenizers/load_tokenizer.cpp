// load_tokenizer: picks the tokenizer kind from what the path holds.
#include <fstream>

#include <fmt/format.h>

#include "params/error.hpp"
#include "tokenizers/bpe_tokenizer.hpp"
#include "tokenizers/char_tokenizer.hpp"
#include "tokenizers/llama2c_tokenizer.hpp"
#include "tokenizers/tokenizer.hpp"

namespace kirchhoff::tokenizers {

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path, int vocab_size) {
    namespace fs = std::filesystem;
    if (fs::is_directory(path)) {
        if (fs::exists(path / "tokenizer.json"))
            return std::make_unique<BpeTokenizer>(
                BpeTokenizer::from_tokenizer_json(path / "tokenizer.json"));
        if (fs::exists(path / "vocab.json") && fs::exists(path / "merges.txt"))
            return std::make_unique<BpeTokenizer>(
                BpeTokenizer::from_vocab_merges(path / "vocab.json", path / "merges.txt"));
        throw InputError(fmt::format(
            "{}: no tokenizer.json, and no vocab.json + merges.txt, in this directory",
            path.string()));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(fmt::format("{}: cannot open", path.string()));
    char first = 0;
    in >> first;  // skips white space
    if (first == '{') {
        std::string head(4096, '\0');
        in.seekg(0);
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<std::size_t>(in.gcount()));
        if (head.find("\"kirchhoff_tokenizer\"") != std::string::npos)
            return std::make_unique<CharTokenizer>(CharTokenizer::load(path));
        return std::make_unique<BpeTokenizer>(BpeTokenizer::from_tokenizer_json(path));
    }
    return std::make_unique<Llama2cTokenizer>(Llama2cTokenizer::load(path, vocab_size));
}

}  // namespace kirchhoff::tokenizers
