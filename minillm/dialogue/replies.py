"""What the assistant says for each act, as templates over slot values and the shop's answers. They
are the fallback of the generator and the context the NLU learns to read confirmations in; every
value a reply must state is a field here, so a reply can be checked for it verbatim.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from minillm.data.dialogue import SPLITS

__all__ = ["PARAPHRASES", "REPLIES", "paraphrases", "render"]

REPLIES: Mapping[str, str] = MappingProxyType(
    {
        "greet": "您好，我是小智客服，请问有什么可以帮您？",
        "request:order_id": "好的，请提供一下您的订单号。",
        "request:product": "请问您想了解哪类商品？",
        "request:city": "请问是哪个城市？",
        "request:date": "请问您想问哪一天？",
        "request:reason": "请问退货的原因是什么？",
        "confirm:return_refund": "要为订单{order_id}办理退货退款（原因：{reason}），确认吗？",
        "confirm:change_address": "要把订单{order_id}的收货地址改到{city}，确认吗？",
        "confirm:complaint": "要为订单{order_id}提交投诉工单，确认吗？",
        "inform:order_status": "订单{order_id}（{product}）当前状态：{status}，收货城市{city}。",
        "inform:shipping_time": "寄往{city}一般{days}天送达。",
        "inform:business_hours": "{date}的客服营业时间是{hours}。",
        "inform:product_recommendation": "推荐{name}：{pick}，评分{rating}，售价{price_yuan}元。",
        "execute:return_refund": "已为订单{order_id}办理退款（退款单号{refund_id}），"
        "{refund_days}天内原路退回。",
        "execute:change_address": "已把订单{order_id}的收货地址从{old_city}改到{new_city}，"
        "预计{days}天送达。",
        "execute:complaint": "已为订单{order_id}提交投诉工单（编号{ticket_id}），"
        "{response_hours}小时内会有专人联系您。",
        "unknown:order_id": "抱歉，查不到订单{order_id}，请核对一下订单号。",
        "unknown:city": "抱歉，{city}暂时不在配送范围内。",
        "unknown:date": "抱歉，没看懂“{date}”是哪一天，可以说“明天”或“5月1日”这样的日期。",
        "unknown:product": "抱歉，暂时没有和“{product}”相关的商品。",
        "refused": "抱歉，{reason}。",
        "close": "不客气，祝您生活愉快！",
        "fallback": "抱歉，这个我帮不上忙。我可以查订单、退货退款、改收货地址、投诉，"
        "也能查配送时间、营业时间和推荐商品。",
    }
)


# Other ways to say each reply, with the same fields: the writer learns from them. Each keeps the
# task keyword and the slot names the template has (and no others), so judges read them alike.
PARAPHRASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        key: (REPLIES[key], *others)
        for key, others in {
            "greet": (
                "您好，小智客服为您服务，请问有什么需要帮忙的吗？",
                "你好呀，我是客服小智，请问遇到什么问题了？",
                "您好，欢迎光临，我是小智，请问有什么可以为您效劳？",
                "您好，这里是小智客服，请问今天想咨询点什么？",
            ),
            "request:order_id": (
                "麻烦告诉我您的订单号，我来帮您查。",
                "请问您的订单号是多少？",
                "好的，麻烦发一下订单号哦。",
                "没问题，请把订单号发给我。",
            ),
            "request:product": (
                "您想看看什么商品呢？",
                "请问您对哪类商品感兴趣？",
                "想买什么样的商品？告诉我就好。",
                "请说一下您想找的商品类型。",
            ),
            "request:city": (
                "请问您在哪个城市呢？",
                "麻烦告诉我收货的城市。",
                "您要寄到哪个城市？",
                "请问收货城市是哪里？",
            ),
            "request:date": (
                "请问是哪一天呢？",
                "您想了解哪天的情况？",
                "请问具体是哪一天？",
                "想问的是哪一天呀？",
            ),
            "request:reason": (
                "方便说一下退货原因吗？",
                "请问为什么想退货呢？请说明一下原因。",
                "麻烦告诉我退货的原因。",
                "请问是什么原因要退货？",
            ),
            "confirm:return_refund": (
                "订单{order_id}将申请退货退款，原因是{reason}，请问确认吗？",
                "确认一下：为订单{order_id}办理退款，退货原因为{reason}，对吗？",
                "您要给订单{order_id}办理退货退款，原因：{reason}。确认办理吗？",
                "帮您核对一下：订单{order_id}退货退款，原因是“{reason}”，确认无误吗？",
            ),
            "confirm:change_address": (
                "订单{order_id}的收货地址将改为{city}，确认吗？",
                "确认一下：把订单{order_id}的收货地址改成{city}，对吗？",
                "您是要把订单{order_id}的收货地址换到{city}吗？请确认。",
                "帮您核对：订单{order_id}，新的收货地址在{city}，确认修改吗？",
            ),
            "confirm:complaint": (
                "将为订单{order_id}提交一张投诉工单，确认吗？",
                "确认一下：为订单{order_id}发起投诉工单，对吗？",
                "您要针对订单{order_id}提交投诉工单吗？请确认。",
                "帮您核对：订单{order_id}提交投诉工单，确认提交吗？",
            ),
            "inform:order_status": (
                "您的订单{order_id}（{product}）目前状态是{status}，收货城市为{city}。",
                "查到了：订单{order_id}买的是{product}，收货城市{city}，当前状态{status}。",
                "订单{order_id}购买的{product}现在的状态是{status}，收货城市是{city}。",
                "帮您查好了，订单{order_id}（{product}，收货城市{city}）的状态为{status}。",
            ),
            "inform:shipping_time": (
                "发往{city}的包裹一般{days}天送达。",
                "寄到{city}的话，通常{days}天左右送达。",
                "{city}的订单一般{days}天内送达。",
                "寄往{city}，大约{days}天可以送达。",
            ),
            "inform:business_hours": (
                "{date}客服的营业时间为{hours}。",
                "查到了，{date}的营业时间是{hours}。",
                "{date}当天客服营业时间：{hours}。",
                "您问的{date}，客服营业时间为{hours}。",
            ),
            "inform:product_recommendation": (
                "为您推荐{name}，{pick}，评分{rating}，售价{price_yuan}元。",
                "推荐您看看{name}（{pick}），评分{rating}，只要{price_yuan}元。",
                "{name}值得推荐：{pick}，用户评分{rating}，价格{price_yuan}元。",
                "给您推荐{name}，属于{pick}，评分{rating}，售价{price_yuan}元。",
            ),
            "execute:return_refund": (
                "订单{order_id}的退款已办理，退款单号{refund_id}，款项{refund_days}天内原路退回。",
                "已帮您提交订单{order_id}的退款，退款单号是{refund_id}，"
                "预计{refund_days}天内退回原支付账户。",
                "订单{order_id}退款成功（退款单号{refund_id}），钱会在{refund_days}天内原路返回。",
                "好的，订单{order_id}已办理退款，退款单号{refund_id}，{refund_days}天内原路退回。",
            ),
            "execute:change_address": (
                "订单{order_id}的收货地址已从{old_city}改为{new_city}，预计{days}天送达。",
                "改好了：订单{order_id}的收货地址由{old_city}改到{new_city}，大约{days}天送达。",
                "已将订单{order_id}的收货地址从{old_city}更改为{new_city}，预计{days}天送达。",
                "订单{order_id}的收货地址已经从{old_city}换成{new_city}，预计{days}天内送达。",
            ),
            "execute:complaint": (
                "订单{order_id}的投诉工单已提交，编号{ticket_id}，{response_hours}小时内专人会联系您。",
                "已帮您为订单{order_id}提交投诉工单，工单编号{ticket_id}，"
                "我们会在{response_hours}小时内联系您。",
                "投诉工单已提交（订单{order_id}，编号{ticket_id}），"
                "{response_hours}小时内会有专人与您联系。",
                "好的，订单{order_id}的投诉已登记为工单{ticket_id}，"
                "{response_hours}小时内会有专人回复您。",
            ),
            "unknown:order_id": (
                "抱歉，没有找到订单{order_id}，麻烦核对一下订单号。",
                "不好意思，系统里查不到订单{order_id}，请确认订单号是否正确。",
                "抱歉，订单{order_id}不存在，请再检查一下订单号。",
                "很抱歉，未查询到订单{order_id}，请核实订单号后再试。",
            ),
            "unknown:city": (
                "抱歉，{city}目前还不在我们的配送范围内。",
                "不好意思，暂时无法配送到{city}。",
                "很抱歉，{city}暂不支持配送。",
                "抱歉，我们暂时还不能配送到{city}。",
            ),
            "unknown:date": (
                "抱歉，“{date}”我没看懂是哪一天，您可以说“明天”或“5月1日”这样的日期。",
                "不好意思，无法识别“{date}”，请换成“明天”或“5月1日”这样的日期。",
                "抱歉，不确定“{date}”指哪一天，请用“后天”或“6月18日”这样的日期。",
                "没太明白“{date}”是哪天，麻烦说一个像“明天”或“10月1日”这样的日期。",
            ),
            "unknown:product": (
                "抱歉，目前没有找到与“{product}”相关的商品。",
                "不好意思，暂时没有“{product}”这类商品。",
                "很抱歉，店里还没有和“{product}”有关的商品。",
                "抱歉，暂未上架与“{product}”相关的商品。",
            ),
            "refused": (
                "很抱歉，{reason}。",
                "不好意思，{reason}。",
                "抱歉，暂时无法办理：{reason}。",
                "非常抱歉，{reason}。",
            ),
            "close": (
                "不客气，有需要随时找我！",
                "不用谢，祝您生活愉快，再见！",
                "不客气，很高兴为您服务，再见！",
                "不客气，有问题随时联系我们，祝您愉快！",
            ),
            "fallback": (
                "不好意思，这个问题我处理不了。我能帮您查订单、办理退货退款、修改收货地址、投诉，"
                "还能查配送时间、营业时间和推荐商品。",
                "抱歉，这超出了我的服务范围。查订单、退货退款、改收货地址、投诉，"
                "以及配送时间、营业时间、推荐商品，这些我都可以帮您。",
                "抱歉，暂时帮不了您这个。您可以找我查订单、退货退款、修改收货地址、提交投诉，"
                "或者问配送时间、营业时间，也可以让我推荐商品。",
                "很抱歉，这个我不太懂。我可以帮您查订单、退货退款、改收货地址、投诉，"
                "也可以查配送时间、营业时间或推荐商品。",
            ),
        }.items()
    }
)


def render(key: str, values: Mapping[str, object] = MappingProxyType({})) -> str:
    """The reply ``key`` with its fields filled; a missing value is a KeyError naming it."""
    return REPLIES[key].format_map(values)


def paraphrases(key: str, split: str = "train") -> tuple[str, ...]:
    """The phrasings of reply ``key`` in ``split``: "train" all but the last, "heldout" the last,
    which no model learns from, so it can measure how a writer does on a phrasing it never saw."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    phrasings = PARAPHRASES[key]
    return phrasings[:-1] if split == "train" else phrasings[-1:]
