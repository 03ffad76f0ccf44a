"""Documents for the demo's key customers, made from the demo data itself: a one-page sales contract
(PDF) for each one's largest order, a quotation of their latest orders (CSV) and a scan of their
business licence (PNG). The same data set gives the same bytes, and ``crmkit demo`` attaches them.

>>> files = documents(data)                  # [(customer_id, file name, bytes), ...]
>>> attach_documents(crm, data, by="crmkit demo")
9

Everything is written by hand (a PDF is a few text objects, a PNG a zlib stream), so the demo needs
no PDF or imaging library and stays fast: the nine files take a few milliseconds.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pandas as pd

from .dataset import DemoData

#: How many customers get documents: the biggest buyers.
KEY_CUSTOMERS = 3


def key_customers(data: DemoData, n: int = KEY_CUSTOMERS) -> list[str]:
    """The ``n`` customers with the largest order totals (ties: the smaller id)."""
    totals = data.tables["orders"].groupby("customer_id")["amount"].sum()
    ranked = totals.reset_index().sort_values(["amount", "customer_id"], ascending=[False, True], kind="stable")
    return ranked["customer_id"].head(n).tolist()


def documents(data: DemoData) -> list[tuple[str, str, bytes]]:
    """(customer_id, file name, content) of every document of the key customers."""
    customers = data.tables["customers"].set_index("customer_id")
    orders = data.tables["orders"]
    made = []
    for cid in key_customers(data):
        customer = customers.loc[cid]
        mine = orders[orders["customer_id"] == cid].sort_values(["ordered_at", "order_id"])
        biggest = mine.loc[mine["amount"].idxmax()]
        made.append((cid, f"销售合同-{biggest['order_id']}.pdf", contract_pdf(customer, biggest)))
        made.append((cid, f"报价单-{cid}.csv", quotation_csv(mine.tail(5))))
        made.append((cid, f"营业执照-{cid}.png", licence_png(int(cid))))
    return made


def attach_documents(crm, data: DemoData, *, by: str | None = None) -> int:
    """Attach :func:`documents` to their customers; returns how many files are attached (a rerun
    attaches nothing new: the same content on the same record is kept once)."""
    made = documents(data)
    for cid, name, content in made:
        crm.attach("customers", cid, content, name=name, by=by)
    return len(made)


# --------------------------------------------------------------------------- the contract (PDF)


def contract_pdf(customer: pd.Series, order: pd.Series) -> bytes:
    """A one-page contract in Chinese. The text uses STSong-Light, one of the CJK fonts every PDF
    reader brings (the PDF standard's "Adobe-GB1" set), so no font is embedded."""
    amount = float(order["amount"])
    lines = [
        (20, "销售合同"),
        (11, f"合同编号：HT-{order['order_id']}"),
        (11, f"签订日期：{order['ordered_at']:%Y年%m月%d日}"),
        (11, f"甲方（买方）：{customer['name']}"),
        (11, f"客户编号：{customer.name}    法定代表人：{_text(customer['legal_rep'])}"),
        (11, f"地址：{_text(customer['address'])}"),
        (11, "乙方（卖方）：crmkit 演示科技有限公司"),
        (11, (f"一、产品：{_text(order['product'])}，数量 {int(order['quantity'])}，"
              f"合同金额人民币 {amount:,.2f} 元。")),
        (11, f"二、付款条件：{_text(customer['payment_terms']) or '款到发货'}。"),
        (11, "三、交货：乙方于合同签订后三十日内交货，运费由乙方承担。"),
        (11, "四、本合同一式两份，双方各执一份，自双方签字盖章之日起生效。"),
        (11, f"甲方代表（签字）：____________    乙方代表（签字）：{_text(order['rep'])}"),
    ]
    y, ops = 780, []
    for size, text in lines:
        x = 297 - size * len(text) / 2 if size > 11 else 72  # the title centred on the A4 page
        ops.append(f"BT /F1 {size} Tf {x:.0f} {y} Td <{text.encode('utf-16-be').hex().upper()}> Tj ET")
        y -= 44 if size > 11 else 30
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
         b"/Contents 4 0 R >>"),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
        (b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) "
         b"/Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>"),  # Latin: half width
        (b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 "
         b"/Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


# --------------------------------------------------------------------------- the quotation (CSV)


def quotation_csv(orders: pd.DataFrame) -> bytes:
    """The customer's latest orders as a quotation table, UTF-8 with a BOM (as Excel saves "CSV UTF-8")."""
    lines = ["产品,数量,单价,金额"]
    for o in orders.itertuples():
        quantity = int(o.quantity) or 1
        lines.append(f"{_text(o.product)},{quantity},{o.amount / quantity:.2f},{o.amount:.2f}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


# --------------------------------------------------------------------------- the scan (PNG)


def licence_png(seed: int, width: int = 240, height: int = 170) -> bytes:
    """A small grey "scan" of a licence: lines of text as grey bars and a red seal, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width, 3), 246, dtype=np.uint8)
    page[8:12, 70:170] = 90  # the title
    for row in range(28, height - 40, 12):  # lines of text, of random length
        page[row:row + 4, 20:20 + int(rng.integers(90, width - 40))] = 150
    yy, xx = np.mgrid[:height, :width]
    ring = np.abs(np.hypot(yy - (height - 42), xx - (width - 60)) - 30) < 2.5
    page[ring] = (200, 30, 30)
    raw = b"".join(b"\x00" + page[r].tobytes() for r in range(height))  # filter "none" on every row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
