// Reads safetensors files: an 8-byte little-endian header length N, N bytes of JSON, then the
// raw little-endian arrays.
//
// Header: {"__metadata__": {"key": "value", ...},            (optional, strings only)
//          "NAME": {"dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END]}, ...}
// with offsets relative to the first byte after the header. The file is memory-mapped and
// validated strictly on open: header length within the file, valid JSON object, known dtypes,
// shape x dtype size equal to END - BEGIN, offsets inside the data buffer, tensors neither
// overlapping nor leaving gaps (the buffer is exactly covered), no trailing bytes. Every
// error is an InputError naming the file, the tensor and what is wrong.
//
// Not here: what the tensors mean (checkpoint loaders and surrogate tables decide that).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/dtype.hpp"
#include "io/mapped_file.hpp"

namespace kirchhoff::io {

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;  // outermost first (row-major); empty for a scalar
    std::uint64_t begin = 0;          // byte offsets into the data buffer, [begin, end)
    std::uint64_t end = 0;

    std::uint64_t numel() const;
};

/// "[2, 3]"
std::string shape_str(std::span<const std::int64_t> shape);

class SafetensorsReader {
public:
    /// Maps and validates `path`; InputError on any defect.
    explicit SafetensorsReader(std::filesystem::path path);

    const std::filesystem::path& path() const { return path_; }
    /// Every tensor, in data-buffer order.
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    /// The "__metadata__" map (empty when absent).
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    /// nullptr when there is no tensor of that name.
    const TensorInfo* find(std::string_view name) const;
    /// The tensor, or an InputError naming the file and the missing tensor.
    const TensorInfo& require(std::string_view name) const;
    /// Checks the shape; InputError naming file, tensor, found and expected shapes.
    const TensorInfo& require(std::string_view name,
                              std::span<const std::int64_t> expected_shape) const;

    /// The raw little-endian bytes of a tensor (valid while the reader lives).
    std::span<const std::byte> bytes(const TensorInfo& t) const;

    /// Elements converted to float or double (any dtype; 64-bit integers above 2^53 and
    /// doubles outside float range lose precision or overflow). Optionally shape-checked.
    std::vector<float> read_f32(std::string_view name) const;
    std::vector<float> read_f32(std::string_view name,
                                std::span<const std::int64_t> expected_shape) const;
    std::vector<double> read_f64(std::string_view name) const;
    std::vector<double> read_f64(std::string_view name,
                                 std::span<const std::int64_t> expected_shape) const;
    /// Elements of an integer tensor (I8..I64, U8..U64, BOOL); InputError for float dtypes.
    std::vector<std::int64_t> read_i64(std::string_view name) const;

    /// Largest header this reader accepts (the reference implementation's limit).
    static constexpr std::uint64_t max_header_bytes = 100'000'000;

private:
    void parse_header(std::string_view header_text, std::uint64_t buffer_bytes);

    std::filesystem::path path_;
    MappedFile file_;
    std::uint64_t data_start_ = 0;  // 8 + header length
    std::vector<TensorInfo> tensors_;
    std::map<std::string, std::size_t, std::less<>> index_;  // name -> position in tensors_
    std::map<std::string, std::string> metadata_;
};

}  // namespace kirchhoff::io
