"""One router per concern, included by ``bot.app.build_dispatcher`` in this order:

``staff`` (order buttons and the reject reason, any chat) → ``linking`` (/start, link codes) →
``options`` (inline option buttons) → ``menu`` (main menu and free text, the catch-all).
"""
