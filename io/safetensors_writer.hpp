// Writes safetensors files (the format SafetensorsReader describes).
//
// Tensors are laid out back to back in the order they were added (the format forbids gaps);
// the header is padded with spaces to a multiple of 8 bytes so that the buffer starts 8-byte
// aligned. The file is written atomically (io/atomic_file.hpp: a temporary file beside it, fsync,
// rename), so a reader never sees a half-written file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "io/dtype.hpp"

namespace kirchhoff::io {

class SafetensorsWriter {
public:
    /// Adds a "__metadata__" entry (axes, units, provenance, ...).
    void set_metadata(const std::string& key, const std::string& value);

    /// Adds a tensor from raw little-endian bytes (copied). std::invalid_argument when the
    /// name repeats, is "__metadata__" or empty, or the byte count does not match the shape.
    void add_bytes(const std::string& name, DType dtype, std::vector<std::int64_t> shape,
                   std::span<const std::byte> data);

    /// Adds a typed tensor: float -> F32, double -> F64, std::int32_t -> I32, ...
    template <class T>
    void add(const std::string& name, std::vector<std::int64_t> shape, std::span<const T> data) {
        add_bytes(name, dtype_of<T>(), std::move(shape), std::as_bytes(data));
    }
    template <class T>
    void add(const std::string& name, std::vector<std::int64_t> shape, const std::vector<T>& data) {
        add<T>(name, std::move(shape), std::span<const T>(data));
    }
    /// Adds float data stored as F16 or BF16 (rounded to nearest even) or F32/F64.
    void add_as(const std::string& name, DType dtype, std::vector<std::int64_t> shape,
                std::span<const float> data);

    /// Header JSON text (unpadded) as it will be written.
    std::string header_json() const;
    /// Writes the file whole or not at all (io/atomic_file.hpp): InputError when `path` is not a
    /// regular file, std::runtime_error naming it when the write fails (disk full, ...).
    void write(const std::filesystem::path& path) const;

private:
    struct Pending {
        std::string name;
        DType dtype;
        std::vector<std::int64_t> shape;
        std::vector<std::byte> data;
    };
    std::vector<Pending> tensors_;
    std::map<std::string, std::string> metadata_;
};

}  // namespace kirchhoff::io
