"""Checks for the exercises of chapter 5 (项目实践：代码实例和详细解释说明)."""

from __future__ import annotations

from minillm.exercises import run_check


def check_shift_targets(fn) -> None:
    """``fn(tgt)`` returns ``(tgt[:, :-1], tgt[:, 1:])``: decoder input and teacher-forcing target."""
    import torch

    def check():
        tgt = torch.tensor([[1, 5, 6, 7, 2], [1, 8, 2, 0, 0]])
        got = fn(tgt.clone())
        if not isinstance(got, tuple) or len(got) != 2:
            return "应返回一个二元组 (tgt_input, tgt_output)"
        tgt_input, tgt_output = got
        if not torch.equal(tgt_input, tgt[:, :-1]):
            return f"tgt_input 应去掉最后一个位置（以 <|bos|> 开头），期望 {tgt[:, :-1].tolist()}，得到 {tgt_input.tolist()}"
        if not torch.equal(tgt_output, tgt[:, 1:]):
            return f"tgt_output 应去掉第一个位置（<|bos|>），期望 {tgt[:, 1:].tolist()}，得到 {tgt_output.tolist()}"
        return None

    run_check("练习 1 教师强制的目标移位", check)


def check_token_accuracy(fn) -> None:
    """``fn(logits, targets, pad_id)`` is the share of non-pad positions whose argmax is the target."""
    import torch

    def check():
        g = torch.Generator().manual_seed(0)
        for pad_id in (0, 2):
            logits = torch.randn(3, 5, 7, generator=g)
            targets = logits.argmax(-1)
            targets[0, 1] = (targets[0, 1] + 1) % 7  # one wrong prediction
            targets[1, 3:] = pad_id  # padding, whatever the prediction there
            targets[2, 4] = pad_id
            keep = targets != pad_id
            want = ((logits.argmax(-1) == targets) & keep).sum().item() / keep.sum().item()
            got = fn(logits.clone(), targets.clone(), pad_id)
            if isinstance(got, torch.Tensor):
                got = got.item()
            if not isinstance(got, float) or abs(got - want) > 1e-9:
                return (
                    f"pad_id={pad_id} 时应为 {want:.4f}（只在目标不是填充的位置上统计），"
                    f"你的结果是 {got!r}"
                )
        return None

    run_check("练习 2 不计填充的词元准确率", check)


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


def check_find_order_id(fn) -> None:
    """``fn(text)`` is the first 10-digit number that is not part of a longer one, else None."""
    from minillm.chat import extract_facts

    def check():
        cases = ["订单号3729104856", "单号：3729104856，谢谢", "电话13812345678", "123456789",
                 "37291048560", "a3729104856b", "两个 1111111111 和 2222222222", "没有"]  # fmt: skip
        for text in cases:
            want, got = extract_facts(text).get("订单号"), fn(text)
            if got != want:
                return f"find_order_id({text!r}) 应为 {want!r}，你的结果是 {got!r}（10 位数字，前后不能紧挨着别的数字）"
        return None

    run_check("练习 5 提取订单号", check)
