// Hugging Face safetensors + config.json: Llama family and GPT-2.
#include "transformer/hf_checkpoint.hpp"

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "io/safetensors_reader.hpp"
#include "io/safetensors_writer.hpp"
#include "io/input_file.hpp"
#include "params/error.hpp"

namespace kirchhoff::transformer {

namespace {

using nlohmann::json;
using Shape = std::vector<std::int64_t>;

// ---- config.json ----

json read_json(const std::filesystem::path& path) { return io::read_json_file(path, "JSON"); }

struct ConfigReader {
    const json& j;
    std::string file;

    bool has(const char* key) const { return j.contains(key) && !j.at(key).is_null(); }
    int integer(const char* key) const {
        if (!has(key)) throw InputError(fmt::format("{}: missing key \"{}\"", file, key));
        const json& v = j.at(key);
        if (!v.is_number_integer() || v.get<std::int64_t>() <= 0 ||
            v.get<std::int64_t>() > 0x7fffffff)
            throw InputError(fmt::format("{}: \"{}\" = {} must be a positive integer", file, key,
                                         v.dump()));
        return v.get<int>();
    }
    int integer(const char* key, int fallback) const { return has(key) ? integer(key) : fallback; }
    double real(const char* key, double fallback) const {
        if (!has(key)) return fallback;
        if (!j.at(key).is_number())
            throw InputError(fmt::format("{}: \"{}\" = {} must be a number", file, key,
                                         j.at(key).dump()));
        return j.at(key).get<double>();
    }
    bool boolean(const char* key, bool fallback) const {
        if (!has(key)) return fallback;
        if (!j.at(key).is_boolean())
            throw InputError(fmt::format("{}: \"{}\" = {} must be true or false", file, key,
                                         j.at(key).dump()));
        return j.at(key).get<bool>();
    }
    std::string text(const char* key, const std::string& fallback) const {
        if (!has(key)) return fallback;
        if (!j.at(key).is_string())
            throw InputError(fmt::format("{}: \"{}\" = {} must be a string", file, key,
                                         j.at(key).dump()));
        return j.at(key).get<std::string>();
    }
    void require_text(const char* key, std::initializer_list<const char*> allowed,
                      const std::string& fallback) const {
        const std::string v = text(key, fallback);
        for (const char* a : allowed)
            if (v == a) return;
        throw InputError(fmt::format("{}: \"{}\" = \"{}\" is not supported (allowed: {})", file,
                                     key, v, fmt::join(allowed, ", ")));
    }
};

// ---- weights: one or several safetensors files ----

class TensorSet {
public:
    explicit TensorSet(const std::filesystem::path& dir) {
        const auto single = dir / "model.safetensors";
        const auto index = dir / "model.safetensors.index.json";
        if (std::filesystem::exists(single)) {
            add(single);
        } else if (std::filesystem::exists(index)) {
            const json j = read_json(index);
            if (!j.contains("weight_map") || !j.at("weight_map").is_object())
                throw InputError(fmt::format("{}: missing \"weight_map\" object", index.string()));
            std::map<std::string, std::size_t> shard_of_file;
            for (const auto& [name, shard] : j.at("weight_map").items()) {
                if (!shard.is_string())
                    throw InputError(fmt::format("{}: weight_map entry '{}' is not a file name",
                                                 index.string(), name));
                const std::string f = shard.get<std::string>();
                if (!shard_of_file.count(f)) shard_of_file[f] = add(dir / f);
                expected_[name] = shard_of_file[f];
            }
        } else {
            throw InputError(fmt::format(
                "{}: no model.safetensors or model.safetensors.index.json (a Hugging Face "
                "checkpoint directory holds config.json and the safetensors weights)",
                dir.string()));
        }
    }
    explicit TensorSet(const std::filesystem::path& file, bool) { add(file); }

    // Reads `name` as float32 with shape checked; marks it used.
    std::vector<float> read(const std::string& name, const Shape& shape) {
        const io::SafetensorsReader& r = reader_for(name);
        used_.insert(name);
        return r.read_f32(name, shape);
    }
    bool has(const std::string& name) const {
        for (const auto& r : readers_)
            if (r->find(name)) return true;
        return false;
    }
    void mark_used(const std::string& name) { used_.insert(name); }
    // Every tensor not read and not ignorable is an error: a different architecture or a
    // variant Kirchhoff does not model.
    void check_all_used(bool (*ignorable)(const std::string&)) const {
        std::vector<std::string> extra;
        for (const auto& r : readers_)
            for (const io::TensorInfo& t : r->tensors())
                if (!used_.count(t.name) && !ignorable(t.name)) extra.push_back(t.name);
        if (!extra.empty()) {
            const std::size_t shown = std::min<std::size_t>(extra.size(), 4);
            throw InputError(fmt::format(
                "{}: {} unexpected tensor(s), e.g. '{}': this checkpoint has weights the "
                "model configuration does not use (another architecture or variant?)",
                readers_.front()->path().string(), extra.size(),
                fmt::join(extra.begin(), extra.begin() + static_cast<long>(shown), "', '")));
        }
    }
    std::string first_file() const { return readers_.front()->path().string(); }
    std::uint64_t total_elements() const {
        std::uint64_t n = 0;
        for (const auto& r : readers_)
            for (const io::TensorInfo& t : r->tensors()) n += t.numel();
        return n;
    }

private:
    std::size_t add(const std::filesystem::path& p) {
        readers_.push_back(std::make_unique<io::SafetensorsReader>(p));
        return readers_.size() - 1;
    }
    const io::SafetensorsReader& reader_for(const std::string& name) const {
        if (const auto it = expected_.find(name); it != expected_.end()) return *readers_[it->second];
        for (const auto& r : readers_)
            if (r->find(name)) return *r;
        readers_.front()->require(name);  // throws, naming the file and the tensor
        return *readers_.front();
    }
    std::vector<std::unique_ptr<io::SafetensorsReader>> readers_;
    std::map<std::string, std::size_t> expected_;
    std::set<std::string> used_;
};

// A corrupt or mismatched config.json could ask for far more memory than the weights hold:
// compare the parameter count it implies with the elements stored, before allocating. The
// margin (2x + 1M) leaves small mismatches to the per-tensor shape checks, whose messages
// are more precise.
void check_size_plausible(const ModelConfig& c, const TensorSet& ts, const std::string& config) {
    const double d = c.dim, L = c.n_layers;
    const double params = static_cast<double>(c.vocab_size) * d *
                              (c.shared_classifier ? 1 : 2) +
                          L * (2 * d * d + 2 * d * c.kv_dim() +
                               (c.arch == Architecture::llama ? 3.0 : 2.0) * d * c.hidden_dim);
    const double stored = static_cast<double>(ts.total_elements());
    if (params > 2 * stored + 1e6)
        throw InputError(fmt::format(
            "{}: the configuration describes at least {:.0f} parameters but {} holds only {:.0f} "
            "(config.json does not belong to these weights?)",
            config, params, ts.first_file(), stored));
}

// ---- q/k row permutation between HF's rotate-half layout and llama2.c's pairs ----

// Row index in HF layout of the llama2.c row `row` for heads of size hs.
int hf_row(int row, int hs) {
    const int h = row / hs, i = row % hs;
    const int j = i / 2, r = i % 2;
    return h * hs + r * (hs / 2) + j;
}

// llama2.c layout from HF layout: out row `row` = in row hf_row(row).
std::vector<float> unpermute_rows(const std::vector<float>& hf, int rows, int cols, int hs) {
    std::vector<float> out(hf.size());
    for (int row = 0; row < rows; ++row)
        std::copy_n(hf.begin() + static_cast<long>(hf_row(row, hs)) * cols, cols,
                    out.begin() + static_cast<long>(row) * cols);
    return out;
}

std::vector<float> permute_rows(const std::vector<float>& meta, int rows, int cols, int hs) {
    std::vector<float> out(meta.size());
    for (int row = 0; row < rows; ++row)
        std::copy_n(meta.begin() + static_cast<long>(row) * cols, cols,
                    out.begin() + static_cast<long>(hf_row(row, hs)) * cols);
    return out;
}

// (rows, cols) -> (cols, rows)
std::vector<float> transpose(const std::vector<float>& a, int rows, int cols) {
    std::vector<float> t(a.size());
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            t[static_cast<std::size_t>(c) * rows + r] = a[static_cast<std::size_t>(r) * cols + c];
    return t;
}

// ---- Llama family ----

std::string llama_name(int b, const char* what) {
    return fmt::format("model.layers.{}.{}", b, what);
}

bool llama_ignorable(const std::string& name) {
    return name.ends_with(".rotary_emb.inv_freq");  // a buffer older exports saved
}

Model load_llama(const ConfigReader& cfg, TensorSet& ts) {
    ModelConfig c;
    c.arch = Architecture::llama;
    c.dim = cfg.integer("hidden_size");
    c.hidden_dim = cfg.integer("intermediate_size");
    c.n_layers = cfg.integer("num_hidden_layers");
    c.n_heads = cfg.integer("num_attention_heads");
    c.n_kv_heads = cfg.integer("num_key_value_heads", c.n_heads);
    c.vocab_size = cfg.integer("vocab_size");
    c.seq_len = cfg.integer("max_position_embeddings");
    c.norm_eps = static_cast<float>(cfg.real("rms_norm_eps", 1e-6));
    c.rope_theta = static_cast<float>(cfg.real("rope_theta", 10000.0));
    c.shared_classifier = cfg.boolean("tie_word_embeddings", false);
    cfg.require_text("hidden_act", {"silu"}, "silu");
    if (cfg.has("rope_scaling"))
        throw InputError(fmt::format(
            "{}: \"rope_scaling\" = {} is not supported (Kirchhoff implements plain RoPE)",
            cfg.file, cfg.j.at("rope_scaling").dump()));
    if (cfg.has("head_dim") && cfg.integer("head_dim") * c.n_heads != c.dim)
        throw InputError(fmt::format(
            "{}: \"head_dim\" = {} differs from hidden_size / num_attention_heads = {}", cfg.file,
            cfg.integer("head_dim"), c.dim / std::max(c.n_heads, 1)));
    if (cfg.has("sliding_window") && cfg.integer("sliding_window") < c.seq_len)
        throw InputError(fmt::format(
            "{}: \"sliding_window\" = {} is shorter than max_position_embeddings = {}: sliding-"
            "window attention is not supported",
            cfg.file, cfg.integer("sliding_window"), c.seq_len));
    c.validate(cfg.file);
    check_size_plausible(c, ts, cfg.file);

    Model m = make_model(c);
    const int d = c.dim, hs = c.head_size();
    const auto linear = [&](LinearLayer& l, const std::string& base, bool permute) {
        l.weight = ts.read(base + ".weight", {l.out, l.in});
        if (permute) l.weight = unpermute_rows(l.weight, l.out, l.in, hs);
        if (ts.has(base + ".bias")) {
            l.bias = ts.read(base + ".bias", {l.out});
            if (permute) l.bias = unpermute_rows(l.bias, l.out, 1, hs);
        }
    };
    for (int b = 0; b < c.n_layers; ++b) {
        Block& blk = m.blocks[b];
        blk.attn_norm.weight = ts.read(llama_name(b, "input_layernorm.weight"), {d});
        linear(blk.q, llama_name(b, "self_attn.q_proj"), true);
        linear(blk.k, llama_name(b, "self_attn.k_proj"), true);
        linear(blk.v, llama_name(b, "self_attn.v_proj"), false);
        linear(blk.o, llama_name(b, "self_attn.o_proj"), false);
        blk.mlp_norm.weight = ts.read(llama_name(b, "post_attention_layernorm.weight"), {d});
        linear(blk.gate, llama_name(b, "mlp.gate_proj"), false);
        linear(blk.up, llama_name(b, "mlp.up_proj"), false);
        linear(blk.down, llama_name(b, "mlp.down_proj"), false);
    }
    m.final_norm.weight = ts.read("model.norm.weight", {d});
    const Shape vd{c.vocab_size, d};
    if (c.shared_classifier) {
        m.classifier.weight = ts.read("model.embed_tokens.weight", vd);
        if (ts.has("lm_head.weight")) ts.mark_used("lm_head.weight");  // a tied copy
    } else {
        m.token_embedding = ts.read("model.embed_tokens.weight", vd);
        if (!ts.has("lm_head.weight"))
            throw InputError(fmt::format(
                "{}: tensor 'lm_head.weight' is missing and config.json does not set "
                "\"tie_word_embeddings\": true",
                ts.first_file()));
        m.classifier.weight = ts.read("lm_head.weight", vd);
    }
    ts.check_all_used(llama_ignorable);
    return m;
}

// ---- GPT-2 ----

bool gpt2_ignorable(const std::string& name) {
    return name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias");  // mask buffers
}

Model load_gpt2(const ConfigReader& cfg, TensorSet& ts) {
    ModelConfig c;
    c.arch = Architecture::gpt2;
    c.dim = cfg.integer("n_embd");
    c.n_layers = cfg.integer("n_layer");
    c.n_heads = cfg.integer("n_head");
    c.n_kv_heads = c.n_heads;
    c.hidden_dim = cfg.integer("n_inner", 4 * c.dim);
    c.vocab_size = cfg.integer("vocab_size");
    c.seq_len = cfg.integer("n_positions", cfg.integer("n_ctx", 0));
    c.norm_eps = static_cast<float>(cfg.real("layer_norm_epsilon", 1e-5));
    c.shared_classifier = cfg.boolean("tie_word_embeddings", true);
    cfg.require_text("activation_function", {"gelu_new", "gelu_pytorch_tanh"}, "gelu_new");
    if (cfg.boolean("scale_attn_by_inverse_layer_idx", false) ||
        cfg.boolean("reorder_and_upcast_attn", false) || !cfg.boolean("scale_attn_weights", true))
        throw InputError(fmt::format(
            "{}: GPT-2 attention variants (scale_attn_by_inverse_layer_idx, "
            "reorder_and_upcast_attn, scale_attn_weights = false) are not supported",
            cfg.file));
    c.validate(cfg.file);

    check_size_plausible(c, ts, cfg.file);
    const std::string p = ts.has("wte.weight") ? "" : "transformer.";
    Model m = make_model(c);
    const int d = c.dim, hd = c.hidden_dim;
    const auto name = [&](int b, const char* what) { return fmt::format("{}h.{}.{}", p, b, what); };
    // Conv1D: weight (in, out), bias (out)
    const auto conv1d = [&](int b, const char* what, int in, int out) {
        const auto w = ts.read(name(b, what) + std::string(".weight"), {in, out});
        const auto bias = ts.read(name(b, what) + std::string(".bias"), {out});
        return std::pair{transpose(w, in, out), bias};
    };
    const auto norm = [&](Norm& n, const std::string& base) {
        n.weight = ts.read(base + ".weight", {d});
        n.bias = ts.read(base + ".bias", {d});
    };
    for (int b = 0; b < c.n_layers; ++b) {
        Block& blk = m.blocks[b];
        norm(blk.attn_norm, name(b, "ln_1"));
        const auto [qkv, qkv_bias] = conv1d(b, "attn.c_attn", d, 3 * d);  // (3d, d), (3d)
        LinearLayer* parts[3] = {&blk.q, &blk.k, &blk.v};
        for (int i = 0; i < 3; ++i) {
            const std::size_t rows = static_cast<std::size_t>(i) * d;
            parts[i]->weight.assign(qkv.begin() + static_cast<long>(rows * d),
                                    qkv.begin() + static_cast<long>((rows + d) * d));
            parts[i]->bias.assign(qkv_bias.begin() + static_cast<long>(rows),
                                  qkv_bias.begin() + static_cast<long>(rows + d));
        }
        std::tie(blk.o.weight, blk.o.bias) = conv1d(b, "attn.c_proj", d, d);
        norm(blk.mlp_norm, name(b, "ln_2"));
        std::tie(blk.up.weight, blk.up.bias) = conv1d(b, "mlp.c_fc", d, hd);
        std::tie(blk.down.weight, blk.down.bias) = conv1d(b, "mlp.c_proj", hd, d);
    }
    norm(m.final_norm, p + "ln_f");
    m.position_embedding = ts.read(p + "wpe.weight", {c.seq_len, d});
    const Shape vd{c.vocab_size, d};
    if (c.shared_classifier) {
        m.classifier.weight = ts.read(p + "wte.weight", vd);
        if (ts.has("lm_head.weight")) ts.mark_used("lm_head.weight");
    } else {
        m.token_embedding = ts.read(p + "wte.weight", vd);
        m.classifier.weight = ts.read("lm_head.weight", vd);
    }
    ts.check_all_used(gpt2_ignorable);
    return m;
}

}  // namespace

Model load_hf(const std::filesystem::path& path) {
    const bool is_file = std::filesystem::is_regular_file(path);
    const std::filesystem::path dir = is_file ? path.parent_path() : path;
    const auto config_path = dir / "config.json";
    if (!std::filesystem::exists(config_path))
        throw InputError(fmt::format("{}: no config.json beside the weights (a Hugging Face "
                                     "checkpoint needs one)",
                                     path.string()));
    const json j = read_json(config_path);
    const ConfigReader cfg{j, config_path.string()};
    if (!j.is_object()) throw InputError(fmt::format("{}: not a JSON object", cfg.file));
    const std::string type = cfg.text("model_type", "");
    TensorSet ts = is_file ? TensorSet(path, true) : TensorSet(dir);
    Model m;
    if (type == "llama" || type == "mistral")
        m = load_llama(cfg, ts);
    else if (type == "gpt2")
        m = load_gpt2(cfg, ts);
    else
        throw InputError(fmt::format(
            "{}: \"model_type\" = \"{}\" is not supported (allowed: llama, mistral, gpt2)",
            cfg.file, type));
    m.check();
    return m;
}

void save_hf(const Model& m, const std::filesystem::path& dir, io::DType dtype) {
    m.check();
    const ModelConfig& c = m.config;
    std::filesystem::create_directories(dir);
    io::SafetensorsWriter w;
    w.set_metadata("format", "pt");
    w.set_metadata("producer", "kirchhoff");
    const auto put = [&](const std::string& name, const std::vector<float>& data, Shape shape) {
        w.add_as(name, dtype, std::move(shape), data);
    };
    json config;
    const int d = c.dim, hd = c.hidden_dim, hs = c.head_size();
    if (c.arch == Architecture::llama) {
        config = {{"model_type", "llama"},
                  {"architectures", {"LlamaForCausalLM"}},
                  {"hidden_size", d},
                  {"intermediate_size", hd},
                  {"num_hidden_layers", c.n_layers},
                  {"num_attention_heads", c.n_heads},
                  {"num_key_value_heads", c.n_kv_heads},
                  {"vocab_size", c.vocab_size},
                  {"max_position_embeddings", c.seq_len},
                  {"rms_norm_eps", c.norm_eps},
                  {"rope_theta", c.rope_theta},
                  {"tie_word_embeddings", c.shared_classifier},
                  {"hidden_act", "silu"},
                  {"torch_dtype", "float32"}};
        const auto linear = [&](const LinearLayer& l, const std::string& base, bool permute) {
            put(base + ".weight", permute ? permute_rows(l.weight, l.out, l.in, hs) : l.weight,
                {l.out, l.in});
            if (!l.bias.empty())
                put(base + ".bias", permute ? permute_rows(l.bias, l.out, 1, hs) : l.bias,
                    {l.out});
        };
        put("model.embed_tokens.weight",
            c.shared_classifier ? m.classifier.weight : m.token_embedding, {c.vocab_size, d});
        for (int b = 0; b < c.n_layers; ++b) {
            const Block& blk = m.blocks[b];
            put(llama_name(b, "input_layernorm.weight"), blk.attn_norm.weight, {d});
            linear(blk.q, llama_name(b, "self_attn.q_proj"), true);
            linear(blk.k, llama_name(b, "self_attn.k_proj"), true);
            linear(blk.v, llama_name(b, "self_attn.v_proj"), false);
            linear(blk.o, llama_name(b, "self_attn.o_proj"), false);
            put(llama_name(b, "post_attention_layernorm.weight"), blk.mlp_norm.weight, {d});
            linear(blk.gate, llama_name(b, "mlp.gate_proj"), false);
            linear(blk.up, llama_name(b, "mlp.up_proj"), false);
            linear(blk.down, llama_name(b, "mlp.down_proj"), false);
        }
        put("model.norm.weight", m.final_norm.weight, {d});
        if (!c.shared_classifier) put("lm_head.weight", m.classifier.weight, {c.vocab_size, d});
    } else {
        config = {{"model_type", "gpt2"},
                  {"architectures", {"GPT2LMHeadModel"}},
                  {"n_embd", d},
                  {"n_layer", c.n_layers},
                  {"n_head", c.n_heads},
                  {"n_inner", hd},
                  {"vocab_size", c.vocab_size},
                  {"n_positions", c.seq_len},
                  {"n_ctx", c.seq_len},
                  {"layer_norm_epsilon", c.norm_eps},
                  {"activation_function", "gelu_new"},
                  {"tie_word_embeddings", c.shared_classifier},
                  {"torch_dtype", "float32"}};
        const auto conv1d = [&](const std::string& base, const LinearLayer& l) {
            put(base + ".weight", transpose(l.weight, l.out, l.in), {l.in, l.out});
            put(base + ".bias", l.bias, {l.out});
        };
        const auto norm = [&](const std::string& base, const Norm& n) {
            put(base + ".weight", n.weight, {d});
            put(base + ".bias", n.bias, {d});
        };
        put("transformer.wte.weight",
            c.shared_classifier ? m.classifier.weight : m.token_embedding, {c.vocab_size, d});
        put("transformer.wpe.weight", m.position_embedding, {c.seq_len, d});
        for (int b = 0; b < c.n_layers; ++b) {
            const Block& blk = m.blocks[b];
            const std::string h = fmt::format("transformer.h.{}.", b);
            norm(h + "ln_1", blk.attn_norm);
            // fuse q | k | v rows, then store as Conv1D (in, out)
            LinearLayer qkv;
            qkv.out = 3 * d;
            qkv.in = d;
            for (const LinearLayer* l : {&blk.q, &blk.k, &blk.v}) {
                qkv.weight.insert(qkv.weight.end(), l->weight.begin(), l->weight.end());
                qkv.bias.insert(qkv.bias.end(), l->bias.begin(), l->bias.end());
            }
            conv1d(h + "attn.c_attn", qkv);
            conv1d(h + "attn.c_proj", blk.o);
            norm(h + "ln_2", blk.mlp_norm);
            conv1d(h + "mlp.c_fc", blk.up);
            conv1d(h + "mlp.c_proj", blk.down);
        }
        norm("transformer.ln_f", m.final_norm);
        if (!c.shared_classifier) put("lm_head.weight", m.classifier.weight, {c.vocab_size, d});
    }
    w.write(dir / "model.safetensors");
    io::write_file_atomic(dir / "config.json", config.dump(2) + "\n");
}

}  // namespace kirchhoff::transformer
