"""Every sentence the assistant says, grouped by flow. Short, plain, one idea each: read aloud to
an 80-year-old on a poor phone line, or shown in large type to a busy family member."""

from __future__ import annotations

# --- options (keypad digit / button key → label), as in CONTRACTS.md section 5 -----------------------
REPEAT_KEY = ("*", "重听")
"""Offered on the phone with the main menu: any prompt can be heard again."""
MAIN_MENU = (("1", "订餐"), ("2", "助浴"), ("3", "上门服务"), ("4", "政策咨询"), ("5", "我的订单"), ("0", "人工"))
DAYS = (("1", "今天"), ("2", "明天"), ("3", "后天"))
MEALS = (("1", "午餐"), ("2", "晚餐"))
VISITS = (("1", "探访"), ("2", "护理"), ("3", "助洁"), ("4", "陪诊"))
HALF_DAYS = (("1", "上午"), ("2", "下午"))
CONFIRM = (("1", "确认"), ("2", "重新来"))
YES_NO = (("1", "是"), ("2", "不是"))
EMERGENCY_OPTIONS = (("1", "转人工"), ("2", "不用了"))

SERVICE_NAMES = {"meal": "助餐", "bath": "助浴", "home_visit": "上门服务"}
VISIT_NAMES = {"check_in": "上门探访", "nursing": "上门护理", "cleaning": "助洁", "escort": "陪诊"}
RELATION_NAMES = {"self": "您自己", "mother": "妈妈", "father": "爸爸", "spouse": "老伴", "grandmother": "奶奶",
                  "grandfather": "爷爷", "child": "孩子", "other": "家人"}
WINDOW_TIMES = {"breakfast": "早上7点到8点半", "lunch": "中午11点到12点半", "dinner": "下午5点到6点半",
                "morning": "上午", "afternoon": "下午"}

# --- opening, menu, small talk -------------------------------------------------------------------------
GREETING = "您好，我是养老服务助手。可以帮您订餐、约助浴和上门服务，也能问养老政策。请问需要什么？"
GREETING_NAMED = "{name}您好，我是养老服务助手。可以帮您订餐、约助浴和上门服务，也能问养老政策。请问需要什么？"
WELCOME_BACK = "您好，刚才的事还没办完，我们接着来。"
MENU = "我可以帮您：订餐、助浴、上门服务、问政策、查订单，也可以转人工。"
ANYTHING_ELSE = "还有别的需要吗？"
THANKS = "不客气，应该的。还有别的需要吗？"
WHAT_DO_YOU_NEED = "好的，请说您需要什么。"
NOTHING_MORE = "好的，有需要随时找我。祝您身体健康。"
GOODBYE = "好的，祝您身体健康，再见。"
NOT_UNDERSTOOD = "不好意思，我没听明白。您可以说“订餐”“助浴”“上门服务”，或者问政策。"
NOT_UNDERSTOOD_AGAIN = "不好意思，还是没听明白。" + MENU
KEY_NOT_VALID = "这个按键不对。"
EMPTY_INPUT = "我没有听到您说话。"
TOO_LONG = "您说的内容太长了，我只看了前面一部分。"
NOTHING_TO_REPEAT = "我刚才还没说什么。" + GREETING

# --- who is speaking ----------------------------------------------------------------------------------
NEED_REGISTRATION = ("预约服务需要先登记。请让老人到社区服务站登记电话，"
                     "或者请服务站给您一个家属绑定码，发送“绑定”加上绑定码。问政策不用登记。")
NO_LINKED_ELDER = "您还没有绑定老人，不能替老人预约。请向服务站要一个绑定码，发送“绑定”加上绑定码就可以了。"
WHICH_ELDER = "给哪位老人订？"
LINKED = "绑定好了，以后可以替{elder}预约服务了。"
LINK_TOO_MANY = "绑定码错了太多次，请一小时后再试，或者请服务站帮您绑定。"

# --- booking -------------------------------------------------------------------------------------------
WHICH_SERVICE = "您要订哪项服务？"
WHICH_VISIT = "上门做什么？"
WHICH_DAY = "哪天要？"
WHICH_MEAL = "要午餐还是晚餐？"
WHICH_HALF_DAY = "上午还是下午？"
HOW_MANY = "要几份？"
HOW_MANY_KEYS = "要几份？请按数字键，一份就按1。"
DAY_OUT_OF_RANGE = "只能预约今天起两周内的服务。" + WHICH_DAY
TOO_LATE_FOR_DAY = "那天的{window}已经过了预约时间。"
QUANTITY_OUT_OF_RANGE = "每次可以订1到{most}份。" + HOW_MANY
READ_BACK = "给{elder}订{what}{diet}，{price}。对吗？"
READ_BACK_DIET = "，{diet}"
PRICE_FREE = "不用付钱"
PRICE_DUE = "一共{due}"
PRICE_PER_UNIT = "每{unit}{pay}，一共{due}"
PLACED = "订好了，单号{code}。{when}{arrive}。服务站接单后会再告诉您。"
ARRIVE_MEAL = "送到"
ARRIVE_VISIT = "上门"
NOT_PLACED = "好的，没有下单。"
RESTART = "好的，我们重新来。"
TRY_OTHER_TIME = "换一天或换个时段吧。" + WHICH_DAY
RESUME_BOOKING = "我们接着预约。"

# --- my orders: check, cancel, modify ------------------------------------------------------------------
NO_ORDERS = "最近没有要办的订单。"
NO_MATCHING_ORDER = "没有找到您说的那个订单。"
ORDER_LIST = "您有{count}个订单：{items}。"
ORDER_LINE = "{n}、{what}，{status}"
WHICH_ORDER = "是哪一个？请说序号。"
CONFIRM_CANCEL = "要取消{what}吗？"
CANCELLED = "已经取消了：{what}。"
NOT_CANCELLED = "好的，不取消。"
WHAT_TO_CHANGE = "要改成哪天、哪个时段，或者几份？"
CONFIRM_MODIFY = "把{before}改成{after}，对吗？"
MODIFIED = "改好了：{what}。"
NOT_MODIFIED = "好的，不改了。"

# --- policy, subsidy, eligibility ---------------------------------------------------------------------
ASK_YOUR_QUESTION = "请说您想问的政策问题。"
WHICH_REGION = "老人住在哪个市或区？"
UNKNOWN_REGION = "这个地方的政策我还没有资料。{known}"
KNOWN_REGIONS = "我有这些地方的政策：{regions}。"
SOURCE = "依据：《{title}》{doc_no}第{clause}条{valid}。"
SOURCE_SPOKEN = "这是{title}里写的。"
EXPIRED_NOTE = "（注意：这份文件{valid}）"
UNSPECIFIED = "文件提到了{benefit}，但没有写明谁能享受。请问当地民政局或拨打12349。"
ELIGIBLE_SUMMARY = "{subject}可能可以享受：{names}。"
NONE_ELIGIBLE = "按目前了解的情况，{subject}暂时没有符合条件的项目。"
ELIGIBILITY_MORE = "想详细了解哪一项，可以直接问我。"
AMOUNT = "标准是{amount}。"
QUESTIONS = {
    "age": "老人今年多大年纪？",
    "living": "老人是一个人住，还是和子女住？",
    "economic": "家里是低保户、特困户，还是经济困难？都不是就说“都不是”。",
    "disability": "老人生活能自理吗？有没有失能、半失能或者认知障碍？",
    "urban": "老人住在城里还是农村？",
    "special_family": "是不是计划生育特殊家庭？",
    "priority_care": "是不是重点优抚对象？",
    "region": WHICH_REGION,
}
DID_NOT_GET_FACT = "不好意思，没听清。"
SUBJECT_SELF = "您"

# --- complaint, hand-off, emergency ------------------------------------------------------------------
COMPLAINT_WHAT = "很抱歉给您添麻烦了。请说一下是什么问题？"
COMPLAINT_RECORDED = "已经记下了，服务站负责人会尽快联系您。"
HANDOFF = "好的，已经通知工作人员，会尽快给您回电话。工作时间是早上8点到晚上6点。"
HANDOFF_PHONE = "好的，正在为您转接工作人员，请稍等。"
EMERGENCY = "请马上拨打120急救电话！{advice}{alerted}要帮您转接工作人员吗？"
ALERTED = {
    frozenset({"family", "station"}): "我已经通知您的家人和服务站。",
    frozenset({"station"}): "我已经通知服务站。",
    frozenset({"family"}): "我已经通知您的家人和值班工作人员。",
    frozenset(): "我已经通知值班工作人员。",
}
EMERGENCY_ADVICE = {
    "gas": "有煤气味：先关燃气阀门，打开窗户，不要开关电灯和电器，马上离开房间，到外面打119或120。",
    "fire": "着火了：先离开房间，到外面打119。",
    "fall": "摔倒了先别急着起来，能动的话慢慢挪到安全的地方，等人来帮忙。",
    "breath": "喘不上气：坐起来，解开衣领，开窗通风。",
    "chest": "胸口疼：马上坐下或躺下休息，不要走动。",
    "stroke": "嘴歪、说话不清、一边手脚没力气：可能是中风，不要吃东西喝水，躺下等急救。",
    "other": "",
}
EMERGENCY_DONE = "好的。您要注意安全，有事随时打电话。"

# --- notifications about emergencies (to family and station) ------------------------------------------
EMERGENCY_ALERT = "紧急情况：{who}刚才说“{text}”。已提醒拨打120，请马上联系老人。"
