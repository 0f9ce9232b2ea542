// Element types of safetensors files: names, sizes and conversions to and from float.
//
// The names are the ones the safetensors header uses ("F32", "BF16", ...). Half precision
// (IEEE binary16) and bfloat16 are converted by bit manipulation, round-to-nearest-even on the
// way down; no dependency on compiler support for _Float16.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kirchhoff::io {

enum class DType { BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64 };

/// Bytes per element.
std::size_t dtype_size(DType t);
/// "F32", "BF16", ... as written in a safetensors header.
std::string_view dtype_name(DType t);
/// Parses a header name; nullopt for names Kirchhoff does not read (e.g. "F8_E4M3").
std::optional<DType> parse_dtype(std::string_view name);
/// "BOOL, U8, ..., F64": for error messages.
std::string_view dtype_names_allowed();
/// True for F16, BF16, F32, F64.
bool is_floating(DType t);

/// Reads element i of a little-endian array of `t` as a double (exact for every type except
/// 64-bit integers beyond 2^53).
double element_as_double(const std::byte* data, DType t, std::size_t i);

float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);
float bf16_to_float(std::uint16_t b);
std::uint16_t float_to_bf16(float f);

/// The DType of a C++ element type, for typed reads and writes.
template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<bool>() { return DType::BOOL; }
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::U8; }
template <> constexpr DType dtype_of<std::int8_t>() { return DType::I8; }
template <> constexpr DType dtype_of<std::uint16_t>() { return DType::U16; }
template <> constexpr DType dtype_of<std::int16_t>() { return DType::I16; }
template <> constexpr DType dtype_of<std::uint32_t>() { return DType::U32; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::I32; }
template <> constexpr DType dtype_of<float>() { return DType::F32; }
template <> constexpr DType dtype_of<std::uint64_t>() { return DType::U64; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::I64; }
template <> constexpr DType dtype_of<double>() { return DType::F64; }

}  // namespace kirchhoff::io
