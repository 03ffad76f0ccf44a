"""Seeded, realistic demo data for crmkit: a Chinese sales team's customers, contacts, visits,
prospects, orders, receivables, complaints and Mackay-66 profiles.

>>> from crmkit import demo
>>> data = demo.generate(n_customers=500, seed=1)
>>> sorted(data.tables)                                             # doctest: +NORMALIZE_WHITESPACE
['complaints', 'contacts', 'customers', 'interactions', 'opportunities', 'orders', 'profile',
 'settlements']
>>> p = demo.true_close_probability(data, data.as_of)             # hidden P(won within 30 days)
>>> paths = demo.write_sample_files("/tmp/crmkit-demo", data)      # files to try `crmkit import` on

Everything is drawn from ``numpy.random.default_rng(seed)`` (split into one independent stream
per part, so the same seed gives identical frames), with numpy vector operations throughout: the
only Python loop over time is the day-by-day opportunity simulation, which works on all open
opportunities of that day at once.

The tables hold what a CRM would hold; ``DemoData.truth`` holds what no CRM knows (the hidden
rates, probabilities and latent traits) so that value and close-likelihood models can be checked
against the truth.

Time line
---------
``end`` (default 2026-10-31) is the last day of history; ``as_of`` is the midnight after it
(2026-11-01 00:00), so every event happened strictly before ``as_of`` and the last full month is
the month of ``end``. History starts ``years`` before ``as_of``. Event times fall in business
hours (08:30-18:30); internally time is counted in days since the start.

Repeat purchases (orders): BG/NBD with Gamma-Gamma spend
-------------------------------------------------------
Time unit: **days**. About three customers in four (never suppliers) make a first purchase a few
weeks after they are created; from then on, each buyer

* buys at rate ``lambda ~ Gamma(shape=r, rate=alpha)`` while alive (a Poisson process),
* drops out right after each repeat purchase with probability ``p ~ Beta(a, b)`` (as in
  BG/NBD, never straight after the first purchase),
* spends per order ``z ~ Gamma(shape=p_gg, rate=nu)`` with ``nu ~ Gamma(shape=q, rate=v)``
  per customer (so a customer's mean order value is ``p_gg / nu``).

``truth["params"]`` holds ``r, alpha, a, b`` (BG/NBD) and ``p, q, v`` (Gamma-Gamma; the column
``p`` there is the Gamma-Gamma shape, not a dropout probability). ``truth["customers"]`` holds, per
customer, ``lambda``, ``p`` (the dropout probability), ``nu``, ``first_purchase``, ``alive`` at
``as_of`` and ``dropout_at``.

Opportunities: the hidden close process
---------------------------------------
Each prospect card (opportunity) lives in whole days. A customer has at most one open card at a
time; the next one is opened some weeks after the previous one closes. On each day ``d`` after
the day a card was opened, in this order:

1. **Close?** With ``R`` = days since the customer's last interaction (any channel, any
   reason; ``R >= 1``) and ``F`` = the customer's interactions on the 30 days before ``d``::

       logit h_won  = -7.3 + stage_won[stage]  - 0.55 log R + 0.55 log(1 + F) + fit + rep_skill
       logit h_lost = -6.5 + stage_lost[stage] + 0.40 log R - 0.30 log(1 + F) - 0.5 fit
                      + 0.4 [a competitor is named]
       stage:        contacted  quoted  proposal  negotiation  contract
       stage_won        0        0.9      1.7        2.4         3.1
       stage_lost       0        0       -0.1       -0.2        -0.3

   (both scaled down together should they sum above 0.95). One uniform draw ``U`` decides:
   won if ``U < h_won``, lost if ``h_won <= U < h_won + h_lost``. ``fit ~ N(0, 1)`` is the
   prospect's hidden fit and ``rep_skill ~ N(0, 0.3)`` the rep's (``truth["opportunities"]``
   holds them, already summed into ``base_logit_won`` / ``base_logit_lost``). The won hazard
   falls and the lost hazard rises with ``R``, and the reverse with ``F``, so the probability of
   winning within any horizon falls with recency and rises with frequency.
2. **Contacts.** The rep follows up with probability ``contact_prob`` (from the rep's grade of
   the card and the rep's diligence); a follow-up moves the card one stage on with probability
   ``advance[stage] = (0.25, 0.22, 0.20, 0.16, 0)``. Independently the customer has
   ``Poisson(contact_rate)`` other interactions that day (upkeep visits, calls, walk-ins;
   ``truth["customers"]["contact_rate"]``). A won card is signed at a visit that day, a lost
   one sometimes gets a closing call; those come after the decision.

A new card starts at stage contacted (a quarter at quoted) with an interaction on its first day.
The rep's ``intent_grade`` (O/A/B/C) is a noisy, optimistic reading of stage and fit made when the
card is filled, and stays as filled. The table's ``stage`` is the last one (``contract`` for won
cards); the day-by-day path is in ``truth["opportunity_stages"]`` (what a CRM's change history
would show). Over the default history about 40 % of cards are won, 40 % lost and 20 % still
open at the end.

:func:`true_close_probability` rebuilds the state of every card open at a date from the tables
(interactions, stage path) and the hidden traits, and returns the probability of winning within
the horizon by running the same day-by-day process forward (``_hazards`` is the one function
both use). The close draws are integrated out exactly along each simulated path of contacts and
stage moves (Rao-Blackwell), so the estimate is unbiased with a Monte-Carlo error of about 0.01
at the default 128 paths. ``truth["opportunities"]["p_won_30d_at_creation"]`` is the same
quantity at the midnight after each card was opened. :func:`opportunity_state` returns the
observable part of that state (stage, days since contact, contacts in 30 days, ...).

Interactions of known customers carry ``left_contact = True`` (their details are on file); for
anonymous walk-ins and call-ins (no ``customer_id``) it says whether the visitor left a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema

__all__ = [
    "DemoData",
    "generate",
    "write_sample_files",
    "true_close_probability",
    "opportunity_state",
    "CLOSE_MODEL",
    "PURCHASE_PARAMS",
]


@dataclass
class DemoData:
    """The generated record tables, the hidden truth behind them, and the data set's 'today'."""

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    as_of: pd.Timestamp


# --------------------------------------------------------------------------------------------
# Hidden model parameters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseModel:
    """Coefficients of the hidden opportunity process (see the module docstring)."""

    intercept_won: float = -7.3
    stage_won: tuple[float, ...] = (0.0, 0.9, 1.7, 2.4, 3.1)
    recency_won: float = -0.55  # per log(days since last contact)
    frequency_won: float = 0.55  # per log(1 + contacts in the last 30 days)
    intercept_lost: float = -6.5
    stage_lost: tuple[float, ...] = (0.0, 0.0, -0.1, -0.2, -0.3)
    recency_lost: float = 0.40
    frequency_lost: float = -0.30
    fit_lost: float = -0.5
    competitor_lost: float = 0.4
    advance: tuple[float, ...] = (0.25, 0.22, 0.20, 0.16, 0.0)
    window_days: int = 30
    max_total_hazard: float = 0.95


CLOSE_MODEL = CloseModel()


@dataclass(frozen=True)
class PurchaseParams:
    """True BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, v) parameters; time unit days."""

    r: float = 0.8
    alpha: float = 55.0
    a: float = 1.3
    b: float = 4.5
    p: float = 6.0
    q: float = 4.0
    v: float = 9000.0
    share_buyers: float = 0.78  # of non-supplier customers, eventually
    first_purchase_delay: float = 30.0  # mean days from created_at to the first purchase


PURCHASE_PARAMS = PurchaseParams()

_STAGES = list(schema.STAGES)  # contacted, quoted, proposal, negotiation, contract
_GRADES = list(schema.INTENT_GRADES)  # O, A, B, C
_DEFAULT_END = date(2026, 10, 31)
_NAT = np.iinfo(np.int64).min
_DAY_NS = 86_400 * 1_000_000_000

# --------------------------------------------------------------------------------------------
# Vocabulary (every character must encode as GBK: the sample customers file is GBK)
# --------------------------------------------------------------------------------------------

# (surname, pinyin, relative frequency in %)
_SURNAMES = (
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.3),
    ("陈", "chen", 4.5), ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.1),
    ("吴", "wu", 2.0), ("周", "zhou", 1.9), ("徐", "xu", 1.4), ("孙", "sun", 1.4),
    ("马", "ma", 1.3), ("朱", "zhu", 1.2), ("胡", "hu", 1.2), ("郭", "guo", 1.1),
    ("何", "he", 1.0), ("林", "lin", 1.0), ("高", "gao", 1.0), ("罗", "luo", 0.9),
    ("郑", "zheng", 0.9), ("梁", "liang", 0.8), ("谢", "xie", 0.7), ("宋", "song", 0.6),
    ("唐", "tang", 0.6), ("许", "xu", 0.6), ("韩", "han", 0.55), ("邓", "deng", 0.55),
    ("冯", "feng", 0.55), ("曹", "cao", 0.5), ("彭", "peng", 0.5), ("曾", "zeng", 0.5),
    ("肖", "xiao", 0.45), ("田", "tian", 0.45), ("董", "dong", 0.45), ("潘", "pan", 0.4),
    ("袁", "yuan", 0.4), ("蔡", "cai", 0.4), ("蒋", "jiang", 0.4), ("余", "yu", 0.4),
    ("于", "yu", 0.4), ("杜", "du", 0.35), ("叶", "ye", 0.35), ("程", "cheng", 0.35),
    ("魏", "wei", 0.35), ("苏", "su", 0.35), ("吕", "lv", 0.3), ("丁", "ding", 0.3),
    ("任", "ren", 0.3), ("卢", "lu", 0.3), ("姚", "yao", 0.3), ("沈", "shen", 0.3),
    ("钟", "zhong", 0.3), ("姜", "jiang", 0.3), ("崔", "cui", 0.3), ("谭", "tan", 0.28),
    ("陆", "lu", 0.28), ("范", "fan", 0.27), ("汪", "wang", 0.27), ("廖", "liao", 0.27),
    ("石", "shi", 0.26), ("金", "jin", 0.26), ("韦", "wei", 0.25), ("贾", "jia", 0.25),
    ("夏", "xia", 0.24), ("付", "fu", 0.24), ("方", "fang", 0.24), ("邹", "zou", 0.22),
    ("熊", "xiong", 0.22), ("白", "bai", 0.22), ("孟", "meng", 0.21), ("秦", "qin", 0.21),
    ("邱", "qiu", 0.21), ("侯", "hou", 0.2), ("江", "jiang", 0.2), ("尹", "yin", 0.2),
    ("薛", "xue", 0.2), ("闫", "yan", 0.2), ("段", "duan", 0.19), ("雷", "lei", 0.19),
    ("龙", "long", 0.18), ("黎", "li", 0.18), ("史", "shi", 0.18), ("陶", "tao", 0.17),
    ("贺", "he", 0.17), ("毛", "mao", 0.16), ("郝", "hao", 0.16), ("顾", "gu", 0.16),
    ("龚", "gong", 0.15), ("邵", "shao", 0.15), ("万", "wan", 0.15), ("钱", "qian", 0.14),
    ("武", "wu", 0.14), ("戴", "dai", 0.14), ("严", "yan", 0.14), ("欧阳", "ouyang", 0.05),
    ("司马", "sima", 0.02),
)
_GIVEN_MALE = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("勇", "yong"), ("杰", "jie"),
    ("涛", "tao"), ("斌", "bin"), ("超", "chao"), ("明", "ming"), ("刚", "gang"), ("平", "ping"),
    ("辉", "hui"), ("鹏", "peng"), ("华", "hua"), ("飞", "fei"), ("鑫", "xin"), ("波", "bo"),
    ("宇", "yu"), ("浩", "hao"), ("凯", "kai"), ("健", "jian"), ("俊", "jun"), ("帆", "fan"),
    ("旭", "xu"), ("宁", "ning"), ("龙", "long"), ("林", "lin"), ("峰", "feng"), ("建", "jian"),
    ("国", "guo"), ("志", "zhi"), ("文", "wen"), ("东", "dong"), ("海", "hai"), ("晨", "chen"),
    ("博", "bo"), ("毅", "yi"), ("亮", "liang"), ("成", "cheng"), ("家", "jia"), ("子", "zi"),
    ("振", "zhen"), ("春", "chun"), ("德", "de"), ("荣", "rong"), ("民", "min"), ("永", "yong"),
    ("新", "xin"), ("立", "li"),
)
_GIVEN_FEMALE = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"),
    ("娟", "juan"), ("霞", "xia"), ("燕", "yan"), ("玲", "ling"), ("婷", "ting"), ("雪", "xue"),
    ("慧", "hui"), ("颖", "ying"), ("琳", "lin"), ("洁", "jie"), ("萍", "ping"), ("红", "hong"),
    ("倩", "qian"), ("晶", "jing"), ("佳", "jia"), ("欣", "xin"), ("怡", "yi"), ("梅", "mei"),
    ("莉", "li"), ("璐", "lu"), ("悦", "yue"), ("瑶", "yao"), ("蕾", "lei"), ("薇", "wei"),
    ("文", "wen"), ("秀", "xiu"), ("英", "ying"), ("华", "hua"), ("兰", "lan"), ("琴", "qin"),
    ("云", "yun"), ("莹", "ying"), ("晓", "xiao"), ("雅", "ya"), ("思", "si"), ("梦", "meng"),
    ("雨", "yu"), ("欢", "huan"),
)
# characters for two-character company brands ("字号"), with pinyin for e-mail domains
_BRAND_CHARS = (
    ("华", "hua"), ("鑫", "xin"), ("恒", "heng"), ("泰", "tai"), ("盛", "sheng"), ("隆", "long"),
    ("兴", "xing"), ("达", "da"), ("通", "tong"), ("宏", "hong"), ("嘉", "jia"), ("信", "xin"),
    ("德", "de"), ("源", "yuan"), ("昌", "chang"), ("丰", "feng"), ("瑞", "rui"), ("祥", "xiang"),
    ("安", "an"), ("康", "kang"), ("永", "yong"), ("诚", "cheng"), ("金", "jin"), ("宝", "bao"),
    ("联", "lian"), ("创", "chuang"), ("新", "xin"), ("力", "li"), ("远", "yuan"), ("航", "hang"),
    ("海", "hai"), ("天", "tian"), ("汇", "hui"), ("锦", "jin"), ("博", "bo"), ("凯", "kai"),
    ("正", "zheng"), ("中", "zhong"), ("明", "ming"), ("益", "yi"), ("升", "sheng"), ("腾", "teng"),
    ("美", "mei"), ("佳", "jia"), ("鸿", "hong"), ("广", "guang"), ("富", "fu"), ("和", "he"),
    ("顺", "shun"), ("元", "yuan"), ("合", "he"), ("万", "wan"), ("辰", "chen"), ("卓", "zhuo"),
    ("越", "yue"), ("宇", "yu"), ("星", "xing"), ("龙", "long"), ("东", "dong"), ("方", "fang"),
    ("润", "run"), ("泽", "ze"), ("晟", "sheng"), ("森", "sen"),
)
# (industry as the 营业形态 column shows it, words used in company names, weight)
_INDUSTRIES = (
    ("制造业", ("机械", "电子", "化工", "纺织", "新材料"), 0.18),
    ("批发零售", ("商贸", "贸易", "百货"), 0.20),
    ("信息技术", ("科技", "网络科技", "信息技术", "软件"), 0.16),
    ("餐饮酒店", ("餐饮管理", "酒店管理"), 0.08),
    ("医药健康", ("医药", "医疗器械", "健康管理"), 0.07),
    ("物流运输", ("物流", "供应链管理", "运输"), 0.07),
    ("建筑工程", ("建设工程", "装饰工程", "建材"), 0.09),
    ("文化传媒", ("文化传媒", "广告"), 0.05),
    ("农业食品", ("食品", "农业科技", "生物科技"), 0.05),
    ("教育培训", ("教育科技", "培训"), 0.05),
)
_COMPANY_SUFFIXES = (("有限公司", 0.75), ("股份有限公司", 0.10), ("有限责任公司", 0.10), ("集团有限公司", 0.05))
_ORG_FORMS = (("民营企业", 0.70), ("国有公司", 0.10), ("中外合资", 0.08), ("集体公司", 0.04), ("外商独资", 0.08))
REGIONS = ("华东", "华北", "华南", "华中", "西南", "西北", "东北")
# (city, region, telephone area code, weight)
_CITIES = (
    ("上海", "华东", "021", 5), ("南京", "华东", "025", 2.5), ("杭州", "华东", "0571", 3),
    ("苏州", "华东", "0512", 2.5), ("宁波", "华东", "0574", 1.5), ("合肥", "华东", "0551", 1.5),
    ("济南", "华东", "0531", 1.5), ("青岛", "华东", "0532", 1.5), ("福州", "华东", "0591", 1.2),
    ("厦门", "华东", "0592", 1.2), ("无锡", "华东", "0510", 1.2),
    ("北京", "华北", "010", 5), ("天津", "华北", "022", 2), ("石家庄", "华北", "0311", 1.2),
    ("太原", "华北", "0351", 1), ("呼和浩特", "华北", "0471", 0.6), ("唐山", "华北", "0315", 0.7),
    ("广州", "华南", "020", 4), ("深圳", "华南", "0755", 4), ("东莞", "华南", "0769", 1.5),
    ("佛山", "华南", "0757", 1.5), ("南宁", "华南", "0771", 1), ("海口", "华南", "0898", 0.6),
    ("珠海", "华南", "0756", 0.7),
    ("武汉", "华中", "027", 3), ("长沙", "华中", "0731", 2), ("郑州", "华中", "0371", 2),
    ("南昌", "华中", "0791", 1.2), ("洛阳", "华中", "0379", 0.6), ("宜昌", "华中", "0717", 0.5),
    ("成都", "西南", "028", 3.5), ("重庆", "西南", "023", 3), ("昆明", "西南", "0871", 1.2),
    ("贵阳", "西南", "0851", 1), ("绵阳", "西南", "0816", 0.5),
    ("西安", "西北", "029", 2.5), ("兰州", "西北", "0931", 0.8), ("乌鲁木齐", "西北", "0991", 0.7),
    ("银川", "西北", "0951", 0.5), ("西宁", "西北", "0971", 0.4),
    ("沈阳", "东北", "024", 1.6), ("大连", "东北", "0411", 1.4), ("长春", "东北", "0431", 1),
    ("哈尔滨", "东北", "0451", 1.2),
)
_DISTRICTS = ("高新区", "经济开发区", "新城区", "工业园区", "城南区", "城北区", "滨江区", "老城区")
_ROADS = (
    "人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "长江路", "黄河路", "文化路",
    "工业路", "科技路", "发展大道", "世纪大道", "青年路", "胜利路", "民主路", "滨河路", "创业路",
    "学府路", "金融街",
)
_SOURCES = (("来店", 0.20), ("来电", 0.17), ("展会", 0.12), ("转介绍", 0.20), ("网络", 0.20), ("广告", 0.11))
# the channel of a customer's first recorded interaction, by source
_SOURCE_CHANNEL = {"来店": "walk_in", "来电": "call_in", "展会": "event", "转介绍": "visit",
                   "网络": "wechat", "广告": "call_in"}
_PAYMENT_TERMS = (("款到发货", 0), ("货到付款", 7), ("月结30天", 30), ("月结60天", 60), ("月结90天", 90))
_TITLES = (
    ("总经理", 0.14), ("副总经理", 0.08), ("采购经理", 0.20), ("采购专员", 0.12), ("财务主管", 0.10),
    ("财务经理", 0.06), ("技术总监", 0.07), ("行政主管", 0.08), ("项目经理", 0.09), ("董事长", 0.03),
    ("运营总监", 0.03),
)
# (product, list price, gross margin rate)
_PRODUCTS = (
    ("商用空调", 8000, 0.22), ("办公桌椅套装", 2500, 0.30), ("打印复印一体机", 12000, 0.25),
    ("服务器", 35000, 0.18), ("网络交换机", 6000, 0.28), ("监控摄像系统", 15000, 0.32),
    ("LED显示屏", 20000, 0.27), ("净水设备", 4000, 0.35), ("年度维保服务", 10000, 0.55),
    ("软件授权（年）", 18000, 0.70), ("办公耗材套装", 800, 0.20), ("智能门禁系统", 9000, 0.33),
)
_COMPETITORS = ("东方办公", "联创科技", "华信设备", "本地经销商", "京东企业购", "鼎盛科技", "其他代理商")
_OBSTACLES = (
    "价格偏高", "预算尚未批复", "决策链长，需总部审批", "对售后服务有顾虑", "交期要求紧",
    "已有合作供应商", "技术参数需确认", "付款条件未谈妥",
)
_LOST_REASONS = ("价格", "竞品", "预算取消", "无回应", "需求变化", "决策层否决")
_LOST_RESULT = {
    "价格": "客户认为价格偏高，项目流失", "竞品": "客户已选择其他供应商", "预算取消": "客户预算取消，项目暂停",
    "无回应": "多次联系无回应，关闭跟踪卡", "需求变化": "客户需求变化，项目取消", "决策层否决": "客户决策层否决采购",
}
_CREDIT = (("good", 0.70), ("fair", 0.18), ("poor", 0.09), ("very_bad", 0.03))
_TAG_NOTES = ("老客户介绍", "要求开增值税专用发票", "节假日不便打扰", "对价格敏感", "需总部审批采购", "月底对账")
_INTERACTION_NOTES = (
    "客户很重视售后", "需要开增值税专用发票", "联系人下月休假", "客户希望分期付款", "对竞品也在接触",
    "客户对交期比较关注", "老板亲自参与", "客户要求提供样品",
)

# interaction wording: (purposes, results, next steps) per kind of contact
_TEXT_MAINTAIN = (
    ("日常回访", "节日问候", "产品使用回访", "收集意见反馈", "新品推荐", "邀请参加客户答谢会", "对账及回款沟通", "售后服务跟进"),
    ("客户反馈良好", "暂无新需求", "客户提出改进建议", "已解答客户疑问", "约定下月再联系", "客户表示近期有采购计划",
     "客户对价格有异议", "已发送新品资料"),
    ("下月回访", "发送报价", "安排技术人员上门", "节前问候", "寄送样品"),
)
_TEXT_FOLLOW = (
    ("跟进项目进展", "解答技术问题", "了解决策流程", "邀请参观样板客户", "确认需求细节", "催促内部审批"),
    ("客户仍在比较方案", "等待客户内部审批", "客户要求再优惠", "客户对方案基本认可", "联系人出差，改期沟通", "客户暂未答复"),
    ("一周内再次跟进", "准备补充资料", "安排技术交流", "邀请到店体验", "等待客户反馈"),
)
# stage reached -> (purpose, result, next step)
_TEXT_ADVANCE = {
    "quoted": ("提交报价", "已发送报价单", "等待客户确认报价"),
    "proposal": ("方案讲解", "已提交解决方案", "根据反馈修改方案"),
    "negotiation": ("商务谈判", "就价格和付款方式进行谈判", "准备合同草案"),
    "contract": ("合同条款确认", "合同进入审批流程", "跟进合同盖章"),
}
_TEXT_CREATE = (
    ("需求沟通", "初次拜访了解需求", "产品介绍"),
    ("一周内发送资料", "准备报价", "安排产品演示"),
)
# first recorded contact of a customer, by channel: (purposes, results, next steps)
_TEXT_FIRST = {
    "walk_in": (("来店咨询", "到店看样品", "来店了解产品"), ("登记客户信息，介绍产品", "留下联系方式，待回访", "初步了解需求"),
                ("三天内电话回访", "发送产品资料", "邀请再次到店")),
    "call_in": (("来电咨询价格", "来电了解产品", "来电询问售后"), ("已登记联系方式", "介绍产品及报价区间", "约定上门拜访时间"),
                ("安排上门拜访", "微信发送资料", "电话回访")),
    "event": (("展会交流",), ("交换名片，了解需求", "现场演示产品"), ("一周内电话回访",)),
    "visit": (("转介绍客户首次拜访",), ("了解客户基本情况", "介绍公司及产品"), ("发送产品资料", "约定下次拜访")),
    "wechat": (("网络询盘回复", "微信添加好友"), ("发送产品资料", "了解采购需求"), ("电话回访", "发送报价")),
}
_TEXT_ANON = {
    "walk_in": (("来店看产品", "来店咨询", "路过进店"), ("未留资料", "客户只是看看", "留下电话，待回访")),
    "call_in": (("来电咨询价格", "来电询问产品参数", "来电询问售后"), ("未留资料", "客户只是问问价格", "留下电话，待回访")),
}
_COMPLAINT_CATEGORIES = (("产品质量", 0.35), ("服务态度", 0.15), ("交付延迟", 0.25), ("价格争议", 0.10), ("售后维修", 0.15))
_COMPLAINT_CHANNELS = (("电话", 0.40), ("微信", 0.30), ("来店", 0.15), ("邮件", 0.15))
# category -> content templates as (text before the product, text after it), resolutions
_COMPLAINT_TEXT = {
    "产品质量": ((("购买的", "使用不到两周就出现故障，要求更换"), ("", "有明显划痕和外观瑕疵"),
                  ("新到的", "部分功能无法正常使用")),
                 ("已上门检测并更换故障部件", "同意换货并赠送延保一年", "确认为运输损坏，已补发新品")),
    "服务态度": ((("咨询", "时销售人员态度冷淡"), ("安装", "的师傅不守时且态度差"), ("催问", "进度时客服推诿")),
                 ("已向客户致歉并对相关人员批评教育", "更换对接人员，主管回访致歉")),
    "交付延迟": ((("订购的", "超过约定交期仍未到货"), ("", "分批发货，影响客户项目进度"), ("", "物流信息长时间未更新")),
                 ("协调仓库加急发货，已送达", "给予客户运费减免补偿", "已与客户确认新的交付时间并按期送达")),
    "价格争议": ((("", "的结算价格与合同不一致"), ("对", "的报价有异议，认为高于市场价"), ("", "发票金额有误")),
                 ("核对合同后已按约定价格调整", "向客户解释价格构成，客户接受", "已重开发票")),
    "售后维修": ((("", "报修三天无人上门"), ("", "维修后同一问题再次出现"), ("", "保修期内维修仍被收费")),
                 ("已安排工程师上门维修完毕", "更换整机并延长保修", "退还维修费用并致歉")),
}
# (key, section, sensitive, values); values None: made from the person (nickname, spouse, dates)
_PROFILE_FACTS = (
    ("昵称", "personal", False, None),
    ("籍贯", "personal", False, ("浙江温州", "江苏苏州", "广东潮汕", "湖南长沙", "四川成都", "山东潍坊", "河南洛阳",
                                "福建泉州", "湖北武汉", "安徽合肥", "河北保定", "辽宁大连")),
    ("生肖", "personal", False, ("鼠", "牛", "虎", "兔", "龙", "蛇", "马", "羊", "猴", "鸡", "狗", "猪")),
    ("星座", "personal", False, ("白羊座", "金牛座", "双子座", "巨蟹座", "狮子座", "处女座", "天秤座", "天蝎座",
                                "射手座", "摩羯座", "水瓶座", "双鱼座")),
    ("手机", "personal", False, ("华为Mate 60", "iPhone 15 Pro", "小米14", "OPPO Find X7", "vivo X100", "荣耀Magic6")),
    ("毕业院校", "education", False, ("浙江大学", "复旦大学", "武汉大学", "中山大学", "四川大学", "南京大学",
                                   "华中科技大学", "山东大学", "西安交通大学", "厦门大学", "湖南大学", "吉林大学",
                                   "本地职业技术学院")),
    ("学位", "education", False, ("大专", "本科", "本科", "硕士", "EMBA")),
    ("擅长运动", "education", False, ("篮球", "羽毛球", "乒乓球", "游泳", "跑步", "足球")),
    ("婚姻状况", "family", True, ("已婚", "已婚", "已婚", "未婚", "离异")),
    ("配偶姓名", "family", True, None),
    ("子女情况", "family", True, ("一个儿子，上小学", "一个女儿，上初中", "两个孩子", "暂无子女", "儿子在国外读大学")),
    ("结婚纪念日", "family", True, None),
    ("前一个工作", "business", False, ("外企销售经理", "国企采购主管", "自主创业", "同行公司技术总监", "银行客户经理")),
    ("参与的行业协会", "business", False, ("市商会会员", "行业协会理事", "青年企业家协会", "无")),
    ("长期事业目标", "business", False, ("三年内公司上市", "扩大区域市场", "成为行业前三", "稳健经营")),
    ("对本公司的态度", "business", False, ("认可我们的服务", "更看重价格", "与我方老板私交好", "对上次交付延迟有意见")),
    ("所属俱乐部", "interests", False, ("高尔夫俱乐部", "车友会", "读书会", "户外徒步俱乐部", "无")),
    ("政党", "interests", True, ("中共党员", "群众", "群众", "民主党派")),
    ("宗教信仰", "interests", True, ("无", "无", "无", "佛教", "基督教")),
    ("特别机密且不宜谈论之事件", "interests", True, ("近期离婚", "公司正在涉诉", "家人生病住院", "曾被前东家辞退")),
    ("健康状况", "lifestyle", True, ("良好", "良好", "高血压", "腰椎不好", "糖尿病，饮食需注意", "刚做过手术")),
    ("饮酒习惯", "lifestyle", False, ("不喝酒", "偶尔喝红酒", "白酒半斤", "啤酒为主", "因健康原因戒酒")),
    ("是否吸烟", "lifestyle", False, ("不吸烟", "吸烟", "已戒烟，反对别人吸烟")),
    ("喜欢的餐厅", "lifestyle", False, ("海底捞", "本地粤菜馆", "西贝莜面村", "日料店", "公司附近的湘菜馆", "酒店自助餐")),
    ("最偏好的菜式", "lifestyle", False, ("川菜", "粤菜", "湘菜", "江浙菜", "东北菜", "西餐", "日料")),
    ("兴趣爱好", "lifestyle", False, ("钓鱼", "高尔夫", "书法", "摄影", "茶道", "自驾游", "收藏字画", "健身")),
    ("喜欢的度假方式", "lifestyle", False, ("海岛游", "自驾游", "出国旅游", "回老家", "带孩子去游乐园")),
    ("车子厂牌", "lifestyle", False, ("奔驰", "宝马", "奥迪", "比亚迪", "丰田", "理想", "特斯拉", "大众")),
    ("喜欢的话题", "lifestyle", False, ("子女教育", "股票投资", "体育赛事", "历史", "养生", "行业动态")),
    ("最担心的问题", "relationship", False, ("回款周期", "产品质量", "交货期", "售后响应速度", "价格上涨")),
    ("客户最关键的问题", "relationship", False, ("价格", "交付时间", "服务响应", "品牌", "账期")),
    ("是否在意别人的意见", "relationship", False, ("很在意领导意见", "比较自我", "听取技术部门意见", "看重同行评价")),
)

# --------------------------------------------------------------------------------------------
# Small vector helpers
# --------------------------------------------------------------------------------------------

_FOUR_DIGITS = np.char.zfill(np.arange(10_000).astype("U4"), 4)


def _digits(nums: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal strings of fixed width, built from a table of 4-digit blocks."""
    nums = np.asarray(nums, dtype=np.int64)
    blocks = -(-width // 4)
    out = _FOUR_DIGITS[nums // 10 ** (4 * (blocks - 1)) % 10_000]
    for i in range(blocks - 2, -1, -1):
        out = np.strings.add(out, _FOUR_DIGITS[nums // 10 ** (4 * i) % 10_000])
    full = 4 * blocks
    if full != width:  # drop the leading surplus characters through a 1-char view
        chars = out.astype(f"<U{full}").view("<U1").reshape(-1, full)[:, full - width:]
        out = np.ascontiguousarray(chars).view(f"<U{width}").ravel()
    return out


def _ids(prefix: str, n: int, min_width: int) -> np.ndarray:
    width = max(min_width, len(str(n)))
    return np.strings.add(prefix, _digits(np.arange(1, n + 1), width)).astype(object)


def _cat(*parts) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars."""
    out = np.asarray(parts[0]).astype(str)
    for p in parts[1:]:
        out = np.strings.add(out, np.asarray(p).astype(str))
    return out.astype(object)


def _weights(pairs) -> tuple[np.ndarray, np.ndarray]:
    values = np.array([v for v, _ in pairs], dtype=object)
    w = np.array([w for _, w in pairs], dtype=float)
    return values, w / w.sum()


def _draw(rng: np.random.Generator, pairs, n: int) -> np.ndarray:
    values, w = _weights(pairs)
    return values[rng.choice(len(values), size=n, p=w)]


def _pick(rng: np.random.Generator, pool, n: int) -> np.ndarray:
    pool = np.asarray(pool, dtype=object)
    return pool[rng.integers(0, len(pool), n)]


def _row_choice(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One draw per row from unnormalised row weights (n, k)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1)


def _group_starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def _rank_in_group(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... within each group of a repeat-by-counts layout."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(_group_starts(counts), counts)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class _Timeline:
    start: pd.Timestamp  # midnight of day 0
    as_of: pd.Timestamp  # midnight after the last day of history
    n_days: int

    def stamps(self, t_days: np.ndarray) -> np.ndarray:
        """Continuous days since start -> datetime64[ns] in business hours (08:30-18:30).

        The fraction of the day is stretched monotonically over the working day, so the
        order of events and their calendar day are kept.
        """
        t_days = np.asarray(t_days, dtype=float)
        day = np.floor(t_days)
        minutes = np.round((8.5 + (t_days - day) * 10.0) * 60.0)
        ns = (day.astype(np.int64) * 1440 + minutes.astype(np.int64)) * 60_000_000_000
        return (ns + self.start.value).view("datetime64[ns]")

    def dates(self, days: np.ndarray) -> np.ndarray:
        """Whole days since start -> midnight datetime64[ns]; negative sentinel -> NaT."""
        days = np.asarray(days, dtype=np.int64)
        ns = np.where(days == _NAT, _NAT, days * _DAY_NS + self.start.value)
        return ns.view("datetime64[ns]")


def _timeline(end, years: float) -> _Timeline:
    end_ts = pd.Timestamp(_DEFAULT_END if end is None else end).normalize()
    as_of = (end_ts + pd.Timedelta(days=1)).as_unit("ns")
    n_days = max(int(round(years * 365.25)), 30)
    start = as_of - pd.Timedelta(days=n_days)
    return _Timeline(start=start, as_of=as_of, n_days=n_days)


# --------------------------------------------------------------------------------------------
# People, companies, places
# --------------------------------------------------------------------------------------------


@dataclass
class _People:
    name: np.ndarray
    surname: np.ndarray
    gender: np.ndarray  # "male" / "female"
    given_pinyin: np.ndarray
    surname_pinyin: np.ndarray


def _people(rng: np.random.Generator, n: int, share_male: float = 0.6) -> _People:
    sur = np.array([s for s, _, _ in _SURNAMES], dtype=object)
    sur_py = np.array([p for _, p, _ in _SURNAMES], dtype=object)
    w = np.array([f for _, _, f in _SURNAMES])
    si = rng.choice(len(sur), size=n, p=w / w.sum())
    male = rng.random(n) < share_male
    two = rng.random(n) < 0.65  # two-character given names are the commoner kind
    given, given_py = [], []
    for pool_m, pool_f in ((_GIVEN_MALE, _GIVEN_FEMALE),) * 2:
        cm = np.array([c for c, _ in pool_m], dtype=object)
        pm = np.array([p for _, p in pool_m], dtype=object)
        cf = np.array([c for c, _ in pool_f], dtype=object)
        pf = np.array([p for _, p in pool_f], dtype=object)
        im = rng.integers(0, len(cm), n)
        i_f = rng.integers(0, len(cf), n)
        given.append(np.where(male, cm[im], cf[i_f]))
        given_py.append(np.where(male, pm[im], pf[i_f]))
    g = np.where(two, _cat(given[0], given[1]), given[0])
    gp = np.where(two, _cat(given_py[0], given_py[1]), given_py[0])
    return _People(
        name=_cat(sur[si], g), surname=sur[si], gender=np.where(male, "male", "female").astype(object),
        given_pinyin=gp.astype(object), surname_pinyin=sur_py[si],
    )


def _mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    second = np.array(list("3456789"))[rng.choice(7, size=n, p=[0.3, 0.1, 0.15, 0.05, 0.1, 0.25, 0.05])]
    return _cat("1", second, _digits(rng.integers(0, 10**9, n), 9))


def _personal_emails(rng: np.random.Generator, people: _People) -> np.ndarray:
    n = len(people.name)
    domain = _pick(rng, ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com"), n)
    num = rng.integers(1, 100, n).astype(str)
    year = rng.integers(1965, 2001, n).astype(str)
    kind = rng.integers(0, 4, n)
    local = np.select(
        [kind == 0, kind == 1, kind == 2],
        [_cat(people.surname_pinyin, people.given_pinyin, num),
         _cat(people.given_pinyin, ".", people.surname_pinyin),
         _cat(people.surname_pinyin, people.given_pinyin, year)],
        default=_digits(rng.integers(10**7, 10**10, n), 10),
    )
    qq = kind == 3  # QQ numbers are mail addresses at qq.com
    return _cat(local, "@", np.where(qq, "qq.com", domain))


@dataclass
class _Companies:
    name: np.ndarray
    short: np.ndarray  # brand + industry word, e.g. 恒泰科技
    brand: np.ndarray
    domain: np.ndarray
    industry: np.ndarray


def _companies(rng: np.random.Generator, city: np.ndarray) -> _Companies:
    n = len(city)
    chars = np.array([c for c, _ in _BRAND_CHARS], dtype=object)
    pys = np.array([p for _, p in _BRAND_CHARS], dtype=object)
    ind_names = np.array([i for i, _, _ in _INDUSTRIES], dtype=object)
    ind_w = np.array([w for _, _, w in _INDUSTRIES])
    ind = rng.choice(len(_INDUSTRIES), size=n, p=ind_w / ind_w.sum())
    word_tables = [np.array(words, dtype=object) for _, words, _ in _INDUSTRIES]
    word = np.empty(n, dtype=object)
    for k, words in enumerate(word_tables):  # a loop over the ten industries, not over rows
        m = ind == k
        word[m] = words[rng.integers(0, len(words), m.sum())]
    suffix = _draw(rng, _COMPANY_SUFFIXES, n)
    i1 = np.zeros(n, dtype=np.int64)
    i2 = np.zeros(n, dtype=np.int64)
    name = np.empty(n, dtype=object)
    todo = np.arange(n)
    # registered names are unique: redraw the brand of any duplicate a few rounds
    for _ in range(30):
        i1[todo] = rng.integers(0, len(chars), len(todo))
        i2[todo] = (i1[todo] + rng.integers(1, len(chars), len(todo))) % len(chars)
        name[todo] = _cat(city[todo], chars[i1[todo]], chars[i2[todo]], word[todo], suffix[todo])
        todo = np.flatnonzero(pd.Series(name).duplicated(keep="first").to_numpy())
        if not len(todo):
            break
    if len(todo):  # more companies than brands: number the branches
        name[todo] = _cat(name[todo], "第", np.arange(1, len(todo) + 1).astype(str), "分公司")
    brand = _cat(chars[i1], chars[i2])
    tld = _pick(rng, (".com", ".com.cn", ".cn", ".net"), n)
    return _Companies(name=name, short=_cat(brand, word), brand=brand,
                      domain=_cat(pys[i1], pys[i2], tld), industry=ind_names[ind])


def _addresses(rng: np.random.Generator, city: np.ndarray, company: np.ndarray) -> np.ndarray:
    n = len(city)
    base = _cat(city, "市", _pick(rng, _DISTRICTS, n), _pick(rng, _ROADS, n),
                rng.integers(1, 1000, n).astype(str), "号")
    room = _cat(rng.integers(1, 30, n).astype(str), "楼", _digits(rng.integers(1, 30, n), 2), "室")
    unit = _cat(rng.integers(1, 20, n).astype(str), "栋", rng.integers(1, 6, n).astype(str), "单元",
                rng.integers(101, 2400, n).astype(str), "室")
    return np.where(company, _cat(base, room), _cat(base, unit))


# --------------------------------------------------------------------------------------------
# Reps and customers
# --------------------------------------------------------------------------------------------


@dataclass
class _Reps:
    name: np.ndarray
    region: np.ndarray  # index into REGIONS
    skill: np.ndarray  # hidden: shifts the won hazard
    diligence: np.ndarray  # hidden: scales how often they follow up and visit
    speed: np.ndarray  # hidden: scales complaint handling time


def _make_reps(rng: np.random.Generator) -> _Reps:
    n = int(rng.integers(10, 15))
    names = _people(rng, n, share_male=0.55).name
    for _ in range(50):  # a team has no two reps of the same name
        dup = pd.Series(names).duplicated().to_numpy()
        if not dup.any():
            break
        names[dup] = _people(rng, int(dup.sum())).name
    region_w = _region_weights()
    # every region has a rep; the rest go where the customers are
    region = np.concatenate([np.arange(len(REGIONS)), rng.choice(len(REGIONS), n - len(REGIONS), p=region_w)])
    return _Reps(name=names, region=region, skill=rng.normal(0, 0.3, n),
                 diligence=np.exp(rng.normal(0, 0.25, n)), speed=np.exp(rng.normal(0, 0.3, n)))


def _region_weights() -> np.ndarray:
    w = np.zeros(len(REGIONS))
    for _, region, _, cw in _CITIES:
        w[REGIONS.index(region)] += cw
    return w / w.sum()


def _home_rep(rng: np.random.Generator, region: np.ndarray, reps: _Reps, p_home: float) -> np.ndarray:
    """A rep of the customer's region with probability p_home, else any rep."""
    n = len(region)
    counts = np.bincount(reps.region, minlength=len(REGIONS))
    table = np.full((len(REGIONS), counts.max()), -1)
    for r in range(len(REGIONS)):
        table[r, :counts[r]] = np.flatnonzero(reps.region == r)
    home = table[region, (rng.random(n) * counts[region]).astype(np.int64)]
    anyone = rng.integers(0, len(reps.name), n)
    return np.where(rng.random(n) < p_home, home, anyone)


@dataclass
class _Customers:
    created_t: np.ndarray  # continuous days since start, ascending
    created_day: np.ndarray
    ctype: np.ndarray
    company: np.ndarray
    city: np.ndarray
    region: np.ndarray
    area_code: np.ndarray
    owner: np.ndarray  # rep index
    source: np.ndarray
    name: np.ndarray
    short: np.ndarray  # company short name or the person's name, for titles
    mnemonic: np.ndarray
    person: _People  # the person, for individual customers (unused for companies)
    domain: np.ndarray  # e-mail domain for companies
    industry: np.ndarray
    favourite: np.ndarray  # product index the customer mostly buys


def _make_customers(rng: np.random.Generator, n: int, tl: _Timeline, reps: _Reps) -> _Customers:
    # more customers join later in the period: the business grows
    created_t = np.sort(tl.n_days * rng.random(n) ** 0.8)
    ctype = _draw(rng, (("customer", 0.92), ("partner", 0.05), ("supplier", 0.03)), n)
    company = (ctype != "customer") | (rng.random(n) < 0.7)
    cw = np.array([c[3] for c in _CITIES], dtype=float)
    ci = rng.choice(len(_CITIES), size=n, p=cw / cw.sum())
    city = np.array([c[0] for c in _CITIES], dtype=object)[ci]
    region = np.array([REGIONS.index(c[1]) for c in _CITIES])[ci]
    area = np.array([c[2] for c in _CITIES], dtype=object)[ci]
    comp = _companies(rng, city)
    person = _people(rng, n)
    name = np.where(company, comp.name, person.name)
    short = np.where(company, comp.short, person.name)
    mnemonic = _cat(city, "-", np.where(company, comp.brand, person.name))
    return _Customers(
        created_t=created_t, created_day=np.floor(created_t).astype(np.int64), ctype=ctype,
        company=company, city=city, region=region, area_code=area,
        owner=_home_rep(rng, region, reps, 0.85), source=_draw(rng, _SOURCES, n), name=name,
        short=short, mnemonic=mnemonic, person=person,
        domain=comp.domain, industry=np.where(company, comp.industry, None),
        favourite=rng.integers(0, len(_PRODUCTS), n),
    )


# --------------------------------------------------------------------------------------------
# Orders: BG/NBD + Gamma-Gamma
# --------------------------------------------------------------------------------------------


@dataclass
class _Purchases:
    lam: np.ndarray
    p: np.ndarray
    nu: np.ndarray
    buyer: np.ndarray
    t0: np.ndarray  # first purchase (continuous days), nan if none
    alive: np.ndarray
    dropout_t: np.ndarray
    order_cust: np.ndarray  # per order, chronological within customer
    order_t: np.ndarray
    order_amount: np.ndarray


def _simulate_purchases(rng: np.random.Generator, tl: _Timeline, cust: _Customers,
                        pp: PurchaseParams) -> _Purchases:
    n = len(cust.created_t)
    lam = rng.gamma(pp.r, 1.0 / pp.alpha, n)
    p = rng.beta(pp.a, pp.b, n)
    nu = rng.gamma(pp.q, 1.0 / pp.v, n)
    t0 = cust.created_t + rng.exponential(pp.first_purchase_delay, n)
    buyer = (cust.ctype != "supplier") & (rng.random(n) < pp.share_buyers) & (t0 < tl.n_days)
    horizon = np.where(buyer, tl.n_days - t0, 0.0)
    # K = repeat purchases made before dropping out if time were unlimited. As in BG/NBD
    # (unlike MBG/NBD) a customer can leave only right after a repeat purchase, each time with
    # probability p, so K ~ Geometric(p) on 1, 2, ... and a customer with no repeats is alive
    k_max = rng.geometric(p)
    n_arrivals = rng.poisson(lam * horizon)  # Poisson(lambda) purchase opportunities in (t0, end)
    m = np.where(buyer, np.minimum(n_arrivals, k_max), 0)
    alive = buyer & (n_arrivals < k_max)
    # the m earliest of N uniform arrival times, by the Renyi representation of order
    # statistics: 1 - U_(k) = prod_{j<k} V_j^(1/(N-j)); only sum(m) numbers are drawn
    owner = np.repeat(np.arange(n), m)
    rank = _rank_in_group(m)
    logf = np.log(rng.random(len(owner))) / (n_arrivals[owner] - rank)
    csum = np.cumsum(logf)
    has = m > 0
    csum -= np.repeat((csum - logf)[_group_starts(m)[has]], m[has])
    t_repeat = t0[owner] + (1.0 - np.exp(csum)) * horizon[owner]
    last_repeat = np.full(n, np.nan)
    if len(owner):
        last_repeat[owner[rank == m[owner] - 1]] = t_repeat[rank == m[owner] - 1]
    dropout_t = np.where(buyer & ~alive, last_repeat, np.nan)  # not alive implies m = K >= 1
    firsts = np.flatnonzero(buyer)
    order_cust = np.concatenate([firsts, owner])
    order_t = np.concatenate([t0[firsts], t_repeat])
    amount = rng.gamma(pp.p, 1.0 / nu[order_cust])
    return _Purchases(lam=lam, p=p, nu=nu, buyer=buyer, t0=np.where(buyer, t0, np.nan), alive=alive,
                      dropout_t=dropout_t, order_cust=order_cust, order_t=order_t,
                      order_amount=np.maximum(np.round(amount, 2), 1.0))


# --------------------------------------------------------------------------------------------
# The hidden close process
# --------------------------------------------------------------------------------------------


def _hazards(stage, recency, frequency, base_won, base_lost):
    """Daily won and lost hazards; the one function both the simulation and the truth use."""
    model = CLOSE_MODEL
    lr = np.log(recency)
    lf = np.log1p(frequency)
    zw = base_won + np.asarray(model.stage_won)[stage] + model.recency_won * lr + model.frequency_won * lf
    zl = base_lost + np.asarray(model.stage_lost)[stage] + model.recency_lost * lr + model.frequency_lost * lf
    hw = _sigmoid(zw)
    hl = _sigmoid(zl)
    scale = np.minimum(1.0, model.max_total_hazard / (hw + hl))
    return hw * scale, hl * scale


def _base_logits(fit, rep_skill, has_competitor):
    model = CLOSE_MODEL
    base_won = model.intercept_won + fit + rep_skill
    base_lost = model.intercept_lost + model.fit_lost * fit + model.competitor_lost * has_competitor
    return base_won, base_lost


@dataclass
class _Slots:
    """Potential opportunities: each customer's cards, opened one after another."""

    cust: np.ndarray
    next: np.ndarray  # the customer's next slot, -1 if none
    first: np.ndarray  # first slot of its customer
    create_day: np.ndarray  # scheduled day (big = not yet scheduled)
    stage0: np.ndarray
    fit: np.ndarray
    rep: np.ndarray
    competitor: np.ndarray
    grade: np.ndarray  # index into _GRADES
    product: np.ndarray  # index into _PRODUCTS
    contact_prob: np.ndarray
    base_won: np.ndarray
    base_lost: np.ndarray


_UNSCHEDULED = np.iinfo(np.int64).max // 4


def _make_slots(rng: np.random.Generator, cust: _Customers, reps: _Reps) -> _Slots:
    n = len(cust.created_t)
    wants = np.where(rng.random(n) < 0.62, 1 + np.minimum(rng.poisson(0.5, n), 4), 0)
    wants[cust.ctype == "supplier"] = 0  # nobody sells to their own suppliers here
    c = np.repeat(np.arange(n), wants)
    rank = _rank_in_group(wants)
    m = len(c)
    nxt = np.where(rank < wants[c] - 1, np.arange(m) + 1, -1)
    # the card is often filled at the first contact, else some weeks later
    delay = np.where(rng.random(m) < 0.45, 0, np.ceil(rng.exponential(30.0, m))).astype(np.int64)
    create = np.where(rank == 0, cust.created_day[c] + delay, _UNSCHEDULED)
    stage0 = np.where(rng.random(m) < 0.75, 0, 1)
    fit = rng.normal(0.0, 1.0, m)
    rep = np.where(rng.random(m) < 0.85, cust.owner[c], rng.integers(0, len(reps.name), m))
    competitor = rng.random(m) < 0.4
    # the rep's grade: an optimistic, noisy reading of stage and fit against the form's
    # thresholds (O > 75 %, A > 50 %, B > 25 %)
    seen = _sigmoid(np.asarray(CLOSE_MODEL.stage_won)[stage0] + fit + rng.normal(0, 0.7, m) - 0.5)
    grade = np.select([seen > 0.75, seen > 0.5, seen > 0.25], [0, 1, 2], default=3)
    # follow-up frequency depends on the grade, as the 三表一卡 rules ask
    every = np.array([6.0, 9.0, 15.0, 24.0])[grade]
    contact_prob = np.minimum(0.5, reps.diligence[rep] / every)
    base_won, base_lost = _base_logits(fit, reps.skill[rep], competitor)
    product = np.where(rng.random(m) < 0.6, cust.favourite[c], rng.integers(0, len(_PRODUCTS), m))
    return _Slots(cust=c, next=nxt, first=rank == 0, create_day=create, stage0=stage0, fit=fit, rep=rep,
                  competitor=competitor, grade=grade, product=product, contact_prob=contact_prob,
                  base_won=base_won, base_lost=base_lost)


@dataclass
class _Pipeline:
    status: np.ndarray  # 0 never opened, 1 open at the end, 2 won, 3 lost
    open_day: np.ndarray
    stage: np.ndarray
    close_day: np.ndarray
    recency_at_close: np.ndarray
    contact_slot: np.ndarray  # contacts made by the card process
    contact_day: np.ndarray
    contact_kind: np.ndarray  # 0 opened, 1 follow-up, 2 stage moved on, 3 signed (won), 4 closing call (lost)
    contact_stage: np.ndarray  # stage after the contact
    hist_slot: np.ndarray  # stage path
    hist_stage: np.ndarray
    hist_day: np.ndarray


_KIND_OPEN, _KIND_FOLLOW, _KIND_ADVANCE, _KIND_WON, _KIND_LOST = range(5)


def _simulate_pipeline(rng: np.random.Generator, tl: _Timeline, slots: _Slots, n_customers: int,
                       other_cust: np.ndarray, other_day: np.ndarray) -> _Pipeline:
    """Run the hidden close process day by day over all open cards at once.

    ``other_cust/other_day`` are the customers' interactions made outside the card process
    (first contacts, maintenance), sorted by day: they count towards recency and frequency.
    """
    model = CLOSE_MODEL
    m = len(slots.cust)
    window = model.window_days
    advance = np.asarray(model.advance)
    status = np.zeros(m, np.int8)
    stage = slots.stage0.astype(np.int64).copy()
    close_day = np.full(m, _NAT, np.int64)
    rec_close = np.zeros(m, np.int64)
    create_day = slots.create_day.copy()
    last = np.full(n_customers, -(10**9), np.int64)  # day of the customer's last interaction
    ring = np.zeros((window, n_customers), np.int32)  # interactions per customer on the last `window` days
    freq = np.zeros(n_customers, np.int64)
    bounds = np.searchsorted(other_day, np.arange(tl.n_days + 1))
    active = np.zeros(0, np.int64)
    out_slot, out_day, out_kind, out_stage = [], [], [], []
    hist_slot, hist_stage, hist_day = [], [], []

    def record(slot_idx, day, kind, stg):
        out_slot.append(slot_idx)
        out_day.append(np.full(len(slot_idx), day))
        out_kind.append(np.full(len(slot_idx), kind, np.int8))
        out_stage.append(stg)

    for d in range(tl.n_days):
        touched = []
        if len(active):
            c = slots.cust[active]
            rec = d - last[c]
            hw, hl = _hazards(stage[active], rec, freq[c], slots.base_won[active], slots.base_lost[active])
            u = rng.random(len(active))
            won = u < hw
            lost = ~won & (u < hw + hl)
            closed = won | lost
            if closed.any():
                w_idx, l_idx = active[won], active[lost]
                status[w_idx], status[l_idx] = 2, 3
                close_day[active[closed]] = d
                rec_close[active[closed]] = rec[closed]
                moved = w_idx[stage[w_idx] != len(_STAGES) - 1]
                stage[w_idx] = len(_STAGES) - 1  # a won card ends at 合同签约
                hist_slot.append(moved)
                hist_stage.append(stage[moved])
                hist_day.append(np.full(len(moved), d))
                record(w_idx, d, _KIND_WON, stage[w_idx])
                called = l_idx[rng.random(len(l_idx)) < 0.4]
                record(called, d, _KIND_LOST, stage[called])
                touched += [slots.cust[w_idx], slots.cust[called]]
                nxt = slots.next[active[closed]]
                nxt = nxt[nxt >= 0]
                create_day[nxt] = d + 7 + np.ceil(rng.exponential(90.0, len(nxt))).astype(np.int64)
                active = active[~closed]
        # the day leaving the frequency window
        slot = d % window
        freq -= ring[slot]
        ring[slot] = 0
        if len(active):
            v = rng.random(len(active))
            pi = slots.contact_prob[active]
            st = stage[active]
            contact = v < pi
            moves = (v < pi * advance[st]) & (st < len(_STAGES) - 1)
            mv = active[moves]
            stage[mv] += 1
            hist_slot.append(mv)
            hist_stage.append(stage[mv])
            hist_day.append(np.full(len(mv), d))
            fu = active[contact & ~moves]
            record(fu, d, _KIND_FOLLOW, stage[fu])
            record(mv, d, _KIND_ADVANCE, stage[mv])
            touched.append(slots.cust[active[contact]])
        touched.append(other_cust[bounds[d]:bounds[d + 1]])
        new = np.flatnonzero(create_day == d)
        if len(new):
            status[new] = 1
            hist_slot.append(new)
            hist_stage.append(stage[new])
            hist_day.append(np.full(len(new), d))
            record(new, d, _KIND_OPEN, stage[new])
            touched.append(slots.cust[new])
            active = np.concatenate([active, new])
        if touched:
            tc = np.concatenate(touched)
            np.add.at(ring[slot], tc, 1)
            np.add.at(freq, tc, 1)
            last[tc] = d

    def cat(parts, dtype):
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    return _Pipeline(
        status=status, open_day=np.where(status > 0, create_day, _NAT), stage=stage, close_day=close_day,
        recency_at_close=rec_close,
        contact_slot=cat(out_slot, np.int64), contact_day=cat(out_day, np.int64),
        contact_kind=cat(out_kind, np.int8), contact_stage=cat(out_stage, np.int64),
        hist_slot=cat(hist_slot, np.int64), hist_stage=cat(hist_stage, np.int64),
        hist_day=cat(hist_day, np.int64),
    )


def _win_probability(stage0, recency0, past_freq, base_won, base_lost, contact_prob, contact_rate,
                     horizon: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """P(won within `horizon` days) for cards open at the start of day D, by simulation.

    ``past_freq[:, k]`` counts the customer's interactions already made that fall in the
    frequency window of day D + k. Along each simulated path of contacts and stage moves the
    close draws are integrated out exactly, which leaves only the contact randomness.
    """
    model = CLOSE_MODEL
    n = len(stage0)
    out = np.zeros(n)
    if n == 0 or horizon <= 0:
        return out
    window = model.window_days
    advance = np.asarray(model.advance)
    last_stage = len(_STAGES) - 1
    chunk = max(1, 400_000 // n_paths)
    for lo in range(0, n, chunk):
        sl = slice(lo, min(n, lo + chunk))

        def rep(x):
            return np.repeat(np.asarray(x)[sl], n_paths, axis=0)

        stage, rec = rep(stage0).astype(np.int64), rep(recency0).astype(float)
        bw, bl, pi, mu = rep(base_won), rep(base_lost), rep(contact_prob), rep(contact_rate)
        past = rep(past_freq)
        # Poisson(mu) counts of other interactions per day, by inverse CDF (>= 3 lumped:
        # mu is about 0.01 a day, so four in a day has probability ~1e-9)
        p0 = np.exp(-mu)
        p1 = p0 * (1.0 + mu)
        p2 = p1 + p0 * mu * mu / 2.0
        ring = np.zeros((window, len(stage)), np.int32)
        future = np.zeros(len(stage), np.int64)
        surv = np.ones(len(stage))
        prob = np.zeros(len(stage))
        for k in range(horizon):
            freq = future + (past[:, k] if k < past.shape[1] else 0)
            hw, hl = _hazards(stage, rec, freq, bw, bl)
            prob += surv * hw
            surv *= 1.0 - hw - hl
            if k == horizon - 1:
                break
            future -= ring[k % window]
            v = rng.random(len(stage))
            contact = v < pi
            moves = (v < pi * advance[stage]) & (stage < last_stage)
            w = rng.random(len(stage))
            count = contact + (w > p0) + (w > p1) + (w > p2)
            ring[k % window] = count
            future += count
            rec = np.where(count > 0, 1.0, rec + 1.0)
            stage = stage + moves
        out[sl] = prob.reshape(-1, n_paths).mean(axis=1)
    return out


def _contact_keys(cust_code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Sorted (customer, day) keys for counting interactions by binary search."""
    return np.sort(cust_code.astype(np.int64) * (1 << 32) + day.astype(np.int64))


def _recency_and_window(keys: np.ndarray, cust_code: np.ndarray, day0: np.ndarray, horizon: int,
                        window: int) -> tuple[np.ndarray, np.ndarray]:
    """Days since the last interaction before day0, and past interactions in each future window."""
    base = cust_code.astype(np.int64) * (1 << 32)
    hi = np.searchsorted(keys, base + day0, side="left")
    prev = keys[np.maximum(hi - 1, 0)] if len(keys) else np.zeros(len(hi), np.int64)
    has = (hi > 0) & (prev >> 32 == cust_code)
    # no interaction on record: treat as long silent (cannot happen for generated cards)
    recency = np.where(has, day0 - (prev & 0xFFFFFFFF), 365)
    cols = min(horizon, window)
    past = np.zeros((len(day0), cols), np.int64)
    for k in range(cols):  # window of day0 + k covers [day0 + k - window, day0 - 1] of the past
        lo = np.searchsorted(keys, base + day0 + k - window, side="left")
        past[:, k] = hi - lo
    return np.maximum(recency, 1), past


# --------------------------------------------------------------------------------------------
# Interactions
# --------------------------------------------------------------------------------------------


def _pick_text(rng, pool, n, p_none: float = 0.0) -> np.ndarray:
    out = _pick(rng, pool, n)
    if p_none:
        out[rng.random(n) < p_none] = None
    return out


@dataclass
class _Rows:
    """Interaction rows under construction, one array per column."""

    cust: np.ndarray  # customer index, -1 anonymous
    t: np.ndarray  # continuous days
    channel: np.ndarray
    rep: np.ndarray
    purpose: np.ndarray
    result: np.ndarray
    next_step: np.ndarray
    left_contact: np.ndarray
    order: np.ndarray  # tie-break within the same minute

    @staticmethod
    def concat(parts: list[_Rows]) -> _Rows:
        return _Rows(*[np.concatenate([getattr(p, f) for p in parts]) for f in _Rows.__dataclass_fields__])


def _first_contacts(rng, cust: _Customers, idx: np.ndarray) -> _Rows:
    """Each customer's first recorded interaction, the one that created the record."""
    n = len(idx)
    channel = pd.Series(cust.source[idx], dtype=object).map(_SOURCE_CHANNEL).to_numpy(dtype=object)
    purpose, result, nxt = (np.empty(n, dtype=object) for _ in range(3))
    for ch, (pp, rr, nn) in _TEXT_FIRST.items():  # a loop over five channels
        mk = channel == ch
        k = int(mk.sum())
        purpose[mk], result[mk], nxt[mk] = _pick(rng, pp, k), _pick(rng, rr, k), _pick(rng, nn, k)
    return _Rows(cust=idx, t=cust.created_t[idx], channel=channel, rep=cust.owner[idx], purpose=purpose,
                 result=result, next_step=nxt, left_contact=np.ones(n, bool), order=np.zeros(n, np.int8))


def _maintenance(rng, tl: _Timeline, cust: _Customers, rate: np.ndarray, reps: _Reps) -> _Rows:
    """Relationship upkeep: a Poisson process per customer from creation to the end."""
    exposure = tl.n_days - cust.created_t
    counts = rng.poisson(rate * exposure)
    c = np.repeat(np.arange(len(rate)), counts)
    t = cust.created_t[c] + rng.random(len(c)) * exposure[c]
    n = len(c)
    channel = _draw(rng, (("visit", 0.28), ("phone", 0.30), ("wechat", 0.26), ("email", 0.07), ("event", 0.03),
                          ("walk_in", 0.04), ("call_in", 0.02)), n)
    rep = np.where(rng.random(n) < 0.9, cust.owner[c], rng.integers(0, len(reps.name), n))
    p, r, s = _TEXT_MAINTAIN
    return _Rows(cust=c, t=t, channel=channel, rep=rep, purpose=_pick(rng, p, n), result=_pick(rng, r, n),
                 next_step=_pick_text(rng, s, n, p_none=0.5), left_contact=np.ones(n, bool),
                 order=np.ones(n, np.int8))


def _card_contacts(rng, cust: _Customers, slots: _Slots, pipe: _Pipeline, lost_reason: np.ndarray) -> _Rows:
    """The interactions the card process made: openings, follow-ups, stage moves, closings."""
    s = pipe.contact_slot
    kind = pipe.contact_kind
    n = len(s)
    c = slots.cust[s]
    t = pipe.contact_day + rng.random(n)
    product = np.array([p for p, _, _ in _PRODUCTS], dtype=object)
    channel = _draw(rng, (("visit", 0.32), ("phone", 0.30), ("wechat", 0.28), ("email", 0.05), ("walk_in", 0.03),
                          ("call_in", 0.02)), n)
    purpose, result, nxt = (np.empty(n, dtype=object) for _ in range(3))
    fu = kind == _KIND_FOLLOW
    purpose[fu], result[fu] = _pick(rng, _TEXT_FOLLOW[0], fu.sum()), _pick(rng, _TEXT_FOLLOW[1], fu.sum())
    nxt[fu] = _pick_text(rng, _TEXT_FOLLOW[2], int(fu.sum()), p_none=0.3)
    for st, (pp, rr, nn) in _TEXT_ADVANCE.items():
        mk = (kind == _KIND_ADVANCE) & (pipe.contact_stage == _STAGES.index(st))
        purpose[mk], result[mk], nxt[mk] = pp, rr, nn
    adv = kind == _KIND_ADVANCE
    channel[adv] = _draw(rng, (("visit", 0.6), ("email", 0.15), ("wechat", 0.15), ("phone", 0.1)), int(adv.sum()))
    op = kind == _KIND_OPEN
    purpose[op] = _pick(rng, _TEXT_CREATE[0], int(op.sum()))
    result[op] = _cat("客户有", product[slots.product[s[op]]], "采购意向") if op.any() else result[op]
    nxt[op] = _pick(rng, _TEXT_CREATE[1], int(op.sum()))
    # a card opened on the day the customer was created is opened at that first contact
    first_day = op & slots.first[s] & (pipe.contact_day == cust.created_day[c])
    channel[first_day] = pd.Series(cust.source[c[first_day]], dtype=object).map(_SOURCE_CHANNEL).to_numpy(dtype=object)
    t[first_day] = cust.created_t[c[first_day]]
    won = kind == _KIND_WON
    channel[won], purpose[won], result[won], nxt[won] = "visit", "签订合同", "合同已签订，安排交付", "安排交付及安装"
    lo = kind == _KIND_LOST
    channel[lo] = _pick(rng, ("phone", "wechat"), int(lo.sum()))
    purpose[lo] = "项目回访"
    result[lo] = np.array([_LOST_RESULT[r] for r in _LOST_REASONS], dtype=object)[lost_reason[s[lo]]]
    rep = slots.rep[s]
    order = np.where(won | lo, 3, np.where(op, 0, 2)).astype(np.int8)
    return _Rows(cust=c, t=t, channel=channel, rep=rep, purpose=purpose, result=result, next_step=nxt,
                 left_contact=np.ones(n, bool), order=order)


def _anonymous(rng, tl: _Timeline, n: int, reps: _Reps) -> _Rows:
    """Walk-ins and call-ins who left no record (or only a phone number, not yet entered)."""
    days = np.arange(tl.n_days)
    weekday = (tl.start.day_of_week + days) % 7
    w = np.where(weekday >= 5, 1.6, 1.0) * (0.6 + 0.8 * days / max(tl.n_days, 1))  # weekends, growth
    d = rng.choice(tl.n_days, size=n, p=w / w.sum())
    t = d + rng.random(n)
    channel = np.where(rng.random(n) < 0.6, "walk_in", "call_in").astype(object)
    left = rng.random(n) < 0.25
    purpose, result = np.empty(n, dtype=object), np.empty(n, dtype=object)
    for ch, (pp, rr) in _TEXT_ANON.items():
        mk = channel == ch
        purpose[mk] = _pick(rng, pp, int(mk.sum()))
        result[mk] = np.where(left[mk], rr[2], _pick(rng, rr[:2], int(mk.sum())))
    nxt = np.where(left, "电话回访", None).astype(object)
    return _Rows(cust=np.full(n, -1), t=t, channel=channel, rep=rng.integers(0, len(reps.name), n),
                 purpose=purpose, result=result, next_step=nxt, left_contact=left, order=np.zeros(n, np.int8))


def _interactions_frame(rng, tl: _Timeline, rows: _Rows, cust_ids: np.ndarray, reps: _Reps) -> pd.DataFrame:
    order = np.lexsort((rows.order, rows.t))
    r = _Rows(*[getattr(rows, f)[order] for f in _Rows.__dataclass_fields__])
    n = len(r.t)
    occurred = tl.stamps(r.t)
    day = np.floor(r.t).astype(np.int64)
    has_next = pd.notna(r.next_step)
    next_day = np.where(has_next, day + rng.integers(2, 15, n), _NAT)
    notes = _pick_text(rng, _INTERACTION_NOTES, n, p_none=0.94)
    frame = pd.DataFrame({
        "interaction_id": _ids("I", n, 7),
        "customer_id": np.where(r.cust >= 0, cust_ids[np.maximum(r.cust, 0)], None),
        "occurred_at": occurred,
        "channel": r.channel,
        "rep": reps.name[r.rep],
        "purpose": r.purpose,
        "result": r.result,
        "next_step": r.next_step,
        "next_date": tl.dates(next_day),
        "left_contact": r.left_contact.astype(bool),
        "notes": notes,
    })
    return frame


# --------------------------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------------------------


def _lost_reasons(rng, slots: _Slots, pipe: _Pipeline) -> np.ndarray:
    """Why each lost card was lost, leaning on what was true when it was lost."""
    m = len(slots.cust)
    w = np.tile(np.array([3.0, 1.0, 1.5, 1.0, 1.5, 0.7]), (m, 1))  # 价格 竞品 预算取消 无回应 需求变化 决策层否决
    w[:, 1] += 6.0 * slots.competitor
    w[:, 0] += 2.0 * (pipe.stage >= 3)
    w[:, 3] += 5.0 * (pipe.recency_at_close > 21)
    w[:, 2] += 1.0 * (pipe.stage <= 1)
    w[:, 4] += 1.0 * (pipe.stage <= 1)
    return _row_choice(rng, w)


def _opportunity_frames(rng, tl: _Timeline, cust: _Customers, cust_ids: np.ndarray, reps: _Reps,
                        slots: _Slots, pipe: _Pipeline, lost_reason: np.ndarray):
    made = np.flatnonzero(pipe.status > 0)
    made = made[np.lexsort((made, pipe.open_day[made]))]
    n = len(made)
    ids = _ids("O", n, 7)
    c = slots.cust[made]
    prod_idx = slots.product[made]
    products = np.array([p for p, _, _ in _PRODUCTS], dtype=object)
    prices = np.array([p for _, p, _ in _PRODUCTS], dtype=float)
    created = pipe.open_day[made]
    grade = slots.grade[made]
    qty = np.maximum(1, np.round(np.exp(rng.normal(1.2, 0.9, n))))
    expected_amount = np.round(prices[prod_idx] * qty * rng.uniform(0.85, 1.1, n), -2)
    horizon = np.array([20.0, 45.0, 80.0, 130.0])[grade] * np.exp(rng.normal(0, 0.3, n))
    status = np.array(["", "open", "won", "lost"], dtype=object)[pipe.status[made]]
    lost = status == "lost"
    frame = pd.DataFrame({
        "opportunity_id": ids,
        "customer_id": cust_ids[c],
        "title": _cat(cust.short[c], products[prod_idx], _pick(rng, ("采购项目", "项目", "升级项目", "更新换代"), n)),
        "product": products[prod_idx],
        "stage": np.array(_STAGES, dtype=object)[pipe.stage[made]],
        "intent_grade": np.array(_GRADES, dtype=object)[grade],
        "expected_amount": expected_amount,
        "expected_close": tl.dates(created + np.round(horizon).astype(np.int64)),
        "competitor": np.where(slots.competitor[made], _pick(rng, _COMPETITORS, n), None),
        "obstacle": _pick_text(rng, _OBSTACLES, n, p_none=0.4),
        "created_at": tl.dates(created),
        "status": status,
        "closed_at": tl.dates(pipe.close_day[made]),
        "lost_reason": np.where(lost, np.array(_LOST_REASONS, dtype=object)[lost_reason[made]], None),
        "rep": reps.name[slots.rep[made]],
    })
    slot_to_id = np.full(len(slots.cust), None, dtype=object)
    slot_to_id[made] = ids
    return frame, slot_to_id, made


# --------------------------------------------------------------------------------------------
# Orders, settlements, complaints, contacts, profile
# --------------------------------------------------------------------------------------------


def _orders_frame(rng, tl, cust: _Customers, cust_ids, reps: _Reps, pur: _Purchases):
    order = np.argsort(pur.order_t, kind="stable")
    c = pur.order_cust[order]
    t = pur.order_t[order]
    amount = pur.order_amount[order]
    n = len(c)
    products = np.array([p for p, _, _ in _PRODUCTS], dtype=object)
    prices = np.array([p for _, p, _ in _PRODUCTS], dtype=float)
    margins = np.array([m for _, _, m in _PRODUCTS], dtype=float)
    prod = np.where(rng.random(n) < 0.6, cust.favourite[c], rng.integers(0, len(products), n))
    qty = np.maximum(1, np.round(amount / prices[prod] * np.exp(rng.normal(0, 0.2, n)))).astype(np.int64)
    rate = np.clip(margins[prod] + rng.normal(0, 0.06, n), -0.08, 0.85)  # a few sold at a loss
    frame = pd.DataFrame({
        "order_id": _ids("S", n, 7),
        "customer_id": cust_ids[c],
        "ordered_at": tl.stamps(t),
        "amount": amount,
        "gross_margin": np.round(amount * rate, 2) + 0.0,
        "product": products[prod],
        "quantity": qty,
        "rep": reps.name[np.where(rng.random(n) < 0.9, cust.owner[c], rng.integers(0, len(reps.name), n))],
    })
    return frame, c, t


def _settlements_frame(rng, tl, cust: _Customers, cust_ids, reps: _Reps, credit: np.ndarray,
                       terms_days: np.ndarray, order_cust, order_t, amount):
    pick = rng.random(len(order_cust)) < 0.85  # the rest were paid in cash at the counter
    c = order_cust[pick]
    n = len(c)
    settled = np.minimum(np.floor(order_t[pick]).astype(np.int64) + rng.integers(0, 8, n), tl.n_days - 1)
    receivable = amount[pick]
    due = settled + terms_days[c]
    # days after the due date until payment, by the customer's hidden credit class
    late = np.select(
        [credit[c] == "good", credit[c] == "fair", credit[c] == "poor"],
        [rng.normal(-3, 6, n), rng.exponential(20, n), rng.exponential(60, n)],
        default=np.where(rng.random(n) < 0.5, np.inf, rng.exponential(120, n)),
    )
    paid_day = due + late
    paid = paid_day < tl.n_days
    partial_share = np.round(rng.uniform(0.2, 0.95, n), 2)
    received = np.where(
        paid,
        np.where(rng.random(n) < 0.05, receivable * partial_share, receivable),  # a few short-paid
        np.where(rng.random(n) < 0.25, receivable * partial_share * 0.6, 0.0),  # some paid on account
    )
    received = np.minimum(np.round(received, 2), receivable)
    order = np.argsort(settled, kind="stable")
    handler = np.where(rng.random(n) < 0.7, cust.owner[c], rng.integers(0, len(reps.name), n))
    receivable, received = receivable[order], received[order]
    return pd.DataFrame({
        "settlement_id": _ids("R", n, 7),
        "customer_id": cust_ids[c[order]],
        "settled_at": tl.dates(settled[order]),
        "receivable": receivable,
        "received": received,
        "outstanding": np.round(receivable - received, 2) + 0.0,
        "due_date": tl.dates(due[order]),
        "handler": reps.name[handler[order]],
    })


def _complaints_frame(rng, tl, cust: _Customers, cust_ids, reps: _Reps, orders: pd.DataFrame,
                      order_cust, order_t):
    hit = rng.random(len(order_cust)) < 0.02
    c = order_cust[hit]
    t = order_t[hit] + rng.exponential(20.0, int(hit.sum()))
    keep = t < tl.n_days
    c, t = c[keep], t[keep]
    product = orders["product"].to_numpy()[hit][keep]
    order = np.argsort(t, kind="stable")
    c, t, product = c[order], t[order], product[order]
    n = len(c)
    category = _draw(rng, _COMPLAINT_CATEGORIES, n)
    content, resolution = np.empty(n, dtype=object), np.empty(n, dtype=object)
    for cat, (templates, fixes) in _COMPLAINT_TEXT.items():  # a loop over five categories
        mk = category == cat
        k = int(mk.sum())
        ti = rng.integers(0, len(templates), k)
        pre = np.array([a for a, _ in templates], dtype=object)[ti]
        post = np.array([b for _, b in templates], dtype=object)[ti]
        content[mk] = _cat(pre, product[mk], post)
        resolution[mk] = _pick(rng, fixes, k)
    handler = np.where(rng.random(n) < 0.6, cust.owner[c], rng.integers(0, len(reps.name), n))
    # right-skewed time to resolve: median about a day and a half, weeks in the tail;
    # repairs take longer, and some handlers are slower than others
    slow = np.where(category == "售后维修", 2.0, 1.0) * reps.speed[handler]
    resolved_t = t + np.exp(rng.normal(np.log(36.0), 1.1, n)) * slow / 24.0
    done = resolved_t < tl.n_days
    status = np.where(done, np.where(rng.random(n) < 0.55, "resolved", "closed"),
                      np.where(tl.n_days - t < 2, "open", "in_progress")).astype(object)
    resolved_at = tl.stamps(np.where(done, resolved_t, 0.0))
    resolved_at[~done] = np.datetime64("NaT")
    return pd.DataFrame({
        "complaint_id": _ids("Q", n, 7),
        "customer_id": cust_ids[c],
        "received_at": tl.stamps(t),
        "channel": _draw(rng, _COMPLAINT_CHANNELS, n),
        "category": category,
        "content": content,
        "handler": reps.name[handler],
        "status": status,
        "resolved_at": resolved_at,
        "resolution": np.where(done, resolution, None),
    })


def _contacts_frame(rng, tl, cust: _Customers, cust_ids):
    counts = np.where(cust.company, 1 + rng.binomial(2, 0.35, len(cust.company)), 0)
    c = np.repeat(np.arange(len(counts)), counts)
    n = len(c)
    people = _people(rng, n, share_male=0.62)
    local = np.where(rng.random(n) < 0.5, _cat(people.given_pinyin, ".", people.surname_pinyin),
                     _cat(people.surname_pinyin, people.given_pinyin))
    email = np.where(rng.random(n) < 0.8, _cat(local, "@", cust.domain[c]), _personal_emails(rng, people))
    age_days = rng.integers(25 * 365, 62 * 365, n)
    birthday = tl.n_days - age_days
    frame = pd.DataFrame({
        "contact_id": _ids("P", n, 7),
        "customer_id": cust_ids[c],
        "name": people.name,
        "gender": people.gender,
        "title": _draw(rng, _TITLES, n),
        "phone": _mobiles(rng, n),
        "email": np.where(rng.random(n) < 0.85, email, None),
        "birthday": np.where(rng.random(n) < 0.6, tl.dates(birthday), np.datetime64("NaT")),
    })
    return frame, c, people.surname


def _profile_frame(rng, cust: _Customers, cust_ids, contacts: pd.DataFrame, contact_cust, contact_surname):
    n_c = len(cust.created_t)
    chosen = np.flatnonzero(rng.random(n_c) < 0.10)
    if n_c and not len(chosen):
        chosen = np.array([0])
    # the person profiled: the company's first contact, or the individual customer
    first_contact = np.full(n_c, -1)
    if len(contact_cust):
        starts = np.flatnonzero(np.r_[True, contact_cust[1:] != contact_cust[:-1]])
        first_contact[contact_cust[starts]] = starts
    pc = first_contact[chosen]
    surname = np.where(pc >= 0, contact_surname[np.maximum(pc, 0)] if len(contact_surname) else None,
                       cust.person.surname[chosen])
    surname = np.where(pd.isna(surname), "王", surname)
    n_keys = len(_PROFILE_FACTS)
    k = np.minimum(n_keys, 4 + rng.poisson(5, len(chosen)))
    keys = np.argsort(rng.random((len(chosen), n_keys)), axis=1)
    person = np.repeat(np.arange(len(chosen)), k)
    key = keys[person, _rank_in_group(k)]
    n = len(key)
    value = np.empty(n, dtype=object)
    for i, (name, _, _, pool) in enumerate(_PROFILE_FACTS):  # a loop over the ~30 keys
        mk = key == i
        cnt = int(mk.sum())
        if pool is not None:
            value[mk] = _pick(rng, pool, cnt)
        elif name == "昵称":
            value[mk] = _cat(_pick(rng, ("老", "小"), cnt), surname[person[mk]])
        elif name == "配偶姓名":
            value[mk] = _people(rng, cnt).name
        else:  # dates of the year
            value[mk] = _cat(rng.integers(1, 13, cnt).astype(str), "月", rng.integers(1, 29, cnt).astype(str), "日")
    keys_zh = np.array([f[0] for f in _PROFILE_FACTS], dtype=object)
    sensitive = np.array([f[2] or any(w in f[0] for w in schema.SENSITIVE_KEY_WORDS) for f in _PROFILE_FACTS])
    order = np.lexsort((key, person))
    contact_ids = contacts["contact_id"].to_numpy()
    cid = np.where(pc >= 0, contact_ids[np.maximum(pc, 0)] if len(contact_ids) else None, None)
    return pd.DataFrame({
        "fact_id": _ids("F", n, 7),
        "customer_id": cust_ids[chosen[person[order]]],
        "contact_id": cid[person[order]],
        "section": np.array([f[1] for f in _PROFILE_FACTS], dtype=object)[key[order]],
        "key": keys_zh[key[order]],
        "value": value[order],
        "sensitive": sensitive[key[order]],
    })


def _customers_frame(rng, tl, cust: _Customers, cust_ids, reps: _Reps, orders: pd.DataFrame,
                     order_cust, order_t, terms: np.ndarray, pur: _Purchases):
    n = len(cust.created_t)
    spend = np.bincount(order_cust, weights=orders["amount"].to_numpy(), minlength=n)
    n_orders = np.bincount(order_cust, minlength=n)
    last_t = np.full(n, -np.inf)
    np.maximum.at(last_t, order_cust, order_t)
    # value grade: rank of actual spend among buyers (A top 5 %, then 15, 30, 30, rest);
    # one grade in ten is stale by a step, as grades set once are
    buyers = spend > 0
    q = np.zeros(n)
    q[buyers] = pd.Series(spend[buyers]).rank(pct=True).to_numpy()
    grade = np.select([q > 0.95, q > 0.80, q > 0.50, q > 0.20], [0, 1, 2, 3], default=4)
    grade = np.where(buyers, grade, 4)
    stale = rng.random(n) < 0.10
    grade = np.clip(grade + np.where(stale, rng.choice([-1, 1], n), 0), 0, 4)
    # status follows the last purchase (or creation, for prospects)
    since = tl.n_days - np.maximum(last_t, cust.created_t)
    status = np.select([since <= 180, since <= 540], ["active", "dormant"], default="lost").astype(object)
    person = _people(rng, n)
    landline = _cat(cust.area_code, "-", _digits(rng.integers(20_000_000, 90_000_000, n), 8))
    phone = np.where(cust.company & (rng.random(n) < 0.6), landline, _mobiles(rng, n))
    company_mail = _cat(_pick(rng, ("sales", "info", "service", "contact", "admin"), n), "@", cust.domain)
    email = np.where(cust.company, company_mail, _personal_emails(rng, cust.person))
    tax_chars = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    tax_tail = np.ascontiguousarray(tax_chars[rng.integers(0, len(tax_chars), (n, 10))]).view("<U10").ravel()
    tax_id = _cat("91", _digits(rng.integers(110000, 660000, n), 6), tax_tail)
    capital = np.round(np.exp(rng.normal(np.log(5e6), 1.2, n)), -4)
    mean_order = np.where(n_orders > 0, spend / np.maximum(n_orders, 1), 0)
    credit_limit = np.maximum(10_000, np.round(2 * mean_order, -3))
    tags = np.full(n, "", dtype=object)
    for tag, mask in (("重点客户", grade == 0), ("老客户", n_orders >= 5), ("价格敏感", rng.random(n) < 0.05),
                      ("需回访", status == "dormant")):
        tags = np.where(mask, np.where(tags == "", tag, _cat(tags, "、", tag)), tags)
    c = cust.company
    frame = pd.DataFrame({
        "customer_id": cust_ids,
        "name": cust.name,
        "mnemonic": cust.mnemonic,
        "customer_type": cust.ctype,
        "value_grade": np.array(list(schema.VALUE_GRADES), dtype=object)[grade],
        "region": np.array(REGIONS, dtype=object)[cust.region],
        "owner": reps.name[cust.owner],
        "phone": np.where(rng.random(n) < 0.97, phone, None),
        "email": np.where(rng.random(n) < 0.85, email, None),
        "address": np.where(rng.random(n) < 0.95, _addresses(rng, cust.city, c), None),
        "source": cust.source,
        "status": status,
        "created_at": tl.dates(cust.created_day),
        "industry": cust.industry,
        "org_form": np.where(c, _draw(rng, _ORG_FORMS, n), None),
        "registered_capital": np.where(c, capital, np.nan),
        "tax_id": np.where(c, tax_id, None),
        "legal_rep": np.where(c, person.name, None),
        "payment_terms": terms,
        "credit_limit": np.where(c, credit_limit, np.nan),
        "tags": np.where(tags == "", None, tags),
        "notes": _pick_text(rng, _TAG_NOTES, n, p_none=0.9),
    })
    return frame


# --------------------------------------------------------------------------------------------
# generate()
# --------------------------------------------------------------------------------------------


def generate(n_customers: int = 2000, seed: int = 0, end: str | date | None = None,
             years: float = 2.5) -> DemoData:
    """Generate a complete, seeded demo data set.

    Parameters
    ----------
    n_customers : number of customers (about 10 interactions and 2-3 orders each).
    seed : the same seed gives identical frames.
    end : last day of history (default 2026-10-31); ``as_of`` is the midnight after it.
    years : length of the history before ``as_of``.

    Returns
    -------
    DemoData with ``tables`` (canonical columns, in schema order), ``truth`` (hidden facts:
    ``params``, ``customers``, ``opportunities``, ``opportunity_stages``, ``reps``,
    ``close_model``) and ``as_of``.

    >>> data = generate(200, seed=3)
    >>> list(data.tables["customers"].columns) == schema.TABLES["customers"].column_names
    True
    """
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}")
    tl = _timeline(end, years)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]
    (r_reps, r_cust, r_buy, r_slots, r_pipe, r_text, r_opp, r_orders, r_settle, r_compl, r_contacts,
     r_truth) = streams
    pp = PURCHASE_PARAMS

    reps = _make_reps(r_reps)
    cust = _make_customers(r_cust, n_customers, tl, reps)
    cust_ids = _ids("", n_customers, 6)
    pur = _simulate_purchases(r_buy, tl, cust, pp)

    # hidden customer traits that drive contacts and payments
    credit = _draw(r_cust, _CREDIT, n_customers)
    terms_idx = np.where(cust.company, r_cust.choice(5, n_customers, p=[0.30, 0.15, 0.35, 0.15, 0.05]),
                         r_cust.choice(2, n_customers, p=[0.7, 0.3]))
    terms = np.array([t for t, _ in _PAYMENT_TERMS], dtype=object)[terms_idx]
    terms_days = np.array([d for _, d in _PAYMENT_TERMS])[terms_idx]
    # upkeep contacts: more for frequent buyers, fewer for prospects, set by the owner's diligence
    liking = np.where(pur.buyer, (pur.lam * pp.alpha / pp.r) ** 0.3, 0.5)
    contact_rate = (reps.diligence[cust.owner] * liking * np.exp(r_cust.normal(0, 0.4, n_customers))
                    / np.where(cust.ctype == "supplier", 240.0, 150.0))

    # opportunities: the hidden close process, run over the customers' other interactions
    slots = _make_slots(r_slots, cust, reps)
    opened_at_first = np.zeros(n_customers, bool)
    opened_at_first[slots.cust[slots.first & (slots.create_day == cust.created_day[slots.cust])]] = True
    first = _first_contacts(r_text, cust, np.flatnonzero(~opened_at_first))
    upkeep = _maintenance(r_text, tl, cust, contact_rate, reps)
    other = _Rows.concat([first, upkeep])
    other_day = np.floor(other.t).astype(np.int64)
    by_day = np.argsort(other_day, kind="stable")
    pipe = _simulate_pipeline(r_pipe, tl, slots, n_customers, other.cust[by_day], other_day[by_day])
    lost_reason = _lost_reasons(r_opp, slots, pipe)

    # interactions: first contacts, upkeep, card contacts and anonymous traffic
    cards = _card_contacts(r_text, cust, slots, pipe, lost_reason)
    n_anon = int(round(0.8 * n_customers))
    rows = _Rows.concat([first, upkeep, cards, _anonymous(r_text, tl, n_anon, reps)])
    interactions = _interactions_frame(r_text, tl, rows, cust_ids, reps)

    opportunities, slot_to_id, made = _opportunity_frames(r_opp, tl, cust, cust_ids, reps, slots, pipe, lost_reason)
    orders, order_cust, order_t = _orders_frame(r_orders, tl, cust, cust_ids, reps, pur)
    settlements = _settlements_frame(r_settle, tl, cust, cust_ids, reps, credit, terms_days, order_cust, order_t,
                                     orders["amount"].to_numpy())
    complaints = _complaints_frame(r_compl, tl, cust, cust_ids, reps, orders, order_cust, order_t)
    contacts, contact_cust, contact_surname = _contacts_frame(r_contacts, tl, cust, cust_ids)
    profile = _profile_frame(r_contacts, cust, cust_ids, contacts, contact_cust, contact_surname)
    customers = _customers_frame(r_cust, tl, cust, cust_ids, reps, orders, order_cust, order_t, terms, pur)

    tables = {
        "customers": customers, "contacts": contacts, "interactions": interactions,
        "opportunities": opportunities, "orders": orders, "settlements": settlements,
        "complaints": complaints, "profile": profile,
    }
    tables = {name: _canonical(name, df) for name, df in tables.items()}

    truth = _truth(tl, seed, pp, cust_ids, cust, pur, credit, contact_rate, reps, slots, pipe, slot_to_id, made)
    data = DemoData(tables=tables, truth=truth, as_of=tl.as_of)
    truth["opportunities"]["p_won_30d_at_creation"] = _probability_at_creation(data, r_truth)
    return data


def _canonical(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Columns in schema order, datetimes as naive datetime64[ns]."""
    table = schema.TABLES[name]
    df = df[table.column_names].copy()
    for col in table.columns:
        if col.kind in ("datetime", "date"):
            df[col.name] = pd.to_datetime(df[col.name]).astype("datetime64[ns]")
            if col.kind == "date":
                df[col.name] = df[col.name].dt.normalize()
        elif col.kind in ("money", "number"):
            df[col.name] = df[col.name].astype(float)
        elif col.kind == "bool":
            df[col.name] = df[col.name].astype(bool)
        elif col.kind == "integer":
            df[col.name] = df[col.name].astype(np.int64)
    return df.reset_index(drop=True)


def _truth(tl, seed, pp, cust_ids, cust, pur, credit, contact_rate, reps, slots, pipe, slot_to_id, made):
    def ts(t):
        return tl.stamps(np.nan_to_num(t, nan=0.0)).copy()

    first_purchase, dropout = ts(pur.t0), ts(pur.dropout_t)
    first_purchase[np.isnan(pur.t0)] = np.datetime64("NaT")
    dropout[np.isnan(pur.dropout_t)] = np.datetime64("NaT")
    customers = pd.DataFrame({
        "customer_id": cust_ids,
        "buyer": pur.buyer,
        "first_purchase": first_purchase,
        "lambda": pur.lam,
        "p": pur.p,
        "alive": pur.alive,
        "dropout_at": dropout,
        "nu": pur.nu,
        "mean_order_value": pp.p / pur.nu,
        "contact_rate": contact_rate,
        "credit": credit,
    })
    params = pd.DataFrame([{
        "r": pp.r, "alpha": pp.alpha, "a": pp.a, "b": pp.b, "p": pp.p, "q": pp.q, "v": pp.v,
        "time_unit": "D", "seed": seed,
    }])
    opportunities = pd.DataFrame({
        "opportunity_id": slot_to_id[made],
        "customer_id": cust_ids[slots.cust[made]],
        "fit": slots.fit[made],
        "rep_skill": reps.skill[slots.rep[made]],
        "has_competitor": slots.competitor[made],
        "contact_prob": slots.contact_prob[made],
        "base_logit_won": slots.base_won[made],
        "base_logit_lost": slots.base_lost[made],
    })
    keep = slot_to_id[pipe.hist_slot] != None  # noqa: E711 (element-wise)
    order = np.lexsort((pipe.hist_stage[keep], pipe.hist_day[keep]))
    stages = pd.DataFrame({
        "opportunity_id": slot_to_id[pipe.hist_slot[keep]][order],
        "stage": np.array(_STAGES, dtype=object)[pipe.hist_stage[keep]][order],
        "entered_at": tl.dates(pipe.hist_day[keep][order]).astype("datetime64[ns]"),
    })
    stages = stages.sort_values(["opportunity_id", "entered_at"], kind="stable").reset_index(drop=True)
    reps_frame = pd.DataFrame({
        "rep": reps.name, "region": np.array(REGIONS, dtype=object)[reps.region], "skill": reps.skill,
        "diligence": reps.diligence, "speed": reps.speed,
    })
    m = CLOSE_MODEL
    close_model = pd.DataFrame([{
        "intercept_won": m.intercept_won, "recency_won": m.recency_won, "frequency_won": m.frequency_won,
        "intercept_lost": m.intercept_lost, "recency_lost": m.recency_lost, "frequency_lost": m.frequency_lost,
        "fit_lost": m.fit_lost, "competitor_lost": m.competitor_lost, "window_days": m.window_days,
        **{f"stage_won_{s}": w for s, w in zip(_STAGES, m.stage_won)},
        **{f"stage_lost_{s}": w for s, w in zip(_STAGES, m.stage_lost)},
        **{f"advance_{s}": w for s, w in zip(_STAGES, m.advance)},
    }])
    return {"params": params, "customers": customers, "opportunities": opportunities,
            "opportunity_stages": stages, "reps": reps_frame, "close_model": close_model}


# --------------------------------------------------------------------------------------------
# The truth at a date
# --------------------------------------------------------------------------------------------


def _day_number(ts) -> np.ndarray:
    """Days since 1970-01-01 of timestamps (floor)."""
    values = pd.to_datetime(ts).astype("datetime64[ns]")
    ns = np.asarray(values, dtype="datetime64[ns]").view(np.int64)
    return np.floor_divide(ns, _DAY_NS)


def _state(data: DemoData, day: np.ndarray, opp_index: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """Everything the hidden model needs about the given cards at the start of the given days."""
    opps = data.tables["opportunities"]
    hidden = data.truth["opportunities"].set_index("opportunity_id").loc[opps["opportunity_id"].to_numpy()[opp_index]]
    inter = data.tables["interactions"]
    linked = inter["customer_id"].notna().to_numpy()
    codes, _ = pd.factorize(pd.concat([opps["customer_id"].iloc[opp_index], inter["customer_id"][linked]],
                                            ignore_index=True))
    opp_code = codes[:len(opp_index)]
    keys = _contact_keys(codes[len(opp_index):], _day_number(inter["occurred_at"][linked]))
    recency, past = _recency_and_window(keys, opp_code, day, horizon, CLOSE_MODEL.window_days)
    # stage at the start of the day: the last stage entered on an earlier day
    st = data.truth["opportunity_stages"]
    st_code = pd.Index(opps["opportunity_id"].to_numpy()[opp_index]).get_indexer(st["opportunity_id"])
    ok = st_code >= 0
    st_key = st_code[ok].astype(np.int64) * (1 << 32) + _day_number(st["entered_at"])[ok]
    by_key = np.argsort(st_key, kind="stable")
    st_key = st_key[by_key]
    st_val = st["stage"].map({s: i for i, s in enumerate(_STAGES)}).to_numpy()[ok][by_key]
    pos = np.searchsorted(st_key, np.arange(len(opp_index), dtype=np.int64) * (1 << 32) + day, side="left") - 1
    stage = st_val[np.maximum(pos, 0)] if len(st_val) else np.zeros(len(opp_index), np.int64)
    rate = data.truth["customers"].set_index("customer_id")["contact_rate"]
    return {
        "stage": stage.astype(np.int64),
        "recency": recency,
        "past": past,
        "base_won": hidden["base_logit_won"].to_numpy(float),
        "base_lost": hidden["base_logit_lost"].to_numpy(float),
        "contact_prob": hidden["contact_prob"].to_numpy(float),
        "contact_rate": rate.loc[opps["customer_id"].to_numpy()[opp_index]].to_numpy(float),
    }


def _open_at(data: DemoData, as_of) -> tuple[pd.Timestamp, np.ndarray]:
    day_ts = pd.Timestamp(as_of).normalize()
    if day_ts > data.as_of:
        raise ValueError(f"as_of {day_ts.date()} is after the end of the data ({data.as_of.date()})")
    opps = data.tables["opportunities"]
    open_ = (opps["created_at"] < day_ts) & (opps["closed_at"].isna() | (opps["closed_at"] >= day_ts))
    return day_ts, np.flatnonzero(open_.to_numpy())


def true_close_probability(data: DemoData, as_of, horizon_days: int = 30, *, n_paths: int = 128,
                           seed: int | None = None) -> pd.Series:
    """The hidden model's probability that each card open at ``as_of`` is won within the horizon.

    ``as_of`` is taken at midnight (the start of that day): interactions and stage moves on
    earlier days are known, the close draws of ``as_of`` itself and later are the future.
    Returns a Series indexed by opportunity_id (cards open at that moment), named ``p_won``.
    The estimate is deterministic for a given data set, date, horizon and ``n_paths``.

    >>> data = generate(300, seed=2)
    >>> p = true_close_probability(data, "2026-06-01")
    >>> bool(((p >= 0) & (p <= 1)).all())
    True
    """
    day_ts, idx = _open_at(data, as_of)
    ids = data.tables["opportunities"]["opportunity_id"].to_numpy()[idx]
    day = np.full(len(idx), _day_number(pd.Series([day_ts]))[0])
    if seed is None:
        seed = int(data.truth["params"]["seed"].iloc[0])
    rng = np.random.default_rng([seed, int(day[0]) if len(day) else 0, horizon_days, n_paths])
    p = _probability(data, idx, day, horizon_days, n_paths, rng)
    return pd.Series(p, index=pd.Index(ids, name="opportunity_id"), name="p_won")


def _probability(data, idx, day, horizon, n_paths, rng) -> np.ndarray:
    s = _state(data, day, idx, horizon)
    return _win_probability(s["stage"], s["recency"], s["past"], s["base_won"], s["base_lost"], s["contact_prob"],
                            s["contact_rate"], horizon, n_paths, rng)


def _probability_at_creation(data: DemoData, rng: np.random.Generator) -> np.ndarray:
    """P(won within 30 days) at the midnight after each card was opened."""
    opps = data.tables["opportunities"]
    idx = np.arange(len(opps))
    day = _day_number(opps["created_at"]) + 1
    # fewer paths for very large sets keeps generate() fast; the error stays near 0.02
    n_paths = int(np.clip(2_000_000 // max(len(idx), 1), 16, 128))
    return _probability(data, idx, day, 30, n_paths, rng)


def opportunity_state(data: DemoData, as_of) -> pd.DataFrame:
    """What a CRM showed about each card open at ``as_of`` (midnight): the observable state.

    Columns: customer_id, rep, stage (from the stage path in ``truth``), intent_grade,
    expected_amount, created_at, age_days, days_since_contact (the customer's last interaction
    on an earlier day), contacts_30d (the customer's interactions on the 30 days before).
    Indexed by opportunity_id.
    """
    day_ts, idx = _open_at(data, as_of)
    day = np.full(len(idx), _day_number(pd.Series([day_ts]))[0])
    s = _state(data, day, idx, 1)
    opps = data.tables["opportunities"].iloc[idx]
    out = pd.DataFrame({
        "customer_id": opps["customer_id"].to_numpy(),
        "rep": opps["rep"].to_numpy(),
        "stage": np.array(_STAGES, dtype=object)[s["stage"]],
        "intent_grade": opps["intent_grade"].to_numpy(),
        "expected_amount": opps["expected_amount"].to_numpy(),
        "created_at": opps["created_at"].to_numpy(),
        "age_days": (day_ts - opps["created_at"]).dt.days.to_numpy(),
        "days_since_contact": s["recency"],
        "contacts_30d": s["past"][:, 0],
    }, index=pd.Index(opps["opportunity_id"].to_numpy(), name="opportunity_id"))
    return out


# --------------------------------------------------------------------------------------------
# Sample input files
# --------------------------------------------------------------------------------------------


def _date_text(s: pd.Series, style: str, with_time: bool = False) -> pd.Series:
    y, m, d = (s.dt.year.astype("Int64").astype(str), s.dt.month.astype("Int64").astype(str),
               s.dt.day.astype("Int64").astype(str))
    if style == "slash":
        out = y + "/" + m + "/" + d
    elif style == "cn":
        out = y + "年" + m + "月" + d + "日"
    else:
        out = y + "-" + m + "-" + d
    if with_time:  # as a person types it: 2023-1-5 9:30 (seconds only where there are any)
        clock = s.dt.hour.astype("Int64").astype(str) + ":" + s.dt.strftime("%M")
        clock = clock.where(s.dt.second == 0, clock + ":" + s.dt.strftime("%S"))
        out = out + " " + clock
    return out.where(s.notna(), None)


def _zh_frame(name: str, df: pd.DataFrame, date_style: str | None, columns: list[str] | None = None) -> pd.DataFrame:
    """Chinese headers and labels, as a user's own file would carry them."""
    table = schema.TABLES[name]
    out = pd.DataFrame(index=df.index)
    for col in table.columns:
        if columns is not None and col.name not in columns:
            continue
        s = df[col.name]
        if col.kind == "enum":
            s = s.map(col.choices)
        elif col.kind == "bool":
            s = s.map({True: "是", False: "否"})
        elif col.kind in ("date", "datetime") and date_style is not None:
            s = _date_text(s, date_style, with_time=col.kind == "datetime")
        elif col.kind == "money" and (s.dropna() % 1 == 0).all():
            s = s.astype("Int64")  # 注册资金 10300000, not 10300000.0
        out[col.zh] = s
    if columns is not None:
        out = out[[table[c].zh for c in columns]]
    return out


def _write_xlsx(path: Path, frame: pd.DataFrame, title: str | None, date_columns: dict[str, str]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    header_row = 1
    if title:
        ws.cell(row=1, column=1, value=title)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(frame.columns))
        header_row = 2
    for j, col in enumerate(frame.columns, start=1):
        ws.cell(row=header_row, column=j, value=col)
    values = frame.astype(object).where(frame.notna(), None)
    for i, row in enumerate(values.itertuples(index=False), start=header_row + 1):
        for j, v in enumerate(row, start=1):
            if isinstance(v, pd.Timestamp):
                v = v.to_pydatetime()
            elif isinstance(v, np.generic):
                v = v.item()
            ws.cell(row=i, column=j, value=v)
    for j, col in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(10, min(40, 2 * len(str(col)) + 4))
        fmt = date_columns.get(col)
        if fmt:
            for cell in ws[letter][header_row:]:
                cell.number_format = fmt
    wb.save(path)


def write_sample_files(directory: str | Path, data: DemoData, n_rows: int = 200) -> list[Path]:
    """Write files a new user can try ``crmkit import`` on, with the forms' Chinese headers.

    The first ``n_rows`` customers go to ``customers_gbk.csv`` (GBK, dates like 2023/1/5), and
    the other files hold only rows of those customers (plus anonymous walk-ins):
    ``interactions.xlsx`` (a title row above the header, real Excel dates),
    ``settlements_utf8bom.csv`` (UTF-8 with BOM, dates like 2023年1月1日, the seed form's
    columns plus 结算编号 and 到期日), ``orders.csv`` (UTF-8, times like 2023-1-1 9:30) and
    ``opportunities.xlsx``.
    Returns the paths written.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    t = data.tables
    customers = t["customers"].iloc[:n_rows]
    keep = set(customers["customer_id"])
    paths = []

    path = directory / "customers_gbk.csv"
    _zh_frame("customers", customers, "slash").to_csv(path, index=False, encoding="gbk")
    paths.append(path)

    inter = t["interactions"]
    mine = inter["customer_id"].isin(keep)
    # the 来电/店 register also lists visitors who left no record, in the same period
    period = inter["occurred_at"] <= inter.loc[mine, "occurred_at"].max() if mine.any() else False
    anon = inter["customer_id"].isna() & period
    n_anon = min(int(anon.sum()), max(1, int(mine.sum()) // 10))
    anon_rows = inter[anon].iloc[:n_anon]
    sample = pd.concat([inter[mine], anon_rows]).sort_values("occurred_at", kind="stable")
    path = directory / "interactions.xlsx"
    frame = _zh_frame("interactions", sample, None)
    _write_xlsx(path, frame, "来电/店客户登记表",
                {schema.INTERACTIONS["occurred_at"].zh: "yyyy/m/d h:mm", schema.INTERACTIONS["next_date"].zh: "yyyy/m/d"})
    paths.append(path)

    path = directory / "settlements_utf8bom.csv"
    cols = ["settlement_id", "customer_id", "settled_at", "receivable", "received", "outstanding", "due_date", "handler"]
    settle = t["settlements"][t["settlements"]["customer_id"].isin(keep)]
    _zh_frame("settlements", settle, "cn", cols).to_csv(path, index=False, encoding="utf-8-sig", float_format="%.2f")
    paths.append(path)

    path = directory / "orders.csv"
    orders = t["orders"][t["orders"]["customer_id"].isin(keep)]
    _zh_frame("orders", orders, "dash").to_csv(path, index=False, encoding="utf-8", float_format="%.2f")
    paths.append(path)

    path = directory / "opportunities.xlsx"
    opps = t["opportunities"][t["opportunities"]["customer_id"].isin(keep)]
    date_cols = {schema.OPPORTUNITIES[c].zh: "yyyy/m/d" for c in ("expected_close", "created_at", "closed_at")}
    _write_xlsx(path, _zh_frame("opportunities", opps, None), "意向客户跟踪卡", date_cols)
    paths.append(path)
    return paths
