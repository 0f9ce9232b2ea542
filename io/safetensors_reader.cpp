// safetensors parsing and validation.
#include "io/safetensors_reader.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/input_file.hpp"
#include "params/error.hpp"

namespace kirchhoff::io {

namespace {

using nlohmann::json;

std::uint64_t load_u64_le(const std::byte* p) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return v;
}

std::string offsets_str(const TensorInfo& t) { return fmt::format("[{}, {}]", t.begin, t.end); }

}  // namespace

std::uint64_t TensorInfo::numel() const {
    std::uint64_t n = 1;
    for (std::int64_t d : shape) n *= static_cast<std::uint64_t>(d);
    return n;
}

std::string shape_str(std::span<const std::int64_t> shape) {
    return fmt::format("[{}]", fmt::join(shape, ", "));
}

SafetensorsReader::SafetensorsReader(std::filesystem::path path)
    : path_(std::move(path)), file_(path_) {
    const std::string file = path_.string();
    const std::uint64_t size = file_.size();
    if (size < 8)
        throw InputError(fmt::format(
            "{}: not a safetensors file: {} bytes, need at least 8 for the header length",
            file, size));
    const std::uint64_t header_len = load_u64_le(file_.bytes().data());
    if (header_len > max_header_bytes)
        throw InputError(fmt::format(
            "{}: header length {} bytes exceeds the limit of {} bytes (not a safetensors file?)",
            file, header_len, max_header_bytes));
    if (header_len > size - 8)
        throw InputError(fmt::format(
            "{}: header length {} bytes runs past the end of the file ({} bytes after the "
            "length field): truncated file?",
            file, header_len, size - 8));
    if (header_len < 2)
        throw InputError(fmt::format("{}: header length {} bytes is too short for a JSON object",
                                     file, header_len));
    data_start_ = 8 + header_len;
    const auto* header_chars = reinterpret_cast<const char*>(file_.bytes().data() + 8);
    parse_header(std::string_view(header_chars, header_len), size - data_start_);
}

void SafetensorsReader::parse_header(std::string_view text, std::uint64_t buffer_bytes) {
    const std::string file = path_.string();
    if (text.front() != '{')
        throw InputError(fmt::format("{}: header does not start with '{{' (not a safetensors "
                                     "file, or a corrupt header)",
                                     file));
    const json header = parse_json_bounded(text, file + ": header");
    if (!header.is_object())
        throw InputError(fmt::format("{}: header is not a JSON object", file));

    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object())
                throw InputError(fmt::format(
                    "{}: __metadata__ must be an object of strings, found {}", file,
                    entry.type_name()));
            for (const auto& [key, value] : entry.items()) {
                if (!value.is_string())
                    throw InputError(fmt::format(
                        "{}: __metadata__ entry '{}' must be a string, found {}", file, key,
                        value.dump()));
                metadata_[key] = value.get<std::string>();
            }
            continue;
        }
        const auto bad = [&](std::string_view what) {
            return InputError(fmt::format("{}: tensor '{}': {}", file, name, what));
        };
        if (!entry.is_object()) throw bad(fmt::format("entry must be an object, found {}",
                                                      entry.dump()));
        TensorInfo t;
        t.name = name;

        const auto dtype_it = entry.find("dtype");
        if (dtype_it == entry.end() || !dtype_it->is_string())
            throw bad("missing \"dtype\" string");
        const auto dtype = parse_dtype(dtype_it->get<std::string>());
        if (!dtype)
            throw bad(fmt::format("unsupported dtype \"{}\" (allowed: {})",
                                  dtype_it->get<std::string>(), dtype_names_allowed()));
        t.dtype = *dtype;

        const auto shape_it = entry.find("shape");
        if (shape_it == entry.end() || !shape_it->is_array())
            throw bad("missing \"shape\" array");
        for (const json& d : *shape_it) {
            if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
                throw bad(fmt::format("shape {} has an entry that is not a non-negative integer",
                                      shape_it->dump()));
            t.shape.push_back(d.get<std::int64_t>());
        }

        const auto off_it = entry.find("data_offsets");
        if (off_it == entry.end() || !off_it->is_array() || off_it->size() != 2 ||
            !(*off_it)[0].is_number_unsigned() || !(*off_it)[1].is_number_unsigned())
            throw bad("\"data_offsets\" must be [BEGIN, END], two non-negative integers");
        t.begin = (*off_it)[0].get<std::uint64_t>();
        t.end = (*off_it)[1].get<std::uint64_t>();
        if (t.end < t.begin)
            throw bad(fmt::format("data_offsets {} end before they begin", offsets_str(t)));

        // shape x dtype size, with overflow checks
        std::uint64_t expected = dtype_size(t.dtype);
        for (std::int64_t d : t.shape)
            if (__builtin_mul_overflow(expected, static_cast<std::uint64_t>(d), &expected))
                throw bad(fmt::format("shape {} overflows a 64-bit byte count",
                                      shape_str(t.shape)));
        if (expected != t.end - t.begin)
            throw bad(fmt::format(
                "shape {} x {} ({} bytes each) needs {} bytes but data_offsets {} span {} bytes",
                shape_str(t.shape), dtype_name(t.dtype), dtype_size(t.dtype), expected,
                offsets_str(t), t.end - t.begin));
        if (t.end > buffer_bytes)
            throw bad(fmt::format(
                "data_offsets {} run past the end of the data buffer ({} bytes): truncated file?",
                offsets_str(t), buffer_bytes));
        tensors_.push_back(std::move(t));
    }

    // The buffer must be covered exactly: sorted by offset, each tensor starts where the
    // previous one ended (zero-size tensors may sit anywhere on that chain).
    std::stable_sort(tensors_.begin(), tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    std::uint64_t covered = 0;
    const TensorInfo* previous = nullptr;
    for (const TensorInfo& t : tensors_) {
        if (t.begin < covered)
            throw InputError(fmt::format(
                "{}: tensor '{}': data_offsets {} overlap tensor '{}' at {}", file, t.name,
                offsets_str(t), previous->name, offsets_str(*previous)));
        if (t.begin > covered)
            throw InputError(fmt::format(
                "{}: tensor '{}': data_offsets {} leave a gap of {} bytes after {} (the data "
                "buffer must be covered without holes)",
                file, t.name, offsets_str(t), t.begin - covered,
                previous ? fmt::format("tensor '{}'", previous->name) : "the header"));
        covered = t.end;
        if (t.end > t.begin || !previous) previous = &t;
    }
    if (covered != buffer_bytes)
        throw InputError(fmt::format(
            "{}: {} bytes after the last tensor{} (data buffer is {} bytes, tensors cover {}): "
            "corrupt file?",
            file, buffer_bytes - covered,
            previous ? fmt::format(" '{}'", previous->name) : "", buffer_bytes, covered));
    for (std::size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
}

const TensorInfo* SafetensorsReader::find(std::string_view name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& SafetensorsReader::require(std::string_view name) const {
    if (const TensorInfo* t = find(name)) return *t;
    throw InputError(fmt::format("{}: tensor '{}' is missing ({} tensors in the file{})",
                                 path_.string(), name, tensors_.size(),
                                 tensors_.empty() ? "" : fmt::format(", e.g. '{}'",
                                                                     tensors_.front().name)));
}

const TensorInfo& SafetensorsReader::require(std::string_view name,
                                             std::span<const std::int64_t> expected_shape) const {
    const TensorInfo& t = require(name);
    if (!std::equal(t.shape.begin(), t.shape.end(), expected_shape.begin(), expected_shape.end()))
        throw InputError(fmt::format("{}: tensor '{}' has shape {}, expected {}", path_.string(),
                                     name, shape_str(t.shape), shape_str(expected_shape)));
    return t;
}

std::span<const std::byte> SafetensorsReader::bytes(const TensorInfo& t) const {
    return file_.bytes().subspan(data_start_ + t.begin, t.end - t.begin);
}

namespace {

template <class T>
std::vector<T> convert(std::span<const std::byte> raw, DType dtype, std::uint64_t n) {
    std::vector<T> out(n);
    if (dtype == dtype_of<T>()) {
        // A zero-element tensor leaves out.data() null, and memcpy from or to null is undefined
        // even for 0 bytes (UBSan reports it).
        if (!raw.empty()) std::memcpy(out.data(), raw.data(), raw.size());
        return out;
    }
    for (std::uint64_t i = 0; i < n; ++i)
        out[i] = static_cast<T>(element_as_double(raw.data(), dtype, i));
    return out;
}

}  // namespace

std::vector<float> SafetensorsReader::read_f32(std::string_view name) const {
    const TensorInfo& t = require(name);
    return convert<float>(bytes(t), t.dtype, t.numel());
}

std::vector<float> SafetensorsReader::read_f32(std::string_view name,
                                               std::span<const std::int64_t> shape) const {
    const TensorInfo& t = require(name, shape);
    return convert<float>(bytes(t), t.dtype, t.numel());
}

std::vector<double> SafetensorsReader::read_f64(std::string_view name) const {
    const TensorInfo& t = require(name);
    return convert<double>(bytes(t), t.dtype, t.numel());
}

std::vector<double> SafetensorsReader::read_f64(std::string_view name,
                                                std::span<const std::int64_t> shape) const {
    const TensorInfo& t = require(name, shape);
    return convert<double>(bytes(t), t.dtype, t.numel());
}

std::vector<std::int64_t> SafetensorsReader::read_i64(std::string_view name) const {
    const TensorInfo& t = require(name);
    if (is_floating(t.dtype))
        throw InputError(fmt::format("{}: tensor '{}' has dtype {}, expected an integer dtype",
                                     path_.string(), name, dtype_name(t.dtype)));
    if (t.dtype == DType::I64) return convert<std::int64_t>(bytes(t), t.dtype, t.numel());
    std::vector<std::int64_t> out(t.numel());
    const auto raw = bytes(t);
    for (std::uint64_t i = 0; i < out.size(); ++i) {
        if (t.dtype == DType::U64) {
            std::uint64_t v;
            std::memcpy(&v, raw.data() + 8 * i, 8);
            out[i] = static_cast<std::int64_t>(v);
        } else {
            out[i] = static_cast<std::int64_t>(element_as_double(raw.data(), t.dtype, i));
        }
    }
    return out;
}

}  // namespace kirchhoff::io
