"""The chapter 5 checks accept correct answers, reject wrong ones with a hint, and never crash."""

from __future__ import annotations

from minillm.exercises import ch05


def _accuracy(logits, targets, pad_id):
    keep = targets != pad_id
    return ((logits.argmax(-1) == targets) & keep).sum().item() / keep.sum().item()


def test_correct_answers_pass(capsys):
    ch05.check_shift_targets(lambda tgt: (tgt[:, :-1], tgt[:, 1:]))
    ch05.check_padding_mask(lambda src, pad_id: (src != pad_id)[:, None, None, :])
    ch05.check_token_accuracy(_accuracy)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("✅") for line in lines)


def test_wrong_answers_fail_with_a_hint(capsys):
    ch05.check_shift_targets(lambda tgt: (tgt, tgt))  # no shift: the decoder sees its answer
    ch05.check_padding_mask(lambda src, pad_id: src == pad_id)  # inverted, and the wrong shape
    ch05.check_token_accuracy(  # counts padding positions too
        lambda logits, targets, pad_id: (logits.argmax(-1) == targets).float().mean().item()
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("❌") and "提示" in line for line in lines)


def test_reader_exceptions_become_verdicts(capsys):
    def broken(*args):
        raise NotImplementedError("还没写")

    ch05.check_shift_targets(broken)
    ch05.check_padding_mask(broken)
    ch05.check_token_accuracy(broken)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all("NotImplementedError: 还没写" in line for line in lines)


def test_inverted_mask_with_right_shape_fails(capsys):
    ch05.check_padding_mask(lambda src, pad_id: (src == pad_id)[:, None, None, :])
    assert capsys.readouterr().out.startswith("❌")


def test_chat_checks(capsys):
    import re

    def find(pattern):
        return lambda text: m.group(1) if (m := re.search(pattern, text)) else None

    ch05.check_should_quit(lambda text: text.strip().lower() in ("bye", "quit", "exit"))
    ch05.check_find_order_id(find(r"(?<!\d)(\d{10})(?!\d)"))
    ch05.check_should_quit(lambda text: text.lower() in ("bye", "quit", "exit"))  # spaces break it
    ch05.check_find_order_id(find(r"(\d{10})"))  # also cuts 10 digits out of a longer number
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "✅", "❌", "❌"]
