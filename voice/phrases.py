"""What the phone line itself says (everything else comes from ``assistant.phrases``)."""

NO_ANSWER_GOODBYE = "好像没有声音。您有需要请再打过来，再见。"
SYSTEM_TROUBLE = "不好意思，系统出了点问题。我帮您转给工作人员。"
LONG_CALL_GOODBYE = "这次电话时间很长了，我先挂断。您有需要请再打过来，再见。"
NO_TRANSFER_ONLINE = "网页电话转不了人工。请拨打12349养老服务热线，或者打给您的社区服务站，工作人员会帮您。再见。"
LINE_BUSY = "现在打进来的电话太多了，请过一会儿再打。"
