// Errors for bad input: a configuration, a CLI flag, a file, a parameter value.
//
// InputError is what the `kirchhoff` program turns into a one-line message and exit code 2.
// Its text always names where the bad value came from (file and line, or the flag), the
// parameter, the value and what would have been accepted.
#pragma once

#include <stdexcept>
#include <string>

namespace kirchhoff {

class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace kirchhoff
