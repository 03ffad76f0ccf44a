"""The one source of truth for crmkit's records.

Every table, column, dtype, enum, Chinese label and accepted header alias lives here.
The store builds its SQL tables from it, the importer matches headers and checks values
against it, the exporter writes its headers, and later the widgets and reports read it.
A new field is one edit in ``TABLES`` below.

Column kinds
------------
``id``        the user's own identifier, kept as text ("001" stays "001")
``text``      free text
``enum``      one of ``choices`` (canonical English values; Chinese labels accepted on import)
``category``  free text that reads back as a pandas categorical (regions, sources, products)
``datetime``  a point in time (naive local time)
``date``      a calendar day
``money``     a non-negative amount (nullable float)
``number``    a nullable float that may be negative (gross margin)
``integer``   a nullable integer
``bool``      yes / no
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

KINDS = ("id", "text", "enum", "category", "datetime", "date", "money", "number", "integer", "bool")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    zh: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    # enum values: canonical value -> Chinese label (the label is what the forms print)
    choices: dict[str, str] | None = None
    # further spellings accepted on import for enum values: spelling -> canonical value
    choice_aliases: dict[str, str] = field(default_factory=dict)
    ordered: bool = False
    references: str | None = None  # table whose id this column holds
    personal: bool = False  # masked in reports (phones, emails, birthdays)
    # "phone" or "email": text that must look like one (checked on import and entry); "clock" (a time of
    # day) and "visit_times" (不宜访问时间): text read into a canonical form ("09:30", crmkit.visit_times)
    text_format: str | None = None
    percent: bool = False  # a number in per cent: "40%" reads as 40 (a KPI's weight)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}")
        if (self.kind == "enum") != (self.choices is not None):
            raise ValueError(f"column {self.name!r}: enum columns and only they have choices")

    @cached_property
    def dtype(self):
        """The pandas dtype a read returns for this column."""
        if self.kind in ("id", "text"):
            return pd.StringDtype()
        if self.kind == "enum":
            return pd.CategoricalDtype(list(self.choices), ordered=self.ordered)
        if self.kind == "category":
            return "category"
        if self.kind in ("datetime", "date"):
            return "datetime64[ns]"
        if self.kind in ("money", "number"):
            return "Float64"
        if self.kind == "integer":
            return "Int64"
        return "boolean"

    @cached_property
    def headers(self) -> tuple[str, ...]:
        """Every header accepted for this column on import."""
        return (self.name, self.zh, *self.aliases)

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.name


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    id_column: str
    columns: tuple[Column, ...]
    # the date column that date-range filters apply to, and the column naming the rep
    date_column: str | None = None
    rep_column: str | None = None
    # columns whose values identify a record when a file carries no id column
    natural_key: tuple[str, ...] = ()
    id_prefix: str = ""
    aliases: tuple[str, ...] = ()
    # the form's short name, where a table or chart has little room (意向卡 for 意向客户跟踪卡)
    short_zh: str = ""
    # the columns a free-text search looks in (default: ids, names, titles and the rep): who and
    # what a record is about, not long free text (each one more is another pass over every row)
    search: tuple[str, ...] = ()
    # a part of another record (a plan's KPIs): (the column holding its id, that table). Such a record
    # belongs to the customer of its parent: the parent's book, customer and region filters apply
    parent: tuple[str, str] | None = None

    @cached_property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def __getitem__(self, name: str) -> Column:
        return self.by_name[name]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def customer_column(self) -> str | None:
        if self.name == "customers":
            return "customer_id"
        return "customer_id" if "customer_id" in self.by_name else None

    def dtypes(self) -> dict[str, object]:
        return {c.name: c.dtype for c in self.columns}


def _c(name, kind, zh, *aliases, **kw) -> Column:
    return Column(name, kind, zh, tuple(aliases), **kw)


CUSTOMER_TYPES = {"customer": "客户", "partner": "合作伙伴", "supplier": "供应商"}
VALUE_GRADES = {g: f"{g}级" for g in "ABCDE"}
INTENT_GRADES = {"O": "O级", "A": "A级", "B": "B级", "C": "C级"}
CUSTOMER_STATUS = {"active": "活跃", "dormant": "休眠", "lost": "流失"}
CHANNELS = {
    "visit": "拜访", "phone": "电话", "email": "邮件", "walk_in": "来店",
    "call_in": "来电", "wechat": "微信", "event": "活动",
}
STAGES = {
    "contacted": "已沟通", "quoted": "已报价", "proposal": "已做方案",
    "negotiation": "谈判", "contract": "合同签约",
}
OPPORTUNITY_STATUS = {"open": "跟进中", "won": "成交", "lost": "流失"}
COMPLAINT_STATUS = {"open": "待处理", "in_progress": "处理中", "resolved": "已解决", "closed": "已关闭"}
GENDERS = {"male": "男", "female": "女"}
PROFILE_SECTIONS = {
    "personal": "个人", "education": "教育背景", "family": "家庭", "business": "业务背景",
    "interests": "特殊兴趣", "lifestyle": "生活方式", "relationship": "客户和你",
}

_OWNER = ("业务负责人", "经办人", "销售顾问", "业务员", "负责人", "rep")
_PHONE = ("电话", "手机", "手机号", "手机号码", "联系方式", "tel", "mobile")
_EMAIL = ("邮箱", "电子邮箱", "e-mail", "mail")
_CUSTOMER_REF = ("客户ID", "客户代码", "客户号")

TABLES: dict[str, Table] = {}


def _table(t: Table) -> Table:
    TABLES[t.name] = t
    return t


CUSTOMERS = _table(Table(
    "customers", "客户档案", "customer_id",
    (
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, "编号", required=True),
        _c("name", "text", "客户名称", "客户全称", "姓名", "客户姓名", "公司名称", "名称", required=True),
        _c("mnemonic", "text", "助记", "助记码"),
        _c("customer_type", "enum", "客户类型", "类型", choices=CUSTOMER_TYPES,
           choice_aliases={"客户": "customer", "合作伙伴": "partner", "伙伴": "partner", "供应商": "supplier"}),
        _c("value_grade", "enum", "客户级别", "客户等级", "价值等级", "级别", choices=VALUE_GRADES),
        _c("region", "category", "区域", "所辖区域", "地区", "片区"),
        _c("owner", "category", "业务负责人", *_OWNER[1:]),
        _c("phone", "text", "联系电话", *_PHONE, personal=True, text_format="phone"),
        _c("email", "text", "电子邮件", *_EMAIL, personal=True, text_format="email"),
        _c("address", "text", "地址", "营业地址", "详细地址", "通讯地址", personal=True),
        # 区域 table: when the customer must not be visited ("周一上午", "周末", "12:00-14:00"); kept as
        # the canonical text of crmkit.visit_times, which the visit planner and the visit_plans rules read
        _c("no_visit_times", "text", "不宜访问时间", "不宜拜访时间", "不宜来访时间", "勿访时间", "免访时间",
           "no visit times", "do not visit", text_format="visit_times"),
        _c("source", "category", "来源", "客户来源", "信息来源"),
        _c("status", "enum", "业务状态", "状态", choices=CUSTOMER_STATUS,
           choice_aliases={"正常": "active", "合作中": "active", "活跃": "active", "休眠": "dormant",
                           "暂停": "dormant", "流失": "lost", "已流失": "lost"}),
        _c("created_at", "date", "建档日期", "业务开始日期", "登记日期", "创建日期"),
        _c("industry", "category", "营业形态", "行业"),
        _c("org_form", "category", "组织形态"),
        _c("registered_capital", "money", "注册资金", "注册资本"),
        _c("tax_id", "text", "税务编号", "税号", "纳税人识别号"),
        _c("legal_rep", "text", "法人代表", "法定代表人"),
        _c("payment_terms", "text", "付款条件", "付款方式"),
        _c("credit_limit", "money", "信用额度"),
        _c("tags", "text", "标签"),
        _c("notes", "text", "备注", "说明"),
    ),
    date_column="created_at", rep_column="owner", id_prefix="C",
    # a file without customer ids (another tool's export) gets ids made from the name and,
    # where the file has one, the phone: two people called 张伟 with two phones are two customers
    natural_key=("name", "phone"),
    search=("customer_id", "name", "mnemonic", "phone", "owner"),
    aliases=("客户", "客户档案", "客户信息登记表", "客户资料卡", "业务客户管理表"),
))

CONTACTS = _table(Table(
    "contacts", "联系人", "contact_id",
    (
        _c("contact_id", "id", "联系人编号"),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers"),
        _c("name", "text", "姓名", "联系人", "联系人姓名", required=True),
        _c("gender", "enum", "性别", choices=GENDERS, choice_aliases={"先生": "male", "女士": "female"}),
        _c("title", "text", "职务", "职位", "职称"),
        _c("phone", "text", "联系电话", *_PHONE, personal=True, text_format="phone"),
        _c("email", "text", "电子邮件", *_EMAIL, personal=True, text_format="email"),
        _c("birthday", "date", "出生年月日", "出生日期", "生日", personal=True),
    ),
    natural_key=("customer_id", "name"), id_prefix="P", aliases=("联系人",),
))

INTERACTIONS = _table(Table(
    "interactions", "拜访记录", "interaction_id",
    (
        _c("interaction_id", "id", "记录编号", "序号"),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers"),
        _c("occurred_at", "datetime", "日期", "拜访日期", "来访日期", "时间", "日期时间", "来店/来电时间", required=True),
        _c("channel", "enum", "方式", "拜访方式", "渠道", "来店/来电", choices=CHANNELS,
           choice_aliases={"上门拜访": "visit", "面访": "visit", "电话拜访": "phone", "电邮": "email",
                           "展厅来店": "walk_in", "到店": "walk_in", "来店客户": "walk_in",
                           "来电客户": "call_in", "微信沟通": "wechat", "展会": "event"}),
        _c("rep", "category", "销售顾问", "拜访人", "业务员", "接待人", "经办人"),
        _c("purpose", "text", "目的", "拜访目的", "来访目的"),
        _c("result", "text", "结果", "拜访结果", "洽谈结果"),
        _c("next_step", "text", "计划", "下一步计划", "后续计划"),
        _c("next_date", "date", "下次跟进日期", "下次拜访日期", "预约日期"),
        _c("left_contact", "bool", "留资", "是否留资", "留有资料"),
        _c("notes", "text", "备注", "说明"),
    ),
    date_column="occurred_at", rep_column="rep", search=("interaction_id", "customer_id", "rep", "purpose"),
    natural_key=("customer_id", "occurred_at", "channel", "rep", "purpose", "result", "notes"),
    id_prefix="I", aliases=("拜访记录表", "客户关系维护表", "来电/店客户登记表", "行动历史"),
))

OPPORTUNITIES = _table(Table(
    "opportunities", "意向客户跟踪卡", "opportunity_id",
    (
        _c("opportunity_id", "id", "意向编号", "项目编号", "商机编号"),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers", required=True),
        _c("title", "text", "主题", "项目名称", "商机名称"),
        _c("product", "category", "意向产品", "意向车型", "产品"),
        _c("stage", "enum", "阶段", "销售阶段", choices=STAGES, ordered=True,
           choice_aliases={"沟通": "contacted", "初步沟通": "contacted", "报价": "quoted",
                           "方案": "proposal", "谈判中": "negotiation", "商务谈判": "negotiation",
                           "签约": "contract", "合同": "contract"}),
        _c("intent_grade", "enum", "有望度", "意向级别", "客户级别", choices=INTENT_GRADES),
        _c("expected_amount", "money", "预计金额", "预计成交金额"),
        _c("expected_close", "date", "预计成交日期"),
        _c("competitor", "category", "竞争对手"),
        _c("obstacle", "text", "合作障碍"),
        _c("created_at", "date", "建卡日期", "创建日期", "登记日期", required=True),
        _c("status", "enum", "状态", "跟进状态", choices=OPPORTUNITY_STATUS,
           choice_aliases={"进行中": "open", "跟踪中": "open", "已成交": "won", "成交": "won",
                           "战败": "lost", "已流失": "lost"}),
        _c("closed_at", "date", "关闭日期", "成交日期"),
        _c("lost_reason", "category", "流失原因", "战败原因"),
        _c("rep", "category", "销售顾问", *_OWNER),
    ),
    date_column="created_at", rep_column="rep", search=("opportunity_id", "customer_id", "title", "product", "rep"),
    short_zh="意向卡",
    natural_key=("customer_id", "title", "product", "created_at"), id_prefix="O",
    aliases=("意向客户", "项目信息", "商机"),
))

ORDERS = _table(Table(
    "orders", "交易记录", "order_id",
    (
        _c("order_id", "id", "订单编号", "单号", "交易编号"),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers", required=True),
        _c("ordered_at", "datetime", "交易日期", "订单日期", "日期", "成交日期", required=True),
        _c("amount", "money", "金额", "交易金额", "销售额", "成交金额", required=True),
        _c("gross_margin", "number", "毛利", "毛利额"),
        _c("product", "category", "产品", "产品名称", "车型"),
        _c("quantity", "integer", "数量"),
        _c("rep", "category", "销售顾问", *_OWNER),
    ),
    date_column="ordered_at", rep_column="rep",
    natural_key=("customer_id", "ordered_at", "amount", "product", "quantity", "rep"), id_prefix="S",
    aliases=("交易记录", "销售资料", "订单"),
))

SETTLEMENTS = _table(Table(
    "settlements", "客户结算收款表", "settlement_id",
    (
        _c("settlement_id", "id", "结算编号", "单据编号"),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers", required=True),
        _c("settled_at", "date", "结算日期", "日期", required=True),
        _c("receivable", "money", "应收金额", "应收", required=True),
        _c("received", "money", "实收金额", "实收", "已收金额"),
        _c("outstanding", "money", "未收金额", "未收", "欠款"),
        _c("due_date", "date", "到期日", "应收日期", "约定付款日期"),
        # the day the money came in (in full, or its last payment): what days-to-pay and on-time
        # payment are measured with (crmkit.credit); the seed's form has no such column, so it is optional
        _c("paid_at", "date", "收款日期", "实收日期", "到账日期", "付清日期", "付款日期"),
        _c("handler", "category", "结算人", "经办人", "收款人"),
    ),
    date_column="settled_at", rep_column="handler",
    natural_key=("customer_id", "settled_at", "receivable", "received", "due_date", "handler"),
    id_prefix="R", aliases=("结算", "客户结算收款表"), short_zh="结算收款",
))

COMPLAINTS = _table(Table(
    "complaints", "客户投诉记录", "complaint_id",
    (
        _c("complaint_id", "id", "投诉编号"),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers"),
        _c("received_at", "datetime", "投诉日期", "日期", "受理日期", required=True),
        _c("channel", "category", "渠道", "投诉渠道", "投诉方式"),
        _c("category", "category", "类别", "投诉类别", "投诉类型"),
        _c("content", "text", "内容", "投诉内容"),
        _c("handler", "category", "处理人", "受理人"),
        _c("status", "enum", "状态", "处理状态", choices=COMPLAINT_STATUS,
           choice_aliases={"未处理": "open", "待处理": "open", "处理中": "in_progress",
                           "已处理": "resolved", "已解决": "resolved", "已结案": "closed", "关闭": "closed"}),
        _c("resolved_at", "datetime", "解决日期", "处理完成日期", "结案日期"),
        _c("resolution", "text", "处理结果", "处理意见"),
    ),
    date_column="received_at", rep_column="handler", search=("complaint_id", "customer_id", "category", "handler"),
    short_zh="投诉",
    natural_key=("customer_id", "received_at", "category", "content"), id_prefix="Q",
    aliases=("投诉", "客户投诉记录表", "投诉管理卡"),
))

PROFILE = _table(Table(
    "profile", "麦凯66表格", "fact_id",
    (
        _c("fact_id", "id", "编号"),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers", required=True),
        _c("contact_id", "id", "联系人编号", references="contacts"),
        _c("section", "enum", "部分", "栏目", choices=PROFILE_SECTIONS),
        _c("key", "text", "项目", "问题", required=True),
        _c("value", "text", "内容", "答案", "值"),
        _c("sensitive", "bool", "敏感"),
    ),
    natural_key=("customer_id", "contact_id", "key"), id_prefix="F", aliases=("麦凯66", "客户档案66"),
))

# Mackay 66 profile privacy: sensitive is the default. A fact is shown without
# include_sensitive=True only when its key is one of these harmless ones (one tuple per fact,
# its Chinese and English spellings); health, family (spouse, children, marriage), religion,
# politics, secrets, id numbers, blood type, income, habits that tell of health (drinking,
# smoking) and phone numbers are left off on purpose. A keyword list cannot do this job: it
# misses "身体状况", "孩子", "spouse", "身份证号", "血型" and every new way of naming them.
HARMLESS_PROFILE_KEYS: tuple[tuple[str, ...], ...] = (
    ("昵称", "外号", "绰号", "称呼", "nickname", "nick name", "preferred name"),
    ("生日", "出生日期", "出生年月日", "birthday", "date of birth", "birth date"),
    ("籍贯", "家乡", "老家", "出生地", "hometown", "home town", "birthplace", "place of birth"),
    ("生肖", "属相", "chinese zodiac", "zodiac"),
    ("星座", "star sign", "astrological sign"),
    ("职位", "职务", "职称", "头衔", "title", "job title", "position"),
    ("毕业院校", "学校", "大学", "母校", "school", "college", "university", "alma mater"),
    ("学位", "学历", "degree", "education"),
    ("专业", "所学专业", "major", "field of study"),
    ("毕业年份", "毕业时间", "graduation year", "year of graduation"),
    ("擅长运动", "喜欢的运动", "运动", "体育爱好", "sport", "sports", "favorite sports", "favourite sports"),
    ("大学社团", "社团活动", "课外活动", "college activities", "extracurricular activities"),
    ("前一个工作", "上一份工作", "之前的工作", "工作经历", "previous job", "previous employer", "previous position"),
    ("参与的行业协会", "行业协会", "专业协会", "professional associations", "trade associations"),
    ("长期事业目标", "事业目标", "长期目标", "career goals", "long-term career goal", "long term goal"),
    ("短期事业目标", "短期目标", "short-term career goal", "short term goal"),
    ("对本公司的态度", "对公司的态度", "attitude toward our company", "attitude to our company"),
    ("所属俱乐部", "俱乐部", "clubs", "club memberships"),
    ("兴趣爱好", "爱好", "业余爱好", "hobbies", "hobby", "interests"),
    ("喜欢的话题", "感兴趣的话题", "话题", "conversation topics", "favorite topics", "favourite topics"),
    ("喜欢读的书", "喜欢的书", "阅读偏好", "favorite books", "favourite books", "reading"),
    ("喜欢的餐厅", "常去的餐厅", "favorite restaurants", "favourite restaurants"),
    ("最偏好的菜式", "喜欢的菜式", "口味", "favorite food", "favourite food", "favorite cuisine", "favourite cuisine"),
    ("喜欢的度假方式", "度假方式", "度假", "vacation habits", "vacation", "holidays"),
    ("车子厂牌", "座驾", "car", "car make", "car brand"),
    ("最担心的问题", "biggest concern", "main concern"),
    ("客户最关键的问题", "关键问题", "key problems", "key issues"),
)
# What a key loses before it is compared (spaces, also the full-width one, "_", "-", colons), so
# "Date of Birth", "date_of_birth" and "生日：" match; the store's SQL strips the same characters.
PROFILE_KEY_IGNORED = (" ", "\t", "\u3000", "_", "-", ":", "：")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def profile_key_norm(key) -> str:
    """A profile key as it is compared: the ignored characters gone, ASCII letters in lower case
    (only ASCII, as SQLite's ``lower()`` does, so Python and SQL agree)."""
    text = "" if key is None else str(key)
    for ch in PROFILE_KEY_IGNORED:
        text = text.replace(ch, "")
    return text.translate(_ASCII_LOWER)


#: The harmless keys, each spelling as :func:`profile_key_norm` makes it.
HARMLESS_PROFILE_KEY_NORMS = frozenset(profile_key_norm(k) for fact in HARMLESS_PROFILE_KEYS for k in fact)


def sensitive_profile_key(key) -> bool:
    """Whether a Mackay 66 fact with this key is sensitive: every key not on the harmless list."""
    return profile_key_norm(key) not in HARMLESS_PROFILE_KEY_NORMS


def table(name: str) -> Table:
    """Look a table up by its canonical name (in any case), its Chinese names or short name.

    Every command and call that takes a table goes through here, so ``crmkit import --table 商机``
    and ``crmkit export 商机`` mean the same table.
    """
    if name in TABLES:
        return TABLES[name]
    key = str(name).strip()
    for t in TABLES.values():
        if key and (key.lower() == t.name or key in (t.zh, t.short_zh, *t.aliases)):
            return t
    from .exceptions import UnknownTableError

    raise UnknownTableError(name, list(TABLES))

#: The tables in an order they can be loaded in: customers before the records that refer to them.
LOAD_ORDER = ("customers", "contacts", "interactions", "opportunities", "orders", "settlements", "complaints", "profile")


# --------------------------------------------------------------------------- credit facts (issue 14)
# 危险客户统计表: dated facts about a customer's business performance (经营表现), financial
# condition (财务状况) and signs of bankruptcy (破产征兆), one row per observation, as the form
# lays them out. Not Mackay 66 profile facts: those are about a person, hidden by default and
# undated; these are about the company, dated, cleared when they stop applying, and read by
# every manager judging credit (crmkit.credit).

CREDIT_FACT_ASPECTS = ("business_performance", "financial_condition", "bankruptcy_signs")

CREDIT_FACTS = _table(Table(
    "credit_facts", "危险客户统计表", "fact_id",
    (
        _c("fact_id", "id", "记录编号", "序号"),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers", required=True),
        _c("recorded_at", "date", "记录日期", "日期", "登记日期", "统计日期", required=True),
        _c("business_performance", "text", "经营表现", "经营状况", "经营情况"),
        _c("financial_condition", "text", "财务状况", "财务情况"),
        _c("bankruptcy_signs", "text", "破产征兆", "破产迹象"),
        _c("cleared_at", "date", "解除日期", "解除预警日期"),
        _c("recorded_by", "category", "记录人", "填表人", "登记人"),
        _c("notes", "text", "备注", "说明"),
    ),
    date_column="recorded_at", rep_column="recorded_by", id_prefix="W",
    natural_key=("customer_id", "recorded_at", *CREDIT_FACT_ASPECTS),
    search=("fact_id", "customer_id", "recorded_by"),
    short_zh="危险客户", aliases=("危险客户", "危险客户统计表", "信用记录"),
))

#: What a form writes in an aspect's cell to say there is nothing to report ("无", "正常" …):
#: such a cell is kept as written but raises no warning (compared without spaces and ASCII case).
CREDIT_FACT_NOTHING = ("无", "没有", "暂无", "无异常", "正常", "良好", "-", "—", "/", "none", "n/a", "no", "ok")

LOAD_ORDER = (*LOAD_ORDER, "credit_facts")


# --------------------------------------------------------------------------- account plans (issue 14)
# 客户计划工作表: a key account's plan, written by its rep (姓名, 部门, 时间), and its parts, each a
# table of its own as the form's appendices are: SWOT items (附件2), long-term SMART goals (附件3,
# each in the form's five parts), milestones (附件4, dated, with an owner), KPIs (附件7, whose
# weights sum to 100% per plan). The POP strategy is written per goal (附件6); the contact plan,
# the value statement and the needs analysis (附件8-10) are text of the plan. A part names its
# plan only: it belongs to the plan's customer, so it follows the plan's book, customer and
# region (``Table.parent``), and a merge of customers moves the plan with its parts.

PLAN_STATUS = {"draft": "草稿", "active": "执行中", "closed": "已结束"}
SWOT_KINDS = {"strength": "优势", "weakness": "劣势", "opportunity": "机会", "threat": "威胁", "strategy": "策略"}
# what a KPI's actual value is computed from (crmkit.plans.metrics); empty: entered by hand, not computed
KPI_METRICS = {
    "sales": "销售额", "gross_margin": "毛利", "orders": "订单数", "visits": "拜访次数",
    "open_pipeline": "在谈商机金额", "on_time_payment_share": "按时付款比例",
}
_PLAN_REF = ("计划编号", "客户计划编号", "计划ID")

ACCOUNT_PLANS = _table(Table(
    "account_plans", "客户计划工作表", "plan_id",
    (
        _c("plan_id", "id", *_PLAN_REF),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers", required=True),
        _c("title", "text", "计划名称", "标题", "主题"),
        _c("rep", "category", "姓名", "填表人", *_OWNER),
        _c("department", "category", "部门"),
        _c("written_at", "date", "时间", "填表日期", "制定日期"),
        _c("period_start", "date", "计划开始日期", "开始日期", "计划期间开始", required=True),
        _c("period_end", "date", "计划结束日期", "结束日期", "计划期间结束", required=True),
        _c("status", "enum", "状态", "计划状态", choices=PLAN_STATUS,
           choice_aliases={"起草": "draft", "进行中": "active", "执行": "active", "结束": "closed", "关闭": "closed"}),
        _c("value_statement", "text", "客户价值陈述", "价值陈述"),
        _c("contact_plan", "text", "客户联络计划", "联络计划", "内部沟通计划", "客户联络计划/内部沟通计划"),
        _c("needs", "text", "需求分析"),
        _c("notes", "text", "备注", "说明"),
    ),
    date_column="period_start", rep_column="rep", id_prefix="AP",
    natural_key=("customer_id", "period_start", "title"),
    search=("plan_id", "customer_id", "title", "rep"),
    short_zh="客户计划", aliases=("客户计划", "客户计划表", "客户计划工作表", "account plan", "plans"),
))

PLAN_SWOT = _table(Table(
    "plan_swot", "SWOT分析", "item_id",
    (
        _c("item_id", "id", "编号", "序号"),
        _c("plan_id", "id", *_PLAN_REF, references="account_plans", required=True),
        _c("kind", "enum", "类别", "SWOT", "SWOT类别", "分类", choices=SWOT_KINDS, required=True,
           choice_aliases={"S": "strength", "W": "weakness", "O": "opportunity", "T": "threat",
                           "优势(S)": "strength", "劣势(W)": "weakness", "机会(O)": "opportunity",
                           "威胁(T)": "threat", "SWOT策略": "strategy"}),
        _c("text", "text", "内容", "描述", "要点", required=True),
    ),
    parent=("plan_id", "account_plans"), id_prefix="SW", natural_key=("plan_id", "kind", "text"),
    search=("item_id", "plan_id", "text"), short_zh="SWOT", aliases=("SWOT", "SWOT分析", "swot"),
))

PLAN_GOALS = _table(Table(
    "plan_goals", "长期目标(SMART目标)", "goal_id",
    (
        _c("goal_id", "id", "目标编号"),
        _c("plan_id", "id", *_PLAN_REF, references="account_plans", required=True),
        _c("seq", "integer", "序号", "目标序号"),
        _c("title", "text", "长期目标", "SMART目标", "目标", "长期目标/SMART目标", required=True),
        # the form's five parts (具体的, 可衡量的, 雄心勃勃的, 现实可行的, 有时限的); the usual English
        # "achievable" is the form's realistic (现实可行的), so it is read as that
        _c("specific", "text", "具体的", "具体", required=True),
        _c("measurable", "text", "可衡量的", "可衡量", required=True),
        _c("ambitious", "text", "雄心勃勃的", "雄心勃勃", "有挑战的", required=True),
        _c("realistic", "text", "现实可行的", "现实可行", "可实现的", "achievable", required=True),
        _c("time_bound", "text", "有时限的", "有时限", "时限", "time-bound", required=True),
        _c("pop_strategy", "text", "POP策略", "POP 策略", "策略"),
    ),
    parent=("plan_id", "account_plans"), id_prefix="G", natural_key=("plan_id", "title"),
    search=("goal_id", "plan_id", "title"), short_zh="SMART目标", aliases=("SMART目标", "长期目标", "长期目标/SMART目标", "goals"),
))

PLAN_MILESTONES = _table(Table(
    "plan_milestones", "里程碑目标(短期目标)", "milestone_id",
    (
        _c("milestone_id", "id", "里程碑编号"),
        _c("plan_id", "id", *_PLAN_REF, references="account_plans", required=True),
        _c("goal_id", "id", "目标编号"),
        _c("title", "text", "里程碑目标", "短期目标", "里程碑", "里程碑目标/短期目标", required=True),
        _c("due_date", "date", "计划完成日期", "截止日期", "完成期限", "日期", required=True),
        _c("owner", "category", "负责人", "责任人", *_OWNER[:4], required=True),
        _c("done_at", "date", "实际完成日期", "完成日期"),
        _c("notes", "text", "备注", "说明"),
    ),
    parent=("plan_id", "account_plans"), date_column="due_date", rep_column="owner", id_prefix="M",
    natural_key=("plan_id", "title", "due_date"), search=("milestone_id", "plan_id", "title", "owner"),
    short_zh="里程碑", aliases=("里程碑", "短期目标", "里程碑目标", "里程碑目标/短期目标", "milestones"),
))

PLAN_KPIS = _table(Table(
    "plan_kpis", "关键业绩指标", "kpi_id",
    (
        _c("kpi_id", "id", "指标编号"),
        _c("plan_id", "id", *_PLAN_REF, references="account_plans", required=True),
        _c("goal_id", "id", "目标编号"),
        _c("name", "text", "关键业绩指标", "KPI", "指标", "指标名称", "KPI名称", required=True),
        _c("metric", "enum", "计算指标", "指标类型", "衡量方式", choices=KPI_METRICS,
           choice_aliases={"销售": "sales", "销售金额": "sales", "毛利额": "gross_margin", "订单": "orders",
                           "拜访": "visits", "拜访数": "visits", "商机金额": "open_pipeline",
                           "按时付款率": "on_time_payment_share", "准时付款比例": "on_time_payment_share"}),
        _c("target", "number", "目标值", "目标", required=True),
        _c("weight", "number", "权重", "权重(%)", "权重%", required=True, percent=True),
        _c("unit", "text", "单位"),
        _c("notes", "text", "备注", "说明"),
    ),
    parent=("plan_id", "account_plans"), id_prefix="KP", natural_key=("plan_id", "name"),
    search=("kpi_id", "plan_id", "name"), short_zh="KPI", aliases=("KPI", "关键业绩指标", "kpis"),
))

#: The plan's parts, in the form's order (附件 2, 3, 4, 7).
PLAN_PARTS = ("plan_swot", "plan_goals", "plan_milestones", "plan_kpis")
#: What a plan's KPI weights sum to (per cent).
KPI_WEIGHT_TOTAL = 100.0

LOAD_ORDER = (*LOAD_ORDER, "account_plans", *PLAN_PARTS)

# --------------------------------------------------------------------------- visit plans (issue 14)
# 附表二 客户拜访计划: a rep's planned visits, one row per visit (day, time, customer, purpose), whose
# status the work log (附表九 业务工作日志) settles: done when the rep met the customer that day.
# A planned visit may not fall in the customer's 不宜访问时间 (rules.VisitTimeAllowed). The week of
# an item is the Monday of its day, not a column: one fact, one place.

VISIT_STATUS = {"planned": "计划", "done": "已完成", "missed": "未完成", "cancelled": "已取消"}

VISIT_PLANS = _table(Table(
    "visit_plans", "客户拜访计划", "plan_item_id",
    (
        _c("plan_item_id", "id", "计划编号", "拜访计划编号"),
        _c("rep", "category", "业务员", "销售顾问", "拜访人", "经办人", "业务负责人", required=True),
        _c("day", "date", "拜访日期", "日期", "计划日期", "计划拜访日期", required=True),
        _c("time", "text", "拜访时间", "时间", "计划时间", "预约时间", text_format="clock"),
        _c("minutes", "integer", "时长", "预计时长", "拜访时长", "时长(分钟)"),
        _c("customer_id", "id", "客户编号", *_CUSTOMER_REF, references="customers", required=True),
        _c("purpose", "text", "拜访目的", "目的", "事由", "拜访事项"),
        _c("status", "enum", "状态", "完成情况", "执行情况", choices=VISIT_STATUS,
           choice_aliases={"已计划": "planned", "计划中": "planned", "待拜访": "planned", "完成": "done",
                           "已拜访": "done", "未拜访": "missed", "未完成": "missed", "取消": "cancelled"}),
        _c("notes", "text", "备注", "说明"),
    ),
    date_column="day", rep_column="rep", id_prefix="V",
    natural_key=("rep", "day", "time", "customer_id"),
    search=("plan_item_id", "customer_id", "rep", "purpose"),
    short_zh="拜访计划", aliases=("拜访计划", "拜访计划表", "客户拜访计划表", "附表二"),
))

LOAD_ORDER = (*LOAD_ORDER, "visit_plans")
