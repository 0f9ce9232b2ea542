// SHA-256 (FIPS 180-4) of a byte string, as lower-case hex: used to check that the vendored
// training corpus is the file its provenance names. Not here: streaming, other hashes.
#pragma once

#include <string>
#include <string_view>

namespace kirchhoff::training {

std::string sha256_hex(std::string_view bytes);

}  // namespace kirchhoff::training
