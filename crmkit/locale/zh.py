"""Chinese (简体中文) for every English text crmkit shows, by the place that shows it.

Keys are the English texts exactly as the code writes them (``translate("Save", lang)``), so a key
is also the English a user sees; ``(context, text)`` keys tell apart one English word that reads
two ways in Chinese (gettext's ``msgctxt``). ``{fields}`` are ``str.format`` fields and appear in
both languages. Field and enum labels are not here: they are ``crmkit.schema``'s ``Column.zh``
and ``Column.choices``. ``tests/test_i18n.py`` fails on a text the code uses that is missing
here, and on an entry here that no code uses.
"""

MESSAGES: dict[str | tuple[str, str], str] = {
    # ------------------------------------------------------------------ widgets: forms, editor, picker
    "Save": "保存",
    "Saved": "已保存",
    "Not saved: correct the fields marked in red": "未保存：请改正标红的字段",
    "ready for the next entry": "可以录入下一条",
    "More": "更多信息",
    "blank: assigned automatically": "留空则自动编号",
    "find a customer by name, mnemonic or phone": "按名称、助记码或电话查找客户",
    "no customer found": "没有找到客户",
    "(none)": "（无）",
    "Search": "搜索",
    "Undo last change": "撤销上次修改",
    "History": "修改历史",
    "Edit in a form": "在表单中编辑",
    "Previous": "上一页",
    "Next": "下一页",
    "rows {first}–{last} of {total}": "第 {first}–{last} 条，共 {total} 条",
    "{n} unsaved change(s)": "{n} 处未保存的修改",
    "nothing to save": "没有需要保存的修改",
    "saved {n} record(s)": "已保存 {n} 条记录",
    "undid the change to {table} {rid}": "已撤销 {table} {rid} 的修改",
    "nothing to undo": "没有可以撤销的修改",
    "select a record in the table first": "请先在表格中选择一条记录",
    "yes": "是",
    "no": "否",

    # ------------------------------------------------------------------ widgets: an edit that met another
    "{rid} was changed by someone else (you edited version {mine}, the store has {theirs}). "
    "Choose which value to keep for each field:":
        "{rid} 已被他人修改（你编辑的是第 {mine} 版，现在是第 {theirs} 版）。请逐项选择保留哪个值：",
    "keep the store's": "采用库中的值",
    "keep mine": "采用我的值",
    "all": "全部",
    "store": "库中",
    "yours": "我的",
    "{rid} was deleted by someone else; your change was not saved": "{rid} 已被他人删除，修改未保存",

    # ------------------------------------------------------------------ widgets: a record's history
    "no changes recorded": "没有修改记录",
    "when": "时间",
    "by": "修改人",
    "change": "操作",
    "field": "字段",
    "old": "原值",
    "new": "新值",
    "added": "新建",
    "changed": "修改",
    "deleted": "删除",
    "restored": "恢复",

    # ------------------------------------------------------------------ widgets: the app's tabs
    "Entry": "登记",
    "Lead board": "跟进看板",
    # a page whose kernel was culled or whose app stopped (closed_page.py)
    "This page was closed: it was idle too long, its session ended, or the app stopped. What was not "
    "saved is lost; reload the page to go on.": "此页面已关闭：闲置时间过长、登录已结束，或应用已停止。未保存的内容已丢失，请重新加载页面后继续。",
    "Reload": "重新加载",
    # the logged-in account, above the tabs (account.py)
    "Signed in as {name} ({role})": "当前用户：{name}（{role}）",
    "sales rep": "销售代表",
    "manager": "经理",
    "administrator": "管理员",
    "Log out": "退出登录",
    # the login page of crmkit app (app_server/login_page.py)
    "Log in to crmkit": "登录 crmkit",
    "Account": "账号",
    "Password": "密码",
    "Log in": "登录",
    "Wrong account or password, or the account is disabled.": "账号或密码错误，或账号已停用。",
    "Too many failed logins: try again in {seconds} seconds.": "登录失败次数过多，请 {seconds} 秒后再试。",
    "You have logged out.": "您已退出登录。",
    "No account yet? Ask your administrator (crmkit user add).": "还没有账号？请联系管理员（crmkit user add）。",
    "crmkit app: the store has no account to log in with. Create the first admin:\n"
    "  crmkit user add NAME --role admin": "crmkit app：数据库中还没有可登录的账号。请先创建第一个管理员：\n"
                                           "  crmkit user add 用户名 --role admin",

    # ------------------------------------------------------------------ widgets: the lead board
    "Rep": "销售顾问",
    ("plan grade", "Grade"): "级别",
    ("intent grade", "Grade"): "有望度",
    "Overdue only": "只看逾期",
    "(all)": "(全部)",
    "Refresh": "刷新",
    "Card": "意向卡",
    "Next contact": "下次跟进",
    "(keep)": "(不变)",
    "Log follow-up": "记录跟进",
    "Log a follow-up": "记录一次跟进",
    "Scoring with the close model… (the board is usable; grades are the reps' own for now)":
        "模型评分中…(看板已可使用, 级别暂按销售顾问填写的有望度)",
    "Scored by the close model: {n:,} cards in {s:.1f} s; grades and plan follow its probabilities":
        "模型评分完成: {n:,} 张意向卡, 用时 {s:.1f} 秒; 级别与跟进计划按模型概率",
    "Not scored by the model; grades are the reps' own": "未用模型评分; 级别按销售顾问填写的有望度",
    "Not scored: the cards before {day} show no outcome to learn from (none won within 30 days, or none that "
    "was not); grades are the reps' own":
        "未用模型评分：{day} 之前的意向卡没有可供学习的结果（没有 30 天内成交的，或没有未成交的）；级别按销售顾问填写的有望度",
    "{n:,} open cards, {late:,} overdue": "{n:,} 张跟进中的意向卡, 其中 {late:,} 张逾期",
    "{g}: {n:,} ({late:,} overdue)": "{g}级 {n:,} 张 (逾期 {late:,})",
    "Follow-up on {oid} logged; next due {due}": "已记录 {oid} 的跟进; 下次应跟进 {due}",
    "follow-up on {oid}": "跟进意向卡 {oid}",
    "Not saved: card {oid} was changed by someone else since the board loaded it "
    "(board version {mine}, store version {theirs}). Press Refresh to see it and log again.":
        "没有保存: 意向卡 {oid} 在看板打开后被别人修改过 (看板版本 {mine}, 现在版本 {theirs})。"
        "请点「刷新」查看最新内容后再记录。",
    "No cards match": "没有符合条件的意向卡",
    "Card {oid} is {status} now: follow-ups are logged on open cards": "意向卡 {oid} 现在已{status}：只能给跟进中的意向卡记录跟进",
    # the board's columns
    "card": "意向编号",
    "customer": "客户名称",
    "title": "主题",
    "stage": "阶段",
    "rep's grade": "有望度(填写)",
    "probability": "成交概率",
    "plan grade": "级别(计划)",
    "rep": "销售顾问",
    "last contact": "上次联系",
    "next due": "下次应跟进",
    "overdue": "逾期",
    "days overdue": "逾期天数",
    "expected amount": "预计金额",

    # ------------------------------------------------------------------ widgets: the segment explorer
    "As of": "截至日期",
    "Method": "细分方法",
    ("customer owner", "Rep"): "业务负责人",
    "Segment": "细分",
    "RFM rules": "RFM 规则",
    "Value grades A–E": "价值等级 A–E",
    "k-means": "K-means 聚类",
    "Clusters": "聚类数",
    "Export to folder": "导出到文件夹",
    "Export to Excel": "导出 Excel",
    "Include contact details": "含联系方式",
    "Customers per segment": "各细分客户数",
    "Revenue per segment": "各细分累计交易额",
    "{n:,} customers selected ({total:,} bought by {as_of}), revenue {revenue:,.0f}":
        "已选 {n:,} 位客户 (共 {total:,} 位截至 {as_of} 有成交), 交易额 {revenue:,.0f}",
    "the table shows the top {shown:,} by revenue": "表中显示交易额最高的 {shown:,} 位",
    "{n:,} rows exported": "已导出 {n:,} 行",
    "Download": "下载",
    "segments": "客户细分",
    # the explorer's own columns
    "segment": "细分",
    "repeat purchases": "复购次数",
    "days since last purchase": "距上次购买天数",
    "mean repeat purchase": "平均复购金额",
    "revenue to date": "累计交易额",

    # ------------------------------------------------------------------ value: segment names
    # RFM segments (value.rfm.SEGMENT_RULES)
    "Champions": "重要价值客户",
    "Loyal": "忠诚客户",
    "Potential loyalists": "潜在忠诚客户",
    "New customers": "新客户",
    "Promising": "有潜力客户",
    "Need attention": "需关注客户",
    "About to sleep": "即将沉睡客户",
    "Can't lose them": "重要保持客户",
    "At risk": "重要挽留客户",
    "Hibernating": "沉睡客户",
    "Lost": "流失客户",
    "Other": "其他",
    # the conditions of the segment rules, in words (value.rfm.describe_rules)
    "bought in the last {days:g} days": "最近 {days:g} 天内有购买",
    "no purchase in the last {days:g} days": "最近 {days:g} 天内没有购买",
    "first purchase in the last {days:g} days": "首次购买在最近 {days:g} 天内",
    "first purchase more than {days:g} days ago": "首次购买在 {days:g} 天以前",
    "a custom function of the scores": "按评分自定义的条件",
    "any customer": "任何客户",
    # the monthly report's CLV section: why the models were not used, or how (reports.content.lifetime)
    "Only {n} customer(s) bought more than once by the month's end; at least {need} are needed to fit the "
    "purchase and spend models, so this section is left out.":
        "到月末只有 {n} 位客户有复购，拟合购买与消费金额模型至少需要 {need} 位，本节从略。",
    "The purchase model (BG/NBD) cannot be fitted to these orders ({reason}), so this section is left out.":
        "购买模型（BG/NBD）无法拟合这些订单（{reason}），本节从略。",
    "The orders cannot be used for the purchase model ({reason}), so this section is left out.":
        "这些订单无法用于购买模型（{reason}），本节从略。",
    "No customer in these orders shows signs of having stopped buying, so the purchase model is fitted at its "
    "no-churn limit: every customer counts as still active, and the outlook rests on each customer's buying "
    "rate alone.":
        "这些订单中看不出有客户停止购买（没有流失），购买模型取其无流失的极限：所有客户都按仍活跃计算，"
        "预计价值只取决于各客户的购买频率。",
    "Spend per order differs so much between customers that the spend model (Gamma-Gamma) has no finite mean "
    "(look for bulk or test orders), so this section is left out.":
        "客户之间的单笔消费金额差异过大，消费金额模型（Gamma-Gamma）没有有限的均值（请检查批量或测试订单），本节从略。",
    "The spend model (Gamma-Gamma) cannot be fitted to these orders ({reason}), so this section is left out.":
        "消费金额模型（Gamma-Gamma）无法拟合这些订单（{reason}），本节从略。",
    "The orders cannot be used for the spend model ({reason}), so this section is left out.":
        "这些订单无法用于消费金额模型（{reason}），本节从略。",
    "There are no orders by the month's end, so this section is left out.": "到月末为止没有订单，本节从略。",
    # k-means clusters, the eight classes of the Chinese RFM model (value.clusters.CLUSTER_NAMES)
    "Important value": "重要价值客户",
    "Important development": "重要发展客户",
    "Important retention": "重要保持客户",
    "Important win-back": "重要挽留客户",
    "General value": "一般价值客户",
    "General development": "一般发展客户",
    "General retention": "一般保持客户",
    "General win-back": "一般挽留客户",
    # segment migration and ABC classes
    "New/none": "新增（此前未购买）",
    "Class {c}": "{c}类",

    # ------------------------------------------------------------------ value: charts
    "Expected purchases in the next {t} periods": "未来 {t} 期的预期购买次数",
    "Probability that a customer is alive": "客户仍活跃的概率",
    "Historical frequency (repeat purchases)": "历史购买频次（重复购买次数）",
    "Recency (first to last purchase)": "最近购买时点（首次到最近一次购买）",
    "Expected purchases": "预期购买次数",
    "P(alive)": "活跃概率",
    "Customers and value by segment": "各分群的客户数与价值占比",
    "Share of customers": "客户数占比",
    "Share of value": "价值占比",
    "Share of repeat-purchase value": "重复购买金额占比",
    "Share (%)": "占比（%）",
    ("customer count", "{n}"): "{n} 位",
    "Segment migration": "客户分群迁移",
    "Segment migration (share of each row)": "客户分群迁移（各行占比）",
    "Segment at start": "期初分群",
    "Segment at end": "期末分群",
    "Pareto curve and ABC classes": "帕累托曲线与 ABC 分类",
    "Cumulative share of customers (%)": "客户累计占比（%）",
    "Cumulative share of revenue (%)": "收入累计占比（%）",
    "Class {c}: {n} customers, {s:.0%} of revenue": "{c}类：{n} 位客户，收入占 {s:.0%}",

    # ------------------------------------------------------------------ close: charts
    "Calibration of predicted probabilities (ECE = {e:.3f})": "预测概率校准（ECE = {e:.3f}）",
    "Predicted probability to close": "预测成交概率",
    "Observed close rate": "实际成交比例",
    "Perfectly calibrated": "完全校准",
    "Model": "模型",
    "Leads": "线索数",
    "Close rate and lift by grade": "各有望度等级的成交率与提升度",
    "Grade": "有望度等级",
    "Close rate (%)": "成交率（%）",
    "Overall close rate {r:.0%}": "整体成交率 {r:.0%}",
    "{r:.0%} | lift {l:.1f}x\n{n} leads": "{r:.0%}｜提升 {l:.1f}倍\n{n} 条",
    "Grade distribution by month": "各月有望度等级分布",
    "Month": "月份",

    # ------------------------------------------------------------------ close: why a lead scores what it scores
    # {v} is the lead's value; "missing" stands for an empty one
    "missing": "空",
    "stage: {v}": "{v}阶段",
    "intent grade {v}": "有望度 {v}",
    "{v} days since last contact": "{v}天未联系",
    "created {v} days ago": "建档{v}天",
    "open for {v} days": "跟进了{v}天",
    "{v} days in the current stage": "在当前阶段{v}天",
    "{v} days to expected close": "距预计成交{v}天",
    "{v} visits in the last 7 days": "最近7天拜访{v}次",
    "{v} visits in the last 30 days": "最近30天拜访{v}次",
    "{v} visits in the last 90 days": "最近90天拜访{v}次",
    "{v} follow-ups in the last 7 days": "最近7天跟进{v}次",
    "{v} follow-ups in the last 30 days": "最近30天跟进{v}次",
    "{v} follow-ups in the last 90 days": "最近90天跟进{v}次",
    "{v} interactions in the last 30 days": "最近30天互动{v}次",
    "{v} follow-ups so far": "累计跟进{v}次",
    "{v} follow-ups since the card was opened": "建卡以来跟进{v}次",
    "{v} interactions so far": "累计互动{v}次",
    "expected amount {v}": "预计金额 {v}",
    "competitor: {v}": "竞争对手：{v}",
    "has a competitor: {v}": "有竞争对手：{v}",
    "source: {v}": "来源：{v}",
    "channel: {v}": "渠道：{v}",
    "product: {v}": "意向产品：{v}",
    "rep: {v}": "销售顾问：{v}",
    "region: {v}": "地区：{v}",
    "left contact details: {v}": "已留资：{v}",
    "{v} earlier orders": "以往成交{v}次",
    "obstacle: {v}": "合作障碍：{v}",
    "customer type: {v}": "客户类型：{v}",
    "a customer for {v} days": "成为客户{v}天",
    "revenue so far {v}": "累计成交金额 {v}",
    "revenue in the last year {v}": "近一年成交金额 {v}",
    "{v} days since the last order": "{v}天未下单",
    "{v} earlier opportunities": "以往商机{v}个",
    "{v} earlier opportunities won": "以往赢单{v}个",
    "{v} earlier opportunities lost": "以往丢单{v}个",
    "earlier win rate {v}": "以往赢单率 {v}",
    "stage number {v}": "阶段序号 {v}",
    # per-channel features (visit_30d, share_wechat …), {channel} as the forms name it
    "share of {channel}s in 90 days {v}": "近90天{channel}占比 {v}",
    "{v} {channel}s in the last {days} days": "最近{days}天{channel}{v}次",
    # a lead the model is nearly sure about (probability at most 1 % or at least 99 %), and the others
    "{p:.0%} chance to close": "成交概率 {p:.0%}",
    "Almost certain to close ({p:.0%}): the strongest signs are {signs}.": "几乎肯定成交（{p:.0%}）：最有力的信号是 {signs}。",
    "Almost no chance to close by the model ({p:.0%}): held back most by {signs}. It would change with {changes}, "
    "as a typical lead has it.":
        "模型看几乎没有成交机会（{p:.0%}）：最拖后腿的是 {signs}。若能做到一般线索的水平（{changes}），情况就会改变。",
    "Almost certain to close ({p:.0%}): no single factor stands out, it is all of them together.":
        "几乎肯定成交（{p:.0%}）：没有哪一项特别突出，是各项合在一起的结果。",
    "Almost no chance to close by the model ({p:.0%}): no single factor stands out, it is all of them together.":
        "模型看几乎没有成交机会（{p:.0%}）：没有哪一项特别突出，是各项合在一起的结果。",
    "; ": "；",  # between the items of a list in a sentence

    # ------------------------------------------------------------------ close: the model's screening and notes
    "{column}: left out ({reason})": "{column}：未使用（{reason}）",
    "every value is missing": "全部为空",
    "a single value everywhere": "所有行都是同一个值",
    "looks like an id: {why}": "看起来是编号：{why}",
    "{n:,} different values: ids or free text": "{n:,} 个不同的值：是编号或自由文本",
    "uuids": "UUID 标识",
    "{n:,} different texts in {rows:,} filled rows": "{rows:,} 个非空行中有 {n:,} 个不同的文本",
    "whole numbers, nearly all different, named like an id": "整数，几乎各不相同，列名像编号",
    "a running number: it rises (or falls) row by row": "流水号：逐行递增（或递减）",
    "whole numbers, nearly all different, filling their range like a counter": "整数，几乎各不相同，像计数器一样连续",
    "Left out of the close model as ids: {columns}": "以下列看起来是编号，未用于成交模型：{columns}",
    "{column} alone separates won from lost leads almost perfectly ({how}, AUC {auc:.2f}): it is probably filled "
    "in only once the outcome is known. Leave it out of the leads unless it is known before a lead closes.":
        "{column} 单独一列就几乎完全区分了成交与未成交的线索（{how}，AUC {auc:.2f}）：它很可能是在结果出来之后才填写的。"
        "除非成交之前就能知道它的值，否则请把它从线索数据中去掉。",
    "{column} alone tells the deals finally won from those lost ({how}, AUC {auc:.2f}) while they were still "
    "open: it is probably filled in only when a deal closes. Leave it out, or import it only for deals where it "
    "was known before they closed.":
        "{column} 在商机尚未结束时就几乎完全区分了最终成交与流失的商机（{how}，AUC {auc:.2f}）：它很可能是在商机结束时才填写的。"
        "请不要使用这一列，或只为结束前就已知其值的商机导入它。",
    "by whether it is filled in": "看是否填写",
    "by its values": "看取值",
    "{column}: dates turned into days before {day}": "{column}：日期换算为距 {day} 的天数",
    "{column}: {n:,} rare categories pooled as 'other'": "{column}：{n:,} 个少见类别合并为“其他”",
    "no usable column: the model predicts the overall close rate": "没有可用的列：模型只给出整体成交率",
    "too few leads of one class to calibrate: probabilities not calibrated": "某一类结果的线索太少，无法校准：概率未经校准",
    "calibrated on a held-out 20% ({n:,} leads)": "用预留的 20%（{n:,} 条线索）校准",
    # the record rules (crmkit.rules): what each finds, in a few words
    "a required field is empty": "必填项为空",
    "not a phone number": "电话号码格式不对",
    "not an e-mail address": "电子邮件地址格式不对",
    "refers to a record that does not exist": "引用的记录不存在",
    "receivable − received ≠ outstanding": "应收 − 实收 ≠ 未收",
    "received more than the receivable": "实收大于应收",
    "resolved before the complaint was received": "解决日期早于投诉日期",
    "closed before the opportunity was created": "关闭日期早于建卡日期",
    # the monthly report's completeness checks (reports/content/quality.py)
    "no channel": "没有填写方式（来店/来电/拜访…）",
    "no rep": "没有填写销售顾问",
    "no O/A/B/C grade": "没有有望度",
    "no expected amount": "没有预计金额",
    "closed without a date": "已成交/流失但没有关闭日期",
    "lost without a reason": "本月流失但没有流失原因",
    "order without a rep": "没有填写销售顾问",
    "resolved without a date": "已解决/关闭但没有解决日期",
    "no way to reach": "客户及其联系人都没有电话或邮箱",
    "phone shared with another customer": "电话与其他客户重复",
    "name shared with another customer": "名称与其他客户重复",
    # merging duplicate customers (store/combine.py, `crmkit merge`)
    "merged {dropped} into {keep}": "已将 {dropped} 合并到 {keep}",
    "records moved to {keep}: {moved}": "转到 {keep} 名下的记录：{moved}",
    "no records to move": "没有需要转移的记录",
    "blank fields filled from the merged records: {fields}": "用被合并记录补全的空白字段：{fields}",
    "{n} profile fact(s) repeated one already kept and were deleted: {ids}":
        "{n} 条麦凯66信息与保留的信息重复，已删除：{ids}",

    # ------------------------------------------------------------------ importing other tools' files
    # reading the file (text_encoding.py, importing.py)
    "the file is UTF-8 except {count} line(s) in another encoding (GBK?), at line {lines} "
    "[the bytes where UTF-8 stops]; save those lines as UTF-8 and import again":
        "文件是 UTF-8 编码，但有 {count} 行是另一种编码（GBK？），在第 {lines} 行"
        "[方括号内是不再符合 UTF-8 的字节]；请把这些行另存为 UTF-8 后重新导入",
    "cannot tell the text encoding: line {line} is neither UTF-8 nor GBK/GB18030 (bytes [{bytes}]); "
    "save the file as UTF-8":
        "无法识别文件编码：第 {line} 行既不是 UTF-8 也不是 GBK/GB18030（字节 [{bytes}]）；请把文件另存为 UTF-8",
    "no header row found for {table} in the first {rows} rows; expected headers like {examples} … "
    "(or map the file's headers to these columns)":
        "前 {rows} 行中没有找到 {table} 的表头行；表头应类似 {examples} …（或把文件的表头对应到这些列）",
    "the header row (row {row}) lacks required column(s): {need}. Found: {found}. "
    "Map a header of the file to a column (--map 'Account=name') if it has another name":
        "表头行（第 {row} 行）缺少必需的列：{need}。文件中的列：{found}。"
        "如果文件用了别的列名，请把它对应到这一列（--map 'Account=name'）",
    # a cell's value (parsing.py)
    "holds a character no spreadsheet can keep ({char}) at position {position}; remove it":
        "第 {position} 个字符是电子表格无法保存的字符（{char}），请删除",
    "unknown {field} {value}; allowed: {allowed}": "{field}不认识 {value}；可填：{allowed}",
    # a date cell (parsing.py, day_month.py)
    "unparseable date {value}; write it like 2023-01-31, 2023/1/31 or 2023年1月31日":
        "无法识别的日期 {value}；请写成 2023-01-31、2023/1/31 或 2023年1月31日",
    "date {value} is out of range; crmkit keeps dates from 1900 to 2199":
        "日期 {value} 超出范围；crmkit 只保存 1900 至 2199 年的日期",
    "{value} has no such time of day": "{value} 中的时刻不存在",
    "{value} is not a date: write the full date, like 2023-01-31 (as an Excel day number it is outside 1927–2199)":
        "{value} 不是日期：请写完整日期，如 2023-01-31（作为 Excel 日期序号，它不在 1927–2199 年之间）",
    'must be "MDY" (month/day/year) or "DMY" (day/month/year), not {value}':
        '必须是 "MDY"（月/日/年）或 "DMY"（日/月/年），而不是 {value}',
    "date {value} puts the day and the month before the year, and the file writes both orders: "
    "{day_cell} in row {day_row} is day first, {month_cell} in row {month_row} month first; "
    "correct the file, then pass date_order":
        "日期 {value} 把日和月写在年之前，而文件两种顺序都有：第 {day_row} 行的 {day_cell} 是日在前，"
        "第 {month_row} 行的 {month_cell} 是月在前；请先改正文件，再指定 date_order",
    'date {value} puts the day and the month before the year; the file writes day first: '
    '{cell} in row {row}, so pass date_order="DMY" (--date-order dmy)':
        '日期 {value} 把日和月写在年之前；文件是日在前（第 {row} 行的 {cell}），'
        '请指定 date_order="DMY"（--date-order dmy）',
    'date {value} puts the day and the month before the year; the file writes month first: '
    '{cell} in row {row}, so pass date_order="MDY" (--date-order mdy)':
        '日期 {value} 把日和月写在年之前；文件是月在前（第 {row} 行的 {cell}），'
        '请指定 date_order="MDY"（--date-order mdy）',
    'date {value} puts the day and the month before the year, which reads two ways '
    '(1/2/2025: January 2 or February 1); write it like 2025-01-31, or name the order: '
    'date_order="MDY" (--date-order mdy) or "DMY" (--date-order dmy)':
        '日期 {value} 把日和月写在年之前，有两种读法（1/2/2025 可以是1月2日或2月1日）；'
        '请写成 2025-01-31，或指定顺序：date_order="MDY"（--date-order mdy）或 "DMY"（--date-order dmy）',
    'date {value} is not a day read month first (date_order="MDY"), but is one read day first: '
    'is the file day first (--date-order dmy)?':
        '日期 {value} 按月在前（date_order="MDY"）读不是有效日期，按日在前读却是：文件是否日在前（--date-order dmy）？',
    'date {value} is not a day read month first (month/day/year, date_order="MDY")':
        '日期 {value} 按月在前（月/日/年，date_order="MDY"）读不是有效日期',
    'date {value} is not a day read day first (date_order="DMY"), but is one read month first: '
    'is the file month first (--date-order mdy)?':
        '日期 {value} 按日在前（date_order="DMY"）读不是有效日期，按月在前读却是：文件是否月在前（--date-order mdy）？',
    'date {value} is not a day read day first (day/month/year, date_order="DMY")':
        '日期 {value} 按日在前（日/月/年，date_order="DMY"）读不是有效日期',
    "date {value} has a two-digit year; write the year in full (2010, not 10): crmkit does not guess the century":
        "日期 {value} 的年份只有两位；请写完整年份（2010 而不是 10）：crmkit 不猜世纪",
    # references by name (reference_names.py)
    "{column} is not a field of {table} that refers to another table; such fields: {fields}":
        "{column} 不是 {table} 中引用其他表的字段；这样的字段有：{fields}",
    "{column} cannot refer to {table} by {key}; text fields of {table}: {fields}":
        "{column} 不能按 {key} 引用 {table}；{table} 的文本字段有：{fields}",
    "{value} matches no {field} in {table}; import {table} first": "{table}中没有{field}为 {value} 的记录；请先导入{table}",
    "{value} matches {n} records in {table} by {field}: {ids}; write the id instead":
        "{table}中有 {n} 条记录的{field}是 {value}：{ids}；请改填编号",
    # the counts per reason that open a report (problem_counts.py)
    "{n:,} problem(s): {counts}": "共 {n:,} 个问题：{counts}",
    "{n:,} for {kinds} other reason(s)": "其他 {kinds} 种原因 {n:,} 个",
    "unknown {field} {value}": "{field}不认识 {value}",
    "no match for {value} in {table}": "{table}中找不到 {value}",
    "{value} matches several {table}": "{value} 对应多条{table}",
    "{what} in {column}": "{column}：{what}",
    "unreadable date": "日期无法识别",
    "day and month in an unknown order (pass --date-order mdy or dmy)": "日月顺序不明（请指定 --date-order mdy 或 dmy）",
    "date out of range": "日期超出范围",
    "not a number": "不是数字",
    "negative amount": "金额为负",
    "not a whole number": "不是整数",
    "number too large": "数字过大",
    "not yes or no": "不是“是/否”",
    "unusable id": "编号不可用",
    "id used twice": "编号重复",
    "character no spreadsheet can keep": "含有电子表格无法保存的字符",
    "column read twice": "列重复",
    # files too big or too wide to read (file_limits.py, workbook_scan.py)
    "row {row} has {columns:,} columns or more; crmkit reads at most {limit:,} columns "
    "(a form has a few dozen): this is not a table of records":
        "第 {row} 行至少有 {columns:,} 列；crmkit 最多读取 {limit:,} 列（表单通常只有几十列）：这不是记录表",
    "row {row} has {columns:,} columns; crmkit reads at most {limit:,} columns "
    "(a form has a few dozen): this is not a table of records":
        "第 {row} 行有 {columns:,} 列；crmkit 最多读取 {limit:,} 列（表单通常只有几十列）：这不是记录表",
    "the workbook holds {count:,} parts; crmkit reads workbooks of at most {limit:,}":
        "工作簿包含 {count:,} 个部件；crmkit 只读取最多 {limit:,} 个部件的工作簿",
    "the workbook's part {part} declares {declared} but unpacks to more: the file is damaged or forged":
        "工作簿部件 {part} 声明大小为 {declared}，解压后却更大：文件已损坏或被伪造",
    "the workbook ({size}) unpacks to {total}, {part} alone to {part_size}; crmkit reads workbooks "
    "that unpack to at most {limit}: this file is damaged or built to exhaust memory":
        "工作簿（{size}）解压后为 {total}，其中 {part} 为 {part_size}；crmkit 只读取解压后不超过 {limit} "
        "的工作簿：此文件已损坏，或是为耗尽内存而构造的",
    "the sheet {part} has a value in column {column:,}; crmkit reads at most {limit:,} columns "
    "(a form has a few dozen): this is not a table of records":
        "工作表 {part} 在第 {column:,} 列有内容；crmkit 最多读取 {limit:,} 列（表单通常只有几十列）：这不是记录表",
    "the sheet {part} spans {rows:,} rows × {columns:,} columns ({cells:,} cells); crmkit reads "
    "sheets of at most {limit:,} cells":
        "工作表 {part} 跨 {rows:,} 行 × {columns:,} 列（{cells:,} 个单元格）；crmkit 只读取最多 {limit:,} 个单元格的工作表",
    # `crmkit notebooks` (notebooks/copying.py, notebooks/command.py) and a new store (store/location.py)
    "notebooks in {folder}:": "笔记本位于 {folder}：",
    "copied {name}": "已复制 {name}",
    "replaced {name} (--force)": "已替换 {name}（--force）",
    "skipped {name}: already there, the same as crmkit's": "已跳过 {name}：已存在，与 crmkit 自带的相同",
    "skipped {name}: your copy differs from crmkit's and is kept (--force replaces it)":
        "已跳过 {name}：您的副本与 crmkit 自带的不同，已保留（--force 可替换）",
    "{folder} is a file; crmkit notebooks copies into a folder": "{folder} 是文件；crmkit notebooks 只能复制到文件夹中",
    "they open the store {url} (their db_url parameter chooses another)":
        "笔记本打开的数据库为 {url}（可用其 db_url 参数另选）",
    "start JupyterLab there: jupyter lab {folder}": "在该处启动 JupyterLab：jupyter lab {folder}",
    "no store yet: `crmkit demo` or `crmkit import` run here makes the one they open":
        "尚无数据库：在此处运行 `crmkit demo` 或 `crmkit import` 即可建立笔记本所用的数据库",
    "no store yet: they open data/crm.db in {folder} or the nearest folder above it that has one "
    "(`crmkit demo` makes one in the folder it runs in)":
        "尚无数据库：笔记本打开 {folder} 或其上层最近一个含有 data/crm.db 的文件夹中的数据库"
        "（`crmkit demo` 会在其运行的文件夹中建立一个）",
    "crmkit: created a new store, {file}": "crmkit：已新建数据库 {file}",
    "crmkit: created a new store, {file} (data/ and reports/ go to {home}; set CRMKIT_HOME to keep them "
    "in another folder)":
        "crmkit：已新建数据库 {file}（data/ 和 reports/ 位于 {home}；设置 CRMKIT_HOME 可改存到其他文件夹）",
    # holdout validation of the purchase models (value/holdout.py, value/holdout_plots.py)
    "last period's count": "沿用上期次数",
    "everyone at the mean rate": "全体按平均频率",
    "{best} forecasts the holdout period best: {metric} {value:.3f} purchases per customer, against "
    "{runner_up} {runner_value:.3f}; its total is off by {total_error:+.1%}.":
        "{best} 对验证期的预测最好：每位客户的 {metric} 为 {value:.3f} 次，{runner_up} 为 {runner_value:.3f}；"
        "总量偏差 {total_error:+.1%}。",
    "{best} is the only model fitted: {metric} {value:.3f} purchases per customer in the holdout period; "
    "its total is off by {total_error:+.1%}.":
        "只有 {best} 拟合成功：验证期每位客户的 {metric} 为 {value:.3f} 次；总量偏差 {total_error:+.1%}。",
    "The better naive forecast ({baseline}) scores {baseline_value:.3f}.":
        "较好的朴素预测（{baseline}）为 {baseline_value:.3f}。",
    "No model beats the naive forecast ({baseline}, {baseline_value:.3f}): do not trust the model's "
    "forecasts for this book.":
        "没有模型胜过朴素预测（{baseline}，{baseline_value:.3f}）：不宜采信模型对这批客户的预测。",
    "Actual": "实际",
    "Holdout purchases by calibration frequency": "按校准期购买次数分组的验证期购买",
    "Purchases in the calibration period (repeat)": "校准期重复购买次数",
    "Mean purchases in the holdout period": "验证期平均购买次数",
    "holdout begins": "验证期开始",
    "Cumulative repeat purchases: actual and forecast": "累计重复购买：实际与预测",
    "Period end": "期末",
    "Cumulative repeat purchases": "累计重复购买次数",

    # ------------------------------------------------------------------ reports: the monthly report
    "{n:.1f} days": "{n:.1f} 天",
    "region {region}": "{region}区域",
    "rep {rep}": "销售顾问 {rep}",
    "{month} ({scope})": "{month}（{scope}）",
    "{month}: no records, so this section is left out.": "{month}没有记录，本节从略。",
    " ({scope})": "（{scope}）",
    " (all regions)": "（全公司）",
    "Monthly CRM report": "客户管理月报",
    "{month}{scope}, from {first} to {last}.": "{month}{scope}，统计区间 {first} 至 {last}。",
    "Phones and e-mails are partly hidden (personal data masked).": "电话与邮箱已隐去部分号码。",
    "No records for {month}.": "{month} 没有任何记录。",
    "The sections below are left out.": "以下各节从略。",
    "Headline KPIs": "本月概览",
    "new customers": "新增客户",
    "contacts": "客户接触",
    "walk-ins & call-ins": "来店/来电",
    "opportunities opened": "新建意向卡",
    "won deals": "成交单数",
    "won revenue": "成交金额",
    "orders revenue": "订单金额",
    "payments received": "实收回款",
    "complaints": "投诉",
    "KPI": "指标",
    "this month": "本月",
    "last month": "上月",
    "vs last month": "环比",
    "same month last year": "去年同月",
    "vs last year": "同比",
    "{new} new customers this month ({new_before} last month), {contacts} contacts, of which {traffic} walk-ins and call-ins ({traffic_change} on last month).":
        "本月新增客户 {new} 位（上月 {new_before} 位），客户接触 {contacts} 次，其中来店/来电 {traffic} 次（环比 {traffic_change}）。",
    "{won} deals won for {revenue} ({change_month} on last month, {change_year} on last year); orders {orders}, payments received {received}.":
        "成交 {won} 单，成交金额 {revenue}（环比 {change_month}，同比 {change_year}）；订单金额 {orders}，实收回款 {received}。",
    "{opened} opportunities opened, {complaints} complaints received ({complaints_before} last month).":
        "新建意向卡 {opened} 张，收到投诉 {complaints} 件（上月 {complaints_before} 件）。",
    "KPIs": "关键指标",
    "Walk-in and call-in traffic": "客流量统计",
    "{month}: no walk-ins or call-ins ({before} last month).": "{month}没有来店或来电记录（上月 {before} 次）。",
    "ungraded": "未分级",
    "{walk_in} walk-ins and {call_in} call-ins this month, {total} in all, {change} on last month ({before} last month); {per_day:.1f} a day, the busiest day {busiest:%m-%d} ({busiest_n}).":
        "本月来店 {walk_in} 次、来电 {call_in} 次，合计 {total} 次，环比 {change}（上月 {before} 次）；日均 {per_day:.1f} 次，最多的一天是 {busiest:%m月%d日}（{busiest_n} 次）。",
    "New visitors {new} ({share}), returning {returning}.": "新客 {new} 次（{share}），老客 {returning} 次。",
    "Left contact details: {left_share} ({left}); bought: {bought_share} ({bought} visits by customers who ordered this month).":
        "留资比例 {left_share}（{left} 次留下联系方式）；成交比例 {bought_share}（来访客户本月下单的 {bought} 次）。",
    "By grade: {counts}.": "按有望度：{counts}。",
    ", ": "，",
    "{grade} {n}": "{grade} {n} 次",
    "week": "周",
    "from {day:%m-%d}": "{day:%m-%d} 起",
    "walk-ins": "来店",
    "call-ins": "来电",
    "total": "合计",
    "vs last week": "周环比",
    "grade": "有望度",
    "visits": "来访次数",
    "new visitors": "新客",
    "left contact details": "留资比例",
    "bought": "成交比例",
    "day of the month": "日期（日）",
    "Walk-ins and call-ins per day": "每日来店/来电次数",
    "(not given)": "（未填）",
    "{month}: no new customer files ({before} last month).": "{month}没有新建客户档案（上月 {before} 位）。",
    "{name} {n}": "{name} {n} 位",
    "{n} new customer files this month, {change} on last month ({before} last month); {buyers} of them ordered in the month ({share}).":
        "本月新建客户档案 {n} 位，环比 {change}（上月 {before} 位）；其中 {buyers} 位当月已下单（{share}）。",
    "Main sources: {top}.": "主要来源：{top}。",
    "Main regions: {top}; the rep who opened most files is {rep} ({n}).": "主要区域：{top}；建档最多的销售顾问是 {rep}（{n} 位）。",
    "customer ID": "客户编号",
    "customer name": "客户名称",
    "region": "区域",
    "source": "来源",
    "owner": "负责人",
    "phone": "电话",
    "file opened": "建档日期",
    "The first {shown} by date opened, of {n}.": "按建档日期列出前 {shown} 位，共 {n} 位。",
    "Where new customers came from": "新增客户来源",
    "New customers this month": "本月新增客户",
    "Activity per rep": "销售顾问活动量",
    "{month}: no contacts recorded.": "{month}没有客户接触记录。",
    "{reps} reps recorded {n} contacts this month ({before} last month), {mean:.1f} each.":
        "本月 {reps} 位销售顾问共记录客户接触 {n} 次（上月 {before} 次），人均 {mean:.1f} 次。",
    "The most active was {top} ({top_n}), the least {bottom} ({bottom_n}).": "最活跃的是 {top}（{top_n} 次），最少的是 {bottom}（{bottom_n} 次）。",
    "{n} below half the median: {reps}.": "不到中位数一半的有 {n} 位：{reps}。",
    "{n} contacts have no rep (see the data quality section).": "{n} 次接触没有填写销售顾问（见数据质量一节）。",
    "customers contacted": "接触客户数",
    "Contacts per rep this month, by channel": "各销售顾问本月客户接触（按方式）",
    "contacts per rep": "各销售顾问接触次数",
    "weekly": "每周客流",
    "New customers of the month": "新增客户",
    "by grade": "按有望度",
    "Monthly report {month}": "客户月报 {month}",
    "Region {region}": "区域 {region}",
    "Rep {rep}": "销售 {rep}",
    "opened this month": "本月新建",
    "won": "成交",
    "lost": "流失",
    "grade {g}": "{g}级",
    "Funnel and O/A/B/C grades": "销售漏斗与有望度分布",
    "{month}: no open cards at the month's end, and none opened or closed in the month.":
        "{month}月末没有跟进中的意向卡，本月也没有新建或关闭的意向卡。",
    "{n} cards open at the month's end ({n_start} at its start), expected {amount} in all; {hot} of them O or A ({share}), {o} O cards expected to close within a month.":
        "月末跟进中的意向卡 {n} 张（月初 {n_start} 张），预计金额合计 {amount}；其中 O/A 级 {hot} 张（{share}），预计一个月内可成交的 O 级 {o} 张。",
    "Grades at the month's end: {grades}.": "月末有望度分布：{grades}。",
    "{grade} {n} ({n_start} at the start)": "{grade} {n} 张（月初 {n_start}）",
    "{opened} opened this month; {up} upgraded and {down} downgraded; {won} won and {lost} lost ({lost_hot} of the lost were O or A at the month's start).":
        "本月新建 {opened} 张；月内升级 {up} 张、降级 {down} 张；成交 {won} 张、流失 {lost} 张（其中月初为 O/A 级的流失 {lost_hot} 张）。",
    "cards": "意向卡",
    "share": "占比",
    "start \\ end of month": "月初 \\ 月末",
    "Open cards at the month's end, by stage": "月末跟进中意向卡（按阶段）",
    "start of month": "月初",
    "end of month": "月末",
    "Grades: start (light) and end (dark) of the month": "有望度分布：月初（浅）与月末（深）",
    "open cards by stage": "月末漏斗",
    "grade moves (rows: start of month, columns: end of month)": "有望度变动（行：月初，列：月末）",
    "Funnel and grades": "漏斗与有望度",
    "Close rate and rep performance (last three months)": "成交率与销售顾问业绩（近三个月）",
    "No cards were closed (won or lost) in the last three months.": "近三个月没有关闭（成交或流失）的意向卡。",
    "{closed} cards closed this month, {won} won: a close rate of {rate} ({rate_before} last month); won revenue {revenue} ({revenue_before} last month).":
        "本月关闭意向卡 {closed} 张，成交 {won} 张，成交率 {rate}（上月 {rate_before}）；成交金额 {revenue}（上月 {revenue_before}）。",
    "Over three months ({first:%Y-%m} to {last:%Y-%m}) the team's close rate was {rate} and it won {revenue}; the best rep was {rep} ({rep_revenue}, close rate {rep_rate}).":
        "近三个月（{first:%Y-%m} 至 {last:%Y-%m}）团队成交率 {rate}，成交金额 {revenue}；业绩最高的是 {rep}（{rep_revenue}，成交率 {rep_rate}）。",
    "Close rates well below the team's over three months (under 70 % of it, with at least 5 cards closed): {reps}; look at the three-month trend before drawing conclusions.":
        "近三个月成交率明显低于团队（低于团队水平七成，且关闭至少 5 张）的有：{reps}；宜看三个月趋势再下结论。",
    "{name} ({value})": "{name}（{value}）",
    "won {month:%Y-%m}": "{month:%Y-%m} 成交金额",
    "won in three months": "三个月成交金额",
    "won/closed": "成交/关闭",
    "close rate": "成交率",
    "won revenue ({unit})": "成交金额（{unit}）",
    "Won revenue per rep, last three months": "各销售顾问近三个月成交金额",
    "rep performance, 3 months": "销售顾问近三个月业绩",
    "segment at last month's end": "上月末分群",
    "segment at this month's end": "本月末分群",
    "customers": "客户数",
    "Value segments (RFM)": "客户价值分群",
    "No orders by the month's end, so there are no value segments.": "到月末为止没有订单，无法按价值分群。",
    "{buyers} customers had ordered by the month's end; {champions}: {n}, with {share} of all sales so far.":
        "到月末共有 {buyers} 位客户下过单；{champions} {n} 位，贡献累计销售额的 {share}。",
    "This month {moved} customers changed segment, {stayed} stayed, {new} bought for the first time.":
        "本月分群变动：{moved} 位客户换了分群，{stayed} 位不变，新增首购客户 {new} 位。",
    "To win back: “{at_risk}” and “{cant_lose}”, {n} customers who used to buy often and have not come back lately.":
        "需要挽回的“{at_risk}”和“{cant_lose}”共 {n} 位：曾经常购买，近期没有再来。",
    "value segment": "分群",
    "month {n}": "{n}月",
    "{month_name} {year}": "{year}年{month_name}",
    "100 million yuan": "亿元",
    "100 million {symbol}": "亿{symbol}",
    "10 thousand yuan": "万元",
    "10 thousand {symbol}": "万{symbol}",
    "sales so far": "累计销售额",
    "conditions (the first that holds, in this order)": "条件（按顺序取第一个符合的）",
    "orders this month": "本月订单",
    "amount this month": "本月金额",
    "RFM segments (as of {day:%Y-%m-%d})": "RFM 分群（截至 {day:%Y-%m-%d}）",
    "RFM segments": "RFM 分群",
    "main moves since last month": "主要分群迁移",
    "No customer changed segment this month.": "本月没有客户换分群。",
    "top customers this month": "本月前十大客户",
    "No orders this month.": "本月没有订单。",
    "segment rules": "分群规则",
    "Customer lifetime value outlook": "客户终身价值展望",
    "From their purchases up to the month's end, {n} customers are expected to be worth {total} over the next {months} months (discounted {rate:.0%} a month); the top tenth of them hold {share}.":
        "按截至月末的购买记录，{n} 位客户未来 {months} 个月的预计价值合计 {total}（按月折现 {rate:.0%}）；价值最高的一成客户占 {share}。",
    "The segment expected to be worth most is {segment} ({value}, {mean} a customer).":
        "预计价值最高的分群是{segment}（{value}，人均 {mean}）。",
    "{n} customers in the top quarter by expected value are less than 50 % likely to be still active: call them first.":
        "预计价值排前四分之一、但仍活跃概率不到 50% 的客户有 {n} 位，值得优先回访。",
    "Every customer in the top quarter by expected value is more than 50 % likely to be still active.":
        "预计价值排前四分之一的客户仍活跃的概率都在 50% 以上。",
    "chance still active": "仍活跃概率",
    "expected value, next {months} months": "未来{months}个月预计价值",
    "expected value": "预计价值合计",
    "per customer": "人均",
    "mean chance still active": "平均活跃概率",
    "expected value, next {months} months ({unit})": "未来{months}个月预计价值（{unit}）",
    "Expected value by segment": "各分群预计价值",
    "CLV by segment": "各分群预计价值",
    "top CLV": "预计价值最高的客户",
    "not due": "未到期",
    "1–30 days": "1–30天",
    "31–60 days": "31–60天",
    "61–90 days": "61–90天",
    "over 90 days": "90天以上",
    "good": "良好",
    "fair": "一般",
    "poor": "较差",
    "very bad": "极坏",
    "Receivables and collection": "应收账款与回款",
    "Nothing is owed at the month's end. Billed this month {billed}, received {collected}.":
        "月末没有未收款项。本月结算应收 {billed}，实收 {collected}。",
    "Owed at the month's end: {total} by {customers} customers on {items} settlements; {overdue} of it overdue ({share}), {old} more than 90 days.":
        "月末未收款合计 {total}，涉及 {customers} 位客户、{items} 笔结算；其中已逾期 {overdue}（{share}），逾期 90 天以上 {old}。",
    "Billed this month {billed}, received on those bills {collected} ({share}).":
        "本月结算应收 {billed}，当笔实收 {collected}（{share}）。",
    "Debtors by collection status: {statuses}; {risky} risky customers (very bad, or over their credit limit).":
        "欠款客户的收款状况：{statuses}；极坏或超出信用额度的危险客户 {risky} 位。",
    "age": "账龄",
    "items": "笔数",
    "amount": "金额",
    "owed": "未收金额",
    "longest overdue": "最长逾期",
    "{n} days": "{n} 天",
    "credit limit": "信用额度",
    "collection status": "收款状况",
    "The first {shown} by amount owed, of {n}.": "按未收金额列出前 {shown} 位，共 {n} 位。",
    "No customer is very bad at paying or over their credit limit.": "没有收款状况极坏或超出信用额度的客户。",
    "owed ({unit})": "未收金额（{unit}）",
    "Ageing of what is owed at the month's end": "月末应收账龄",
    "Debtors by collection status": "欠款客户收款状况",
    "ageing": "账龄",
    "risky customers": "危险客户",
    "(no category)": "（未分类）",
    "Complaints (time limit {days} days)": "客户投诉（处理时限 {days} 天）",
    "{month}: no complaints received ({before} last month), and none overdue.":
        "{month}没有收到投诉（上月 {before} 件），也没有超时未解决的投诉。",
    "{n} complaints received this month, {change} on last month ({before} last month); the most in {category} ({top}).":
        "本月收到投诉 {n} 件，环比 {change}（上月 {before} 件）；最多的类别是{category}（{top} 件）。",
    "{n} complaints received this month, {change} on last month ({before} last month).":
        "本月收到投诉 {n} 件，环比 {change}（上月 {before} 件）。",
    "{resolved} resolved within the month, {within} of them within the {limit}-day limit ({share}); median time to resolve {median}.":
        "月内已解决 {resolved} 件，其中 {within} 件在 {limit} 天时限内（{share}），解决用时中位数 {median}。",
    "{n} complaints still unresolved at the month's end after more than {limit} days (earlier months' included): follow them up.":
        "月末仍未解决且已超过 {limit} 天的投诉 {n} 件（含以前月份收到的），需要跟进。",
    "No complaint is unresolved after more than {limit} days at the month's end.": "月末没有超过 {limit} 天仍未解决的投诉。",
    "category": "类别",
    "received": "收到",
    "resolved": "已解决",
    "median time": "用时中位数",
    "over {limit} days": "超过{limit}天",
    "by category": "按类别",
    "overdue and unresolved": "超时未解决",
    "complaint ID": "投诉编号",
    "received on": "投诉日期",
    "content": "内容",
    "handler": "处理人",
    "The oldest {shown}, of {n}.": "最早的 {shown} 件，共 {n} 件。",
    "resolved within {limit} days, or not yet due": "{limit}天内解决或未到期",
    "Complaints this month, by category": "本月投诉（按类别）",
    "Lost prospects": "意向客户流失分析",
    "{month}: no cards lost ({before} last month).": "{month}没有流失的意向卡（上月 {before} 张）。",
    "{n} cards lost this month ({before} last month), expected {amount}; the main reason: {reason} ({share}).":
        "本月流失意向卡 {n} 张（上月 {before} 张），预计金额 {amount}；首要原因是{reason}（{share}）。",
    "{late} lost only at negotiation or contract ({share}); the competitor who took most: {competitor} ({taken}).":
        "在谈判或签约阶段才流失的 {late} 张（{share}）；丢给竞争对手最多的是{competitor}（{taken} 张）。",
    "{late} lost only at negotiation or contract ({share}).": "在谈判或签约阶段才流失的 {late} 张（{share}）。",
    "The rep who lost most: {rep} ({n}, {rate} of the cards they closed this month).":
        "流失最多的销售顾问是 {rep}（{n} 张，其本月关闭的意向卡中流失占 {rate}）。",
    "closed this month": "本月关闭",
    "loss rate": "流失率",
    "Why cards were lost": "流失原因",
    "Stage when lost": "流失时所处阶段",
    "by reason": "按原因",
    "reason lost": "流失原因",
    "by competitor": "按竞争对手",
    "competitor": "竞争对手",
    "by rep": "按销售顾问",
    "Why cards were lost, and at which stage": "流失原因与阶段",
    ('list of names', ', '): "、",
    "Data quality": "数据质量",
    "{month}: the records passed all {n} checks.": "{month}的记录通过了全部 {n} 项检查。",
    "{found} of {n} checks found problems, in {records} records in all; the most: “{table}: {problem}” ({worst}).":
        "{n} 项检查中有 {found} 项发现问题，共涉及 {records} 条记录；最多的是“{table}：{problem}”（{worst} 条）。",
    "This report counts the records as they are; ask the reps to complete or correct them, and next month's report will be more accurate.":
        "本报告的数字按记录原样统计；请相关销售顾问补全或更正，下月报告会更准确。",
    "records": "记录",
    "problem": "问题",
    "count": "条数",
    "example IDs": "示例编号",
    "Customer checks look at customers whose file was opened or who were contacted this month; shared phones and names are compared with every customer in scope.":
        "客户档案的检查针对本月新建或本月有接触的客户；重复电话/名称与范围内全部客户比较。",
    "checks": "检查结果",
    # ------------------------------------------------------------------ issue 15: the book's value with its range
    # (reports/content/lifetime.py, formatting.Numbers.money_range) and "How good were our forecasts"
    # (reports/content/forecasts.py)
    "{estimate} ({lower}–{upper})": "{estimate}（{lower}–{upper}）",
    "10 thousand": "万",
    "100 million": "亿",
    "{months}-month value of the book: {value}.": "未来 {months} 个月全部客户的预计价值：{value}。",
    "No range is given for the total: the models could not be refitted on resamples of the customers ({reason}).":
        "总价值未给出区间：模型无法在客户的重抽样上重新拟合（{reason}）。",
    "The range is a {level:.0%} interval: both models were refitted on {draws} resamples of the customers (a "
    "bootstrap, seed {seed}). It shows how far the total could be off because the models are estimated from these "
    "customers; it does not cover changes in how customers behave.":
        "括号内为 {level:.0%} 区间：两个模型在客户的 {draws} 次重抽样上分别重新拟合（自助法，随机种子 {seed}）。"
        "它说明模型参数由这些客户估计而来、总价值因此可能偏差多少；客户行为本身的变化不在其内。",
    "How good were our forecasts": "预测准不准",
    "as graded": "与分级相符",
    "won less often": "成交偏少",
    "won more often": "成交偏多",
    "There are no orders before the quarter began ({day}), so there is no purchase forecast to check.":
        "本季度开始前（{day}）没有订单，因此没有可检验的购买预测。",
    "The orders cannot be used for a purchase forecast ({reason}), so this part is left out.":
        "订单无法用于购买预测（{reason}），因此省略这一部分。",
    "Only {n} customer(s) had bought more than once before the quarter; at least {need} are needed to fit the "
    "purchase model, so the purchase forecast is not checked.":
        "本季度之前只有 {n} 位客户购买过不止一次；拟合购买模型至少需要 {need} 位，因此不检验购买预测。",
    "The purchase model (BG/NBD) cannot be fitted to the orders before the quarter ({reason}), so the purchase "
    "forecast is not checked.":
        "购买模型（BG/NBD）无法拟合本季度之前的订单（{reason}），因此不检验购买预测。",
    "Only {n} intent card(s) were open when the quarter began; at least {need} are needed to judge the grades, so "
    "this part is left out.":
        "本季度开始时只有 {n} 张意向卡未关闭；评判有望度至少需要 {need} 张，因此省略这一部分。",
    "over {p}": "{p}以上",
    "under {p}": "低于{p}",
    "{low}–{high}": "{low}至{high}",
    "The customers forecast made no purchase last quarter, so the purchase forecast cannot be graded.":
        "被预测的客户上季度没有任何购买，因此无法评判购买预测。",
    "Purchase forecasts were within {error} of what happened last quarter, and closer for each customer than the "
    "naive forecast: trust them.":
        "上季度的购买预测与实际相差不到 {error}，对每位客户也比朴素预测更准：可以信赖。",
    "Purchase forecasts were within {error} of what happened last quarter in total, but for single customers no "
    "closer than the naive forecast: trust the totals, not the figure of one customer.":
        "上季度的购买预测总数与实际相差不到 {error}，但对单个客户并不比朴素预测更准：可以信赖总数，不宜看单个客户的预测。",
    "Purchase forecasts were off by {error} last quarter, no more than chance alone gives on a book this size "
    "(about ±{chance} purchases): trust them, but expect swings of that size.":
        "上季度的购买预测偏差 {error}，没有超出这么多客户下单纯偶然就会有的波动（约 ±{chance} 次）：可以信赖，但要预期这样的波动。",
    "Purchase forecasts were off by {error} last quarter: use them as a rough guide only.":
        "上季度的购买预测偏差 {error}：只能作为粗略参考。",
    "Purchase forecasts were off by {error} last quarter: do not rely on them for this book.":
        "上季度的购买预测偏差 {error}：对这批客户不要依赖这些预测。",
    "Fitted on the orders up to {day}, the purchase model expected {forecast} purchases in the quarter from the {n} "
    "customers who had bought by then; they made {actual}.":
        "购买模型根据截至 {day} 的订单，预计当时已购买过的 {n} 位客户在本季度购买 {forecast} 次；实际购买 {actual} 次。",
    "Per customer the forecast was off by {mae} purchases on average; the naive forecast (as many as in the quarter "
    "before) by {naive}.":
        "按客户计，预测平均偏差 {mae} 次；朴素预测（与上一季度相同）平均偏差 {naive} 次。",
    "The reps' O/A/B/C grades matched how often cards were won within a month: trust them.":
        "销售顾问的 O/A/B/C 有望度与一个月内的实际成交比例相符：可以信赖。",
    "Do not take the reps' grades at face value: within a month, {grades}.":
        "不要只看销售顾问的有望度：一个月内，{grades}。",
    "{grade} cards were won {share} of the time (the grade says {band})":
        "{grade}意向卡成交 {share}（分级标准为{band}）",
    "{n} intent cards were open when the quarter began ({day}); {won} of them ({share}) were won within {days} days, "
    "{quarter} by the quarter's end.":
        "本季度开始时（{day}）有 {n} 张意向卡未关闭；其中 {won} 张（{share}）在 {days} 天内成交，到季度末共成交 {quarter} 张。",
    "purchases last quarter, by repeat purchases before it": "上季度购买次数（按此前的重复购买次数分组）",
    "repeat purchases before": "此前重复购买次数",
    "forecast": "预测",
    "actual": "实际",
    "naive forecast": "朴素预测",
    "Purchases are days with an order. The naive forecast: as many as in the quarter before.":
        "购买次数按有订单的天数计。朴素预测：与上一季度相同。",
    "intent cards open when the quarter began, by the grade they had": "季度初未关闭的意向卡（按当时的有望度）",
    "the grade says": "分级标准",
    "won within {days} days": "{days} 天内成交",
    "95% range": "95% 区间",
    "won in {days} days": "{days} 天内成交",
    "won by quarter end": "季度末前成交",
    "what the grade says": "分级标准",
    "verdict": "结论",
    "A grade is called off only when the whole 95% range of its cards lies outside what the grade says.":
        "只有当某一级意向卡成交比例的 95% 区间整个落在分级标准之外时，才判定该级不准。",
    "Forecasts against what happened": "预测与实际",
    "repeat purchases before the quarter": "本季度之前的重复购买次数",
    "purchases per customer": "每位客户购买次数",
    "Purchases last quarter": "上季度购买",
    "Grades against what happened": "有望度与实际成交",
}
