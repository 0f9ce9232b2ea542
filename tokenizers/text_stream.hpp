// Printing generated text token by token so that what is printed adds up to the decode of the
// whole sequence. Decoding one token at a time does not: a llama2.c or sentencepiece decode
// drops the leading space of the first piece of each call (the dummy prefix), so every
// word-initial token would lose its space. TextStream decodes the whole sequence each time and
// hands out what was added since the last call: O(n) per token, n <= seq_len.
#pragma once

#include <string>
#include <vector>

#include "tokenizers/tokenizer.hpp"

namespace kirchhoff::tokenizers {

class TextStream {
public:
    explicit TextStream(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
    /// Appends `tokens` and returns the text they add: decode(all) minus what was returned
    /// before. std::logic_error if the tokenizer's decode of the longer sequence does not
    /// start with that of the shorter one (all of Kirchhoff's tokenizers' decodes do).
    std::string push(std::span<const int> tokens);
    /// Everything returned so far: decode of every token pushed.
    const std::string& text() const { return printed_; }

private:
    const Tokenizer& tokenizer_;
    std::vector<int> tokens_;
    std::string printed_;
};

}  // namespace kirchhoff::tokenizers
