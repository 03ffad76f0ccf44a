"""One colour per grade, segment and channel, the same in every figure of the report.

Intent grades use the colours of ``crmkit.close.plots.GRADE_COLORS`` (O red, A orange, B blue,
C grey), so a grade looks the same in the report as in the close-likelihood notebook.
"""

from __future__ import annotations

from ...close.plots import GRADE_COLORS
from ...value.rfm import SEGMENT_RULES

#: Intent grades O/A/B/C, and the cards with no grade.
INTENT = {**GRADE_COLORS, "ungraded": "#d9d9d9"}

#: RFM segments, in SEGMENT_RULES order: warm for valuable, cool for fading (tab20-like).
_SEGMENT_PALETTE = ["#2ca02c", "#98df8a", "#17becf", "#9edae5", "#bcbd22", "#ff7f0e", "#ffbb78",
                    "#d62728", "#ff9896", "#8c564b", "#7f7f7f"]
SEGMENT = {name: colour for (name, _, _), colour in zip(SEGMENT_RULES, _SEGMENT_PALETTE)} | {"Other": "#c7c7c7"}

#: Channels of an interaction.
CHANNEL = {"walk_in": "#1f77b4", "call_in": "#ff7f0e", "visit": "#2ca02c", "phone": "#9467bd",
           "wechat": "#17becf", "email": "#8c564b", "event": "#e377c2"}

#: Receivables collection status, good to very bad.
COLLECTION = {"good": "#2ca02c", "fair": "#bcbd22", "poor": "#ff7f0e", "very bad": "#d62728"}

#: This month, the month before, the month before that (rep performance over three months).
MONTHS = ["#c6dbef", "#6baed6", "#08519c"]

#: A single series with no category of its own.
PLAIN = "#4c72b0"
