// Incremental decoding for printing generated text (text_stream.hpp).
#include "tokenizers/text_stream.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::tokenizers {

std::string TextStream::push(std::span<const int> tokens) {
    tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
    std::string all = tokenizer_.decode(tokens_);
    if (all.compare(0, printed_.size(), printed_) != 0)
        throw std::logic_error(fmt::format("TextStream: the {} tokenizer's decode of {} tokens does not extend that of "
                                           "the tokens before them",
                                           tokenizer_.kind(), tokens_.size()));
    std::string added = all.substr(printed_.size());
    printed_ = std::move(all);
    return added;
}

}  // namespace kirchhoff::tokenizers
