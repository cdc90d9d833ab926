"""Build a tiny but real Argos Translate package (.argosmodel) offline, for tests and bench.

A SentencePiece model trained on a few thousand generated ru/be/en news lines, and a
CTranslate2 Transformer built from numpy weights set by hand so that the model *copies* its
input, except for a small glossary of pieces it swaps (Минск→Minsk, дрон→drone, …). Tests
can therefore assert exact outputs while the real code paths run: zip install, Argos package
and tokenizer, CTranslate2 beam search with EOS and replace_unknowns, SentencePiece decode.
With `d_model=512, heads=8, layers=6, ffn_dim=2048, pad_vocab_to=50_000, quantization="int8"`
the model has the size and cost of a real Argos model (for bench/translate.py); `minisbd=True`
ships a small MiniSBD ONNX splitter (needs `onnx`) so `argostranslate.translate` runs offline.

The technique follows the research prototype in shared/tools/tiny_argos (which the tests do
not use). Model space: d_model is split into A (token identity), B (position) and C (decoder
input token). Only the last decoder layer's cross-attention is non-zero: decoder position t
attends to source position t (queries and keys from B) and carries the source token vector
(A) to the output projection, which maps each piece to itself or to its glossary partner.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

LANG_NAMES = {"ru": "Russian", "be": "Belarusian", "uk": "Ukrainian", "en": "English"}
GLOSSARY_RU_EN = {"Минск": "Minsk", "дрон": "drone", "завод": "factory", "НАТО": "NATO",
                  "Лукашенко": "Lukashenko"}
GLOSSARY_BE_RU = {"Мінск": "Минск", "Лукашэнка": "Лукашенко", "дрон": "дрон"}

_WORDS = {
    "ru": (["Президент", "Правительство", "Министерство обороны", "Завод в Минске",
            "Лукашенко", "Пограничная служба", "Армия", "Компания", "Депутаты", "Власти"],
           ["заявил о", "сообщили о", "обсудили", "объявили о", "начали", "посетил"],
           ["поставках дронов", "учениях у границы НАТО", "новом заводе", "санкциях",
            "выпуске тракторов", "закупке беспилотников", "ремонте техники", "выборах"],
           ["в понедельник.", "в Минске.", "на прошлой неделе.", "2 марта 2024 г.", "сегодня!"]),
    "be": (["Прэзідэнт", "Урад", "Міністэрства абароны", "Завод у Мінску", "Лукашэнка",
            "Памежная служба", "Армія", "Кампанія", "Дэпутаты", "Улады"],
           ["заявіў пра", "паведамілі пра", "абмеркавалі", "аб'явілі пра", "пачалі"],
           ["пастаўках дронаў", "вучэннях каля мяжы НАТА", "новым заводзе", "санкцыях",
            "выпуску трактароў", "закупцы беспілотнікаў", "рамонце тэхнікі", "выбарах"],
           ["у панядзелак.", "у Мінску.", "на мінулым тыдні.", "2 сакавіка 2024 г.", "сёння!"]),
    "en": (["The president", "The government", "The defence ministry", "A factory in Minsk",
            "Lukashenko", "The border service", "The army", "The company", "Officials"],
           ["announced", "reported", "discussed", "declared", "started", "visited"],
           ["drone deliveries", "exercises near the NATO border", "a new factory", "sanctions",
            "tractor production", "the purchase of drones", "equipment repairs", "elections"],
           ["on Monday.", "in Minsk.", "last week.", "on 2 March 2024.", "today!"]),
}


def make_corpus(n_lines: int = 3000, seed: int = 0) -> list[str]:
    """Deterministic short ru/be/en news-style sentences."""
    rng = random.Random(seed)
    langs = sorted(_WORDS)
    return [" ".join(rng.choice(part) for part in _WORDS[langs[i % len(langs)]])
            for i in range(n_lines)]


def train_sentencepiece(lines: list[str], symbols: list[str], out_file: Path,
                        vocab_size: int = 400) -> list[str]:
    """A unigram model; ids 0/1/2 are <unk>/<s>/</s>. Returns the pieces by id."""
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=buf, vocab_size=vocab_size,
        model_type="unigram", character_coverage=1.0, hard_vocab_limit=False,
        user_defined_symbols=symbols, num_threads=1, minloglevel=2)
    out_file.write_bytes(buf.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _unit_rows(rng, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim))
    x -= x.mean(axis=1, keepdims=True)  # zero mean: LayerNorm only rescales
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _zero_mean_basis(rng, dim: int) -> np.ndarray:
    """Orthonormal rows spanning the zero-mean subspace of R^dim."""
    m = rng.standard_normal((dim, dim))
    m -= m.mean(axis=0, keepdims=True)
    q, _ = np.linalg.qr(m)
    q = q.T[: dim - 1]
    q -= q.mean(axis=1, keepdims=True)
    q, _ = np.linalg.qr(q.T)
    return q.T


def build_copy_spec(vocab: list[str], glossary_ids: dict[int, int], *, d_model: int = 128,
                    num_heads: int = 4, num_layers: int = 2, ffn_dim: int = 256,
                    max_positions: int = 1024, pad_vocab_to: int = 0, seed: int = 0):
    """A validated ctranslate2 TransformerSpec that copies its input, swapping glossary ids."""
    from ctranslate2.specs import transformer_spec

    vocab = list(vocab) + [f"<pad_{i}>" for i in range(max(0, pad_vocab_to - len(vocab)))]
    rng = np.random.default_rng(seed)
    V, d, h = len(vocab), d_model, num_heads
    hd = d // h
    if d % h or h < 3:
        raise ValueError("d_model must be divisible by num_heads, and num_heads >= 3")
    f32 = np.float32
    spec = transformer_spec.TransformerSpec.from_config(num_layers, num_heads, pre_norm=True)
    cfg = spec.config
    cfg.unk_token, cfg.bos_token, cfg.eos_token = vocab[0], vocab[1], vocab[2]
    cfg.decoder_start_token = vocab[1]
    cfg.add_source_eos = True  # the copy needs </s> on the source to know where to stop
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)

    def norm(ln):
        ln.gamma, ln.beta = np.ones(d, f32), np.zeros(d, f32)

    def zero(lin, out_dim, in_dim):
        lin.weight, lin.bias = np.zeros((out_dim, in_dim), f32), np.zeros(out_dim, f32)

    for stack in (spec.encoder, spec.decoder):
        for layer in stack.layer:  # zero weights: each layer passes its input through
            norm(layer.self_attention.layer_norm)
            zero(layer.self_attention.linear[0], 3 * d, d)
            zero(layer.self_attention.linear[1], d, d)
            norm(layer.ffn.layer_norm)
            zero(layer.ffn.linear_0, ffn_dim, d)
            zero(layer.ffn.linear_1, d, ffn_dim)
            if hasattr(layer, "attention"):
                norm(layer.attention.layer_norm)
                zero(layer.attention.linear[0], d, d)
                zero(layer.attention.linear[1], 2 * d, d)
                zero(layer.attention.linear[2], d, d)
        norm(stack.layer_norm)
        stack.scale_embeddings = False

    a = d - 2 * hd
    A, B, C = slice(0, a), slice(a, a + hd), slice(a + hd, d)
    basis = _zero_mean_basis(rng, a)
    special = [2] + sorted(set(glossary_ids) | set(glossary_ids.values()))
    if len(special) >= len(basis) // 2:
        raise ValueError("glossary too large for d_model")
    rest = basis[len(special):]
    e_a = _unit_rows(rng, V, len(rest)) @ rest
    e_a /= np.linalg.norm(e_a, axis=1, keepdims=True)
    for k, tok in enumerate(special):  # exact orthonormal vectors: </s> and glossary pieces
        e_a[tok] = basis[k]
    enc_emb = np.zeros((V, d))
    enc_emb[:, A] = e_a
    dec_emb = np.zeros((V, d))
    dec_emb[:, C] = _unit_rows(rng, V, hd)
    pos = np.zeros((max_positions, d))
    pos[:, B] = _unit_rows(rng, max_positions, hd)
    spec.encoder.embeddings[0].weight = enc_emb.astype(f32)
    spec.decoder.embeddings.weight = dec_emb.astype(f32)
    spec.encoder.position_encodings.encodings = pos.astype(f32)
    spec.decoder.position_encodings.encodings = pos.astype(f32)

    alpha = 4.0  # sharpness of the position match
    q, kv, o = np.zeros((d, d)), np.zeros((2 * d, d)), np.zeros((d, d))
    eye = np.eye(hd)
    for head in range(h):
        rows = slice(head * hd, (head + 1) * hd)
        q[rows, B] = alpha * eye
        kv[rows, B] = eye  # keys
        if head < a // hd:  # these heads carry the token vector (head 0 aligns unknowns)
            kv[d + head * hd: d + (head + 1) * hd, head * hd:(head + 1) * hd] = eye
            o[head * hd:(head + 1) * hd, rows] = eye
    att = spec.decoder.layer[-1].attention
    att.linear[0].weight, att.linear[1].weight, att.linear[2].weight = (
        q.astype(f32), kv.astype(f32), o.astype(f32))
    w = np.zeros((V, d))
    for tok in range(V):
        w[glossary_ids.get(tok, tok), A] += 1.5 * e_a[tok]
    spec.decoder.projection.weight = w.astype(f32)
    spec.decoder.projection.bias = np.zeros(V, f32)
    spec.validate()
    return spec


def build_minisbd_onnx(out_file: Path, lang: str) -> None:
    """A rule-like model in MiniSBD's format: a sentence ends at .!?… before a space."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    id2unit = ["<PAD>", "<UNK>", " ", ".", "!", "?", "…"]
    unit2id = {u: i for i, u in enumerate(id2unit)}
    cur = np.zeros((len(id2unit), 5), np.float32)
    cur[:, 0] = 1.5
    for c in ".!?…":
        cur[unit2id[c], 2] = 1.0
    nxt = np.zeros((len(id2unit), 5), np.float32)
    nxt[unit2id[" "], 2] = nxt[unit2id["<PAD>"], 2] = 1.0
    consts = {"cur": cur, "nxt": nxt, "one": np.array([1], np.int64),
              "big": np.array([2 ** 62], np.int64), "ax1": np.array([1], np.int64),
              "ax2": np.array([2], np.int64), "pads": np.array([0, 0, 0, 1], np.int64),
              "zero_i": np.array(0, np.int64), "zero_f": np.array(0.0, np.float32)}
    graph = helper.make_graph(
        [helper.make_node("Gather", ["cur", "units"], ["lc"]),
         helper.make_node("Slice", ["units", "one", "big", "ax1"], ["shift"]),
         helper.make_node("Pad", ["shift", "pads", "zero_i"], ["nextu"]),
         helper.make_node("Gather", ["nxt", "nextu"], ["ln"]),
         helper.make_node("Add", ["lc", "ln"], ["l2"]),
         helper.make_node("ReduceSum", ["features", "ax2"], ["fs"], keepdims=1),
         helper.make_node("Mul", ["fs", "zero_f"], ["fz"]),
         helper.make_node("Add", ["l2", "fz"], ["logits"])],
        "tiny_minisbd",
        [helper.make_tensor_value_info("units", TensorProto.INT64, ["N", "T"]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", "T", 1])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", "T", 5])],
        initializer=[numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    config = {"feat_funcs": ["space_before"], "max_seqlen": 1000, "batch_size": 32,
              "skip_newline": False, "no_ssplit": False, "use_dictionary": False,
              "num_dict_feat": 0}
    vocab = {"lang": lang, "idx": 0, "cutoff": 0, "lower": False, "_unit2id": unit2id,
             "_id2unit": id2unit}
    for key, value in (("lang_code", lang), ("config", json.dumps(config)),
                       ("vocab", json.dumps(vocab)), ("lexicon", "null")):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    out_file.write_bytes(model.SerializeToString())


def zip_package(src: Path, out_file: Path) -> None:
    """Deterministic zip with the package folder as its one top-level entry."""
    with zipfile.ZipFile(out_file, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            arc = path.relative_to(src.parent).as_posix() + ("/" if path.is_dir() else "")
            info = zipfile.ZipInfo(arc, (2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o40755 if path.is_dir() else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, b"" if path.is_dir() else path.read_bytes())


def build_package(output: Path, from_code: str = "ru", to_code: str = "en", *,
                  glossary: dict[str, str] | None = None, version: str = "0.0.1",
                  name: str | None = None, minisbd: bool = False, quantization: str | None = None,
                  d_model: int = 128, num_heads: int = 4, num_layers: int = 2,
                  ffn_dim: int = 256, pad_vocab_to: int = 0, seed: int = 0) -> Path:
    """Write `output` (.argosmodel) and return it."""
    glossary = GLOSSARY_RU_EN if glossary is None else glossary
    name = name or f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    output = Path(output)
    with tempfile.TemporaryDirectory() as tmp:
        pkg = Path(tmp) / name
        (pkg / "model").mkdir(parents=True)
        symbols = sorted(set(glossary) | set(glossary.values()))
        vocab = train_sentencepiece(make_corpus(seed=seed) + symbols, symbols,
                                    pkg / "sentencepiece.model")
        index = {p: i for i, p in enumerate(vocab)}
        spec = build_copy_spec(vocab, {index[s]: index[t] for s, t in glossary.items()},
                               d_model=d_model, num_heads=num_heads, num_layers=num_layers,
                               ffn_dim=ffn_dim, pad_vocab_to=pad_vocab_to, seed=seed)
        spec.optimize(quantization=quantization)
        spec.save(str(pkg / "model"))
        if minisbd:
            (pkg / "minisbd").mkdir()
            build_minisbd_onnx(pkg / "minisbd" / f"{from_code}.onnx", from_code)
        meta = {"package_version": version, "argos_version": "1.9.0", "from_code": from_code,
                "from_name": LANG_NAMES.get(from_code, from_code), "to_code": to_code,
                "to_name": LANG_NAMES.get(to_code, to_code), "type": "translate",
                "code": f"translate-{from_code}_{to_code}", "links": []}
        (pkg / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2),
                                           encoding="utf-8")
        (pkg / "README.md").write_text(f"# Test package {from_code}→{to_code}\n\nA copy model "
                                       "with a glossary; it does not translate.\n",
                                       encoding="utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        zip_package(pkg, output)
    return output


def rezip(archive: Path, output: Path, *, drop: tuple[str, ...] = (),
          flatten: bool = False, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of `archive` with members removed, moved to the root, or added (bad inputs)."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
        [top] = list(Path(tmp).iterdir())
        for rel in drop:
            target = top / rel
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        with zipfile.ZipFile(output, "w") as out:
            for path in sorted(top.rglob("*")):
                if path.is_file():
                    arc = path.relative_to(top if flatten else top.parent).as_posix()
                    out.writestr(arc, path.read_bytes())
            for arc, data in (extra or {}).items():
                out.writestr(arc, data)
    return output
