"""Telegram channel (aiogram 3): families ask and book for their linked elders, get order news;
station staff get new orders with 接单 / 拒绝 buttons. See ``bot.app`` for the wiring and
``docs/telegram.md`` for running it."""
