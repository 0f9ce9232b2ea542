// safetensors serialisation.
#include "io/safetensors_writer.hpp"

#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "io/safetensors_reader.hpp"
#include "params/error.hpp"

namespace kirchhoff::io {

void SafetensorsWriter::set_metadata(const std::string& key, const std::string& value) {
    metadata_[key] = value;
}

void SafetensorsWriter::add_bytes(const std::string& name, DType dtype,
                                  std::vector<std::int64_t> shape,
                                  std::span<const std::byte> data) {
    if (name.empty() || name == "__metadata__")
        throw std::invalid_argument(fmt::format("safetensors: invalid tensor name '{}'", name));
    for (const Pending& p : tensors_)
        if (p.name == name)
            throw std::invalid_argument(fmt::format("safetensors: tensor '{}' added twice", name));
    std::uint64_t n = dtype_size(dtype);
    for (std::int64_t d : shape) {
        if (d < 0)
            throw std::invalid_argument(
                fmt::format("safetensors: tensor '{}': negative dimension in {}", name,
                            shape_str(shape)));
        n *= static_cast<std::uint64_t>(d);
    }
    if (n != data.size())
        throw std::invalid_argument(fmt::format(
            "safetensors: tensor '{}': shape {} x {} needs {} bytes, got {}", name,
            shape_str(shape), dtype_name(dtype), n, data.size()));
    tensors_.push_back({name, dtype, std::move(shape), {data.begin(), data.end()}});
}

void SafetensorsWriter::add_as(const std::string& name, DType dtype,
                               std::vector<std::int64_t> shape, std::span<const float> data) {
    switch (dtype) {
        case DType::F32: add<float>(name, std::move(shape), data); return;
        case DType::F64: {
            const std::vector<double> d(data.begin(), data.end());
            add<double>(name, std::move(shape), d);
            return;
        }
        case DType::F16:
        case DType::BF16: {
            std::vector<std::uint16_t> h(data.size());
            for (std::size_t i = 0; i < data.size(); ++i)
                h[i] = dtype == DType::F16 ? float_to_half(data[i]) : float_to_bf16(data[i]);
            add_bytes(name, dtype, std::move(shape),
                      std::as_bytes(std::span<const std::uint16_t>(h)));
            return;
        }
        default:
            throw std::invalid_argument(fmt::format(
                "safetensors: tensor '{}': add_as converts floats to F16, BF16, F32 or F64, not {}",
                name, dtype_name(dtype)));
    }
}

std::string SafetensorsWriter::header_json() const {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata_.empty()) header["__metadata__"] = metadata_;
    std::uint64_t offset = 0;
    for (const Pending& p : tensors_) {
        header[p.name] = {{"dtype", dtype_name(p.dtype)},
                          {"shape", p.shape},
                          {"data_offsets", {offset, offset + p.data.size()}}};
        offset += p.data.size();
    }
    return header.dump();
}

void SafetensorsWriter::write(const std::filesystem::path& path) const {
    std::string header = header_json();
    header.append((8 - header.size() % 8) % 8, ' ');
    const std::uint64_t header_len = header.size();

    AtomicFile out(path);
    out.write(std::string_view(reinterpret_cast<const char*>(&header_len), sizeof header_len));
    out.write(header);
    for (const Pending& p : tensors_)
        out.write(std::string_view(reinterpret_cast<const char*>(p.data.data()), p.data.size()));
    out.commit();
}

}  // namespace kirchhoff::io
