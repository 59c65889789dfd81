"""More real values for training the NLU: cities, products and dates beyond the synthetic dialogues'
short pools, so that a value is learned as a word of its kind and not as one of thirty known names.
None of the held-out pools' values is here: held-out dialogues still test values never seen.
"""

from __future__ import annotations

from minillm.data.dialogue import value_pool

__all__ = ["LEXICON"]


def _words(text: str, slot: str) -> tuple[str, ...]:
    heldout = set(value_pool(slot, "heldout"))
    return tuple(w for w in dict.fromkeys(text.split()) if w not in heldout)


_CITIES = _words(
    """
    北京 上海 广州 杭州 南京 苏州 重庆 武汉 西安 郑州 天津 青岛 福州 合肥 济南 大连 哈尔滨 长春 贵阳
    南宁 南昌 石家庄 兰州 乌鲁木齐 呼和浩特 银川 西宁 宁波 无锡 温州 东莞 珠海 常州 徐州 南通 扬州
    镇江 泰州 盐城 连云港 淮安 宿迁 嘉兴 湖州 绍兴 金华 台州 丽水 衢州 舟山 义乌 芜湖 蚌埠 安庆 阜阳
    六安 马鞍山 泉州 漳州 莆田 龙岩 三明 赣州 九江 上饶 景德镇 烟台 威海 潍坊 淄博 临沂 济宁 泰安
    日照 洛阳 开封 南阳 新乡 许昌 宜昌 襄阳 荆州 十堰 株洲 湘潭 岳阳 衡阳 常德 汕头 湛江 惠州 中山
    江门 肇庆 茂名 清远 韶关 柳州 桂林 北海 绵阳 德阳 宜宾 南充 乐山 泸州 遵义 曲靖 大理 丽江 西双版纳
    三亚 保定 唐山 廊坊 邯郸 秦皇岛 张家口 承德 大同 运城 包头 鄂尔多斯 鞍山 抚顺 锦州 丹东 吉林 延边
    齐齐哈尔 大庆 牡丹江 宝鸡 咸阳 榆林 延安 汉中 天水 酒泉 嘉峪关 克拉玛依 喀什 伊犁 日喀则 林芝
    昆山 江阴 张家港 常熟 慈溪 余姚 晋江 石狮 香港 澳门 台北 高雄
""",
    "city",
)
_PRODUCTS = _words(
    """
    手机 手机壳 钢化膜 数据线 充电器 耳机 头戴式耳机 无线耳机 音箱 笔记本电脑 平板 键盘 鼠标 鼠标垫 显示器
    打印机 墨盒 U盘 移动硬盘 路由器 摄像头 智能音箱 电子书阅读器 相机 镜头 三脚架 无人机 游戏机 手柄
    冰箱 洗衣机 空调 电视 热水器 油烟机 燃气灶 微波炉 烤箱 电磁炉 电压力锅 破壁机 豆浆机 料理机 净水器
    洗碗机 烘干机 扫地机 吸尘器 拖把 电风扇 取暖器 电热毯 台灯 落地灯 吊灯 插座 晾衣架 床垫 枕头 被子
    四件套 窗帘 地毯 沙发 餐桌 椅子 书架 衣柜 收纳箱 衣架 毛巾 浴巾 牙刷 牙膏 沐浴露 洗面奶 面膜 口红
    眼霜 精华液 爽肤水 乳液 香水 剃须刀 卷发棒 体重秤 血压计 按摩仪 筋膜枪 跑鞋 篮球鞋 运动鞋 拖鞋 凉鞋
    高跟鞋 皮鞋 靴子 袜子 T恤 衬衫 连衣裙 半身裙 外套 风衣 大衣 毛衣 裤子 短裤 运动裤 内衣 睡衣 帽子
    围巾 手套 背包 书包 钱包 手提包 雨伞 太阳镜 手表 项链 耳环 戒指 奶粉 纸尿裤 奶瓶 婴儿车 安全座椅
    玩具 积木 拼图 绘本 文具 钢笔 笔记本 书包 台历 狗粮 猫砂 猫抓板 宠物窝 鱼缸 大米 食用油 牛奶 咖啡豆
    茶叶 坚果 零食 矿泉水 啤酒 红酒 月饼 粽子 帐篷 睡袋 登山鞋 瑜伽服 哑铃 跑步机 动感单车 自行车 头盔
    电动车 车载充电器 行车记录仪 机油 轮胎 雨刮器 保温壶 水杯 饭盒 锅 炒锅 不粘锅 菜刀 砧板 碗 盘子
""",
    "product",
)
_DATES = " ".join(
    [
        *(f"{m}月{d}号" for m in (1, 2, 11, 12) for d in (2, 8, 12, 16, 22, 28)),
        *(f"{m}.{d}" for m in (1, 2, 11, 12) for d in (3, 9, 14, 27)),
        *(f"{d}号" for d in (2, 3, 7, 9, 11, 13, 16, 21, 24, 26, 28, 30)),
        *(
            f"{w}{d}"
            for w in ("周", "星期", "礼拜", "这周", "下周", "下星期")
            for d in "一二三四五六日天"
        ),
        "除夕 大年初一 初三 元宵节 七夕 圣诞节 平安夜 618 双十二 年前 月底 月初 下个月 这个周末 下周末",
        "今晚 明早 明天上午 明天下午 后天晚上 本周内 这两天",
    ]
)
LEXICON = {"city": _CITIES, "product": _PRODUCTS, "date": _words(_DATES, "date")}
