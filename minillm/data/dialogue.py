"""Synthetic Chinese customer-service dialogues, annotated with intents, slots and dialogue acts.
They give a tiny GPT exactly checkable chat data, a held-out split to judge it on, and an RL task.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import random
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from minillm.chat_template import (
    ASSISTANT_TOKEN,
    END_TOKEN,
    SYSTEM_TOKEN,
    USER_TOKEN,
    parse_chat_text,
)
from minillm.dialogue.schema import (
    INTENT_KEYWORDS,
    INTENTS,
    REQUIRED_SLOTS,
    SLOT_LABELS,
    SLOTS,
    TASK_INTENTS,
)

__all__ = [
    "ACTS",
    "ASSISTANT_TOKEN",
    "END_TOKEN",
    "INTENTS",
    "INTENT_KEYWORDS",
    "REQUIRED_SLOTS",
    "SENTIMENTS",
    "SLOTS",
    "SLOT_LABELS",
    "SPLITS",
    "SYSTEM_TOKEN",
    "TASK_INTENTS",
    "USER_TOKEN",
    "Dialogue",
    "Turn",
    "answer_facts",
    "assistant_prompts",
    "chat_corpus",
    "dialogue_to_dict",
    "generate_dialogues",
    "judge_reply",
    "parse_chat_text",
    "random_slot_value",
    "reason_phrases",
    "reply_words",
    "sample_slot_value",
    "slot_value_split",
    "to_chat_text",
    "user_templates",
    "value_pool",
]

SPLITS = ("train", "heldout")
ACTS = ("greet", "inform_intent", "inform_slot", "request", "answer", "thanks", "close")
SENTIMENTS = ("neutral", "negative", "very_negative")

# ---------------------------------------------------------------------------------------------
# User phrasings. Each pool (and each group of intent templates stating the same slots) is
# partitioned by position into a train and a held-out split, so held-out dialogues use user
# templates and slot values never seen in training; assistant templates are shared by both.
# The slots a template states are its placeholders; the assistant requests the other ones.
# ---------------------------------------------------------------------------------------------
_GREETINGS = (
    "你好",
    "您好",
    "在吗",
    "hello",
    "你好呀",
    "您好，请问有人吗",
    "哈喽",
    "有人吗？",
    "早上好",
    "下午好",
    "晚上好",
    "客服你好",
    "嗨",
    "hi，在不在",
    "你好，客服",
    "亲，在吗",
)
_THANKS = (
    "谢谢",
    "好的，谢谢",
    "多谢",
    "谢谢你",
    "明白了，谢谢",
    "好的",
    "没有了，谢谢",
    "感谢",
    "辛苦了",
    "OK，谢谢啦",
    "好嘞，拜拜",
    "再见",
    "知道了，多谢",
    "太好了，谢谢！",
    "行，那就这样吧",
    "谢啦",
)
_CONNECTORS = (
    "另外，",
    "还有，",
    "对了，",
    "顺便问一下，",
    "还有个问题，",
    "再问一下，",
    "另外还想问，",
    "哦对了，",
)
_INTENT_PHRASES = {
    "order_status": (
        "帮我查一下订单{order_id}到哪了",
        "订单号{order_id}，现在什么状态？",
        "我的订单{order_id}发货了吗",
        "查下{order_id}这个单子",
        "请问订单{order_id}的物流进度如何？",
        "{order_id}这单到哪儿了啊",
        "麻烦看一下订单{order_id}现在的情况，谢谢",
        "我想查询订单{order_id}的配送情况",
        "单号{order_id}，怎么还没收到货",
        "能帮我看看{order_id}这个订单到哪了吗？",
        "订单{order_id}一直没动静，帮忙查查",
        "我买的东西订单是{order_id}，到哪了",
        "我想查一下我的订单",
        "帮我看看订单到哪了",
        "我的快递怎么还没到？",
        "查订单",
        "请问怎么查询订单进度？",
        "我买的东西发货了没",
        "能帮我查下物流吗",
        "订单一直显示未发货，帮我看看",
        "我下的单现在什么情况了",
        "想问问我的包裹到哪儿了",
        "麻烦帮我查询一下订单，谢谢",
        "东西买了好几天了还没收到",
    ),
    "shipping_time": (
        "发到{city}要几天？",
        "寄到{city}大概多久能到",
        "我在{city}，下单后几天能收到？",
        "{city}能送吗？一般多久",
        "请问发往{city}的快递需要多长时间？",
        "收货地址是{city}的话，几天能到货",
        "到{city}的话多久能到呀",
        "{city}这边下单多久发到",
        "想知道寄{city}要多少天",
        "我人在{city}，现在买什么时候到",
        "你们发{city}快吗",
        "麻烦问下，送到{city}需要几天？",
        "发货后多久能到？",
        "一般几天能收到货",
        "快递大概要多久啊",
        "请问配送需要多长时间？",
        "下单后多久送到",
        "你们发货快不快",
        "想问一下运输时效",
        "这会儿下单几天能到",
        "送货要几天",
        "物流一般走几天？",
        "我想了解一下配送时间",
        "多久能送到我这儿",
    ),
    "return_refund": (
        "订单{order_id}我想退货，{reason}",
        "{reason}，订单{order_id}申请退款",
        "我要退掉订单{order_id}，原因是{reason}",
        "订单号{order_id}，{reason}，能退吗？",
        "麻烦帮我把{order_id}这单退了，{reason}",
        "因为{reason}，想给订单{order_id}办理退款",
        "{order_id}这个订单{reason}，我要退货退款",
        "订单{order_id}我想退货",
        "我要给{order_id}申请退款",
        "{order_id}这单能退吗",
        "请帮我办理订单{order_id}的退货",
        "订单号是{order_id}，想退款",
        "麻烦退一下{order_id}这个订单",
        "{reason}，我要退货",
        "因为{reason}，想申请退款",
        "我想退货，原因是{reason}",
        "{reason}，这个能退吗",
        "买的东西有问题：{reason}，要退款",
        "想退货退款，{reason}",
        "我想退货",
        "怎么申请退款？",
        "买的东西想退掉",
        "我要退款",
        "请问可以办理退货吗？",
        "麻烦帮我退个货",
        "申请退货退款",
    ),
    "change_address": (
        "订单{order_id}的收货地址想改到{city}",
        "帮我把{order_id}的地址改成{city}",
        "{order_id}这单能改地址吗？我要改到{city}",
        "我搬到{city}了，订单{order_id}的地址要换一下",
        "请将订单{order_id}的收货城市修改为{city}",
        "订单号{order_id}，地址改{city}",
        "订单{order_id}想改个地址",
        "{order_id}这个单子地址填错了",
        "帮我修改一下订单{order_id}的收货地址",
        "我要改{order_id}的收货信息",
        "订单号{order_id}，能换收货地址吗？",
        "我想把收货地址改到{city}",
        "地址改成{city}可以吗",
        "人现在在{city}，能改地址吗",
        "收货城市要改成{city}",
        "麻烦帮我把地址换到{city}",
        "我想改收货地址",
        "地址填错了怎么办",
        "能修改配送地址吗？",
        "下单后还能改地址吗",
        "帮我改一下地址",
        "收货地址要换",
    ),
    "business_hours": (
        "{date}你们上班吗？",
        "{date}客服几点上线",
        "请问{date}的营业时间是？",
        "{date}几点能联系到人工客服",
        "{date}你们开门吗",
        "想问下{date}客服在不在",
        "{date}营业到几点？",
        "{date}可以找人工吗，几点到几点",
        "请问{date}门店几点开门？",
        "{date}有人值班吗",
        "麻烦问下{date}的服务时间",
        "你们几点上班？",
        "客服什么时候在线",
        "请问营业时间是几点到几点？",
        "人工客服几点下班",
        "你们每天几点开门",
        "想问问你们的服务时间",
        "什么时间能联系到人工",
        "门店营业到几点",
        "你们上班时间是？",
        "客服几点上线呀",
    ),
    "product_recommendation": (
        "推荐一款{product}",
        "想买{product}，有什么推荐的吗？",
        "{product}哪款好？",
        "给我推荐个{product}吧",
        "预算不多，想入手{product}，求推荐",
        "你们家{product}哪个卖得好",
        "帮我挑一款{product}",
        "请问有什么性价比高的{product}吗？",
        "送人的话买哪款{product}比较好",
        "最近想换{product}，推荐一下",
        "{product}有推荐吗",
        "能帮我选个{product}吗",
        "有什么好东西推荐吗",
        "帮我推荐点商品",
        "最近有什么值得买的？",
        "想买点东西，不知道选什么",
        "给我推荐一下吧",
        "你们店里什么卖得最好",
        "我想买个礼物，有推荐吗",
        "能推荐一下热销商品吗？",
        "不知道买啥，帮我挑挑",
        "求推荐",
    ),
}
_COMPLAINT_PHRASES = {
    "neutral": (
        "订单{order_id}的服务有点问题，想反馈一下",
        "我想投诉一下订单{order_id}的配送",
        "关于订单{order_id}，快递员没打电话就放驿站了",
        "{order_id}这单包装有点简陋，提个意见",
        "订单{order_id}比预计晚了两天，反馈一下",
        "我想提个意见",
        "我要反馈一个问题",
        "有个服务上的问题想说一下",
        "想投诉一下快递员的服务",
        "你们的售后响应有点慢，反馈一下",
    ),
    "negative": (
        "订单{order_id}到现在还没发货，太慢了",
        "我很不满意，订单{order_id}的东西是坏的",
        "订单{order_id}客服一直不回复，真让人失望",
        "{order_id}这单等了一个星期，怎么回事？",
        "你们把订单{order_id}发错了，很生气",
        "我要投诉，你们的服务太差了",
        "等了好久都没人处理，很不满意",
        "东西质量太差了，我要投诉",
        "你们客服态度很不好",
        "发货太慢了，真的很失望",
    ),
    "very_negative": (
        "太过分了！订单{order_id}第三次发错货，我要投诉到底！",
        "订单{order_id}拖了半个月，你们到底管不管？！",
        "气死我了，{order_id}这单东西全碎了！！",
        "订单{order_id}的钱一直不到账，再不处理我就去消协投诉！",
        "我受够了！订单{order_id}没人管，必须给个说法！",
        "简直离谱！你们就是这样对待客户的？！",
        "我要投诉！！再这样我就去12315举报！",
        "太气人了，从来没见过这么差的服务！",
        "你们还想不想做生意了？！问题一直不解决！",
        "忍无可忍，我要投诉你们！",
    ),
}
_SLOT_PHRASES = {
    "order_id": (
        "{order_id}",
        "订单号是{order_id}",
        "单号{order_id}",
        "是{order_id}",
        "我的订单号：{order_id}",
        "{order_id}，麻烦了",
        "订单号{order_id}",
        "好的，是{order_id}",
        "嗯，{order_id}",
        "单号是{order_id}，你查查",
        "订单编号{order_id}",
        "{order_id}这个",
    ),
    "product": (
        "{product}",
        "想看看{product}",
        "{product}吧",
        "我想要{product}",
        "是{product}",
        "买{product}",
        "{product}，谢谢",
        "想买{product}",
        "嗯，{product}",
        "看看{product}有啥",
        "就{product}",
        "{product}这类",
    ),
    "city": (
        "{city}",
        "在{city}",
        "送到{city}",
        "我在{city}",
        "是{city}",
        "{city}，谢谢",
        "收货城市是{city}",
        "寄到{city}",
        "嗯，{city}",
        "{city}那边",
        "{city}的",
        "城市是{city}",
    ),
    "date": (
        "{date}",
        "{date}的",
        "就{date}",
        "是{date}",
        "{date}，谢谢",
        "想问{date}",
        "嗯，{date}",
        "我想问的是{date}",
        "{date}呢",
        "问一下{date}",
        "{date}吧",
        "就问{date}",
    ),
    "reason": (
        "{reason}",
        "因为{reason}",
        "原因是{reason}",
        "主要是{reason}",
        "嗯，{reason}",
        "就是{reason}",
        "{reason}呀",
        "{reason}，所以想退",
        "是这样的，{reason}",
        "{reason}，麻烦尽快处理",
        "退货原因：{reason}",
        "其实是{reason}",
    ),
}

# ---------------------------------------------------------------------------------------------
# Composed training phrasings. A few dozen hand-written phrasings per intent teach a small model
# the phrasings, not the intent; ``generate_dialogues(composed=True)`` draws training dialogues
# from many more: short cores (whitespace-separated) framed by an optional opening and ending,
# added to the train split's own. A composed phrasing is kept only if, punctuation aside, it
# neither contains nor is contained in a held-out phrasing of its intent: held-out stays unseen.
# ---------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """The whitespace-separated phrasings of ``text``."""
    return text.split()


_OPENINGS = (
    "",
    "请问",
    "请问一下，",
    "麻烦问下，",
    "亲，",
    "我想问一下，",
    "客服，",
    "那个，",
    "打扰一下，",
    "你好，",
)
_ENDINGS = ("", "？", "呀", "啊", "，谢谢", "，急", "，麻烦了", "。")
_SHIPPING_VERBS = ("发到", "寄到", "送到", "快递到", "配送到", "邮到")
_SHIPPING_ASKS = (
    "要几天",
    "多久能到",
    "需要多久",
    "几天能收到",
    "大概几天",
    "一般多长时间",
    "得多久",
)
_TRAIN_CORES = {
    "order_status": _words("""
        订单{order_id}到哪了 {order_id}发货没 帮我查查{order_id} 查一下{order_id}的物流
        {order_id}现在是什么状态 订单{order_id}怎么还没到 看看订单{order_id}的进度
        {order_id}这个单到哪一步了 我的{order_id}什么时候发货 订单号{order_id}的快递到哪了
        {order_id}的包裹在路上了吗 帮忙跟进一下订单{order_id} 订单{order_id}显示已发货，到哪了
        查询{order_id}物流信息 我那个{order_id}的单子怎么样了 {order_id}的订单状态帮我看下
        单子{order_id}寄出了吗 想知道{order_id}到哪里了 订单{order_id}是不是卡住了
        能查到{order_id}的快递吗
        我的订单到哪了 查一下物流 包裹什么时候到 我的东西发货了吗 帮我查个订单 订单状态怎么看
        快递到哪了 我想看看物流进度 买的东西还在路上吗 订单怎么一直没更新 帮我跟进一下订单
        我的单子什么情况 查查我的快递 订单发出去了没 东西寄出了吗 想知道我买的东西到哪了
        物流信息帮我看下 订单进度怎么样了
    """),
    "shipping_time": [v + "{city}" + q for v in _SHIPPING_VERBS for q in _SHIPPING_ASKS]
    + _words("""
        {city}几天能到 {city}的话多久 在{city}几天收到货 {city}发货快吗 我是{city}的，几天能到
        {city}这边多久送到 收货地在{city}，要几天 从你们那发{city}要多久 {city}能几天到
        几天能到 快递几天到 一般要几天送到 配送要多久 多长时间能收到 大概几天到货 送过来要多久
        下单多久能收到 几天能送到 发货速度怎么样 快递要走几天 运送需要几天 收货要等多久
        物流快吗，几天到
    """),
    "return_refund": _words("""
        订单{order_id}，{reason}，我要退款 {reason}，想退{order_id}这单 {order_id}要退货，因为{reason}
        退一下{order_id}，{reason} 订单{order_id}申请退货，{reason} {order_id}这单{reason}，能退款吗
        因为{reason}，{order_id}我不要了 {reason}，帮我把订单{order_id}退掉
        我要退{order_id}，理由是{reason} 订单{order_id}：{reason}，申请退货退款
        {order_id}要退货 订单{order_id}退款 {order_id}我不想要了，能退吗 帮我退掉订单{order_id}
        订单{order_id}怎么退货 想把{order_id}退了 {order_id}申请退货 {order_id}这个我要退
        订单{order_id}可以退款吗 退款，订单号{order_id} 我想退{order_id}这个订单
        {reason}，想退 {reason}，要退款 {reason}，能退货吗 因为{reason}要退货 退货，{reason}
        {reason}，帮我退了吧 {reason}，怎么退款 申请退款，原因：{reason} {reason}，我不想要了
        {reason}，想退掉
        怎么退货 我想退款 能退货吗 这个东西我不要了，想退 退货怎么办理 我要退掉 退款流程是什么
        可以退吗 我想把东西退了 帮我办个退款 不想要了，退货 退货退款
    """),
    "change_address": _words("""
        {order_id}的地址改成{city} 订单{order_id}改地址到{city} 把{order_id}送到{city}去
        {order_id}改寄到{city} 订单{order_id}收货地址换成{city} 我要把订单{order_id}的地址改为{city}
        {order_id}这单地址改一下，改成{city} 订单{order_id}能不能改送{city}
        麻烦把{order_id}的收货城市改成{city}
        {order_id}要改地址 订单{order_id}地址写错了 修改{order_id}的收货地址 {order_id}能改地址吗
        订单{order_id}换个收货地址 {order_id}的地址不对 帮我改下订单{order_id}的地址
        订单{order_id}收货地址要更改
        地址改到{city} 收货地址换成{city} 我要改地址，改到{city} 能改寄{city}吗 地址改为{city}吧
        把收货城市改成{city} 帮我改送{city} 我现在在{city}，想改地址
        改地址 地址写错了 我要修改收货地址 收货地址能改吗 怎么改地址 想换个收货地址
        帮忙改下收货信息 地址弄错了，能改吗 收货地址不对
    """),
    "business_hours": _words("""
        {date}上班吗 {date}有人工客服吗 {date}几点开门 {date}营业吗 {date}客服在线吗 {date}几点到几点
        {date}什么时候能找到人 {date}你们休息吗 {date}开不开门 {date}的上班时间 {date}几点下班
        {date}能联系客服吗 {date}店里开吗
        几点上班 营业时间是多少 客服几点在线 你们几点开门 什么时候有人工 服务时间是几点 客服上班时间
        人工几点有 几点能找到客服 店铺营业时间
    """),
    "product_recommendation": _words("""
        推荐个{product} {product}买哪个好 想要{product}，推荐一下 {product}哪款性价比高
        有好的{product}推荐吗 {product}选哪个 帮我选{product} {product}推荐 买{product}的话选什么
        求推荐{product} 想入{product}，哪个好 {product}有什么推荐的 给我挑个{product}
        推荐一下 有什么推荐 帮我挑点东西 买什么好 有啥好物推荐 推荐几个商品 什么值得买
        卖得好的是哪个 给点推荐 有什么爆款
    """),
}
# Cores that state no slot although a word stands where a value would (送到我家, 今天下单): made-up
# values teach a model to copy whatever follows 送到 or 改到, and these teach it that 我家 or 公司
# is not a city, so it asks for one. None contains a value of a slot its intent requires.
_TRAIN_DISTRACTORS = {
    "shipping_time": _words("""
        送到我家要几天 寄到家里多久能到 发到我们这边需要多久 快递到公司几天能收到 配送到小区大概几天
        邮到学校得多久 送到家门口要几天 寄到单位一般多长时间
        今天下单多久能到 周末下单几天能收到 刚下的单多久能到 晚上下单什么时候到 明天买的话几天到
    """),
    "business_hours": _words("""
        你们几点关门 晚上开到几点 几点打烊 线下店几点开 实体店营业时间 客服几点下线 人工服务到几点
        店铺几点开始营业
    """),
    "order_status": _words("""
        查物流 查快递 查个单 订单查询 看下订单 买了三天还没发货 下单好久了还没到 等快递等好久了
    """),
    "change_address": _words("地址改到公司 收货地址改成家里 改寄到学校 想改送到单位 地址换成我家"),
    "product_recommendation": _words(
        "推荐个送人的 有什么好用的 买给爸妈的推荐一下 想给孩子买点东西 有适合学生的吗"
    ),
}
# Complaints carry their own tone, so they are not framed by openings and endings.
_TRAIN_COMPLAINTS = {
    "neutral": _words("""
        订单{order_id}有点问题，反馈下 投诉一下{order_id}的快递 {order_id}这单体验不太好
        订单{order_id}配送有问题 想对订单{order_id}提个意见 订单{order_id}的发票一直没收到，反馈一下
        关于{order_id}，快递放门口了没通知我 对订单{order_id}的售后有点意见
        我要投诉 想反馈问题 提个建议 服务有问题，反馈一下 我要提意见 物流信息老不更新，反馈下
        快递员不送上楼，提个意见
    """),
    "negative": _words("""
        订单{order_id}太慢了，不满意 {order_id}的东西坏了，很失望 订单{order_id}没人管，很不满
        {order_id}发错货了，生气 订单{order_id}太让人失望了 订单{order_id}拖了好多天都没动，什么情况
        {order_id}的东西少了一件，很不满意 订单{order_id}的退款拖了好久，失望
        服务太差了 我很不满意 太失望了 你们太慢了，要投诉 质量太差，不满意 客服回消息太慢了，不满意
    """),
    "very_negative": _words("""
        订单{order_id}太过分了！！ {order_id}到底管不管？！ 气死了！订单{order_id}又出问题！
        订单{order_id}必须给说法！ {order_id}再不处理我就投诉到底！
        订单{order_id}这都第几次了！！给个说法！ {order_id}一个月了还没解决，我要投诉！！
        太过分了！！ 气死我了！ 必须给我个说法！ 我要投诉到底！！ 简直离谱！！
        这什么服务啊！！我要投诉！ 再不处理我就给差评！！
    """),
}
_TRAIN_SLOT_PHRASES = {
    "order_id": _words("""
        {order_id}吧 订单是{order_id} 号码{order_id} {order_id}，帮我看下 就是{order_id}
        这个：{order_id} 订单号码是{order_id} {order_id}谢谢 我查了下，是{order_id} 单号：{order_id}
    """),
    "product": _words(
        "我想看{product} 要{product} {product}吧，谢谢 想挑{product} 是{product}，推荐下 "
        "{product}就行 就要{product} 打算买{product}"
    ),
    "city": _words(
        "{city}吧 寄{city} 发{city} 地址在{city} 我这边是{city} 送{city} {city}这里 改到{city} "
        "人在{city}"
    ),
    "date": _words("{date}那天 问{date} {date}的时间 就是{date} {date}那天呢 想知道{date}的"),
    "reason": _words(
        "{reason}吧 原因：{reason} 因为{reason}啦 嗯{reason} 主要原因是{reason} "
        "{reason}，麻烦了 理由是{reason} {reason}，不想要了"
    ),
}
_TRAIN_GREETINGS = _words("""
    你好啊 您好呀 hi 在不在 有人在吗 客服在吗 嗨，你好 喂，有人吗 您好，客服 早 在么 请问有人吗
    你好你好 哈喽哈喽 您好，在吗 hey Hi hi，客服 good morning hey，在吗 morning hi there
""")
_TRAIN_CONNECTORS = _words("""
    还想问下， 再请教一下， 另外问一句， 还有一件事， 另外呢， 还有就是， 再问个事， 我还想问， 顺带问下，
    另外一个问题， 哦还有， 还有啊， 另外再问下， 然后， 嗯，还有， 那再问一下， 另外还有个事， 再咨询一下，
    还有一个， 顺带一提， 另外想咨询， 再麻烦问一下，
""")
_TRAIN_THANKS = _words("""
    谢谢啦 好的谢谢 感谢感谢 明白，谢谢 行，谢了 好的，没问题了 知道了 嗯嗯，谢谢 那没事了，谢谢 拜拜
    好，再见 多谢多谢 收到，谢谢
""")

# ---------------------------------------------------------------------------------------------
# Slot values. Categorical pools are partitioned like the templates; order ids are 10-digit
# strings whose digit sum is even (train) or odd (held-out), so the two are disjoint by design.
# ---------------------------------------------------------------------------------------------
_VALUES = {
    "product": (
        "蓝牙耳机",
        "机械键盘",
        "扫地机器人",
        "空气炸锅",
        "跑步鞋",
        "双肩包",
        "保温杯",
        "电动牙刷",
        "投影仪",
        "智能手表",
        "电饭煲",
        "加湿器",
        "羽绒服",
        "瑜伽垫",
        "台灯",
        "行李箱",
        "充电宝",
        "吹风机",
        "咖啡机",
        "榨汁机",
        "电热水壶",
        "显示器",
        "游戏手柄",
        "儿童绘本",
        "面霜",
        "防晒霜",
        "洗发水",
        "牛仔裤",
        "卫衣",
        "运动手环",
        "路由器",
        "电竞椅",
        "平板电脑",
        "无线鼠标",
        "降噪耳机",
        "蓝牙音箱",
        "登山包",
        "婴儿推车",
        "猫粮",
        "茶具",
    ),
    "city": (
        "北京",
        "上海",
        "广州",
        "深圳",
        "杭州",
        "南京",
        "苏州",
        "成都",
        "重庆",
        "武汉",
        "西安",
        "长沙",
        "郑州",
        "天津",
        "青岛",
        "厦门",
        "福州",
        "合肥",
        "济南",
        "沈阳",
        "大连",
        "哈尔滨",
        "长春",
        "昆明",
        "贵阳",
        "南宁",
        "南昌",
        "太原",
        "石家庄",
        "兰州",
        "乌鲁木齐",
        "拉萨",
        "呼和浩特",
        "银川",
        "西宁",
        "海口",
        "宁波",
        "无锡",
        "温州",
        "佛山",
        "东莞",
        "珠海",
    ),
    # Months 3-10 only, so that no date is a substring of another (1月1日 / 11月1日).
    "date": (
        "今天",
        "明天",
        "后天",
        "大后天",
        "这周六",
        "这周日",
        "下周一",
        "下周二",
        "下周三",
        "下周四",
        "下周五",
        "下周六",
        "下周日",
        "周末",
        "元旦",
        "春节期间",
        "清明节",
        "劳动节",
        "端午节",
        "中秋节",
        "国庆节",
        "双十一当天",
        *(f"{m}月{d}日" for m in range(3, 11) for d in (1, 5, 10, 15, 18, 20, 25)),
    ),
    "reason": (
        "尺码不合适",
        "质量有问题",
        "颜色和图片不一样",
        "收到的时候包装破损",
        "发错货了",
        "买重复了",
        "少发了配件",
        "和商品描述不符",
        "做工太粗糙",
        "尺寸偏小",
        "尺寸偏大",
        "有很大的异味",
        "无法正常开机",
        "屏幕有划痕",
        "降价了想重新买",
        "到货太晚用不上了",
        "电池不耐用",
        "有杂音",
        "穿着不舒服",
        "材质和宣传的不一样",
        "少了一个零件",
        "商品临近保质期",
        "版本买错了",
        "家里人已经买了",
    ),
}
_ORDER_ID_DIGITS = 10

# ---------------------------------------------------------------------------------------------
# Assistant templates (shared by both splits).
# ---------------------------------------------------------------------------------------------
_GREETING_REPLIES = (
    "您好，我是智能客服小智，请问有什么可以帮您？",
    "您好！很高兴为您服务，请问遇到什么问题了？",
    "您好，请问有什么需要帮助的吗？",
    "在的，请问有什么可以帮您？",
)
_CLOSINGS = (
    "不客气，祝您生活愉快！",
    "很高兴为您服务，再见！",
    "不客气，有问题随时找我。",
    "感谢您的咨询，祝您购物愉快！",
)
_REQUESTS = {
    "order_id": (
        "请提供一下您的订单号。",
        "好的，麻烦告诉我订单号。",
        "请问您的订单号是多少？",
        "请您提供需要处理的订单号。",
    ),
    "product": (
        "请问您想了解哪类商品？",
        "好的，您想买什么商品呢？",
        "请告诉我您感兴趣的商品类型。",
        "请问您需要推荐哪一类商品？",
    ),
    "city": (
        "请问是哪个城市？",
        "麻烦告诉我收货城市。",
        "好的，请提供一下城市名称。",
        "请问对应的城市是？",
    ),
    "date": (
        "请问您想咨询哪个日期？",
        "好的，请告诉我具体日期。",
        "请问您问的是哪个日期？",
        "麻烦说一下日期。",
    ),
    "reason": (
        "请问是什么原因呢？",
        "好的，麻烦说明一下原因。",
        "请告诉我具体原因，方便为您处理。",
        "请问原因是？",
    ),
}
# Complaint turns react to the sentiment: requests are prefixed, answers escalate.
_EMPATHY = {
    "neutral": ("感谢您的反馈。", "收到您的意见。"),
    "negative": ("非常抱歉给您带来不好的体验。", "抱歉让您久等了。"),
    "very_negative": (
        "万分抱歉，让您这么生气，我们一定负责到底。",
        "真的非常抱歉，我马上为您处理。",
    ),
}
_ANSWERS = {
    "order_status": (
        "订单{order_id}的当前状态：{status}。",
        "帮您查到了，订单{order_id}目前的状态是{status}。",
        "查询结果：订单{order_id}，状态为「{status}」。",
    ),
    "shipping_time": (
        "发往{city}的订单一般{days}天内送达。",
        "寄到{city}预计{days}天送达，请耐心等待。",
        "{city}地区下单后约{days}天可以送达。",
    ),
    "return_refund": (
        "已为订单{order_id}提交退货申请，原因：{reason}。退款将在{refund_days}个工作日内原路退回。",
        "好的，订单{order_id}的退款申请已受理（原因：{reason}），预计{refund_days}个工作日到账。",
        "收到，您因为{reason}申请退款，订单{order_id}已登记，退款{refund_days}个工作日内到账。",
    ),
    "change_address": (
        "已将订单{order_id}的收货地址改到{city}，预计{days}天后到货。",
        "修改成功！订单{order_id}的收货地址已更新为{city}，大约{days}天到货。",
        "好的，订单{order_id}的收货地址已改为{city}，预计{days}天内到货。",
    ),
    "business_hours": (
        "{date}的营业时间是{hours}。",
        "{date}我们的营业时间为{hours}，欢迎咨询。",
        "您好，{date}营业时间：{hours}。",
    ),
    "product_recommendation": (
        "为您推荐这款{product}：{pick}，用户评分{rating}分。",
        "{product}里我推荐{pick}，好评率很高，评分{rating}分。",
        "推荐您看看我们的{product}{pick}，综合评分{rating}分。",
    ),
}
_COMPLAINT_ANSWERS = {
    "neutral": (
        "感谢您的反馈，已为订单{order_id}登记投诉工单，我们会在{response_hours}小时内联系您。",
        "收到您的意见，订单{order_id}的工单已创建，专员会在{response_hours}小时内跟进。",
    ),
    "negative": (
        "非常抱歉给您带来不便！已为订单{order_id}创建投诉工单，"
        "{response_hours}小时内会有专员联系您。",
        "真的很抱歉让您失望了，订单{order_id}的问题已提交工单，"
        "我们会在{response_hours}小时内处理。",
    ),
    "very_negative": (
        "万分抱歉，让您受委屈了！订单{order_id}已升级为加急投诉工单，"
        "主管会在{response_hours}小时内亲自联系您，并为您补偿一张20元优惠券。",
        "非常非常抱歉！订单{order_id}已开通加急工单，{response_hours}小时内给您答复，"
        "同时送上20元补偿券。",
    ),
}
_ORDER_STATUSES = (
    "已付款，等待仓库发货",
    "仓库正在打包",
    "已发货，正在运输途中",
    "已到达当地配送站",
    "派送中，快递员正在送货",
    "已签收",
)
_HOURS = ("9:00-18:00", "9:00-21:00", "10:00-22:00", "8:30-20:30", "全天24小时")
_PICKS = ("销量冠军款", "高性价比入门款", "旗舰款", "轻便小巧款", "新品尝鲜款", "口碑优选款")
_RESPONSE_HOURS = ("2", "4", "12", "24")

_P_GREETING = 0.4
_P_SECOND_GOAL = 0.3
_P_CLOSING = 0.5
_HELDOUT_EVERY = 4  # every 4th item of each pool / template group goes to the held-out split
_RANDOM_LENGTHS = {"product": (2, 5), "city": (2, 3), "date": (2, 5), "reason": (4, 10)}


@dataclass(frozen=True)
class Turn:
    """One message: who speaks, what is said, and its dialogue-act annotation."""

    role: str
    text: str
    intent: str | None
    slots: dict[str, str] = field(hash=False)
    act: str
    request_slot: str | None = None
    sentiment: str | None = None


@dataclass(frozen=True)
class Dialogue:
    """A generated dialogue: its goals (intent, slot values) and its turns."""

    id: str
    split: str
    goals: tuple[tuple[str, dict[str, str]], ...] = field(hash=False)
    turns: tuple[Turn, ...]

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict (see ``dialogue_to_dict``)."""
        return dialogue_to_dict(self)


def _check_split(split: object) -> str:
    """Return ``split`` if it names a split, else raise ValueError."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return split


def _check_slot(slot: object) -> str:
    """Return ``slot`` if it names a slot, else raise ValueError."""
    if slot not in SLOTS:
        raise ValueError(f"slot must be one of {SLOTS}, got {slot!r}")
    return slot


def _partition(items: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Split items by position: every ``_HELDOUT_EVERY``-th goes to held-out, the rest to train."""
    return {
        "train": tuple(x for i, x in enumerate(items) if (i + 1) % _HELDOUT_EVERY),
        "heldout": items[_HELDOUT_EVERY - 1 :: _HELDOUT_EVERY],
    }


def _fields(template: str) -> frozenset[str]:
    """Return the placeholder names used by a ``str.format`` template."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _partition_by_fields(
    templates: tuple[str, ...],
) -> dict[frozenset[str], dict[str, tuple[str, ...]]]:
    """Partition templates separately within each group that states the same slots."""
    groups: dict[frozenset[str], list[str]] = {}
    for template in templates:
        groups.setdefault(_fields(template), []).append(template)
    return {given: _partition(tuple(group)) for given, group in groups.items()}


# (intent, stated slots, sentiment) -> split -> templates
_INTENT_POOL: dict[tuple, dict[str, tuple[str, ...]]] = {
    (intent, given, None): parts
    for intent, phrases in _INTENT_PHRASES.items()
    for given, parts in _partition_by_fields(phrases).items()
} | {
    ("complaint", given, sentiment): parts
    for sentiment, phrases in _COMPLAINT_PHRASES.items()
    for given, parts in _partition_by_fields(phrases).items()
}
_GREETING_POOL = _partition(_GREETINGS)
_THANKS_POOL = _partition(_THANKS)
_CONNECTOR_POOL = _partition(_CONNECTORS)
_SLOT_PHRASE_POOL = {slot: _partition(phrases) for slot, phrases in _SLOT_PHRASES.items()}
_VALUE_POOL = {slot: _partition(values) for slot, values in _VALUES.items()}


def _bare(text: str) -> str:
    """``text`` without punctuation and spaces, for comparing phrasings."""
    return re.sub(r"[\s，。？！、：,.?!:]", "", text)


def _compose(pool: dict[str, tuple[str, ...]], phrasings, heldout: list[str]) -> None:
    """Add to ``pool["composed"]`` the new phrasings that neither contain nor are contained in a
    held-out phrasing (``heldout`` holds those already passed through ``_bare``)."""
    seen = set(pool["composed"])
    new = []
    for phrasing in dict.fromkeys(phrasings):
        bare = _bare(phrasing)
        if phrasing not in seen and not any(h in bare or bare in h for h in heldout):
            new.append(phrasing)
    pool["composed"] += tuple(new)


@functools.cache
def _add_composed_phrasings() -> None:
    """Give every phrasing pool its "composed" phrasings: the train ones, then the composed ones.

    Run once, on first use, so that importing the module stays fast. A composed intent phrasing
    is checked against every held-out phrasing of its intent, in any group of stated slots; a slot
    answer, greeting, thanks or connector against those of its own pool.
    """
    pools = (
        *_INTENT_POOL.values(),
        _GREETING_POOL,
        _THANKS_POOL,
        _CONNECTOR_POOL,
        *_SLOT_PHRASE_POOL.values(),
    )
    for pool in pools:
        pool["composed"] = pool["train"]
    heldout = {
        intent: [
            _bare(h)
            for (i, _, _), parts in _INTENT_POOL.items()
            if i == intent
            for h in parts["heldout"]
        ]
        for intent in TASK_INTENTS
    }
    for intent, cores in (*_TRAIN_CORES.items(), *_TRAIN_DISTRACTORS.items()):
        for core in cores:
            _compose(
                _INTENT_POOL[intent, _fields(core), None],
                (o + core + e for o in _OPENINGS for e in _ENDINGS),
                heldout[intent],
            )
    for sentiment, cores in _TRAIN_COMPLAINTS.items():
        for core in cores:
            pool = _INTENT_POOL["complaint", _fields(core), sentiment]
            _compose(pool, [core], heldout["complaint"])
    for pool, phrasings in (
        *((_SLOT_PHRASE_POOL[slot], _TRAIN_SLOT_PHRASES[slot]) for slot in SLOTS),
        (_GREETING_POOL, _TRAIN_GREETINGS),
        (_THANKS_POOL, _TRAIN_THANKS),
        (_CONNECTOR_POOL, _TRAIN_CONNECTORS),
    ):
        _compose(pool, phrasings, [_bare(h) for h in pool["heldout"]])


@functools.cache
def _common_chars() -> str:
    """Chinese characters of the training phrasings and values: half of a made-up value's."""
    _add_composed_phrasings()
    return "".join(
        sorted(
            {
                c
                for text in (
                    *(t for parts in _INTENT_POOL.values() for t in parts["composed"]),
                    *(v for pool in _VALUE_POOL.values() for v in pool["train"]),
                )
                for c in text
                if "\u4e00" <= c <= "\u9fa5"
            }
        )
    )


def user_templates(split: str, composed: bool = False) -> dict[str, tuple[str, ...]]:
    """User phrasings of a split, keyed by intent name, slot name (slot answers) and "connector".

    Keys ``greeting``/``thanks_bye`` hold the opening/closing phrasings; "connector" the prefixes
    that introduce a second intent. ``composed`` adds the composed training phrasings.
    """
    split = _phrasing_key(split, composed)
    templates: dict[str, tuple[str, ...]] = {intent: () for intent in INTENTS}
    templates["greeting"] = _GREETING_POOL[split]
    templates["thanks_bye"] = _THANKS_POOL[split]
    for (intent, _, _), parts in _INTENT_POOL.items():
        templates[intent] += parts[split]
    templates.update((slot, _SLOT_PHRASE_POOL[slot][split]) for slot in SLOTS)
    templates["connector"] = _CONNECTOR_POOL[split]
    return templates


def _phrasing_key(split: object, composed: object) -> str:
    """The pool key phrasings are drawn from: the split, or "composed" for composed training."""
    _check_split(split)
    if not isinstance(composed, bool):
        raise ValueError(f"composed must be True or False, got {composed!r}")
    if composed and split != "train":
        raise ValueError("composed phrasings exist for split='train' only, got split='heldout'")
    if composed:
        _add_composed_phrasings()
        return "composed"
    return split


def value_pool(slot: str, split: str) -> tuple[str, ...]:
    """Return the values of a categorical slot (every slot but order_id) in a split."""
    if _check_slot(slot) == "order_id":
        raise ValueError(
            "slot must be one of ('product', 'city', 'date', 'reason') for value_pool: "
            "order ids are generated, see sample_slot_value and slot_value_split"
        )
    return _VALUE_POOL[slot][_check_split(split)]


def slot_value_split(slot: str, value: str) -> str:
    """Return the split ("train" or "heldout") a slot value belongs to; ValueError if none."""
    if _check_slot(slot) == "order_id":
        if len(value) != _ORDER_ID_DIGITS or not value.isdigit() or value[0] == "0":
            raise ValueError(f"order_id must be {_ORDER_ID_DIGITS} digits, got {value!r}")
        return SPLITS[sum(map(int, value)) % 2]
    for split in SPLITS:
        if value in _VALUE_POOL[slot][split]:
            return split
    raise ValueError(f"{value!r} is not a known value of slot {slot!r}")


def sample_slot_value(slot: str, rng: random.Random, split: str = "train") -> str:
    """Draw a value of ``slot`` for ``split`` using ``rng``."""
    if _check_slot(slot) != "order_id":
        return rng.choice(value_pool(slot, split))
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(_ORDER_ID_DIGITS - 2)]
    parity = SPLITS.index(_check_split(split))
    digits.append(rng.choice([d for d in range(10) if (sum(digits) + d) % 2 == parity]))
    return "".join(map(str, digits))


def _stable_hash(intent: str, slots: Mapping[str, str]) -> int:
    """Hash an intent and its slot values, identically in every process."""
    key = "|".join([intent] + [f"{slot}={slots[slot]}" for slot in REQUIRED_SLOTS[intent]])
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


def answer_facts(intent: str, slots: Mapping[str, str]) -> dict[str, str]:
    """Facts the answer to ``intent`` states besides the slot values, derived from those values.

    A judge can recompute them: e.g. an order's status is a hash of its id, not a random draw.
    """
    if intent not in TASK_INTENTS:
        raise ValueError(f"intent must be one of {TASK_INTENTS}, got {intent!r}")
    if set(slots) != set(REQUIRED_SLOTS[intent]):
        raise ValueError(f"slots for {intent!r} must be exactly {REQUIRED_SLOTS[intent]}")
    h = _stable_hash(intent, slots)
    if intent == "order_status":
        return {"status": _ORDER_STATUSES[h % len(_ORDER_STATUSES)]}
    if intent in ("shipping_time", "change_address"):
        return {"days": str(1 + h % 5)}
    if intent == "return_refund":
        return {"refund_days": str(1 + h % 7)}
    if intent == "business_hours":
        return {"hours": _HOURS[h % len(_HOURS)]}
    if intent == "product_recommendation":
        return {"pick": _PICKS[h % len(_PICKS)], "rating": f"4.{5 + h // len(_PICKS) % 5}"}
    return {"response_hours": _RESPONSE_HOURS[h % len(_RESPONSE_HOURS)]}


def _goal_turns(
    rng: random.Random, phrasings: str, intent: str, slots: dict[str, str], first: bool
) -> list[Turn]:
    """Turns pursuing one goal: user states the intent, assistant fills slots, then answers.

    ``phrasings`` is the key of the phrasing pools to draw from (see ``_phrasing_key``).
    """
    sentiment = rng.choice(SENTIMENTS) if intent == "complaint" else None
    given = tuple(slot for slot in REQUIRED_SLOTS[intent] if rng.random() < 0.5)
    pool = _INTENT_POOL[intent, frozenset(given), sentiment][phrasings]
    text = rng.choice(pool).format_map(slots)
    if not first:
        text = rng.choice(_CONNECTOR_POOL[phrasings]) + text
    stated = {slot: slots[slot] for slot in given}
    turns = [Turn("user", text, intent, stated, "inform_intent", sentiment=sentiment)]
    for slot in REQUIRED_SLOTS[intent]:
        if slot in given:
            continue
        ask = rng.choice(_REQUESTS[slot])
        if sentiment is not None:
            ask = rng.choice(_EMPATHY[sentiment]) + ask
        turns.append(
            Turn("assistant", ask, intent, {}, "request", request_slot=slot, sentiment=sentiment)
        )
        reply = rng.choice(_SLOT_PHRASE_POOL[slot][phrasings]).format_map(slots)
        stated = {slot: slots[slot]}
        turns.append(Turn("user", reply, intent, stated, "inform_slot", sentiment=sentiment))
    answers = _COMPLAINT_ANSWERS[sentiment] if sentiment is not None else _ANSWERS[intent]
    answer = rng.choice(answers).format_map({**slots, **answer_facts(intent, slots)})
    turns.append(Turn("assistant", answer, intent, dict(slots), "answer", sentiment=sentiment))
    return turns


def reason_phrases(text: str) -> tuple[str, ...]:
    """Clauses of ``text`` (e.g. product reviews) that can stand for a made-up return reason:
    runs of 4-10 Chinese characters between other characters, first occurrences only, none
    containing or contained in a held-out reason, so held-out reasons stay unseen in training."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    low, high = _RANDOM_LENGTHS["reason"]
    heldout = _VALUE_POOL["reason"]["heldout"]
    runs = dict.fromkeys(re.findall(r"[\u4e00-\u9fa5]+", text))
    return tuple(
        run
        for run in runs
        if low <= len(run) <= high and not any(h in run or run in h for h in heldout)
    )


def random_slot_value(
    slot: str, rng: random.Random, chars: str = "", reasons: tuple[str, ...] = ()
) -> str:
    """A made-up value of ``slot``: random Chinese characters (an order id: random digits).

    Training on such values teaches a model to copy what the user said instead of memorising a
    short list of cities or products, so it can handle values it has never seen. Half of the
    characters come from the training phrasings and values plus ``chars`` (e.g. every character
    a tokenizer has as one token, so that each of them is copied in training), half from all
    CJK characters. A value that happens to be a held-out one is drawn again. Given ``reasons``
    (``reason_phrases``), half of the reasons are one of them instead: real reasons are language,
    with words such as 的 or 了 inside, which random characters seldom have.
    """
    if _check_slot(slot) == "order_id":
        return sample_slot_value(slot, rng, "train")
    if slot == "reason" and reasons and rng.random() < 0.5:
        return rng.choice(reasons)
    pool = _value_chars(chars)
    low, high = _RANDOM_LENGTHS[slot]
    while True:
        value = "".join(
            rng.choice(pool) if rng.random() < 0.5 else chr(rng.randint(0x4E00, 0x9FA5))
            for _ in range(rng.randint(low, high))
        )
        if value not in _VALUE_POOL[slot]["heldout"]:
            return value


@functools.cache
def _value_chars(chars: str) -> str:
    """The characters of the training phrasings and values plus the Chinese ones of ``chars``."""
    return "".join(sorted(set(_common_chars()) | {c for c in chars if "\u4e00" <= c <= "\u9fa5"}))


def _dialogue(
    rng: random.Random,
    split: str,
    phrasings: str,
    dialogue_id: str,
    random_values: bool,
    values: str,
    value_chars: str = "",
    reasons: tuple[str, ...] = (),
) -> Dialogue:
    """Draw one dialogue: optional greeting, one or two goals, optional thanks and closing.

    The user's phrasings come from the pools ``phrasings``, the slot values from split ``values``.
    """
    turns: list[Turn] = []
    if rng.random() < _P_GREETING:
        turns.append(Turn("user", rng.choice(_GREETING_POOL[phrasings]), "greeting", {}, "greet"))
        turns.append(Turn("assistant", rng.choice(_GREETING_REPLIES), "greeting", {}, "greet"))
    intents = [rng.choice(TASK_INTENTS)]
    if rng.random() < _P_SECOND_GOAL:
        # The second goal shares no slot with the first, so every required slot is asked anew.
        used = set(REQUIRED_SLOTS[intents[0]])
        intents.append(rng.choice([i for i in TASK_INTENTS if not used & set(REQUIRED_SLOTS[i])]))
    goals = []
    for k, intent in enumerate(intents):
        slots = {
            slot: random_slot_value(slot, rng, value_chars, reasons)
            if random_values
            else sample_slot_value(slot, rng, values)
            for slot in REQUIRED_SLOTS[intent]
        }
        goals.append((intent, slots))
        turns += _goal_turns(rng, phrasings, intent, slots, first=k == 0)
    if rng.random() < _P_CLOSING:
        turns.append(Turn("user", rng.choice(_THANKS_POOL[phrasings]), "thanks_bye", {}, "thanks"))
        turns.append(Turn("assistant", rng.choice(_CLOSINGS), "thanks_bye", {}, "close"))
    return Dialogue(dialogue_id, split, tuple(goals), tuple(turns))


def generate_dialogues(
    n: int,
    seed: int = 0,
    split: str = "train",
    random_values: bool = False,
    values: str | None = None,
    composed: bool = False,
    value_chars: str = "",
    reasons: tuple[str, ...] = (),
) -> list[Dialogue]:
    """Generate ``n`` dialogues with pairwise distinct chat text, deterministically from ``seed``.

    A shorter run is a prefix of a longer one with the same seed and split. ``random_values``
    replaces the split's slot values by made-up ones (``random_slot_value``), for training.
    ``values`` takes the slot values from another split than the phrasings, so a judge can tell
    what costs more on held-out data: unseen phrasings or unseen values. ``composed`` (train split
    only) draws the user's phrasings from many more, composed ones, for training a chat model.
    ``value_chars`` widens the characters made-up values draw from, and ``reasons``
    (``reason_phrases``) gives made-up reasons clauses of real text (see ``random_slot_value``).
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"n must be a non-negative int (0, 1, 2, ...), got {n!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be an int, got {seed!r}")
    phrasings = _phrasing_key(split, composed)
    if values is None:
        values = split
    elif random_values:
        raise ValueError("give either random_values=True or values, not both")
    else:
        _check_split(values)
    if not isinstance(value_chars, str):
        raise ValueError(f"value_chars must be a str of characters, got {value_chars!r}")
    if value_chars and not random_values:
        raise ValueError("value_chars needs random_values=True: only made-up values draw from it")
    if not isinstance(reasons, tuple) or not all(isinstance(r, str) and r for r in reasons):
        raise ValueError(f"reasons must be a tuple of non-empty str, got {reasons!r:.80}")
    if reasons and not random_values:
        raise ValueError("reasons needs random_values=True: only made-up values draw from it")
    # the splits draw independent streams
    rng = random.Random(f"{split}:{seed}:random" if random_values else f"{split}:{seed}")
    dialogues: list[Dialogue] = []
    seen: set[str] = set()
    attempts, max_attempts = 0, 20 * n + 100
    while len(dialogues) < n:
        if attempts == max_attempts:
            raise RuntimeError(f"could not draw {n} distinct dialogues in {max_attempts} attempts")
        attempts += 1
        dialogue = _dialogue(
            rng,
            split,
            phrasings,
            f"{split}-{seed}-{len(dialogues):06d}",
            random_values,
            values,
            value_chars,
            reasons,
        )
        text = to_chat_text(dialogue)
        if text not in seen:
            seen.add(text)
            dialogues.append(dialogue)
    return dialogues


def _message(token: str, text: str) -> str:
    """Wrap one message in its role token and the end token."""
    return f"{token}{text}{END_TOKEN}"


def to_chat_text(dialogue: Dialogue, system: str | None = None) -> str:
    """Render a dialogue as chat-template text, one ``<|role|>text<|end|>`` block per message."""
    if system is not None and not isinstance(system, str):
        raise ValueError(f"system must be a str or None, got {system!r}")
    head = _message(SYSTEM_TOKEN, system) if system is not None else ""
    return head + "".join(
        _message(USER_TOKEN if turn.role == "user" else ASSISTANT_TOKEN, turn.text)
        for turn in dialogue.turns
    )


def assistant_prompts(dialogue: Dialogue, system: str | None = None) -> list[tuple[str, Turn]]:
    """For each assistant turn: the chat text before it ending in ``<|assistant|>``, and the turn.

    This is what a judge feeds the model and the reference it checks the reply against.
    """
    prompts = []
    for k, turn in enumerate(dialogue.turns):
        if turn.role == "assistant":
            history = dataclasses.replace(dialogue, turns=dialogue.turns[:k])
            prompts.append((to_chat_text(history, system) + ASSISTANT_TOKEN, turn))
    return prompts


def chat_corpus(
    n: int, seed: int = 0, split: str = "train", system: str | None = None, composed: bool = False
) -> str:
    """Chat text of ``generate_dialogues(n, seed, split, composed=composed)``, one per line."""
    dialogues = generate_dialogues(n, seed, split, composed=composed)
    return "\n".join(to_chat_text(d, system) for d in dialogues)


def dialogue_to_dict(dialogue: Dialogue) -> dict:
    """Return a JSON-serialisable dict with the dialogue's id, split, goals and turns."""
    return {
        "id": dialogue.id,
        "split": dialogue.split,
        "goals": [{"intent": intent, "slots": dict(slots)} for intent, slots in dialogue.goals],
        "turns": [dataclasses.asdict(turn) for turn in dialogue.turns],
    }


# What a reply must contain to fit its turn: the slot a request asks for, the intent an answer is
# for (besides every slot value the user gave), and the words of a greeting or a closing.
_REQUEST_WORDS = {
    "order_id": "订单号",
    "product": "商品",
    "city": "城市",
    "date": "日期",
    "reason": "原因",
}
_ANSWER_WORDS = {
    "order_status": "状态",
    "shipping_time": "送达",
    "return_refund": "退款",
    "change_address": "地址",
    "business_hours": "营业时间",
    "product_recommendation": "推荐",
    "complaint": "工单",
}
_CLOSING_WORDS = ("不客气", "再见", "愉快", "随时")


def reply_words(reply: str) -> tuple[list[str], list[str], bool]:
    """(slots ``reply`` asks for, intents it answers, whether it closes), read from the words
    ``judge_reply`` reads: how the reply of a model that shows no dialogue act is judged."""
    asked = [slot for slot, word in _REQUEST_WORDS.items() if word in reply]
    answered = [intent for intent, word in _ANSWER_WORDS.items() if word in reply]
    return asked, answered, any(word in reply for word in _CLOSING_WORDS)


def judge_reply(turn: Turn, reply: str) -> tuple[bool, str]:
    """Whether ``reply`` does what assistant ``turn`` had to do, and why not.

    A request must ask for the missing slot and no other; an answer must be about the right intent
    and state every slot value the user gave (the values of the held-out split are unseen in
    training, so this tests copying); a greeting must offer help; a closing must close.
    """
    if turn.role != "assistant":
        raise ValueError(f"judge_reply judges assistant turns, got a {turn.role!r} turn")
    asked = [slot for slot, word in _REQUEST_WORDS.items() if word in reply]
    if turn.act == "request":
        if asked != [turn.request_slot]:
            return False, f"should ask for {turn.request_slot}, asks for {asked or 'nothing'}"
        return True, ""
    if turn.act == "answer":
        missing = [slot for slot, value in turn.slots.items() if value not in reply]
        if missing:
            return False, f"does not state {missing}"
        if _ANSWER_WORDS[turn.intent] not in reply:
            return False, f"is not an answer about {turn.intent}"
        return True, ""
    if turn.act == "greet":
        ok = "请问" in reply and not asked
        return ok, "" if ok else "should greet and offer help"
    ok = any(word in reply for word in _CLOSING_WORDS)
    return ok, "" if ok else "should close the conversation"
