#!/usr/bin/env python3
"""Write a tiny random-weight llama-architecture GGUF model for tests.

Usage: python3 scripts/llm/tiny_model.py OUT.gguf

The model is meaningless (weights are seeded random numbers), it only exists
so that a real OpenAI-compatible server (llama-cpp-python / llama.cpp) can be
started in tests that check the protocol (SSE streaming, tool calls), not the
words. Output is deterministic: the same script always writes the same file.

Vocabulary (SentencePiece, "llama" tokenizer model):
  0 <unk>, 1 <s>, 2 </s>, the 256 byte-fallback tokens <0x00>..<0xFF>,
  <|im_start|> / <|im_end|> (ChatML control tokens), then plain pieces:
  every printable ASCII character, "▁", digits, JSON punctuation (no raw
  control characters such as newline: those only exist as byte tokens) and
  common English words (with all their prefixes, so the SentencePiece
  merge-based tokenizer can actually reach them).

Weights: seeded random, except embedding dimension 0, which holds a constant
for every token and is never written by the layers. After the final RMS norm
it acts as a per-token output bias, used to make closing tokens (", ], })
likely, so that grammar-constrained tool-call arguments (JSON strings, arrays)
end after a few tokens instead of running to the context limit, and to
make the byte-fallback tokens practically never generated.

Requires: numpy, gguf (pip install gguf).
"""

import sys

import numpy as np
import gguf

SEED = 20240607
N_EMBD = 64
N_LAYER = 2
N_HEAD = 4
N_HEAD_KV = 4
N_FF = 128
N_CTX = 32768
RMS_EPS = 1e-5
ROPE_BASE = 10000.0
BIAS_DIM_VALUE = 8.0  # constant in residual dimension 0 (the "bias" channel)
OUT_SCALE = 0.25  # std of the random part of output.weight
# Output logit bias for tokens starting with these strings (see docstring).
CLOSE_BIAS = {'"': 3.0, "]": 2.0, "}": 2.0}
# Output logit bias for the byte-fallback tokens: practically never generate
# them. llama-cpp-python's JSON grammar lets raw control characters into JSON
# strings (invalid JSON for strict parsers), and random bytes >= 0x80 would
# make invalid UTF-8. All plain pieces are printable ASCII (or "▁" = space).
BYTE_BIAS = -10.0

# gguf.TokenType values: NORMAL=1 UNKNOWN=2 CONTROL=3 USER_DEFINED=4 UNUSED=5 BYTE=6
T_NORMAL = int(gguf.TokenType.NORMAL)
T_UNKNOWN = int(gguf.TokenType.UNKNOWN)
T_CONTROL = int(gguf.TokenType.CONTROL)
T_BYTE = int(gguf.TokenType.BYTE)

SPACE = "\u2581"  # SentencePiece word-boundary marker "▁"

WORDS = """
the of and to in is that for it as was with be by on not he this are or his
from at which but have an they you were her she there their one all we can has
been if more when will would who so no out up into do than time some could them
other these then two first any new may only my now like over also after speed
lap car race track corner brake throttle gear tyre tire fuel time sector best
delta session driver steering pit stop turn apex entry exit line faster slower
true false null name type value id text data result error ok yes
""".split()

JSON_PIECES = [
    '{"', '"}', '"]', '":', '": ', '",', '", "', '{}', '[]', '[{', '}]', '},',
    '"name"', '"arguments"', '"type"', '"function"', '"corner"',
    "\\n", "  ", "    ", ", ", ": ",
]


def build_vocab():
    tokens, scores, types = [], [], []

    def add(text, score, ttype):
        tokens.append(text)
        scores.append(score)
        types.append(ttype)

    add("<unk>", 0.0, T_UNKNOWN)
    add("<s>", 0.0, T_CONTROL)
    add("</s>", 0.0, T_CONTROL)
    for b in range(256):
        add("<0x%02X>" % b, 0.0, T_BYTE)
    add("<|im_start|>", 0.0, T_CONTROL)
    add("<|im_end|>", 0.0, T_CONTROL)

    pieces = []
    seen = set()

    def piece(p):
        if p and p not in seen:
            seen.add(p)
            pieces.append(p)

    piece(SPACE)
    for c in range(0x21, 0x7F):  # printable ASCII except space
        piece(chr(c))
    for d in range(10):
        piece(SPACE + str(d))
    for p in JSON_PIECES:
        p = p.replace(" ", SPACE)
        # all prefixes, so pairwise SentencePiece merges can build the piece
        for i in range(2, len(p) + 1):
            piece(p[:i])
    for w in WORDS:
        for form in (SPACE + w, w):
            for i in range(2, len(form) + 1):
                piece(form[:i])

    # Shorter pieces get higher scores (merged first); all scores negative.
    for i, p in enumerate(pieces):
        add(p, -1.0 - i * 0.01, T_NORMAL)
    return tokens, scores, types


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]

    tokens, scores, types = build_vocab()
    n_vocab = len(tokens)
    head_dim = N_EMBD // N_HEAD

    rng = np.random.default_rng(SEED)

    def mat(rows, cols, scale=0.08):
        # numpy shape (rows=out, cols=in); gguf stores dims reversed, which is
        # what llama.cpp expects ({n_in, n_out}).
        return (rng.standard_normal((rows, cols)) * scale).astype(np.float32)

    def ones(n):
        return np.ones(n, dtype=np.float32)

    w = gguf.GGUFWriter(out, "llama")
    w.add_name("racecraft-tiny-random")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(ROPE_BASE)
    w.add_layer_norm_rms_eps(RMS_EPS)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)

    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(
        "{% for message in messages %}"
        "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    )

    embd = mat(n_vocab, N_EMBD, 1.0)
    embd[:, 0] = BIAS_DIM_VALUE
    w.add_tensor("token_embd.weight", embd)
    for i in range(N_LAYER):
        p = "blk.%d." % i
        w.add_tensor(p + "attn_norm.weight", ones(N_EMBD))
        w.add_tensor(p + "attn_q.weight", mat(N_HEAD * head_dim, N_EMBD))
        w.add_tensor(p + "attn_k.weight", mat(N_HEAD_KV * head_dim, N_EMBD))
        w.add_tensor(p + "attn_v.weight", mat(N_HEAD_KV * head_dim, N_EMBD))
        attn_out = mat(N_EMBD, N_HEAD * head_dim)
        attn_out[0, :] = 0.0  # keep the bias channel constant
        w.add_tensor(p + "attn_output.weight", attn_out)
        w.add_tensor(p + "ffn_norm.weight", ones(N_EMBD))
        w.add_tensor(p + "ffn_gate.weight", mat(N_FF, N_EMBD))
        w.add_tensor(p + "ffn_up.weight", mat(N_FF, N_EMBD))
        ffn_down = mat(N_EMBD, N_FF)
        ffn_down[0, :] = 0.0  # keep the bias channel constant
        w.add_tensor(p + "ffn_down.weight", ffn_down)
    w.add_tensor("output_norm.weight", ones(N_EMBD))
    output = mat(n_vocab, N_EMBD, OUT_SCALE)
    # After RMS norm the bias channel is about BIAS_DIM_VALUE / rms(x), where
    # rms(x) ~ sqrt((BIAS_DIM_VALUE**2 + N_EMBD - 1) / N_EMBD).
    norm_bias = BIAS_DIM_VALUE / np.sqrt((BIAS_DIM_VALUE**2 + N_EMBD - 1) / N_EMBD)
    output[:, 0] = 0.0
    for t, text in enumerate(tokens):
        if types[t] == T_BYTE:
            output[t, 0] = BYTE_BIAS / norm_bias
        if types[t] != T_NORMAL:
            continue
        for prefix, bias in CLOSE_BIAS.items():
            if text.startswith(prefix):
                output[t, 0] = bias / norm_bias
                break
    w.add_tensor("output.weight", output)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print("wrote %s (n_vocab=%d)" % (out, n_vocab))


if __name__ == "__main__":
    main()
