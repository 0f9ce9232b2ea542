#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses (tests/fuzz/corpus/<harness>/): a few small
valid inputs per parser, from which libFuzzer mutates. Deterministic: run it again after a
format change and commit what changes. Inputs a fuzzer found (crash-*, regression inputs) are
not written here; they are kept next to these files."""
import json
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
M = "\u2581"  # sentencepiece's '▁'


def put(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- safetensors: 8-byte header length, JSON header, data buffer ------------------------
def safetensors(tensors, metadata=None):
    header, buf = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(buf), len(buf) + len(raw)]}
        buf += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + buf


put("fuzz_safetensors", "f32_i64_meta.safetensors", safetensors(
    [("w", "F32", [2, 3], struct.pack("<6f", 1.5, -2, 3.25, 0, 1e-3, -7)),
     ("ids", "I64", [2], struct.pack("<2q", -1, 42))], {"source": "seed"}))
put("fuzz_safetensors", "halves_ints.safetensors", safetensors(
    [("h", "F16", [2], struct.pack("<2H", 0x3C00, 0xB800)),
     ("b", "BF16", [2], struct.pack("<2H", 0x3F80, 0xC000)),
     ("u8", "U8", [3], bytes([0, 255, 7])),
     ("flag", "BOOL", [1], bytes([1])),
     ("u64", "U64", [1], struct.pack("<Q", 2**63 + 5)),
     ("d", "F64", [], struct.pack("<d", 1 / 3))]))
put("fuzz_safetensors", "empty_tensors.safetensors", safetensors(
    [("e", "F32", [0], b""), ("e2", "I32", [3, 0], b""), ("x", "I16", [1], struct.pack("<h", -3))]))


# --- llama2.c checkpoint: 7 int32 config, then float32 arrays (transformer/llama2c.hpp) ---
def llama2c(dim, hidden, layers, heads, kv_heads, vocab, seq_len, seed):
    rnd = random.Random(seed)
    head = dim // heads
    kv = kv_heads * head
    v = abs(vocab)
    n = v * dim + layers * (dim + dim * dim + 2 * kv * dim + dim * dim + dim + 3 * hidden * dim)
    n += dim + seq_len * head  # rms_final, freq_cis_real + freq_cis_imag
    if vocab < 0:
        n += v * dim
    vals = [rnd.uniform(-1, 1) for _ in range(n)]
    return struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab, seq_len) + struct.pack(f"<{n}f", *vals)


put("fuzz_llama2c_checkpoint", "shared_classifier.bin", llama2c(4, 8, 1, 2, 2, 6, 4, 1))
put("fuzz_llama2c_checkpoint", "separate_classifier_gqa.bin", llama2c(4, 6, 2, 2, 1, -5, 3, 2))


# --- llama2.c tokenizer.bin, prefixed by one byte: vocab_size - 1 (see the harness) -------
def llama2c_tokenizer(pieces):
    body = b""
    for text, score in pieces:
        raw = text.encode()
        body += struct.pack("<fi", score, len(raw)) + raw
    max_len = max(1, max(len(t.encode()) for t, _ in pieces))
    return bytes([len(pieces) - 1]) + struct.pack("<i", max_len) + body


base = [("<unk>", 0), ("<s>", 0), ("</s>", 0)]
put("fuzz_llama2c_tokenizer", "merges.bin", llama2c_tokenizer(
    base + [("<0x0A>", 0), ("<0xC3>", 0), ("<0xB6>", 0), (" ", -10), ("a", -10), ("b", -10),
            (" a", -1), ("ab", -2), (" ab", -0.5), ("H", -3), ("e", -3), ("l", -3), ("o", -3),
            ("He", -1), ("ll", -1.5), ("Hell", -0.7), ("Hello", -0.2)]))
put("fuzz_llama2c_tokenizer", "bytes_only.bin", llama2c_tokenizer(
    base + [(f"<0x{b:02X}>", 0) for b in range(0, 256, 17)]))


# --- tokenizer JSON: Kirchhoff's char tokenizer, Hugging Face BPE -------------------------
put("fuzz_tokenizer_json", "char.json", json.dumps(
    {"kirchhoff_tokenizer": "char", "bytes": [9, 10, 32, 33, 44, 49, 50, 72, 100, 101, 108, 111, 114, 119]}))
byte_vocab = {c: i for i, c in enumerate("!,12Hdelorw")}
byte_vocab.update({"\u0120": 11, "\u010a": 12, "\u0109": 13, "He": 14, "ll": 15, "Hell": 16, "<|endoftext|>": 17})
put("fuzz_tokenizer_json", "bytelevel.json", json.dumps(
    {"model": {"type": "BPE", "vocab": byte_vocab, "merges": ["H e", "l l", "He ll"]},
     "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
     "added_tokens": [{"id": 17, "content": "<|endoftext|>", "special": True}]}, ensure_ascii=False))
sp_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "<0x0A>": 3, "<0xC3>": 4, "<0xB6>": 5}
for p in [M, "a", "b", "x", "H", "e", "l", "o", M + "a", M + "ab", "ab", M + M]:
    sp_vocab[p] = len(sp_vocab)
put("fuzz_tokenizer_json", "sentencepiece.json", json.dumps(
    {"normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": M},
        {"type": "Replace", "pattern": {"String": " "}, "content": M}]},
     "pre_tokenizer": None,
     "model": {"type": "BPE", "byte_fallback": True, "unk_token": "<unk>", "vocab": sp_vocab,
               "merges": [M + " a", M + "a b", "a b", M + " " + M]},
     "added_tokens": [{"id": i, "content": c, "special": True} for c, i in
                      [("<unk>", 0), ("<s>", 1), ("</s>", 2)]]}, ensure_ascii=False))
put("fuzz_tokenizer_json", "metaspace.json", json.dumps(
    {"pre_tokenizer": {"type": "Metaspace", "replacement": M, "add_prefix_space": True},
     "model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"<unk>": 0, M: 1, "a": 2, M + "a": 3},
               "merges": [[M, "a"]]}}, ensure_ascii=False))


# --- configuration TOML (the schema of kirchhoff run / sweep) -----------------------------
put("fuzz_config_toml", "crossbar.toml",
    'seed = 1\n\n[array]\nrows = 128\ncols = 128\nr_wire_row_ohm = 1.0\nr_wire_col_ohm = 1.0\n\n'
    '[device]\ng_min_siemens = 1e-6\ng_max_siemens = 1e-4\n\n[input]\nv_read_volt = 0.2\n\n'
    '[solver]\ntimeout_s = 600.0\n')
put("fuzz_config_toml", "stanford.toml",
    '[device]\npreset = "stanford_rram_aimc"\ng_min_siemens = 2e-6\n\n[input]\nv_read_volt = 0.3\n')
put("fuzz_config_toml", "run_dotted.toml",
    'run.tokens = 64\nrun.engine = "surrogate"\nadc.bits = 8\ndac.bits = 6\n'
    'pcm.read_noise = true\n"pcm.t_inference_s" = 86400.0\n')


# --- study TOML (kirchhoff sweep) ---------------------------------------------------------
put("fuzz_study_toml", "axes.toml",
    '[study]\nname = "adc_bits"\nmetrics = ["ppl_analog", "energy_per_token_j"]\nx = "adc.bits"\n'
    'series = "dac.bits"\n\n[base]\nrun.tokens = 256\nrun.engine = "surrogate"\n'
    'run.validate_fraction = 0.01\n\n[axes]\n"dac.bits" = [4, 6]\n"adc.bits" = [3, 8]\nseed = [1, 2]\n')
put("fuzz_study_toml", "zip.toml",
    '[study]\nname = "devices"\nx = "zip.device"\n\n[base]\nrun.tokens = 128\n\n[zip.device]\n'
    'label = ["ohmic", "PCM"]\n"device.preset" = ["linear", "pcm_gst"]\n'
    '"device.g_min_siemens" = [1e-6, 1e-7]\n"pcm.read_noise" = [false, true]\n"pcm.t_inference_s" = [0.0, 86400.0]\n\n'
    '[axes]\nseed = [1, 2]\n')
put("fuzz_study_toml", "base_only.toml", '[study]\ndescription = "one point"\n\n[base]\nadc.bits = 6\n')


# --- SPICE decks (the analysis pre-check of kirchhoff spice) ------------------------------
put("fuzz_deck_precheck", "op.cir", "* divider\nR1 in out 1k\nR2 out 0 1k\nV1 in 0 1\n.op\n.end\n")
put("fuzz_deck_precheck", "tran_indented.cir",
    "* rc\nV1 in 0 PULSE(0 1 0 1n 1n 5u 10u)\nR1 in out 1k\nC1 out 0 1n\n \t.TRAN 10n 20u\n.end\n")
put("fuzz_deck_precheck", "no_analysis.cir", "* no analysis line\nR1 1 0 1\nI1 0 1 1m\n.options klu\n.end\n")
put("fuzz_deck_precheck", "control.cir",
    "* control block\nV1 1 0 1\nR1 1 0 2\n.control\nop\nprint v(1)\n.endc\n.dc V1 0 1 0.1\n.end\n")
