"""Every sentence the Telegram bot says itself (the assistant's replies come from ``assistant/``).

Short, plain sentences: many readers are in their sixties and read on a small phone.
"""

from __future__ import annotations

# The main menu: each button sends its own text into the assistant.
MENU = ("订餐", "助浴", "上门服务", "政策咨询", "我的订单", "联系人工")
MENU_PLACEHOLDER = "点下面的按钮，或者直接打字"
MENU_HINT = "请点下面的按钮，或者直接打字告诉我您要办什么。"

RELATIONS = {
    "self": "本人", "mother": "母亲", "father": "父亲", "spouse": "配偶", "grandmother": "祖母",
    "grandfather": "祖父", "child": "子女", "other": "家人",
}

WELCOME_NEW = (
    "您好！这里是养老服务助手。\n"
    "我可以帮您给家里老人订餐、约助浴、约上门服务，也可以回答养老政策的问题。\n\n"
    "要替老人办事，请先绑定：\n"
    "1. 向老人所在的服务站要一个8位绑定码；\n"
    "2. 把绑定码直接发给我，比如：12345678。\n\n"
    "不绑定也可以问政策问题，点下面的“政策咨询”就行。"
)
WELCOME_LINKED = "您好，{name}！您已绑定：{elders}。\n请点下面的按钮，或者直接打字告诉我您要办什么。"
WELCOME_STAFF = "您好，{name}！您是{station}的工作人员，新订单会发到这里，点“接单”或“拒绝”处理。"
YOUR_TELEGRAM_ID = "如果您是服务站工作人员，请把这个号码告诉管理员：{telegram_id}"
LINKED = "绑定成功！您现在可以替{elder}（您的{relation}）订餐、约助浴和上门服务了。"
LINK_CODE_HELP = "绑定码是8位数字，请向服务站要。收到后直接发给我就行。"

RATE_LIMITED = "您发得太快了，请休息一下，一分钟后再发。"
ONLY_TEXT = "我现在只能看懂文字。请打字，或者点下面的按钮。"
SOMETHING_WRONG = "抱歉，系统出了点问题，请稍后再试。着急的话请直接打电话给服务站。"
NO_ANSWER = "抱歉，我没听明白。可以换个说法，或者点“联系人工”。"
CHOSEN = "✅ 您选了：{label}"
BUTTON_EXPIRED = "这个按钮已经过期了，请看最新的消息。"

# Station staff.
# Staff of another station are told what a missing order would say: its existence is not theirs to know.
NOT_YOUR_STATION = "找不到这个订单。"
NOT_STAFF = "只有服务站工作人员才能处理订单"
ACCEPT_DONE = "接单成功"
ACCEPTED_BY = "✅ 已接单（{name}）"
ALREADY = "这个订单已经是“{status}”了"
ASK_REJECT_REASON = "请输入拒绝订单{code}的原因（例如：当天人手不够）。\n不拒绝了请发“取消”。"
REJECT_CANCELLED = "好的，没有拒绝订单{code}。"
REJECTED_BY = "❌ 已拒绝（{name}）：{reason}"
REJECT_DONE = "订单{code}已拒绝，老人家属会收到通知。"
CANCEL_WORDS = ("取消", "算了", "不拒绝了", "/cancel")
ACCEPT_LABEL = "接单"
REJECT_LABEL = "拒绝"
