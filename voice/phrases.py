"""What the phone line itself says (everything else comes from ``assistant.phrases``)."""

NO_ANSWER_GOODBYE = "好像没有声音。您有需要请再打过来，再见。"
SYSTEM_TROUBLE = "不好意思，系统出了点问题。我帮您转给工作人员。"
LONG_CALL_GOODBYE = "这次电话时间很长了，我先挂断。您有需要请再打过来，再见。"
