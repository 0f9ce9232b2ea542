// Hugging Face checkpoints: config.json plus safetensors weights (one file, or shards listed
// in model.safetensors.index.json), for Llama-family and GPT-2 models.
//
// Llama family (model_type "llama" or "mistral"): model.embed_tokens.weight,
//   model.layers.N.{input_layernorm, post_attention_layernorm}.weight,
//   model.layers.N.self_attn.{q,k,v,o}_proj.weight (+ optional .bias),
//   model.layers.N.mlp.{gate,up,down}_proj.weight, model.norm.weight, lm_head.weight (absent
//   when tie_word_embeddings). HF stores q_proj and k_proj rows permuted for its
//   "rotate half" RoPE: within each head, row r * head_size/2 + j of HF is row 2j + r of
//   Meta/llama2.c. The loader undoes that permutation (and the writer applies it), so the
//   Model always holds llama2.c's interleaved layout.
// GPT-2 (model_type "gpt2"): [transformer.]wte.weight, wpe.weight,
//   h.N.ln_{1,2}.{weight,bias}, h.N.attn.c_attn.{weight,bias} (fused q|k|v),
//   h.N.attn.c_proj.*, h.N.mlp.c_fc.*, h.N.mlp.c_proj.*, ln_f.*, optional lm_head.weight.
//   GPT-2's Conv1D stores weights as (in, out): they are transposed to (out, in) on load.
// Weights may be F32, F16, BF16 or F64; they are converted to float32. Every tensor's shape
// is checked; a missing, misshapen or unexpected tensor, or a config value Kirchhoff does not
// model (rope_scaling, another activation, ...), is an InputError naming the file, the
// tensor or key, and what was expected.
#pragma once

#include <filesystem>

#include "io/dtype.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::transformer {

/// `path`: a directory holding config.json and model.safetensors (or
/// model.safetensors.index.json with its shards), or a .safetensors file with config.json
/// beside it.
Model load_hf(const std::filesystem::path& path);

/// Writes config.json and model.safetensors into `dir` (created if needed), weights stored
/// as `dtype` (F32, F16, BF16 or F64), in the layout load_hf reads (and the Python
/// transformers library loads).
void save_hf(const Model& model, const std::filesystem::path& dir,
             io::DType dtype = io::DType::F32);

}  // namespace kirchhoff::transformer
