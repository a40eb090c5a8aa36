"""The conversation core shared by the phone line, the web chat and Telegram.

    assistant = Assistant(sessions)
    replies = await assistant.handle(Turn(channel="web", user=user, at=now, text="明天中午送一份饭"))
"""

from assistant.core import Assistant
from assistant.identity import identify
from assistant.types import Option, Reply, Turn, UserRef

__all__ = ["Assistant", "Option", "Reply", "Turn", "UserRef", "identify"]
