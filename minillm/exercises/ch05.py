"""Checks for the exercises of chapter 5 (项目实践：代码实例和详细解释说明)."""

from __future__ import annotations

from minillm.exercises import run_check


def check_smoothed_loss(fn) -> None:
    """``fn(logits, targets, pad_id, eps)`` is the label-smoothed cross-entropy that skips padding,
    compared with ``nn.CrossEntropyLoss(ignore_index=pad_id, label_smoothing=eps)``."""
    import torch
    from torch import nn

    def cases():
        g = torch.Generator().manual_seed(0)
        for batch, time, vocab, pad_id, eps in [
            (2, 5, 7, 0, 0.1),
            (3, 4, 6, 3, 0.2),  # the padding id sits in the middle of the vocabulary
            (2, 3, 5, 4, 0.0),  # no smoothing: plain cross-entropy without padding
            (1, 1, 2, 1, 0.5),  # one real position, two words
            (2, 4, 9, 0, 1.0),  # all of the mass spread evenly
        ]:
            logits = torch.randn(batch, time, vocab, generator=g) * 3
            targets = torch.randint(0, vocab, (batch, time), generator=g)
            targets[targets == pad_id] = (pad_id + 1) % vocab
            if time > 1:
                targets[-1, time // 2 :] = pad_id  # padding at the end of the last row
            targets[0, -1] = pad_id if batch > 1 else targets[0, -1]
            yield logits, targets, pad_id, eps

    def check():
        for logits, targets, pad_id, eps in cases():
            criterion = nn.CrossEntropyLoss(ignore_index=pad_id, label_smoothing=eps)
            want = criterion(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
            got = fn(logits.clone(), targets.clone(), pad_id, eps)
            if not isinstance(got, torch.Tensor) or got.dim() != 0:
                return f"应返回一个标量张量（0 维），得到 {got!r}"
            if not torch.allclose(got, want, atol=1e-5):
                return (
                    f"形状 {tuple(logits.shape)}、pad_id={pad_id}、ε={eps} 时应为 {want.item():.5f}，"
                    f"你的结果是 {got.item():.5f}（每个非填充位置：(1−ε)·(−log p_y) + ε·(所有 V 个词的"
                    "−log p 的平均)；再对非填充位置取平均，填充位置两项都不计）"
                )
        return None

    run_check("练习 1 带填充的标签平滑损失", check)


def _tiny_seq2seq():
    """A small random Seq2SeqTransformer (12 words, eval mode) whose greedy outputs vary from row to
    row and step to step, for the checks; the global random state is left as it was."""
    import torch

    from minillm.models.seq2seq import Seq2SeqTransformer

    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = Seq2SeqTransformer(12, d_model=32, nhead=2, num_layers=1, dropout=0.0).eval()
        with torch.no_grad():
            model.fc.weight.normal_(0.0, 1.0)  # sharp, varied choices instead of one word always
            model.fc.bias.zero_()
    return model


class _DecodeRecorder:
    """Wraps a Seq2SeqTransformer and records the batch size of every ``decode`` call."""

    def __init__(self, model):
        self.model, self.rows = model, []

    def encode(self, *args, **kwargs):
        return self.model.encode(*args, **kwargs)

    def decode(self, tgt, *args, **kwargs):
        self.rows.append(tgt.size(0))
        return self.model.decode(tgt, *args, **kwargs)

    def __getattr__(self, name):  # eval(), parameters(), ... go to the model
        return getattr(self.model, name)


def check_greedy_active(fn) -> None:
    """``fn(model, src, src_mask, max_len, bos_id, eos_id)`` decodes greedily like
    ``minillm.models.seq2seq.greedy_decode`` (same shape, same ids) but sends only the rows that
    have not yet written ``eos_id`` through the decoder: step t decodes exactly those rows."""
    import torch

    from minillm.models.seq2seq import create_src_mask, greedy_decode

    pad_id, bos_id = 0, 1
    model = _tiny_seq2seq()
    g = torch.Generator().manual_seed(1)
    src = torch.randint(3, 12, (5, 7), generator=g)
    src[1, 4:], src[3, 2:] = pad_id, pad_id
    mask = create_src_mask(src, pad_id)

    def active_rows(ids, eos_id):
        """How many rows are still unfinished before each step of the reference output."""
        ended = ids[:, 1:] == eos_id
        return [int((~ended[:, :t].any(1)).sum()) for t in range(ended.size(1))]

    def check():
        cases = [
            (src, mask, 8, 2),  # two rows end (at steps 2 and 7), three never do
            (src, mask, 8, 4),  # four rows end at step 1, the first at step 3: stop after 3 steps
            (src[1:], mask[1:], 8, 4),  # every row ends at step 1
            (src[:1], mask[:1], 1, 2),  # one row, one step
            (src[2:4], mask[2:4], 5, 7),  # one row ends at step 2, the other goes on
        ]
        for s, m, max_len, eos_id in cases:
            want = greedy_decode(model, s, m, max_len, bos_id, eos_id)
            recorder = _DecodeRecorder(model)
            with torch.no_grad():
                got = fn(recorder, s.clone(), m.clone(), max_len, bos_id, eos_id)
            where = f"批次 {len(s)} 条、max_len={max_len}、eos_id={eos_id} 时"
            if not isinstance(got, torch.Tensor) or got.shape != want.shape:
                shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
                return (
                    f"{where}形状应为 {tuple(want.shape)}，得到 {shape}（结果含开头的 <|bos|>；"
                    "所有序列都写出 eos_id 后立刻停下，否则最多生成 max_len 个词元）"
                )
            if not torch.equal(got.cpu(), want):
                return (
                    f"{where}应为 {want.tolist()}，得到 {got.tolist()}"
                    "（每步取最后一个位置的 argmax；已经结束的序列之后只补 eos_id）"
                )
            if recorder.rows != active_rows(want, eos_id):
                return (
                    f"{where}每一步送进 decode 的行数应为 {active_rows(want, eos_id)}，"
                    f"你的是 {recorder.rows}（已经写出 eos_id 的序列不再送进解码器，"
                    "encode 只调用一次）"
                )
        return None

    run_check("练习 2 只解码还没结束的序列", check)


def check_corpus_bleu(fn) -> None:
    """``fn(candidates, references, max_n)`` is character-level corpus BLEU, compared with NLTK's
    ``corpus_bleu`` on the same characters (every candidate has at least ``max_n`` characters)."""
    import math
    import warnings

    from nltk.translate.bleu_score import corpus_bleu

    cases = [
        (["查订单（订单号=5930190134）", "感谢告别"], ["查订单（订单号=5930190134）", "感谢告别"], 4),
        (["投诉（订单号=7032218864）"], ["投诉（订单号=7803221864）"], 4),
        (["改地址（订单号=7816602661）", "商品推荐（商品=降噪耳机）"],
         ["投诉（订单号=7178160261）", "商品推荐（商品=加湿器）"], 4),
        (["商品推荐"], ["商品推荐（商品=加湿器）"], 2),  # shorter than the reference
        (["配送时间（城市=重庆）", "问候"], ["问候", "感谢告别"], 2),
        (["的的的的的的"], ["的的是"], 1),  # a repeated character counts at most as often as in the reference
        (["问候问候"], ["感谢告别"], 2),  # nothing in common
    ]  # fmt: skip

    def check():
        for cands, refs, n in cases:
            with warnings.catch_warnings():  # NLTK warns when a precision is zero
                warnings.simplefilter("ignore")
                want = float(
                    corpus_bleu([[list(r)] for r in refs], [list(c) for c in cands], (1 / n,) * n)
                )
            got = fn(list(cands), list(refs), n)
            if not isinstance(got, float) or not math.isclose(
                got, want, rel_tol=1e-9, abs_tol=1e-12
            ):
                return (
                    f"corpus_bleu({cands!r}, {refs!r}, max_n={n}) 应为 {want:.6f}，你的结果是 {got!r}"
                    "（命中数在整个语料上累加、每种 n-gram 最多算参考中的次数，c ≤ r 时乘简短惩罚）"
                )
        return None

    run_check("练习 3 字符级的语料 BLEU", check)


def check_slot_prf(fn) -> None:
    """``fn(predictions, references)`` is the micro-averaged (precision, recall, F1) of the
    (slot, value) pairs of semantic frames, a pair counting only within its own sample."""
    import math
    import re

    slot = re.compile(r"([^（，=]+)=([^，）]+)")

    def reference(preds, refs):
        hits = n_pred = n_ref = 0
        for p, r in zip(preds, refs):
            expected = set(slot.findall(r))
            n_pred += len(set(slot.findall(p)))
            n_ref += len(expected)
            hits += sum(pair in expected for pair in set(slot.findall(p)))
        precision = hits / n_pred if n_pred else 0.0
        recall = hits / n_ref if n_ref else 0.0
        total = precision + recall
        return precision, recall, (2 * precision * recall / total if total else 0.0)

    cases = [
        (["查订单（订单号=5930190134）", "投诉（订单号=7032218864）", "商品推荐（商品=降噪耳机）"],
         ["查订单（订单号=5930190134）", "投诉（订单号=7803221864）", "商品推荐（商品=加湿器）"]),
        (["改地址（订单号=1234567890，城市=成都）", "问候"],
         ["改地址（订单号=1234567890）", "配送时间（城市=成都）"]),  # a right pair in the wrong sample
        (["配送时间（城市=重庆）", "营业时间（日期=10月20日）"], ["配送时间", "营业时间（日期=10月20日）"]),
        (["问候", "感谢告别"], ["问候", "感谢告别"]),  # no slots at all
        (["查订单", "投诉"], ["查订单（订单号=5930190134）", "投诉（订单号=7803221864）"]),
        (["退货退款（原因=尺码不合适）"], ["退货退款（订单号=尺码不合适）"]),  # right value, wrong slot
    ]  # fmt: skip

    def check():
        for preds, refs in cases:
            want, got = reference(preds, refs), fn(list(preds), list(refs))
            if not isinstance(got, tuple) or len(got) != 3:
                return "应返回三元组 (precision, recall, f1)"
            if not all(math.isclose(float(g), w, abs_tol=1e-12) for g, w in zip(got, want)):
                return (
                    f"slot_prf({preds!r}, {refs!r}) 应为 {tuple(round(w, 4) for w in want)}，"
                    f"你的结果是 {got!r}（一对只在同一个样本里比较；分母为 0 时记 0.0）"
                )
        return None

    run_check("练习 4 槽位的精确率、召回率与 F1", check)


def check_free_running_accuracy(fn) -> bool:
    """``fn(model, src, tgt, pad_id, bos_id, eos_id)`` is the token accuracy of greedy decoding,
    position by position against ``tgt[:, 1:]`` over its non-padding positions; the reference decodes
    with ``greedy_decode`` and compares on its own. The references follow the model except for one
    word, so teacher forcing would get almost every position right and free running would not."""
    import torch

    from minillm.models.seq2seq import create_src_mask, greedy_decode

    pad_id, bos_id, eos_id = 0, 1, 2
    model = _tiny_seq2seq()
    g = torch.Generator().manual_seed(2)
    src = torch.randint(3, 12, (6, 6), generator=g)
    src[2, 3:] = pad_id
    mask = create_src_mask(src, pad_id)

    def reference(s, tgt):
        out = greedy_decode(model, s, create_src_mask(s, pad_id), tgt.size(1) - 1, bos_id, eos_id)
        hits = total = 0
        for pred, ref in zip(out[:, 1:].tolist(), tgt[:, 1:].tolist()):
            for i, word in enumerate(ref):
                if word != pad_id:
                    total += 1
                    hits += i < len(pred) and pred[i] == word
        return hits / total

    @torch.no_grad()
    def targets(rows, changes, lengths):
        """Row i: the model's greedy words, except word changes[i], which is replaced; after it the
        words the model picks given that changed prefix; then <|end|> and padding."""
        out = []
        for i, k, n in zip(rows, changes, lengths):
            memory = model.encode(src[i : i + 1], mask[i : i + 1])
            ys = [bos_id]
            for t in range(n):
                best = model.decode(torch.tensor([ys]), memory, mask[i : i + 1])[0, -1].argmax()
                ys.append(3 + (int(best) + 4) % 9 if t == k else int(best))
            out.append([*ys, eos_id])
        width = max(map(len, out))
        return src[rows], torch.tensor([r + [pad_id] * (width - len(r)) for r in out])

    def check():
        cases = [
            targets([0, 1, 2, 3], [1, 0, 3, 2], [6, 4, 5, 3]),  # padded rows of different lengths
            targets([4], [0], [1]),  # one word, and it is wrong
            targets([0, 1, 2, 3, 4, 5], [9, 2, 9, 0, 9, 1], [4, 4, 4, 4, 4, 4]),  # 9: no change
        ]
        for s, tgt in cases:
            want = reference(s, tgt)
            with torch.no_grad():
                got = fn(model, s.clone(), tgt.clone(), pad_id, bos_id, eos_id)
            if isinstance(got, torch.Tensor):
                got = got.item()
            if not isinstance(got, float) or abs(got - want) > 1e-6:
                return (
                    f"批次 {len(s)} 条、tgt 形状 {tuple(tgt.shape)} 时应为 {want:.4f}，得到 {got!r}"
                    "（用贪心解码自己生成前文，最多生成 tgt 长度 − 1 个词元，与 tgt[:, 1:] 逐位置比较，"
                    "只数参考不是填充的位置；生成得短了，缺的位置算错）"
                )
        return None

    return run_check("练习 5 暴露偏差：自由生成时的词元准确率", check)
