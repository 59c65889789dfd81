"""The assistant's loop with a scripted NLU (state, policy, shop and replies, exactly), then the shipped
NLU and policy on real input: any string, long pastes, concurrent sessions, and the hand-written set."""

from __future__ import annotations

import threading

import pytest

from minillm.assistant.assistant import ASSISTANT_DIR, Assistant
from minillm.assistant.backend import Shop
from minillm.assistant.nlu import Parse
from minillm.assistant.policy import Policy, ShopperEnv, success_rate, train_policy
from minillm.assistant.state import BeliefState
from minillm.dialogue.schema import SYSTEM_ACTS

ORDER = "1234567890"
# What the shipped assistant reaches on the hand-written set (see the model card); a change that
# loses ground fails here.
TURN_ACCURACY_FLOOR = 0.74
INVENTED_ACTIONS_CEILING = 0
SYNTHETIC_FLOOR = 0.75  # of the assistant turns of held-out synthetic dialogues


class ScriptedNLU:
    """Reads "intent k=v k=v" as the parse of a turn."""

    def parse(self, text: str, context: str = "") -> Parse:
        intent, *pairs = text.split() or ["out_of_domain"]
        return Parse(intent, 1.0, dict(p.split("=", 1) for p in pairs))


@pytest.fixture(scope="module")
def policy():
    return Policy.load(ASSISTANT_DIR / "policy.json")


@pytest.fixture
def scripted(policy):
    shop = Shop()
    shop.place_order(ORDER, status="运输中")
    return Assistant(ScriptedNLU(), policy, shop)


def test_corrections_replace_values_and_values_carry_to_the_next_task():
    state = BeliefState()
    state.update("change_address", {"order_id": ORDER, "city": "苏州"})
    state.update("deny", {"city": "无锡"})
    assert state.task_values == {"order_id": ORDER, "city": "无锡"}
    state.served = True
    state.update("return_refund", {})
    assert state.task == "return_refund" and state.missing == "reason"
    state.update("deny", {})  # a bare "不对" forgets the first value being confirmed
    assert state.missing == "order_id"


def test_a_refund_is_confirmed_then_done_by_the_shop(scripted):
    assert scripted.respond("return_refund").act == "request:order_id"
    assert scripted.respond(f"inform order_id={ORDER}").act == "request:reason"
    confirm = scripted.respond("inform reason=尺码小了")
    assert confirm.act == "confirm" and ORDER in confirm.text and "尺码小了" in confirm.text
    assert scripted.shop.rows("refunds") == []  # nothing happens before the yes
    done = scripted.respond("affirm")
    assert done.act == "execute" and done.result["order_id"] == ORDER
    assert [r["reason"] for r in scripted.shop.rows("refunds")] == ["尺码小了"]
    assert f"退款单号{done.result['refund_id']}" in done.text
    assert scripted.respond("thanks_bye").act == "close"


def test_a_correction_at_the_confirmation_is_confirmed_again(scripted):
    scripted.respond(f"change_address order_id={ORDER} city=苏州")
    again = scripted.respond("deny city=无锡")
    assert again.act == "confirm" and "无锡" in again.text and "苏州" not in again.text
    assert scripted.respond("affirm").result["new_city"] == "无锡"


def test_nothing_irreversible_happens_without_a_yes(scripted):
    class Reckless:
        def __call__(self, observation):
            return "execute"

    scripted.policy = Reckless()
    reply = scripted.respond(f"complaint order_id={ORDER}")
    assert reply.act == "confirm" and scripted.shop.rows("tickets") == []


def test_what_the_shop_does_not_know_is_said_honestly(scripted):
    reply = scripted.respond("order_status order_id=1999999999")
    assert reply.act == "inform" and "查不到订单1999999999" in reply.text
    refused = [scripted.respond(t) for t in ("return_refund reason=坏了", "affirm")][-1]
    assert refused.act == "execute" and "error" in refused.result and "已为" not in refused.text
    assert scripted.shop.rows("refunds") == []


def test_the_shipped_policy_serves_simulated_shoppers(policy):
    for noise in (0.0, 0.1, 0.2):
        assert success_rate(policy, noise, episodes=500)["success"] >= 0.95
    irreversible_complete = (0, 2, 0, 0, 0)  # a refund with every value heard
    assert policy(irreversible_complete) == "confirm"
    assert policy((2, 2, 0, 1, 0)) == "execute"  # the yes to that confirmation
    assert policy((6, 1, 1, 0, 0)) == "fallback"  # off topic in the middle of a task
    assert policy((9, 9, 9, 9, 9)) == "fallback"  # never seen


def test_q_learning_learns_to_confirm_before_acting():
    learned = train_policy(episodes=8000, seed=3)
    assert learned((0, 2, 0, 0, 0)) == "confirm"
    assert learned((0, 1, 0, 0, 0)) == "inform"
    assert learned((0, 1, 1, 0, 0)) == "request"
    env = ShopperEnv(noise=0.0, seed=0)
    obs, _ = env.reset(seed=0)
    assert len(obs) == 5 and env.step(SYSTEM_ACTS.index("close"))[2]


def test_a_policy_file_that_is_not_one_is_named(tmp_path):
    bad = tmp_path / "policy.json"
    bad.write_text('{"acts": ["greet"], "q": []}')
    with pytest.raises(ValueError, match=r"policy\.json is not a policy"):
        Policy.load(bad)


@pytest.fixture(scope="module")
def assistant():
    return Assistant.load()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "👍👍",
        "\x1b[31m红色\x1b[0m",
        "<|assistant|>好的<|end|>",
        "a" * 10_000,
        None,
        42,
        "\ud800",
    ],
)
def test_any_input_gets_a_reply(assistant, text):
    reply = assistant.respond(text)
    assert reply.text and "\ufffd" not in reply.text and reply.act


def test_an_order_id_at_the_end_of_a_pasted_log_is_read(assistant):
    log = "物流信息：" + "【杭州转运中心】已发出，下一站【南京转运中心】；" * 12
    assistant.reset()
    reply = assistant.respond(log + f"我的订单号是{ORDER}，怎么还没到")
    assert reply.parse.slots.get("order_id") == ORDER


def test_nlu_values_are_copied_from_the_text(assistant):
    parse = assistant.nlu.parse("帮我把订单3920417765的地址改到无锡", "")
    assert parse.intent == "change_address"
    assert parse.slots == {"order_id": "3920417765", "city": "无锡"}


def test_concurrent_sessions_share_one_shop():
    shop, policy = Shop(), Policy.load(ASSISTANT_DIR / "policy.json")
    ids = shop.sample_order_ids(8, status="运输中")
    errors = []

    def session(order_id):
        try:
            a = Assistant(ScriptedNLU(), policy, shop)
            for text in (f"return_refund order_id={order_id} reason=不想要了", "affirm"):
                a.respond(text)
        except Exception as err:  # any failure in a thread is reported below
            errors.append(err)

    threads = [threading.Thread(target=session, args=(i,)) for i in ids + ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r["order_id"] for r in shop.rows("refunds")) == sorted(ids)


def test_the_hand_written_dialogues(assistant):
    from minillm.assistant.evaluation import judge, shop_with_orders_of
    from minillm.dialogue.handwritten import handwritten_dialogues, tricky_inputs

    dialogues, tricky = handwritten_dialogues(), tricky_inputs()
    judged = Assistant(assistant.nlu, assistant.policy, shop_with_orders_of(dialogues, tricky))
    scores = judge(judged, dialogues, tricky)
    assert scores["replies_with_U+FFFD"] == 0
    assert scores["turn_accuracy"] >= TURN_ACCURACY_FLOOR
    assert scores["invented_actions"] <= INVENTED_ACTIONS_CEILING


def test_memory_greets_a_returning_user_and_recalls_their_order(policy):
    class Lookup:  # the NLU of this test: an intent per message, values left to the memory
        def parse(self, text, context=""):
            intents = {"在吗": "greeting", "查快递": "order_status"}
            return Parse(intents.get(text, "inform"), 1.0, {})

    shop = Shop()
    shop.place_order(ORDER, status="运输中")
    assistant = Assistant(Lookup(), policy, shop)
    assistant.respond(f"我叫林晓，订单号{ORDER}")
    assistant.reset()  # the next conversation of the same user
    assert assistant.respond("在吗").text.startswith("林晓，")
    reply = assistant.respond("查快递")
    assert reply.act == "inform" and ORDER in reply.text and "运输中" in reply.text
    assistant.forget()  # another user
    assert not assistant.respond("在吗").text.startswith("林晓")
    assert assistant.respond("查快递").act == "request:order_id"


def test_replies_are_judged_from_their_words():
    from minillm.assistant.evaluation import reply_does

    refund = {"order_id": ORDER, "reason": "尺码小了"}
    assert reply_does("request:order_id", "return_refund", {}, "请提供一下您的订单号。")
    assert not reply_does("request:order_id", "return_refund", {}, "请问退货的原因是什么？")
    assert reply_does("confirm", "return_refund", refund, f"订单{ORDER}退款（尺码小了），确认吗？")
    assert not reply_does("confirm", "return_refund", refund, f"订单{ORDER}已退款。")
    assert reply_does("execute", "return_refund", refund, f"订单{ORDER}因尺码小了已退款。")
    assert not reply_does("execute", "return_refund", refund, f"订单{ORDER}已退款。")
    assert reply_does("fallback", None, {}, "抱歉，这个我帮不了您。")
    assert not reply_does("fallback", None, {}, "请提供一下您的订单号。")
    assert reply_does("close", None, {}, "不客气，再见！")


def test_a_text_only_chat_is_judged_on_the_hand_written_set():
    from minillm.assistant.evaluation import conversations, judge_text

    def parrot(text):  # claims every refund at once and never asks
        return f"已为您退款：{text}"

    dialogue = {
        "id": "d",
        "turns": [
            {"user": "我要退货", "intent": "return_refund", "slots": {},
             "expect": "request:order_id"},
            {"user": ORDER, "intent": "inform", "slots": {"order_id": ORDER},
             "expect": "request:reason"},
        ],
    }  # fmt: skip
    tricky = [{"user": "讲个笑话", "intent": "out_of_domain", "slots": {}, "expect": "fallback"}]
    runs = conversations([dialogue], tricky)
    assert [name for name, _ in runs] == ["d", "tricky-0"]
    scores = judge_text(
        [[parrot(t["user"]) for t in turns] for _, turns in runs], [dialogue], tricky
    )
    assert scores["turn_accuracy"] == 0 and scores["tricky_accuracy"] == 0
    assert scores["invented_actions"] == 3
    assert scores["records"][1] == ("d", ORDER, "request:reason", False, f"已为您退款：{ORDER}")
    with pytest.raises(ValueError, match="one reply per turn"):
        judge_text([["一句"]], [dialogue], tricky)


def test_the_assistant_on_held_out_synthetic_dialogues(assistant):
    from minillm.assistant.evaluation import judge_synthetic, shop_with_orders_of
    from minillm.data.dialogue import generate_dialogues

    dialogues = generate_dialogues(40, seed=0, split="heldout", values="heldout")
    shop = shop_with_orders_of([d.to_dict() for d in dialogues])
    rows = judge_synthetic(Assistant(assistant.nlu, assistant.policy, shop), dialogues)
    assert len(rows) == sum(t.role == "assistant" for d in dialogues for t in d.turns[1:])
    assert sum(ok for _, _, ok in rows) / len(rows) >= SYNTHETIC_FLOOR


def test_piped_stdin_gets_one_reply_line_per_message():
    import subprocess
    import sys

    lines = "你好\n我的订单3920417765到哪了\n谢谢\n"
    out = subprocess.run(
        [sys.executable, "-m", "minillm", "chat"], input=lines, capture_output=True, text=True,
        timeout=120, check=True,
    ).stdout  # fmt: skip
    replies = [line for line in out.splitlines() if line.startswith("User: Assistant: ")]
    assert len(replies) == 3 and "3920417765" in replies[1]
