"""The shop behind the assistant: a small SQLite database of products, stores, shipping, holidays
and orders, with the queries the assistant answers from and the actions it takes (refunds,
changes of address, complaint tickets). Its rows come from a seed, so every run sees the same shop.
"""

from __future__ import annotations

import datetime
import os
import random
import re
import sqlite3
import threading

from minillm.data.dialogue import value_pool

__all__ = ["STATUSES", "TABLES", "TODAY", "Shop", "ShopError", "parse_date"]

TODAY = datetime.date(2026, 12, 7)  # a Monday; relative dates ("明天", "下周一") count from it
N_ORDERS = 2000
TABLES = (
    "products",
    "stores",
    "shipping",
    "holidays",
    "orders",
    "refunds",
    "address_changes",
    "tickets",
)
STATUSES = ("待发货", "已发货", "运输中", "派送中", "已签收")
# A refund before shipping is a cancellation; a delivered parcel has to come back first.
REFUND_DAYS = {"待发货": 1, "已发货": 3, "运输中": 3, "派送中": 3, "已签收": 7}
# Each further complaint about the same order is answered sooner than the one before.
RESPONSE_HOURS = (24, 12, 4, 2)
BRANDS = ("小智", "云朵", "极光", "青禾", "北辰", "木棉")
PICKS = ("销量冠军款", "高性价比入门款", "旗舰款", "轻便小巧款", "新品尝鲜款", "口碑优选款")
WEEKDAY_HOURS = ("9:00-21:00", "9:00-18:00", "10:00-22:00", "8:30-20:30")
WEEKEND_HOURS = ("10:00-22:00", "10:00-18:00", "9:00-21:00", "全天24小时")
# The online customer service, in the shape of a row of the stores table.
SERVICE_HOURS = {"weekday_hours": "8:30-22:00", "weekend_hours": "9:00-21:00"}
# (name, "MM-DD" for a holiday on a fixed solar date or None for a lunar one, hours)
HOLIDAYS = (
    ("元旦", "01-01", "10:00-18:00"),
    ("春节", None, "休息"),
    ("清明节", None, "10:00-18:00"),
    ("劳动节", "05-01", "10:00-20:00"),
    ("端午节", None, "10:00-18:00"),
    ("中秋节", None, "10:00-18:00"),
    ("国庆节", "10-01", "10:00-20:00"),
    ("双十一", "11-11", "全天24小时"),
)
HOLIDAY_WORDS = {name: name for name, _, _ in HOLIDAYS} | {
    "过年": "春节",
    "清明": "清明节",
    "五一": "劳动节",
    "端午": "端午节",
    "中秋": "中秋节",
    "国庆": "国庆节",
    "双11": "双十一",
}
RELATIVE_DAYS = {"大后天": 3, "后天": 2, "明天": 1, "明日": 1, "今天": 0, "今日": 0}
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
WEEKDAY = re.compile(f"(这|本|下)?(?:周|星期|礼拜)([{''.join(WEEKDAYS)}])")
MONTH_DAY = re.compile(r"(\d{1,2})\s*(?:月|\.|/)\s*(\d{1,2})(?:日|号)?")

SCHEMA = """
DROP TABLE IF EXISTS tickets;
DROP TABLE IF EXISTS address_changes;
DROP TABLE IF EXISTS refunds;
DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS holidays;
DROP TABLE IF EXISTS shipping;
DROP TABLE IF EXISTS stores;
DROP TABLE IF EXISTS products;
CREATE TABLE products (
    name TEXT PRIMARY KEY, category TEXT NOT NULL, price_yuan INTEGER NOT NULL,
    rating REAL NOT NULL, pick TEXT NOT NULL);
CREATE TABLE stores (
    city TEXT PRIMARY KEY, weekday_hours TEXT NOT NULL, weekend_hours TEXT NOT NULL);
CREATE TABLE shipping (city TEXT PRIMARY KEY, days INTEGER NOT NULL);
CREATE TABLE holidays (name TEXT PRIMARY KEY, month_day TEXT, hours TEXT NOT NULL);
CREATE TABLE orders (
    order_id TEXT PRIMARY KEY CHECK (length(order_id) = 10),
    product TEXT NOT NULL REFERENCES products (name),
    city TEXT NOT NULL REFERENCES shipping (city),
    status TEXT NOT NULL, placed TEXT NOT NULL, refunded INTEGER NOT NULL);
CREATE TABLE refunds (
    id INTEGER PRIMARY KEY, order_id TEXT NOT NULL UNIQUE REFERENCES orders (order_id),
    reason TEXT NOT NULL, refund_days INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE address_changes (
    id INTEGER PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders (order_id),
    old_city TEXT NOT NULL, new_city TEXT NOT NULL REFERENCES shipping (city));
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders (order_id),
    text TEXT NOT NULL, response_hours INTEGER NOT NULL);
"""


class ShopError(ValueError):
    """An action the shop cannot take, e.g. refunding an order twice; the message says why."""


def parse_date(text: str, today: datetime.date) -> datetime.date | str | None:
    """The day a Chinese date phrase means: a date counted from ``today``, the name of a holiday
    (its date moves from year to year) or None. Weeks start on Monday; "M月D日" is its next date."""
    for word, name in HOLIDAY_WORDS.items():
        if word in text:
            return name
    for word, offset in RELATIVE_DAYS.items():
        if word in text:
            return today + datetime.timedelta(offset)
    if match := WEEKDAY.search(text):
        week = 1 if match[1] == "下" else 0
        offset = 7 * week + WEEKDAYS[match[2]] - today.weekday()
        return today + datetime.timedelta(offset)
    if match := MONTH_DAY.search(text):
        for year in range(today.year, today.year + 5):  # five years reach the next 2月29日
            try:
                day = datetime.date(year, int(match[1]), int(match[2]))
            except ValueError:
                continue
            if day >= today:
                return day
    return None


def _text(name: str, value: object) -> str:
    """``value`` stripped of surrounding spaces; TypeError naming the argument if it is no str."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value.strip()


def _required(name: str, value: object) -> str:
    """Like ``_text``, and ValueError if nothing is left."""
    text = _text(name, value)
    if not text:
        raise ValueError(f"{name} must not be empty")
    return text


def _cover(rng: random.Random, values: list[str], n: int) -> list[str]:
    """``n`` draws from ``values`` in random order, each value at least once."""
    draws = list(values) + [rng.choice(values) for _ in range(n - len(values))]
    rng.shuffle(draws)
    return draws


def _status(age: int, days: int) -> str:
    """Where an order placed ``age`` days ago is, when its city is ``days`` days away."""
    if age == 0:
        return "待发货"
    if age == 1:
        return "已发货"
    if age < 1 + days:
        return "运输中"
    return "派送中" if age == 1 + days else "已签收"


def _generate(seed: int, today: datetime.date) -> dict[str, list[tuple]]:
    """The initial rows of every filled table, all drawn from ``random.Random(seed)``: three
    brands of each product and a store in each city of both value pools, and N_ORDERS orders."""
    rng = random.Random(seed)
    categories = value_pool("product", "train") + value_pool("product", "heldout")
    cities = list(value_pool("city", "train") + value_pool("city", "heldout"))
    products = []
    for category in categories:
        for brand in rng.sample(BRANDS, 3):
            price, rating = rng.randint(2, 200) * 10 - 1, round(rng.uniform(4.0, 5.0), 1)
            products.append((brand + category, category, price, rating, rng.choice(PICKS)))
    stores = [(city, rng.choice(WEEKDAY_HOURS), rng.choice(WEEKEND_HOURS)) for city in cities]
    shipping = [(city, rng.randint(1, 5)) for city in cities]
    days = dict(shipping)
    ids = rng.sample(range(2 * 10**9, 10**10), N_ORDERS)  # ids starting with 1 are never used
    orders = []
    names = [name for name, *_ in products]
    for order_id, product, city in zip(
        ids, _cover(rng, names, N_ORDERS), _cover(rng, cities, N_ORDERS)
    ):
        age = rng.randint(0, 13)
        placed = (today - datetime.timedelta(age)).isoformat()
        orders.append((str(order_id), product, city, _status(age, days[city]), placed, 0))
    return {
        "products": products,
        "stores": stores,
        "shipping": shipping,
        "holidays": list(HOLIDAYS),
        "orders": orders,
    }


class Shop:
    """A seeded shop database that every session of the assistant shares. One connection serves
    all threads, one call at a time behind a lock; each action is one transaction.

    Order ids are 10 digits from 2000000000 up, so any id starting with 1 is unknown. A file at
    ``path`` is rebuilt from the seed; ``reset()`` restores the initial rows."""

    def __init__(
        self, path: str | os.PathLike = ":memory:", seed: int = 0, today: datetime.date = TODAY
    ):
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        if not isinstance(today, datetime.date) or isinstance(today, datetime.datetime):
            raise TypeError(f"today must be a datetime.date, got {type(today).__name__}")
        self.seed, self.today = seed, today
        self._initial = _generate(seed, today)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.executescript(SCHEMA)
        self.reset()
        self._patterns = self._catalogue()

    def reset(self) -> None:
        """Restore the initial rows: the seeded orders, and no refunds, changes or tickets."""
        with self._lock, self._conn:
            for table in reversed(TABLES):
                self._conn.execute(f"DELETE FROM {table}")
            for table, rows in self._initial.items():
                marks = ", ".join("?" * len(rows[0]))
                self._conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Shop:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _row(self, sql: str, params: tuple | dict = ()) -> dict | None:
        """The first row of a query as a dict, or None; the caller holds the lock."""
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else dict(row)

    def _known(self, order_id: str) -> dict:
        """The order row to act on; ShopError if there is none."""
        order = self._row("SELECT * FROM orders WHERE order_id = ?", (order_id,))
        if order is None:
            raise ShopError(f"查不到订单{order_id}")
        return order

    # ------------------------------------------------------------------ queries

    def rows(self, table: str) -> list[dict]:
        """Every row of ``table`` in insertion order, e.g. to show or compare whole tables."""
        if table not in TABLES:
            raise ValueError(f"table must be one of {TABLES}, got {table!r}")
        with self._lock:
            return [
                dict(row) for row in self._conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
            ]

    def order(self, order_id: str) -> dict | None:
        """The order with this id and its product's category, or None for any other text."""
        order_id = _text("order_id", order_id)
        with self._lock:
            order = self._row(
                "SELECT orders.*, category FROM orders JOIN products ON name = product "
                "WHERE order_id = ?",
                (order_id,),
            )
        return None if order is None else order | {"refunded": bool(order["refunded"])}

    def shipping_days(self, city: str) -> dict | None:
        """{"city", "days"}: how long a parcel to ``city`` takes; None if the shop can't send it."""
        city = _text("city", city)
        with self._lock:
            return self._row("SELECT city, days FROM shipping WHERE city = ?", (city,))

    def hours(self, date_text: str, city: str | None = None) -> dict | None:
        """{"date", "hours"} of the online service, or with ``city`` of the store there, on the day
        ``date_text`` names (see parse_date); a holiday's hours replace the usual ones. "date" is
        an ISO date or a holiday's name. None if the day can't be read or there is no such store."""
        day = parse_date(_text("date_text", date_text), self.today)
        if day is None:
            return None
        key = day if isinstance(day, str) else day.strftime("%m-%d")
        with self._lock:
            if city is None:
                usual = SERVICE_HOURS
            else:
                usual = self._row("SELECT * FROM stores WHERE city = ?", (_text("city", city),))
                if usual is None:
                    return None
            holiday = self._row("SELECT hours FROM holidays WHERE ? IN (name, month_day)", (key,))
        if isinstance(day, str):
            return {"date": day, "hours": holiday["hours"]}
        weekend = "weekend_hours" if day.weekday() >= 5 else "weekday_hours"
        hours = holiday["hours"] if holiday else usual[weekend]
        return {"date": day.isoformat(), "hours": hours}

    def recommend(self, product: str) -> dict | None:
        """The best-rated product whose name contains or is contained in ``product`` (or whose
        category the text names), cheapest first among equals; None if nothing matches."""
        text = _text("product", product)
        if not text:
            return None
        with self._lock:
            return self._row(
                "SELECT * FROM products "
                "WHERE instr(name, :t) OR instr(:t, name) OR instr(:t, category) "
                "ORDER BY rating DESC, price_yuan, name LIMIT 1",
                {"t": text},
            )

    def mentions(self, text: str) -> list[tuple[str, int, int]]:
        """(slot, start, end) of every value the shop knows in ``text``: a city it ships to, a
        product or category it sells, a day its date reader understands. Longest first, no two
        overlapping; the NLU's spans are widened to these (see ``nlu.link``)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        found = [
            (slot, m.start(), m.end())
            for slot, pattern in self._patterns
            for m in pattern.finditer(text)
        ]
        kept: list[tuple[str, int, int]] = []
        for slot, i, j in sorted(found, key=lambda m: (m[1] - m[2], m[1])):
            if all(j <= a or b <= i for _, a, b in kept):
                kept.append((slot, i, j))
        return sorted(kept, key=lambda m: m[1])

    def _catalogue(self) -> list[tuple[str, re.Pattern]]:
        """One pattern per slot for ``mentions``: the values the tables hold, longest first."""
        words = {
            "city": [r["city"] for r in self.rows("shipping")],
            "product": [w for r in self.rows("products") for w in (r["name"], r["category"])],
            "date": [*HOLIDAY_WORDS, *RELATIVE_DAYS],
        }
        alternatives = {
            slot: "|".join(re.escape(w) for w in sorted(set(ws), key=len, reverse=True))
            for slot, ws in words.items()
        }
        alternatives["date"] += f"|{WEEKDAY.pattern}|{MONTH_DAY.pattern}"
        return [(slot, re.compile(a)) for slot, a in alternatives.items()]

    def sample_order_ids(self, n: int, status: str | None = None) -> list[str]:
        """``n`` distinct order ids (with ``status``, if given), the same ones for the same seed."""
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be None or one of {STATUSES}, got {status!r}")
        with self._lock:
            ids = [
                row[0]
                for row in self._conn.execute(
                    "SELECT order_id FROM orders WHERE ?1 IS NULL OR status = ?1 ORDER BY order_id",
                    (status,),
                )
            ]
        if not 0 <= n <= len(ids):
            raise ValueError(f"n must be between 0 and {len(ids)}, got {n}")
        return random.Random(self.seed).sample(ids, n)

    def place_order(self, order_id: str, status: str = "已发货") -> dict:
        """Add an order with this id (a product and a city drawn from the id), e.g. for a shopper
        whose order number is given; ShopError if the id is taken or is not 10 digits."""
        order_id = _text("order_id", order_id)
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        if not (len(order_id) == 10 and order_id.isascii() and order_id.isdigit()):
            raise ShopError(f"订单号{order_id}不是10位数字")
        rng = random.Random(order_id)
        with self._lock, self._conn:
            if self._row("SELECT 1 FROM orders WHERE order_id = ?", (order_id,)):
                raise ShopError(f"订单{order_id}已经存在")
            product = rng.choice(self._initial["products"])[0]
            city = rng.choice(self._initial["shipping"])[0]
            row = (order_id, product, city, status, self.today.isoformat(), 0)
            self._conn.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)", row)
        return self.order(order_id)

    # ------------------------------------------------------------------ actions

    def refund(self, order_id: str, reason: str) -> dict:
        """Refund an order at any status, once; ShopError if it is unknown or already refunded.
        The money is back in REFUND_DAYS[status] days."""
        order_id, reason = _text("order_id", order_id), _required("reason", reason)
        with self._lock, self._conn:
            order = self._known(order_id)
            if order["refunded"]:
                raise ShopError(f"订单{order_id}已经退过款了")
            days, created = REFUND_DAYS[order["status"]], self.today.isoformat()
            refund_id = self._conn.execute(
                "INSERT INTO refunds (order_id, reason, refund_days, created) VALUES (?, ?, ?, ?)",
                (order_id, reason, days, created),
            ).lastrowid
            self._conn.execute("UPDATE orders SET refunded = 1 WHERE order_id = ?", (order_id,))
        return {
            "refund_id": refund_id,
            "order_id": order_id,
            "reason": reason,
            "refund_days": days,
            "created": created,
        }

    def change_address(self, order_id: str, city: str) -> dict:
        """Send an order to another city. ShopError if the order is unknown, delivered (已签收) or
        refunded, if the shop doesn't ship to ``city``, or if it already goes there."""
        order_id, city = _text("order_id", order_id), _required("city", city)
        with self._lock, self._conn:
            order = self._known(order_id)
            if order["status"] == "已签收":
                raise ShopError(f"订单{order_id}已签收，不能再修改收货地址")
            if order["refunded"]:
                raise ShopError(f"订单{order_id}已退款，不能再修改收货地址")
            shipping = self._row("SELECT days FROM shipping WHERE city = ?", (city,))
            if shipping is None:
                raise ShopError(f"暂不支持配送到{city}，订单{order_id}的收货地址未修改")
            if city == order["city"]:
                raise ShopError(f"订单{order_id}的收货城市已经是{city}")
            change_id = self._conn.execute(
                "INSERT INTO address_changes (order_id, old_city, new_city) VALUES (?, ?, ?)",
                (order_id, order["city"], city),
            ).lastrowid
            self._conn.execute("UPDATE orders SET city = ? WHERE order_id = ?", (city, order_id))
        return {
            "change_id": change_id,
            "order_id": order_id,
            "old_city": order["city"],
            "new_city": city,
            "days": shipping["days"],
        }

    def open_ticket(self, order_id: str, text: str) -> dict:
        """File a complaint about an order, answered within RESPONSE_HOURS; ShopError if unknown."""
        order_id, text = _text("order_id", order_id), _required("text", text)
        with self._lock, self._conn:
            self._known(order_id)
            earlier = self._conn.execute(
                "SELECT count(*) FROM tickets WHERE order_id = ?", (order_id,)
            ).fetchone()[0]
            hours = RESPONSE_HOURS[min(earlier, len(RESPONSE_HOURS) - 1)]
            ticket_id = self._conn.execute(
                "INSERT INTO tickets (order_id, text, response_hours) VALUES (?, ?, ?)",
                (order_id, text, hours),
            ).lastrowid
        return {"ticket_id": ticket_id, "order_id": order_id, "text": text, "response_hours": hours}
