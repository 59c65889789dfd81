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


def check_padding_mask(fn) -> None:
    """``fn(src, pad_id)`` is the (batch, 1, 1, src_len) bool mask, True where src is not padding."""
    import torch

    def check():
        for pad_id in (0, 3):
            src = torch.tensor([[5, 6, 7, pad_id], [8, pad_id, pad_id, pad_id], [4, 4, 4, 4]])
            want = (src != pad_id)[:, None, None, :]
            got = fn(src.clone(), pad_id)
            if not isinstance(got, torch.Tensor) or got.dtype != torch.bool:
                return "应返回布尔张量（True = 可以注意）"
            if tuple(got.shape) != tuple(want.shape):
                return f"形状应为 (batch, 1, 1, src_len) = {tuple(want.shape)}，得到 {tuple(got.shape)}"
            if not torch.equal(got, want):
                return f"pad_id={pad_id} 时填充位置应为 False、其余为 True，得到 {got[:, 0, 0].tolist()}"
        return None

    run_check("练习 2 填充掩码", check)


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

    run_check("练习 3 不计填充的词元准确率", check)


def check_should_quit(fn) -> None:
    """``fn(text)`` is True for bye/quit/exit in any case, with spaces around, and False otherwise."""

    def check():
        cases = {"bye": True, "QUIT": True, "  Exit \n": True, "bye bye": False, "exit?": False,
                 "": False, "再见": False, "quitting": False}  # fmt: skip
        for text, want in cases.items():
            got = fn(text)
            if bool(got) != want or not isinstance(got, bool):
                return (
                    f"should_quit({text!r}) 应为 {want}，你的结果是 {got!r}（忽略大小写和首尾空白）"
                )
        return None

    run_check("练习 4 退出指令", check)


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
