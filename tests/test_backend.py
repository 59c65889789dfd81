"""The shop database behind the assistant: seeded rows, queries, actions, threads sharing it."""

from __future__ import annotations

import datetime
import random
import sqlite3
import threading

import pytest

from minillm.assistant.backend import (
    STATUSES,
    TABLES,
    TODAY,
    Shop,
    ShopError,
    parse_date,
)
from minillm.data.dialogue import value_pool

UNKNOWN_ID = "1234567890"  # ids of the shop start with 2-9


@pytest.fixture
def shop():
    with Shop() as shop:
        yield shop


def pool(slot):
    return value_pool(slot, "train") + value_pool(slot, "heldout")


def dump(shop):
    return {table: shop.rows(table) for table in TABLES}


def test_same_seed_same_rows_and_other_seed_other_rows(shop):
    with Shop(seed=0) as same, Shop(seed=1) as other:
        assert dump(same) == dump(shop)
        assert other.rows("orders") != shop.rows("orders")
        assert other.rows("products") != shop.rows("products")
    assert shop.sample_order_ids(5) == Shop().sample_order_ids(5)


def test_tables_sizes_and_value_pools_present(shop):
    sizes = {table: len(shop.rows(table)) for table in TABLES}
    assert sizes == {
        "products": 120,
        "stores": 42,
        "shipping": 42,
        "holidays": 8,
        "orders": 2000,
        "refunds": 0,
        "address_changes": 0,
        "tickets": 0,
    }
    orders = shop.rows("orders")
    categories = {row["name"]: row["category"] for row in shop.rows("products")}
    assert {categories[order["product"]] for order in orders} == set(pool("product"))
    assert {order["city"] for order in orders} == set(pool("city"))
    assert {row["city"] for row in shop.rows("stores")} == set(pool("city"))
    assert {order["status"] for order in orders} == set(STATUSES)
    assert all(len(o["order_id"]) == 10 and o["order_id"][0] != "1" for o in orders)


def test_reset_restores_initial_rows(shop):
    initial = dump(shop)
    order_id = shop.sample_order_ids(1, status="运输中")[0]
    shop.refund(order_id, "尺码不合适")
    shop.change_address(shop.sample_order_ids(1, status="待发货")[0], "拉萨")
    shop.open_ticket(order_id, "快递太慢了")
    assert dump(shop) != initial
    shop.reset()
    assert dump(shop) == initial
    assert shop.refund(order_id, "尺码不合适")["refund_id"] == 1


def test_file_database_is_rebuilt_from_the_seed(tmp_path):
    path = tmp_path / "shop.db"
    with Shop(path) as shop:
        order_id = shop.sample_order_ids(1)[0]
        shop.open_ticket(order_id, "包装破了")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 1
    conn.close()
    with Shop(path) as shop:
        assert shop.rows("tickets") == []
        assert len(shop.rows("orders")) == 2000


def test_order(shop):
    for order_id in shop.sample_order_ids(20):
        order = shop.order(order_id)
        assert order["order_id"] == order_id
        assert order["status"] in STATUSES
        assert order["refunded"] is False
        assert order["category"] in pool("product")
        assert order["city"] in pool("city")
        assert datetime.date.fromisoformat(order["placed"]) <= TODAY
    assert shop.order(f" {order_id} ") == order
    for missing in (UNKNOWN_ID, "123", "", "订单号"):
        assert shop.order(missing) is None
    with pytest.raises(TypeError, match="order_id"):
        shop.order(1234567890)


def test_sample_order_ids(shop):
    ids = shop.sample_order_ids(50)
    assert len(set(ids)) == 50
    for status in STATUSES:
        assert all(shop.order(i)["status"] == status for i in shop.sample_order_ids(5, status))
    with pytest.raises(ValueError, match="n must be"):
        shop.sample_order_ids(2001)
    with pytest.raises(ValueError, match="status"):
        shop.sample_order_ids(1, status="丢了")
    with pytest.raises(TypeError, match="n must be"):
        shop.sample_order_ids(1.5)


def test_shipping_days(shop):
    for city in pool("city"):
        assert shop.shipping_days(city)["city"] == city
        assert 1 <= shop.shipping_days(city)["days"] <= 5
    assert shop.shipping_days("火星") is None
    assert shop.shipping_days("") is None
    with pytest.raises(TypeError, match="city"):
        shop.shipping_days(None)


def test_mentions_are_the_values_the_tables_hold(shop):
    assert shop.mentions("这周六之前电饭煲能送到长沙不") == [
        ("date", 0, 3),
        ("product", 5, 8),
        ("city", 11, 13),
    ]
    assert shop.mentions("小智蓝牙耳机和12月25日，中秋") == [
        ("product", 0, 6),  # the longest name, not its category inside it
        ("date", 7, 13),
        ("date", 14, 16),
    ]
    assert shop.mentions("火星上有快递吗") == []
    for city in pool("city"):
        assert shop.mentions(f"寄到{city}") == [("city", 2, 2 + len(city))]
    with pytest.raises(TypeError, match="text"):
        shop.mentions(None)


def test_recommend(shop):
    for product in pool("product"):
        pick = shop.recommend(product)
        same = [row for row in shop.rows("products") if row["category"] == product]
        assert pick["category"] == product
        assert pick["rating"] == max(row["rating"] for row in same)
    assert shop.recommend("我想买个电饭煲")["category"] == "电饭煲"
    assert "耳机" in shop.recommend("耳机")["name"]
    best = max(shop.rows("products"), key=lambda row: (row["rating"], -row["price_yuan"]))
    assert shop.recommend(best["name"]) == best
    assert shop.recommend("宇宙飞船") is None
    assert shop.recommend("  ") is None
    with pytest.raises(TypeError, match="product"):
        shop.recommend(3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", "2026-12-07"),
        ("明天", "2026-12-08"),
        ("后天", "2026-12-09"),
        ("大后天", "2026-12-10"),
        ("这周六", "2026-12-12"),
        ("这周日", "2026-12-13"),
        ("周末", "2026-12-12"),
        ("下周一", "2026-12-14"),
        ("下周三", "2026-12-16"),
        ("下星期五", "2026-12-18"),
        ("下周日", "2026-12-20"),
        ("下周天", "2026-12-20"),
        ("12月25日", "2026-12-25"),
        ("12月7号", "2026-12-07"),
        ("12月1日", "2027-12-01"),
        ("3月1日", "2027-03-01"),
        ("5.20", "2027-05-20"),
        ("2月29日", "2028-02-29"),
        ("元旦", "元旦"),
        ("春节期间", "春节"),
        ("国庆", "国庆节"),
        ("劳动节", "劳动节"),
        ("中秋节", "中秋节"),
        ("端午节", "端午节"),
        ("清明节", "清明节"),
        ("双十一当天", "双十一"),
        ("13月1日", None),
        ("2月30日", None),
        ("随便哪天", None),
        ("", None),
    ],
)
def test_parse_date(text, expected):
    day = parse_date(text, TODAY)
    assert (day.isoformat() if isinstance(day, datetime.date) else day) == expected


def test_hours(shop):
    assert shop.hours("今天") == {"date": "2026-12-07", "hours": "8:30-22:00"}
    assert shop.hours("这周六") == {"date": "2026-12-12", "hours": "9:00-21:00"}
    assert shop.hours("春节期间") == {"date": "春节", "hours": "休息"}
    assert shop.hours("10月1日") == {"date": "2027-10-01", "hours": "10:00-20:00"}
    assert shop.hours("双11") == shop.hours("11月11日") | {"date": "双十一"}
    store = shop.rows("stores")[0]
    assert shop.hours("下周一", store["city"])["hours"] == store["weekday_hours"]
    assert shop.hours("下周日", store["city"])["hours"] == store["weekend_hours"]
    assert shop.hours("国庆节", store["city"])["hours"] == "10:00-20:00"
    for date in pool("date"):
        assert shop.hours(date) is not None, date
    assert shop.hours("明天", "火星") is None
    assert shop.hours("哪天都行") is None
    with pytest.raises(TypeError, match="date_text"):
        shop.hours(datetime.date(2026, 12, 8))


def test_refund(shop):
    order_id = shop.sample_order_ids(1, status="已签收")[0]
    done = shop.refund(order_id, "质量有问题")
    assert done == {
        "refund_id": 1,
        "order_id": order_id,
        "reason": "质量有问题",
        "refund_days": 7,
        "created": "2026-12-07",
    }
    assert shop.order(order_id)["refunded"] is True
    with pytest.raises(ShopError, match=f"订单{order_id}已经退过款"):
        shop.refund(order_id, "买重复了")
    assert len(shop.rows("refunds")) == 1
    assert shop.refund(shop.sample_order_ids(1, status="待发货")[0], "买重复了")["refund_days"] == 1
    with pytest.raises(ShopError, match=UNKNOWN_ID):
        shop.refund(UNKNOWN_ID, "买重复了")
    with pytest.raises(ValueError, match="reason"):
        shop.refund(order_id, " ")
    with pytest.raises(TypeError, match="order_id"):
        shop.refund(None, "买重复了")
    assert issubclass(ShopError, ValueError)


def test_change_address(shop):
    order_id = shop.sample_order_ids(1, status="运输中")[0]
    old = shop.order(order_id)["city"]
    new = next(city for city in pool("city") if city != old)
    done = shop.change_address(order_id, new)
    assert done == {
        "change_id": 1,
        "order_id": order_id,
        "old_city": old,
        "new_city": new,
        "days": shop.shipping_days(new)["days"],
    }
    assert shop.order(order_id)["city"] == new
    assert shop.rows("address_changes") == [
        {"id": 1, "order_id": order_id, "old_city": old, "new_city": new}
    ]
    with pytest.raises(ShopError, match=f"订单{order_id}的收货城市已经是{new}"):
        shop.change_address(order_id, new)
    with pytest.raises(ShopError, match="火星"):
        shop.change_address(order_id, "火星")
    delivered = shop.sample_order_ids(1, status="已签收")[0]
    with pytest.raises(ShopError, match=f"订单{delivered}已签收"):
        shop.change_address(delivered, new)
    shop.refund(order_id, "买重复了")
    with pytest.raises(ShopError, match=f"订单{order_id}已退款"):
        shop.change_address(order_id, old)
    with pytest.raises(ShopError, match=UNKNOWN_ID):
        shop.change_address(UNKNOWN_ID, new)
    with pytest.raises(ValueError, match="city"):
        shop.change_address(order_id, "")
    assert len(shop.rows("address_changes")) == 1


def test_open_ticket(shop):
    order_id = shop.sample_order_ids(1)[0]
    done = shop.open_ticket(order_id, "客服一直不回复")
    assert done == {
        "ticket_id": 1,
        "order_id": order_id,
        "text": "客服一直不回复",
        "response_hours": 24,
    }
    hours = [shop.open_ticket(order_id, "还是没人管")["response_hours"] for _ in range(4)]
    assert hours == [12, 4, 2, 2]
    assert shop.open_ticket(shop.sample_order_ids(2)[1], "太慢")["response_hours"] == 24
    with pytest.raises(ShopError, match=UNKNOWN_ID):
        shop.open_ticket(UNKNOWN_ID, "太慢")
    with pytest.raises(ValueError, match="text"):
        shop.open_ticket(order_id, "")
    assert len(shop.rows("tickets")) == 6


def test_threads_share_one_shop(shop):
    order_ids = [
        i for status in ("待发货", "运输中", "已签收") for i in shop.sample_order_ids(10, status)
    ]
    cities = pool("city")
    done = {"refund": [], "change_address": [], "open_ticket": []}
    errors = []
    start = threading.Barrier(8)

    def work(seed):
        rng = random.Random(seed)
        start.wait()
        for _ in range(50):
            action, order_id = rng.choice(list(done)), rng.choice(order_ids)
            argument = rng.choice(cities) if action == "change_address" else "太慢了"
            try:
                done[action].append(getattr(shop, action)(order_id, argument))
            except ShopError:
                pass
            except Exception as error:  # anything else is a bug the test must show
                errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    refunds = shop.rows("refunds")
    refunded = [r["order_id"] for r in done["refund"]]
    assert len(refunded) == len(set(refunded)) == len(refunds) > 0
    assert sorted(r["order_id"] for r in refunds) == sorted(refunded)
    assert sum(shop.order(i)["refunded"] for i in order_ids) == len(refunds)
    assert len(shop.rows("address_changes")) == len(done["change_address"]) > 0
    assert len(shop.rows("tickets")) == len(done["open_ticket"]) > 0
    for change in done["change_address"]:
        assert shop.order(change["order_id"])["status"] != "已签收"
    assert shop._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_place_order_adds_a_known_order_once():
    shop = Shop()
    order = shop.place_order("1234567890", status="运输中")
    assert shop.order("1234567890") == order and order["status"] == "运输中"
    assert shop.refund("1234567890", "不想要了")["order_id"] == "1234567890"
    with pytest.raises(ShopError, match="已经存在"):
        shop.place_order("1234567890")
    with pytest.raises(ShopError, match="10位"):
        shop.place_order("12345")
    shop.reset()
    assert shop.order("1234567890") is None
