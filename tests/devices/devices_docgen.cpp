// devices_docgen: rewrites the generated regions of devices/README.md (parameter and preset
// tables) and devices/va/*.va (parameter declarations) from the C++ parameter tables.
// Usage: devices_docgen [SOURCE_DIR]   (default: the source tree it was built from)
// test_docs.cpp fails until this has been run after a change to a parameter table.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "devices/docs.hpp"

using namespace kirchhoff::devices;

namespace {
bool rewrite(const std::string& path, const std::string& begin, const std::string& end,
             const std::string& text) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "devices_docgen: cannot read %s\n", path.c_str());
        return false;
    }
    std::stringstream s;
    s << in.rdbuf();
    std::string content = s.str();
    if (!replace_generated(content, begin, end, text)) {
        std::fprintf(stderr, "devices_docgen: %s has no '%s' ... '%s' region\n", path.c_str(),
                     begin.c_str(), end.c_str());
        return false;
    }
    std::ofstream(path) << content;
    return true;
}
}  // namespace

int main(int argc, char** argv) {
    const std::string root = (argc > 1 ? std::string(argv[1]) : std::string(KIRCHHOFF_SOURCE_DIR)) + "/devices/";
    bool ok = true;
    for (const ModelDoc& m : model_docs()) {
        ok &= rewrite(root + "README.md", "<!-- BEGIN GENERATED parameters " + m.model + " -->", "<!-- END GENERATED",
                      markdown_parameter_table(m.parameters));
        if (!m.va_file.empty())
            ok &= rewrite(root + m.va_file, "// BEGIN GENERATED PARAMETERS", "// END GENERATED PARAMETERS",
                          verilog_a_parameters(m.parameters));
    }
    ok &= rewrite(root + "README.md", "<!-- BEGIN GENERATED presets -->", "<!-- END GENERATED",
                  markdown_preset_table());
    return ok ? 0 : 1;
}
